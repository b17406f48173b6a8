package torchfile

import (
	"fmt"
	"math/big"
	"reflect"
)

// Tuple is a Python tuple.
type Tuple []any

// List is a Python list.
type List []any

// Set is a Python set or frozenset, in the order its items were pickled.
type Set []any

// Dict is a Python dict or collections.OrderedDict. Python dicts keep insertion order,
// so keys and values are kept as parallel slices; the index only covers keys of
// comparable Go types (string, int64, float64, bool, nil), others are found by a scan.
type Dict struct {
	Keys   []any
	Values []any
	// Ordered is true for a collections.OrderedDict (torch state_dicts are); the writer
	// emits an OrderedDict for it so a round trip keeps the Python type.
	Ordered bool
	// State is what a pickle BUILD set on the dict object: for a torch state_dict the
	// attribute dict {"_metadata": OrderedDict(...)}. nil when there was none.
	State any

	index   map[any]int
	indexed int // len(Keys) when index was built; callers may append to Keys directly
}

// NewDict returns an empty dict.
func NewDict() *Dict { return &Dict{} }

// NewOrderedDict returns an empty collections.OrderedDict.
func NewOrderedDict() *Dict { return &Dict{Ordered: true} }

// Len is the number of items.
func (d *Dict) Len() int { return len(d.Keys) }

// hashKey turns a key into a comparable Go value usable in the index, or reports false
// for keys (tuples, big ints, objects) that need a linear scan.
func hashKey(k any) (any, bool) {
	switch v := k.(type) {
	case nil, string, int64, float64, bool:
		// Python: True == 1 and hash(True) == hash(1); keep them apart like most
		// pickles do in practice, which never mix them as keys.
		return v, true
	case int:
		return int64(v), true
	}
	return nil, false
}

func (d *Dict) find(k any) int {
	if hk, ok := hashKey(k); ok {
		if d.index == nil || d.indexed != len(d.Keys) {
			d.index = make(map[any]int, len(d.Keys))
			for i, key := range d.Keys {
				if h, ok := hashKey(key); ok {
					if _, dup := d.index[h]; !dup {
						d.index[h] = i
					}
				}
			}
			d.indexed = len(d.Keys)
		}
		if i, ok := d.index[hk]; ok {
			return i
		}
		return -1
	}
	for i, key := range d.Keys {
		if keyEqual(key, k) {
			return i
		}
	}
	return -1
}

func keyEqual(a, b any) bool {
	if x, ok := a.(*big.Int); ok {
		y, ok := b.(*big.Int)
		return ok && x.Cmp(y) == 0
	}
	return reflect.DeepEqual(a, b)
}

// Set stores v under k, replacing an existing value in place (Python semantics: the
// key keeps its original position).
func (d *Dict) Set(k, v any) {
	if i := d.find(k); i >= 0 {
		d.Values[i] = v
		return
	}
	d.Keys = append(d.Keys, k)
	d.Values = append(d.Values, v)
	if hk, ok := hashKey(k); ok && d.index != nil && d.indexed == len(d.Keys)-1 {
		d.index[hk] = len(d.Keys) - 1
		d.indexed = len(d.Keys)
	}
}

// Lookup returns the value stored under an arbitrary key.
func (d *Dict) Lookup(k any) (any, bool) {
	if d == nil {
		return nil, false
	}
	if i := d.find(k); i >= 0 {
		return d.Values[i], true
	}
	return nil, false
}

// Get returns the value stored under a string key.
func (d *Dict) Get(key string) (any, bool) { return d.Lookup(key) }

// Global is a reference to a Python global (class or function) that has not been
// called, e.g. a class passed as an argument.
type Global struct {
	Module, Name string
}

func (g *Global) String() string { return g.Module + "." + g.Name }

// Object is an instance of a Python class this package does not map to a Go type.
// It records everything the pickle said about it so callers can still dig in.
type Object struct {
	Module, Name string
	// Args are the positional arguments of the REDUCE/NEWOBJ call that created it.
	Args []any
	// Kwargs are NEWOBJ_EX keyword arguments, nil otherwise.
	Kwargs *Dict
	// State is the argument of BUILD (usually the instance __dict__), nil if none.
	State any
	// ListItems and DictItems collect APPEND(S)/SETITEM(S) applied to the object,
	// which pickle emits for list and dict subclasses.
	ListItems []any
	DictItems *Dict
}

func (o *Object) String() string { return fmt.Sprintf("<%s.%s object>", o.Module, o.Name) }

// NDArray is a numpy array rebuilt from numpy.core.multiarray._reconstruct.
type NDArray struct {
	// DType is the numpy type string without byte order, e.g. "f4", "i8", "u1", "b1", "O".
	DType string
	// BigEndian is true for a '>' byte order.
	BigEndian bool
	Shape     []int
	Fortran   bool
	// Data holds the raw element bytes; Items holds the elements of an object array.
	Data  []byte
	Items []any
}

// NumpyDType is a numpy.dtype object.
type NumpyDType struct {
	Str       string // "f8", "i4", "O", ...
	BigEndian bool
}
