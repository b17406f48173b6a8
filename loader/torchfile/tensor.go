package torchfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Storage is a torch storage: a flat run of elements of one dtype. Data is little-endian
// whatever the byte order of the file was.
type Storage struct {
	DType string
	// Key is the storage key of the file (zip entry data/<Key>, legacy key).
	Key string
	// Location is the device the storage was saved from ("cpu", "cuda:0", ...); the data
	// is always in host memory here.
	Location string
	Data     []byte

	// Legacy views (view_metadata in the persistent id) are resolved once the root
	// storage's bytes have been read, which happens after the pickle.
	viewOf     *Storage
	viewOffset int64
	viewSize   int64
}

// Numel is the number of elements in the storage.
func (s *Storage) Numel() int {
	es := ElementSize(s.DType)
	if es == 0 {
		return 0
	}
	return len(s.Data) / es
}

// Tensor is a strided view of a storage, as torch._utils._rebuild_tensor_v2 builds it.
type Tensor struct {
	DType        string
	Shape        []int
	Stride       []int
	Offset       int
	Storage      *Storage
	RequiresGrad bool
}

// storageDTypes maps torch storage class names (torch.FloatStorage, ...) to dtype names.
var storageDTypes = map[string]string{
	"DoubleStorage":        "float64",
	"FloatStorage":         "float32",
	"HalfStorage":          "float16",
	"BFloat16Storage":      "bfloat16",
	"LongStorage":          "int64",
	"IntStorage":           "int32",
	"ShortStorage":         "int16",
	"CharStorage":          "int8",
	"ByteStorage":          "uint8",
	"BoolStorage":          "bool",
	"ComplexFloatStorage":  "complex64",
	"ComplexDoubleStorage": "complex128",
	"UntypedStorage":       "uint8",
}

var elementSizes = map[string]int{
	"float64": 8, "float32": 4, "float16": 2, "bfloat16": 2,
	"int64": 8, "int32": 4, "int16": 2, "int8": 1, "uint8": 1, "bool": 1,
	"complex64": 8, "complex128": 16,
}

// ElementSize is the size in bytes of one element of dtype, 0 for an unknown dtype.
func ElementSize(dtype string) int { return elementSizes[dtype] }

// storageClass is the inverse of storageDTypes for the writer.
func storageClass(dtype string) (string, bool) {
	for k, v := range storageDTypes {
		if v == dtype && k != "UntypedStorage" {
			return k, true
		}
	}
	return "", false
}

// NewTensor returns a contiguous tensor over a fresh storage holding data, the
// little-endian bytes of numel(shape) elements of dtype.
func NewTensor(dtype string, shape []int, data []byte) (*Tensor, error) {
	es := ElementSize(dtype)
	if es == 0 {
		return nil, fmt.Errorf("torchfile: unknown dtype %q", dtype)
	}
	n := 1
	for _, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("torchfile: negative dimension in shape %v", shape)
		}
		n *= d
	}
	if n*es != len(data) {
		return nil, fmt.Errorf("torchfile: shape %v of %s needs %d bytes, got %d", shape, dtype, n*es, len(data))
	}
	return &Tensor{
		DType:   dtype,
		Shape:   append([]int{}, shape...),
		Stride:  contiguousStride(shape),
		Storage: &Storage{DType: dtype, Location: "cpu", Data: data},
	}, nil
}

// NewFloat32Tensor returns a contiguous float32 tensor holding a copy of data.
func NewFloat32Tensor(shape []int, data []float32) (*Tensor, error) {
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return NewTensor("float32", shape, b)
}

// NewInt64Tensor returns a contiguous int64 tensor holding a copy of data.
func NewInt64Tensor(shape []int, data []int64) (*Tensor, error) {
	b := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
	}
	return NewTensor("int64", shape, b)
}

