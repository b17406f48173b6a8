package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"math"
	"os"
	"sort"
)

// maxHeader bounds the JSON header so a corrupt length field cannot make us
// allocate gigabytes before we notice.
const maxHeader = 100 << 20

// Info describes one tensor in a file.
type Info struct {
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
	// Offsets are [begin, end) relative to the first byte after the header.
	Offsets [2]int64 `json:"data_offsets"`
}

// Numel returns the number of elements (1 for a scalar of shape []).
func (in Info) Numel() int {
	n := 1
	for _, d := range in.Shape {
		n *= d
	}
	return n
}

// File is a parsed safetensors file held in memory.
type File struct {
	Path     string
	Metadata map[string]string
	infos    map[string]Info
	data     []byte
}

// Open reads and validates the whole file.
func Open(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return Parse(b, path)
}

// Parse validates b (a whole safetensors file); name is used in errors.
func Parse(b []byte, name string) (*File, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("safetensors: %s: file is %d bytes, too short for the header length", name, len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if n > maxHeader || n > uint64(len(b)-8) {
		return nil, fmt.Errorf("safetensors: %s: header length %d does not fit the %d-byte file", name, n, len(b))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &raw); err != nil {
		return nil, fmt.Errorf("safetensors: %s: bad JSON header: %v", name, err)
	}
	f := &File{Path: name, infos: make(map[string]Info, len(raw)), data: b[8+n:]}
	for k, v := range raw {
		if k == "__metadata__" {
			if err := json.Unmarshal(v, &f.Metadata); err != nil {
				return nil, fmt.Errorf("safetensors: %s: bad __metadata__: %v", name, err)
			}
			continue
		}
		var in Info
		if err := json.Unmarshal(v, &in); err != nil {
			return nil, fmt.Errorf("safetensors: %s: tensor %q: bad header entry: %v", name, k, err)
		}
		size, ok := dtypeSize[in.DType]
		if !ok {
			return nil, fmt.Errorf("safetensors: %s: tensor %q: unsupported dtype %q", name, k, in.DType)
		}
		numel := int64(1)
		for _, d := range in.Shape {
			if d < 0 || (d > 0 && numel > math.MaxInt32*int64(64)/int64(d)) {
				return nil, fmt.Errorf("safetensors: %s: tensor %q: bad shape %v", name, k, in.Shape)
			}
			numel *= int64(d)
		}
		b0, e0 := in.Offsets[0], in.Offsets[1]
		if b0 < 0 || e0 < b0 || e0 > int64(len(f.data)) {
			return nil, fmt.Errorf("safetensors: %s: tensor %q: offsets [%d,%d) outside the %d data bytes (truncated file?)", name, k, b0, e0, len(f.data))
		}
		if e0-b0 != numel*int64(size) {
			return nil, fmt.Errorf("safetensors: %s: tensor %q: %s%v needs %d bytes, offsets give %d", name, k, in.DType, in.Shape, numel*int64(size), e0-b0)
		}
		f.infos[k] = in
	}
	return f, nil
}

var dtypeSize = map[string]int{"F32": 4, "F64": 8, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "U8": 1, "BOOL": 1}

// Names returns the tensor names in sorted order.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.infos))
	for k := range f.infos {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Has reports whether the file holds a tensor called name.
func (f *File) Has(name string) bool { _, ok := f.infos[name]; return ok }

// Info returns the description of the named tensor.
func (f *File) Info(name string) (Info, bool) { in, ok := f.infos[name]; return in, ok }

// Raw returns the named tensor's bytes (not copied).
func (f *File) Raw(name string) ([]byte, Info, error) {
	in, ok := f.infos[name]
	if !ok {
		return nil, Info{}, fmt.Errorf("safetensors: %s: no tensor %q", f.Path, name)
	}
	return f.data[in.Offsets[0]:in.Offsets[1]], in, nil
}

// Float32 returns the named tensor converted to float32, with its shape.
func (f *File) Float32(name string) ([]float32, []int, error) {
	b, in, err := f.Raw(name)
	if err != nil {
		return nil, nil, err
	}
	n := in.Numel()
	out := make([]float32, n)
	switch in.DType {
	case "F32":
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case "F64":
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		}
	case "F16":
		for i := range out {
			out[i] = HalfToFloat32(binary.LittleEndian.Uint16(b[2*i:]))
		}
	case "BF16":
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
		}
	case "I64":
		for i := range out {
			out[i] = float32(int64(binary.LittleEndian.Uint64(b[8*i:])))
		}
	case "I32":
		for i := range out {
			out[i] = float32(int32(binary.LittleEndian.Uint32(b[4*i:])))
		}
	case "U8", "BOOL":
		for i := range out {
			out[i] = float32(b[i])
		}
	}
	return out, in.Shape, nil
}

// Int64 returns the named integer tensor as int64, with its shape.
func (f *File) Int64(name string) ([]int64, []int, error) {
	b, in, err := f.Raw(name)
	if err != nil {
		return nil, nil, err
	}
	n := in.Numel()
	out := make([]int64, n)
	switch in.DType {
	case "I64":
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
		}
	case "I32":
		for i := range out {
			out[i] = int64(int32(binary.LittleEndian.Uint32(b[4*i:])))
		}
	case "U8", "BOOL":
		for i := range out {
			out[i] = int64(b[i])
		}
	default:
		return nil, nil, fmt.Errorf("safetensors: %s: tensor %q is %s, not an integer type", f.Path, name, in.DType)
	}
	return out, in.Shape, nil
}

// HalfToFloat32 converts an IEEE 754 binary16 value to float32 exactly.
func HalfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch {
	case exp == 0 && man == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: value = man * 2^-24
		v := float32(man) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	}
	return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
}
