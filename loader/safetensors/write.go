package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
)

// Tensor is one entry to write. Exactly one of F32 and I64 is set.
type Tensor struct {
	Shape []int
	F32   []float32
	I64   []int64
}

// WriteFile writes tensors (and optional metadata) to path atomically: the data goes
// to a temporary file in the same directory which is renamed over path only when
// complete, so a crash never leaves a half-written file under the final name.
func WriteFile(path string, tensors map[string]Tensor, metadata map[string]string) error {
	names := make([]string, 0, len(tensors))
	for k := range tensors {
		names = append(names, k)
	}
	sort.Strings(names)
	header := make(map[string]any, len(names)+1)
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	var off int64
	for _, k := range names {
		t := tensors[k]
		n := 1
		for _, d := range t.Shape {
			n *= d
		}
		var dtype string
		var size int64
		switch {
		case t.F32 != nil || (t.I64 == nil && n == 0):
			dtype, size = "F32", int64(4*len(t.F32))
			if len(t.F32) != n {
				return fmt.Errorf("safetensors: %s: tensor %q: %d values for shape %v", path, k, len(t.F32), t.Shape)
			}
		default:
			dtype, size = "I64", int64(8*len(t.I64))
			if len(t.I64) != n {
				return fmt.Errorf("safetensors: %s: tensor %q: %d values for shape %v", path, k, len(t.I64), t.Shape)
			}
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[k] = Info{DType: dtype, Shape: shape, Offsets: [2]int64{off, off + size}}
		off += size
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("safetensors: %s: %v", path, err)
	}
	for len(hj)%8 != 0 {
		hj = append(hj, ' ')
	}
	buf := make([]byte, 8, 8+len(hj)+int(off))
	binary.LittleEndian.PutUint64(buf, uint64(len(hj)))
	buf = append(buf, hj...)
	for _, k := range names {
		t := tensors[k]
		for _, v := range t.F32 {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
		for _, v := range t.I64 {
			buf = binary.LittleEndian.AppendUint64(buf, uint64(v))
		}
	}
	return writeAtomic(path, buf)
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("safetensors: %s: %w", path, err)
	}
	name := tmp.Name()
	_, werr := tmp.Write(data)
	if werr == nil {
		werr = tmp.Sync()
	}
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(name, path)
	}
	if werr != nil {
		os.Remove(name)
		return fmt.Errorf("safetensors: writing %s: %w", path, werr)
	}
	return nil
}