func contiguousStride(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

// Numel is the number of elements of the tensor (1 for a 0-d tensor).
func (t *Tensor) Numel() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// IsContiguous reports whether the tensor is laid out in C order without gaps.
func (t *Tensor) IsContiguous() bool {
	want := 1
	for i := len(t.Shape) - 1; i >= 0; i-- {
		if t.Shape[i] != 1 && t.Stride[i] != want {
			return false
		}
		want *= t.Shape[i]
	}
	return true
}

// maxExpand bounds the element count of a tensor that views fewer storage elements than
// it has (stride-0 expansion), so a lying shape cannot make us allocate gigabytes.
const maxExpand = 1 << 26

// checkView validates shape, stride and offset against the storage and returns the
// element count. Shapes come from the file, so every product is overflow-checked.
func (t *Tensor) checkView() (int, error) {
	if t.Storage == nil {
		return 0, errors.New("tensor has no storage")
	}
	es := ElementSize(t.DType)
	if es == 0 {
		return 0, fmt.Errorf("unsupported dtype %q", t.DType)
	}
	if t.Storage.DType != t.DType && ElementSize(t.Storage.DType) != es {
		return 0, fmt.Errorf("tensor dtype %s does not match storage dtype %s", t.DType, t.Storage.DType)
	}
	if len(t.Shape) != len(t.Stride) {
		return 0, fmt.Errorf("shape %v and stride %v differ in rank", t.Shape, t.Stride)
	}
	numel := 1
	last := t.Offset // largest element index touched
	if t.Offset < 0 {
		return 0, fmt.Errorf("negative storage offset %d", t.Offset)
	}
	for i, d := range t.Shape {
		if d < 0 || t.Stride[i] < 0 {
			return 0, fmt.Errorf("negative size or stride in shape %v stride %v", t.Shape, t.Stride)
		}
		if d == 0 {
			numel = 0
			continue
		}
		if numel > (1<<40)/d {
			return 0, fmt.Errorf("shape %v too large", t.Shape)
		}
		numel *= d
		if t.Stride[i] > 0 && d-1 > (math.MaxInt-last)/t.Stride[i] {
			return 0, fmt.Errorf("stride %v overflows", t.Stride)
		}
		last += (d - 1) * t.Stride[i]
	}
	sn := len(t.Storage.Data) / es
	if numel > 0 && last >= sn {
		return 0, fmt.Errorf("view (offset %d, shape %v, stride %v) exceeds storage of %d elements", t.Offset, t.Shape, t.Stride, sn)
	}
	if numel > sn && numel > maxExpand {
		return 0, fmt.Errorf("tensor of %d elements expands a storage of %d elements; refusing", numel, sn)
	}
	return numel, nil
}

// forEach calls f with the storage element index of every tensor element in C order.
func (t *Tensor) forEach(f func(i, src int)) {
	nd := len(t.Shape)
	numel := t.Numel()
	if numel == 0 {
		return
	}
	if t.IsContiguous() {
		for i := 0; i < numel; i++ {
			f(i, t.Offset+i)
		}
		return
	}
	idx := make([]int, nd)
	src := t.Offset
	for i := 0; i < numel; i++ {
		f(i, src)
		for d := nd - 1; d >= 0; d-- {
			idx[d]++
			src += t.Stride[d]
			if idx[d] < t.Shape[d] {
				break
			}
			src -= idx[d] * t.Stride[d]
			idx[d] = 0
		}
	}
}

// Float32 returns the elements in C order converted to float32. float64 values are
// rounded to nearest; integers convert as Go does; bool gives 0/1.
func (t *Tensor) Float32() ([]float32, error) {
	n, err := t.checkView()
	if err != nil {
		return nil, fmt.Errorf("torchfile: tensor: %w", err)
	}
	out := make([]float32, n)
	b := t.Storage.Data
	le := binary.LittleEndian
	if t.DType == "float32" && n > 0 && t.IsContiguous() {
		// the common case (checkpoint weights): no per-element index arithmetic
		src := b[4*t.Offset:]
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(src[4*i:]))
		}
		return out, nil
	}
	var conv func(i, s int)
	switch t.DType {
	case "float32":
		conv = func(i, s int) { out[i] = math.Float32frombits(le.Uint32(b[4*s:])) }
	case "float64":
		conv = func(i, s int) { out[i] = float32(math.Float64frombits(le.Uint64(b[8*s:]))) }
	case "float16":
		conv = func(i, s int) { out[i] = Float16ToFloat32(le.Uint16(b[2*s:])) }
	case "bfloat16":
		conv = func(i, s int) { out[i] = math.Float32frombits(uint32(le.Uint16(b[2*s:])) << 16) }
	case "int64":
		conv = func(i, s int) { out[i] = float32(int64(le.Uint64(b[8*s:]))) }
	case "int32":
		conv = func(i, s int) { out[i] = float32(int32(le.Uint32(b[4*s:]))) }
	case "int16":
		conv = func(i, s int) { out[i] = float32(int16(le.Uint16(b[2*s:]))) }
	case "int8":
		conv = func(i, s int) { out[i] = float32(int8(b[s])) }
	case "uint8":
		conv = func(i, s int) { out[i] = float32(b[s]) }
	case "bool":
		conv = func(i, s int) {
			if b[s] != 0 {
				out[i] = 1
			}
		}
	default:
		return nil, fmt.Errorf("torchfile: tensor: cannot convert %s to float32", t.DType)
	}
	t.forEach(conv)
	return out, nil
}

// Int64 returns the elements in C order of an integer or bool tensor.
func (t *Tensor) Int64() ([]int64, error) {
	n, err := t.checkView()
	if err != nil {
		return nil, fmt.Errorf("torchfile: tensor: %w", err)
	}
	out := make([]int64, n)
	b := t.Storage.Data
	le := binary.LittleEndian
	var conv func(i, s int)
	switch t.DType {
	case "int64":
		conv = func(i, s int) { out[i] = int64(le.Uint64(b[8*s:])) }
	case "int32":
		conv = func(i, s int) { out[i] = int64(int32(le.Uint32(b[4*s:]))) }
	case "int16":
		conv = func(i, s int) { out[i] = int64(int16(le.Uint16(b[2*s:]))) }
	case "int8":
		conv = func(i, s int) { out[i] = int64(int8(b[s])) }
	case "uint8":
		conv = func(i, s int) { out[i] = int64(b[s]) }
	case "bool":
		conv = func(i, s int) {
			if b[s] != 0 {
				out[i] = 1
			}
		}
	default:
		return nil, fmt.Errorf("torchfile: tensor: Int64 of a %s tensor; use Float32", t.DType)
	}
	t.forEach(conv)
	return out, nil
}

// Bytes returns the raw little-endian bytes of the elements in C order, in the
// tensor's own dtype (a copy, contiguous even if the tensor was not).
func (t *Tensor) Bytes() ([]byte, error) {
	n, err := t.checkView()
	if err != nil {
		return nil, fmt.Errorf("torchfile: tensor: %w", err)
	}
	es := ElementSize(t.DType)
	out := make([]byte, n*es)
	b := t.Storage.Data
	t.forEach(func(i, s int) { copy(out[i*es:(i+1)*es], b[s*es:(s+1)*es]) })
	return out, nil
}

// Float16ToFloat32 converts IEEE 754 half-precision bits to float32 exactly.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf or nan, keep the payload
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	case mant == 0:
		return math.Float32frombits(sign)
	}
	// subnormal half: normalise into a float32 normal
	e := uint32(113)
	for mant&0x400 == 0 {
		mant <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
}
