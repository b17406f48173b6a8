package loader

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"

	"github.com/cvogl/halo/loader/torchfile"
)

// Record is one CVOGL annotation: the 8-tuple of the split .pth files
// (id, query file, satellite file, click at the original query resolution, click in the
// stored query image, box, rotated box, class name).
type Record struct {
	ID        int64
	Query     string     // file name under <subset>/query
	Satellite string     // file name under <subset>/satellite
	ClickOrig [2]float64 // x, y at the query's original resolution (unused by the model)
	Click     [2]float64 // x, y in the stored query image: the click the heatmap is built from
	BBox      [4]float64 // x1, y1, x2, y2 in satellite pixels
	RBox      [8]float64 // rotated box, 4 corners x, y (unused by the model)
	Class     string     // OpenStreetMap-style class, e.g. "building_retail"
}

// BadRecord is a record that was skipped, with the reason.
type BadRecord struct {
	Index  int    // position in the split file
	ID     int64  // record id when it could be read, else 0
	File   string // the offending file (the split file for a malformed tuple)
	Reason string
}

func (b BadRecord) String() string {
	return fmt.Sprintf("record %d (id %d): %s: %s", b.Index, b.ID, b.File, b.Reason)
}

// ReadAnnotations reads a split file (torch.save zip, legacy .pth or plain pickle) and
// parses its records. Malformed records are returned as bad, not as an error; the error
// is for a file that cannot be read at all or whose top level is not a list.
func ReadAnnotations(path string) ([]Record, []BadRecord, error) {
	root, err := readTorchFile(path)
	if err != nil {
		return nil, nil, err
	}
	return ParseAnnotations(root, path)
}

// ParseAnnotations parses an unpickled annotation tree: a list (or tuple) of 8-element
// tuples/lists. Numeric fields may be Python ints or floats, numpy scalars or arrays,
// tuples, lists or tensors; source names the file in errors.
func ParseAnnotations(root any, source string) ([]Record, []BadRecord, error) {
	items, ok := asSeq(root)
	if !ok {
		return nil, nil, fmt.Errorf("%s: annotations must be a list of tuples, found %s", source, typeName(root))
	}
	recs := make([]Record, 0, len(items))
	var bad []BadRecord
	for i, it := range items {
		r, err := parseRecord(it)
		if err != nil {
			bad = append(bad, BadRecord{Index: i, ID: r.ID, File: source, Reason: err.Error()})
			continue
		}
		recs = append(recs, r)
	}
	return recs, bad, nil
}

func parseRecord(v any) (r Record, err error) {
	f, ok := asSeq(v)
	if !ok {
		return r, fmt.Errorf("record is %s, want an 8-tuple", typeName(v))
	}
	if len(f) != 8 {
		return r, fmt.Errorf("record has %d fields, want 8", len(f))
	}
	if r.ID, err = toInt(f[0]); err != nil {
		return r, fmt.Errorf("id: %v", err)
	}
	if r.Query, err = toStr(f[1]); err != nil {
		return r, fmt.Errorf("query file name: %v", err)
	}
	if r.Satellite, err = toStr(f[2]); err != nil {
		return r, fmt.Errorf("satellite file name: %v", err)
	}
	if err = toVec(f[3], r.ClickOrig[:]); err != nil {
		return r, fmt.Errorf("original click: %v", err)
	}
	if err = toVec(f[4], r.Click[:]); err != nil {
		return r, fmt.Errorf("click: %v", err)
	}
	if err = toVec(f[5], r.BBox[:]); err != nil {
		return r, fmt.Errorf("bbox: %v", err)
	}
	if err = toVec(f[6], r.RBox[:]); err != nil {
		return r, fmt.Errorf("rotated box: %v", err)
	}
	if r.Class, err = toStr(f[7]); err != nil {
		return r, fmt.Errorf("class: %v", err)
	}
	if r.Query == "" || r.Satellite == "" {
		return r, fmt.Errorf("empty file name")
	}
	return r, nil
}

// asSeq accepts any Go slice or array (torchfile.Tuple, torchfile.List, []any, ...).
func asSeq(v any) ([]any, bool) {
	switch s := v.(type) {
	case []any:
		return s, true
	case torchfile.Tuple:
		return s, true
	case torchfile.List:
		return s, true
	case nil, string, []byte:
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

func typeName(v any) string {
	if v == nil {
		return "None"
	}
	if o, ok := v.(*torchfile.Object); ok {
		return o.Module + "." + o.Name
	}
	return fmt.Sprintf("%T", v)
}

func toStr(v any) (string, error) {
	switch s := v.(type) {
	case string:
		return s, nil
	case []byte:
		return string(s), nil
	}
	return "", fmt.Errorf("want a string, found %s", typeName(v))
}

// toInt reads an integer field; a float with an integral value and a numeric string are
// accepted too (ids have been stored both ways in derived datasets).
func toInt(v any) (int64, error) {
	switch x := v.(type) {
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("want an integer, found %q", x)
		}
		return n, nil
	case *big.Int:
		if !x.IsInt64() {
			return 0, fmt.Errorf("integer %s out of range", x)
		}
		return x.Int64(), nil
	}
	f, err := toFloat(v)
	if err != nil {
		return 0, err
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("want an integer, found %v", f)
	}
	return int64(f), nil
}

// toFloat reads one number: any Go integer or float type, *big.Int, or a one-element
// tensor / numpy array / sequence (a 0-d tensor is how torch stores a scalar).
func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case int:
		return float64(x), nil
	case int32:
		return float64(x), nil
	case bool:
		return 0, fmt.Errorf("want a number, found bool")
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, nil
	}
	var buf [1]float64
	if err := toVec(v, buf[:]); err != nil {
		return 0, err
	}
	return buf[0], nil
}

