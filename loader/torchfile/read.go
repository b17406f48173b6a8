package torchfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
)

// Format names the on-disk form a file was read from.
type Format string

const (
	FormatZip    Format = "zip"    // torch.save, PyTorch >= 1.6
	FormatLegacy Format = "legacy" // torch.save(..., _use_new_zipfile_serialization=False)
	FormatPickle Format = "pickle" // plain pickle.dump
)

// File is a decoded torch.save (or pickle) file.
type File struct {
	// Name is the name given to Read (the path for Open), used in error messages.
	Name   string
	Format Format
	// Root is the unpickled object tree.
	Root any
	// Archive is the zip member prefix (the archive directory name), "" otherwise.
	Archive string
	// Version is the zip "version" record (e.g. "3"), "" when absent.
	Version string
	// SysInfo is the legacy format's sys_info dict, nil otherwise.
	SysInfo any
}

// legacyMagic is torch.serialization.MAGIC_NUMBER, the first pickle of a legacy file.
var legacyMagic, _ = new(big.Int).SetString("1950a86a20f9469cfc6c", 16)

// recoverPanics turns an unexpected panic into an error at the API boundary; the fuzz
// test switches it off so that panics are reported as the bugs they are.
var recoverPanics = true

// maxNested bounds torch.storage._load_from_bytes recursion (a torch.save file pickled
// inside a pickle).
const maxNested = 4

// Open reads the file at path.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("torchfile: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("torchfile: %w", err)
	}
	return read(f, st.Size(), path, 0, true)
}

// Read decodes a torch.save file or plain pickle of the given size from r. name is only
// used in error messages.
func Read(r io.ReaderAt, size int64, name string) (*File, error) {
	return read(r, size, name, 0, false)
}

// read decodes a file; exactSize says size is known to be true (from Stat), so a
// legacy or pickle file can be read into one buffer of exactly that size.
func read(r io.ReaderAt, size int64, name string, nested int, exactSize bool) (f *File, err error) {
	if recoverPanics {
		defer func() {
			if p := recover(); p != nil {
				f, err = nil, fmt.Errorf("torchfile: %s: internal error: %v", name, p)
			}
		}()
	}
	f, err = readFormat(r, size, nested, exactSize)
	if err != nil {
		return nil, fmt.Errorf("torchfile: %s: %w", name, err)
	}
	f.Name = name
	return f, nil
}

func readFormat(r io.ReaderAt, size int64, nested int, exactSize bool) (*File, error) {
	if nested > maxNested {
		return nil, errors.New("torch.save files nested too deeply")
	}
	if size < 0 {
		return nil, errors.New("negative size")
	}
	var head [4]byte
	if n, _ := r.ReadAt(head[:], 0); n == 4 && string(head[:]) == "PK\x03\x04" {
		return readZip(r, size, nested)
	}
	// Legacy and plain pickles are read into memory: the pickles must be decoded in
	// sequence anyway and storages then alias the buffer instead of being copied.
	var data []byte
	if exactSize {
		data = make([]byte, size)
		if n, err := r.ReadAt(data, 0); int64(n) < size {
			return nil, fmt.Errorf("read %d of %d bytes: %v", n, size, err)
		}
	} else {
		// size came from the caller: grow with the data actually there
		var err error
		if data, err = io.ReadAll(io.NewSectionReader(r, 0, size)); err != nil {
			return nil, err
		}
	}
	if len(data) == 0 {
		return nil, errors.New("empty file")
	}
	if len(data) >= 262 && string(data[257:262]) == "ustar" {
		return nil, errors.New("tar-based torch.save format (PyTorch < 0.4) is not supported")
	}
	u := &unpickler{data: data, nested: nested}
	first, err := u.load()
	if err != nil {
		return nil, err
	}
	if b, ok := first.(*big.Int); ok && b.Cmp(legacyMagic) == 0 {
		return readLegacy(u)
	}
	return &File{Format: FormatPickle, Root: first}, nil
}

// loadFromBytes implements torch.storage._load_from_bytes: the bytes are a whole
// torch.save file whose root is a storage.
func loadFromBytes(b []byte, nested int) (any, error) {
	f, err := readFormat(bytes.NewReader(b), int64(len(b)), nested, true)
	if err != nil {
		return nil, fmt.Errorf("nested torch.save: %w", err)
	}
	return f.Root, nil
}

// storageDType resolves the storage class of a persistent id (torch.FloatStorage,
// torch.cuda.HalfStorage, ...) to a dtype.
func storageDType(v any) (string, error) {
	g, ok := v.(*Global)
	if !ok {
		return "", fmt.Errorf("storage type is a %s", typeName(v))
	}
	dt, ok := storageDTypes[g.Name]
	if !ok {
		return "", fmt.Errorf("unsupported storage type %s", g)
	}
	return dt, nil
}

// storageBytes computes numel*element size for a file-provided numel, rejecting values
// whose product would overflow.
func storageBytes(numel any, dtype string) (int64, error) {
	n, err := toInt(numel, "storage numel")
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, fmt.Errorf("negative storage numel %d", n)
	}
	return int64(n) * int64(ElementSize(dtype)), nil
}

// swapBytes converts big-endian element data of dtype to little-endian in place.
// Complex numbers are two floats, each swapped on its own.
func swapBytes(b []byte, dtype string) {
	es := ElementSize(dtype)
	switch dtype {
	case "complex64":
		es = 4
	case "complex128":
		es = 8
	}
	if es <= 1 {
		return
	}
	for i := 0; i+es <= len(b); i += es {
		for l, r := i, i+es-1; l < r; l, r = l+1, r-1 {
			b[l], b[r] = b[r], b[l]
		}
	}
}
