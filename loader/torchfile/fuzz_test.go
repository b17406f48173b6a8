package torchfile

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead feeds arbitrary bytes to Read: it must return a File or an error, never
// panic, hang or allocate without bound. Decoded trees are then walked, their tensors
// converted and the tree written back, since corrupt input may surface there too.
// Seeds: the golden checkpoints (when present), the testdata fixtures and small
// pickles covering opcodes the fixtures lack.
func FuzzRead(f *testing.F) {
	recoverPanics = false
	f.Cleanup(func() { recoverPanics = true })
	gd := goldenDirNoSkip()
	for _, n := range []string{"checkpoint_minihalo_zip.pth.tar", "checkpoint_minihalo_legacy.pth.tar", "checkpoint_minihalo_zip_cuda_tagged.pth.tar"} {
		if b, err := os.ReadFile(filepath.Join(gd, n)); err == nil {
			f.Add(b)
		}
	}
	ents, _ := os.ReadDir("testdata")
	for _, e := range ents {
		if filepath.Ext(e.Name()) == ".py" || e.IsDir() {
			continue
		}
		if b, err := os.ReadFile(filepath.Join("testdata", e.Name())); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		handmadePlainP0,
		"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x01a\x94\x8f\x94(K\x01K\x02\x90\x86\x94.", // FRAME, MEMOIZE, sets
		"\x80\x02]q\x00h\x00a.", // list containing itself
		// functools.partial objects calling themselves and each other
		"\x80\x02cfunctools\npartial\nq\x00)Rq\x01h\x01)}\x87b)R.",
		"\x80\x02cfunctools\npartial\nq\x00)Rq\x01h\x00)Rq\x02h\x01h\x02)}\x87bh\x02h\x01)}\x87b)R.",
		"\x80\x02cnumpy\ndtype\nX\x02\x00\x00\x00f8\x89\x88\x87R(K\x03X\x01\x00\x00\x00>NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb.",
		"\x80\x05\x96\x03\x00\x00\x00\x00\x00\x00\x00abc\x98.", // BYTEARRAY8, READONLY_BUFFER
		"(dp0\nS'a'\nL-5L\nsS'b'\n(F1.5\nF-inf\ntN0s.",
		"\x80\x02ccopy_reg\n_reconstructor\nq\x00c__main__\nC\ncbuiltins\nobject\nN\x87R}b.",
		"\x80\x03C\x02hi\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x80\x86.",
	} {
		f.Add([]byte(s))
	}
	f.Add(handmadeLegacy())

	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(bytes.NewReader(data), int64(len(data)), "fuzz")
		if err != nil {
			return
		}
		walk(file.Root, 0, map[any]bool{})
		StateDict(file.Root)
		Write(io.Discard, "fuzz", file.Root)
	})
}

// goldenDirNoSkip is goldenDir for fuzz seeding: absent golden data just means fewer seeds.
func goldenDirNoSkip() string {
	if d := os.Getenv("HALO_GOLDEN"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "shared", "golden")
}

// walk visits the tree once per container (trees from pickles can be cyclic) and
// converts every tensor small enough to convert cheaply.
func walk(v any, depth int, seen map[any]bool) {
	if depth > 200 {
		return
	}
	switch x := v.(type) {
	case *Tensor:
		if seen[x] {
			return
		}
		seen[x] = true
		if x.Storage != nil && len(x.Shape) == len(x.Stride) {
			n := 1
			for _, d := range x.Shape {
				if d > 0 && n > (1<<20)/d {
					return
				}
				n *= d
			}
			x.Float32()
			x.Int64()
			x.Bytes()
		}
	case *NDArray:
		if !seen[x] {
			seen[x] = true
			x.Float64()
		}
	case *Dict:
		if x == nil || seen[x] {
			return
		}
		seen[x] = true
		for i := range x.Keys {
			walk(x.Keys[i], depth+1, seen)
			walk(x.Values[i], depth+1, seen)
		}
		walk(x.State, depth+1, seen)
	case *Object:
		if seen[x] {
			return
		}
		seen[x] = true
		for _, a := range x.Args {
			walk(a, depth+1, seen)
		}
		walk(x.State, depth+1, seen)
	case Tuple:
		if len(x) > 0 && !seen[&x[0]] {
			seen[&x[0]] = true
			for _, a := range x {
				walk(a, depth+1, seen)
			}
		}
	case List:
		if len(x) > 0 && !seen[&x[0]] {
			seen[&x[0]] = true
			for _, a := range x {
				walk(a, depth+1, seen)
			}
		}
	}
}