// toVec fills dst from a sequence of numbers, a tensor or a numpy array with exactly
// len(dst) elements (any shape, e.g. [4] or [1, 4]).
func toVec(v any, dst []float64) error {
	switch x := v.(type) {
	case *torchfile.Tensor:
		vals, err := x.Float32()
		if err != nil {
			return err
		}
		if len(vals) != len(dst) {
			return fmt.Errorf("tensor has %d elements, want %d", len(vals), len(dst))
		}
		for i, f := range vals {
			dst[i] = float64(f)
		}
		return nil
	case *torchfile.NDArray:
		vals, err := ndarrayFloats(x)
		if err != nil {
			return err
		}
		if len(vals) != len(dst) {
			return fmt.Errorf("numpy array has %d elements, want %d", len(vals), len(dst))
		}
		copy(dst, vals)
		return nil
	}
	s, ok := asSeq(v)
	if !ok {
		if len(dst) == 1 {
			if _, isNum := numeric(v); isNum {
				f, err := toFloat(v)
				dst[0] = f
				return err
			}
		}
		return fmt.Errorf("want %d numbers, found %s", len(dst), typeName(v))
	}
	// Flatten one level of nesting, e.g. [[x, y]] or a list of 0-d tensors.
	if len(s) == 1 && len(dst) > 1 {
		if inner, ok := asSeq(s[0]); ok {
			s = inner
		}
	}
	if len(s) != len(dst) {
		return fmt.Errorf("want %d numbers, found %d", len(dst), len(s))
	}
	for i, e := range s {
		if _, isNum := numeric(e); !isNum {
			if _, isSeq := asSeq(e); isSeq {
				return fmt.Errorf("element %d is a sequence, want a number", i)
			}
		}
		f, err := toFloat(e)
		if err != nil {
			return fmt.Errorf("element %d: %v", i, err)
		}
		dst[i] = f
	}
	return nil
}

// numeric reports whether v is a scalar number type.
func numeric(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case int32:
		return float64(x), true
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	}
	return 0, false
}

// ndarrayFloats converts the numeric numpy dtypes that annotation files use.
func ndarrayFloats(a *torchfile.NDArray) ([]float64, error) {
	if a.DType == "O" {
		out := make([]float64, len(a.Items))
		for i, it := range a.Items {
			f, err := toFloat(it)
			if err != nil {
				return nil, fmt.Errorf("numpy object array element %d: %v", i, err)
			}
			out[i] = f
		}
		return out, nil
	}
	var order binary.ByteOrder = binary.LittleEndian
	if a.BigEndian {
		order = binary.BigEndian
	}
	size := map[string]int{"f4": 4, "f8": 8, "i4": 4, "i8": 8, "u1": 1, "i2": 2, "i1": 1, "u2": 2, "u4": 4, "u8": 8}[a.DType]
	if size == 0 {
		return nil, fmt.Errorf("numpy dtype %q not supported", a.DType)
	}
	if len(a.Data)%size != 0 {
		return nil, fmt.Errorf("numpy array data of %d bytes is not a multiple of %d", len(a.Data), size)
	}
	n := len(a.Data) / size
	out := make([]float64, n)
	for i := range out {
		b := a.Data[i*size : (i+1)*size]
		switch a.DType {
		case "f4":
			out[i] = float64(math.Float32frombits(order.Uint32(b)))
		case "f8":
			out[i] = math.Float64frombits(order.Uint64(b))
		case "i4":
			out[i] = float64(int32(order.Uint32(b)))
		case "i8":
			out[i] = float64(int64(order.Uint64(b)))
		case "i2":
			out[i] = float64(int16(order.Uint16(b)))
		case "u2":
			out[i] = float64(order.Uint16(b))
		case "u4":
			out[i] = float64(order.Uint32(b))
		case "u8":
			out[i] = float64(order.Uint64(b))
		case "i1":
			out[i] = float64(int8(b[0]))
		case "u1":
			out[i] = float64(b[0])
		}
	}
	return out, nil
}

// RecordTree turns records back into the Python structure the split files hold: a list
// of 8-tuples with int id, str names, tuple clicks (ints when integral, as CVOGL stores
// them), list boxes and a str class.
func RecordTree(recs []Record) torchfile.List {
	out := make(torchfile.List, len(recs))
	for i, r := range recs {
		out[i] = torchfile.Tuple{
			r.ID, r.Query, r.Satellite,
			torchfile.Tuple{pyNum(r.ClickOrig[0]), pyNum(r.ClickOrig[1])},
			torchfile.Tuple{pyNum(r.Click[0]), pyNum(r.Click[1])},
			floatList(r.BBox[:]), floatList(r.RBox[:]),
			r.Class,
		}
	}
	return out
}

func pyNum(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f)
	}
	return f
}

func floatList(v []float64) torchfile.List {
	l := make(torchfile.List, len(v))
	for i, f := range v {
		l[i] = f
	}
	return l
}
