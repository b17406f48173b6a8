package torchfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Write writes root as a zip-format torch.save archive whose members live under the
// directory archive (torch uses the file's base name without extension).
//
// root may be built from nil, bool, int/int32/int64/uint8/uint32/uint64, *big.Int,
// float32/float64, string, []byte, Tuple, List, []any, []int, []float64, []string, Set,
// *Dict, map[string]any (written with sorted keys) and *Tensor of any dtype with a
// storage class. Tensors sharing a *Storage share one storage record.
func Write(w io.Writer, archive string, root any) error {
	if archive == "" || strings.ContainsAny(archive, "/\\") {
		return fmt.Errorf("torchfile: bad archive name %q", archive)
	}
	p := newPickler()
	pkl, err := p.dump(root)
	if err != nil {
		return fmt.Errorf("torchfile: %w", err)
	}
	z := &zipWriter{w: w}
	// Member order as torch.save: data.pkl, byteorder, storages sorted by key (as
	// strings), and version last (PyTorchStreamWriter adds it when closing).
	if err := z.add(archive+"/data.pkl", pkl); err != nil {
		return fmt.Errorf("torchfile: %w", err)
	}
	if err := z.add(archive+"/byteorder", []byte("little")); err != nil {
		return fmt.Errorf("torchfile: %w", err)
	}
	keys := make([]string, 0, len(p.storages))
	for k := range p.storages {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := z.add(archive+"/data/"+k, p.storages[k].Data); err != nil {
			return fmt.Errorf("torchfile: %w", err)
		}
	}
	if err := z.add(archive+"/version", []byte("3\n")); err != nil {
		return fmt.Errorf("torchfile: %w", err)
	}
	if err := z.close(); err != nil {
		return fmt.Errorf("torchfile: %w", err)
	}
	return nil
}

// ArchiveName is the member directory torch.save uses for a file name: the base name
// without its last extension ("CVOGL_SVI_train.pth" -> "CVOGL_SVI_train").
func ArchiveName(path string) string {
	base := filepath.Base(path)
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	if base == "" || base == "." || base == string(filepath.Separator) {
		return "archive"
	}
	return base
}

// WriteFile writes root to path as a zip-format torch.save file (see Write). The file
// is written to a temporary file in the same directory and renamed into place, so a
// reader never sees a partial file and a failed write leaves any old file intact.
func WriteFile(path string, root any) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("torchfile: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err = Write(bw, ArchiveName(path), root); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("torchfile: %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("torchfile: %s: %w", path, err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("torchfile: %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("torchfile: %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("torchfile: %s: %w", path, err)
	}
	return nil
}
