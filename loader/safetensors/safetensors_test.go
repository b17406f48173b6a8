package safetensors

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.safetensors")
	in := map[string]Tensor{
		"a.weight": {Shape: []int{2, 3}, F32: []float32{1, -2, 3.5, float32(math.Inf(1)), 0, -0.25}},
		"n":        {Shape: []int{}, I64: []int64{-7}},
		"empty":    {Shape: []int{0, 4}, F32: []float32{}},
	}
	if err := WriteFile(p, in, map[string]string{"epoch": "3"}); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.Names(), ","); got != "a.weight,empty,n" {
		t.Fatalf("names %s", got)
	}
	if f.Metadata["epoch"] != "3" {
		t.Fatalf("metadata %v", f.Metadata)
	}
	w, shape, err := f.Float32("a.weight")
	if err != nil || len(shape) != 2 || shape[0] != 2 || shape[1] != 3 {
		t.Fatalf("shape %v err %v", shape, err)
	}
	for i := range w {
		if w[i] != in["a.weight"].F32[i] {
			t.Fatalf("a.weight[%d] = %v want %v", i, w[i], in["a.weight"].F32[i])
		}
	}
	n, shape, err := f.Int64("n")
	if err != nil || len(shape) != 0 || n[0] != -7 {
		t.Fatalf("n = %v %v %v", n, shape, err)
	}
	if _, _, err := f.Int64("a.weight"); err == nil {
		t.Fatal("Int64 of a float tensor must fail")
	}
	if _, _, err := f.Float32("missing"); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing tensor error %v", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("temp files left behind: %v", ents)
	}
}

func TestCorruptFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.safetensors")
	if err := WriteFile(p, map[string]Tensor{"x": {Shape: []int{4}, F32: []float32{1, 2, 3, 4}}}, nil); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(p)
	cases := map[string][]byte{
		"empty":     {},
		"truncated": good[:len(good)-3],
		"huge header": func() []byte {
			b := append([]byte(nil), good...)
			binary.LittleEndian.PutUint64(b, 1<<40)
			return b
		}(),
		"bad json": func() []byte {
			b := append([]byte(nil), good...)
			b[8] = '['
			return b
		}(),
	}
	for name, b := range cases {
		if _, err := Parse(b, "bad.safetensors"); err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.Contains(err.Error(), "bad.safetensors") {
			t.Errorf("%s: error does not name the file: %v", name, err)
		}
	}
}

func TestHalf(t *testing.T) {
	cases := map[uint16]float32{0x3c00: 1, 0xc000: -2, 0x7bff: 65504, 0x0001: 5.960464477539063e-08, 0x3555: 0.33325195}
	for h, want := range cases {
		if got := HalfToFloat32(h); got != want {
			t.Errorf("HalfToFloat32(%#x) = %v want %v", h, got, want)
		}
	}
	if !math.IsInf(float64(HalfToFloat32(0x7c00)), 1) || !math.IsNaN(float64(HalfToFloat32(0x7e00))) {
		t.Error("inf/nan")
	}
}

func FuzzParse(f *testing.F) {
	dir := f.TempDir()
	p := filepath.Join(dir, "m.safetensors")
	if err := WriteFile(p, map[string]Tensor{"x": {Shape: []int{2, 2}, F32: []float32{1, 2, 3, 4}}, "i": {Shape: []int{1}, I64: []int64{5}}}, nil); err != nil {
		f.Fatal(err)
	}
	good, _ := os.ReadFile(p)
	f.Add(good)
	f.Add(good[:20])
	f.Fuzz(func(t *testing.T, b []byte) {
		sf, err := Parse(b, "fuzz")
		if err != nil {
			return
		}
		for _, n := range sf.Names() {
			sf.Float32(n)
			sf.Int64(n)
		}
	})
}
