package torchfile

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxDeflateRatio bounds how much a deflated entry can expand (deflate's limit is about
// 1032:1), so a lying uncompressed size cannot trigger a huge allocation. torch itself
// always stores entries uncompressed.
const maxDeflateRatio = 1100

// readZip decodes the PyTorch >= 1.6 format: <archive>/data.pkl refers to storages by
// key through persistent ids, each stored raw in <archive>/data/<key>.
func readZip(r io.ReaderAt, size int64, nested int) (*File, error) {
	zr, err := zip.NewReader(r, size)
	// Member names are never used as paths here, so insecure names are harmless.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("%w (truncated or corrupt archive)", err)
	}
	if zr == nil || len(zr.File) == 0 {
		return nil, errors.New("zip: archive has no members")
	}
	entries := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		if _, dup := entries[f.Name]; !dup {
			entries[f.Name] = f
		}
	}
	// torch takes the archive name from the first member; fall back to any data.pkl
	// for archives repacked by other tools.
	prefix := zr.File[0].Name
	if i := strings.IndexByte(prefix, '/'); i >= 0 {
		prefix = prefix[:i]
	}
	pklEntry := entries[prefix+"/data.pkl"]
	if pklEntry == nil {
		for _, f := range zr.File {
			if f.Name == "data.pkl" || strings.HasSuffix(f.Name, "/data.pkl") {
				pklEntry = f
				prefix = strings.TrimSuffix(strings.TrimSuffix(f.Name, "data.pkl"), "/")
				break
			}
		}
	}
	if pklEntry == nil {
		return nil, errors.New("zip: no data.pkl member (not a torch.save archive)")
	}
	member := func(n string) string {
		if prefix == "" {
			return n
		}
		return prefix + "/" + n
	}
	file := &File{Format: FormatZip, Archive: prefix}

	pkl, err := readEntry(r, size, pklEntry, -1)
	if err != nil {
		return nil, err
	}
	bigEndian := false
	if e := entries[member("byteorder")]; e != nil {
		b, err := readEntry(r, size, e, -1)
		if err != nil {
			return nil, err
		}
		switch strings.TrimSpace(string(b)) {
		case "little":
		case "big":
			bigEndian = true
		default:
			return nil, fmt.Errorf("%s: unknown byte order %q", e.Name, b)
		}
	}
	if e := entries[member("version")]; e != nil {
		// informational only: a missing or odd version record does not stop the load
		if e.UncompressedSize64 <= 64 {
			if b, err := readEntry(r, size, e, -1); err == nil {
				file.Version = strings.TrimSpace(string(b))
			}
		}
	}

	storages := map[string]*Storage{}
	u := &unpickler{data: pkl, nested: nested}
	u.persistentLoad = func(pid any) (any, error) {
		t, ok := pid.(Tuple)
		if !ok || len(t) < 5 || t[0] != "storage" {
			return nil, fmt.Errorf("unsupported persistent id %s", typeName(pid))
		}
		dtype, err := storageDType(t[1])
		if err != nil {
			return nil, err
		}
		key, ok1 := t[2].(string)
		loc, ok2 := t[3].(string)
		if !ok1 || !ok2 {
			return nil, errors.New("persistent id key or location is not a str")
		}
		if s, ok := storages[key]; ok {
			return s, nil
		}
		nbytes, err := storageBytes(t[4], dtype)
		if err != nil {
			return nil, err
		}
		name := member("data/" + key)
		e := entries[name]
		if e == nil {
			return nil, &storageError{fmt.Errorf("storage %s: member missing", name)}
		}
		data, err := readEntry(r, size, e, nbytes)
		if err != nil {
			return nil, &storageError{err}
		}
		if bigEndian {
			swapBytes(data, dtype)
		}
		s := &Storage{DType: dtype, Key: key, Location: loc, Data: data}
		storages[key] = s
		return s, nil
	}
	file.Root, err = u.load()
	if err != nil {
		var se *storageError
		if errors.As(err, &se) {
			return nil, se
		}
		return nil, fmt.Errorf("%s: %w", pklEntry.Name, err)
	}
	return file, nil
}

// readEntry returns the first want bytes of a member (the whole member when want < 0),
// bounding every size by what the archive can really hold.
func readEntry(r io.ReaderAt, size int64, f *zip.File, want int64) ([]byte, error) {
	have := int64(f.UncompressedSize64)
	if f.UncompressedSize64 > 1<<62 {
		have = 1 << 62
	}
	switch f.Method {
	case zip.Store:
		off, err := f.DataOffset()
		if err != nil {
			return nil, fmt.Errorf("storage %s: %w", f.Name, err)
		}
		if off < 0 || off > size {
			return nil, fmt.Errorf("storage %s: data offset %d beyond end of file", f.Name, off)
		}
		if have > size-off {
			have = size - off
		}
		if want < 0 {
			want = int64(f.UncompressedSize64)
		}
		if want > have {
			return nil, fmt.Errorf("storage %s: truncated: want %d bytes, have %d", f.Name, want, have)
		}
		buf := make([]byte, want)
		n, err := r.ReadAt(buf, off)
		if int64(n) < want {
			return nil, fmt.Errorf("storage %s: truncated: want %d bytes, have %d (%v)", f.Name, want, n, err)
		}
		return buf, nil
	case zip.Deflate:
		if limit := int64(f.CompressedSize64)*maxDeflateRatio + 1024; have > limit || f.CompressedSize64 > uint64(size) {
			return nil, fmt.Errorf("storage %s: implausible size %d for %d compressed bytes", f.Name, f.UncompressedSize64, f.CompressedSize64)
		}
		if want < 0 {
			want = have
		}
		if want > have {
			return nil, fmt.Errorf("storage %s: truncated: want %d bytes, have %d", f.Name, want, have)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("storage %s: %w", f.Name, err)
		}
		defer rc.Close()
		buf := make([]byte, want)
		n, err := io.ReadFull(rc, buf)
		if err != nil {
			return nil, fmt.Errorf("storage %s: truncated: want %d bytes, have %d (%v)", f.Name, want, n, err)
		}
		return buf, nil
	}
	return nil, fmt.Errorf("storage %s: unsupported compression method %d", f.Name, f.Method)
}
