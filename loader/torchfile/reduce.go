package torchfile

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// moduleAliases folds Python 2 and numpy 2 module names onto the names the handlers
// below are keyed by.
var moduleAliases = map[string]string{
	"__builtin__":            "builtins",
	"copy_reg":               "copyreg",
	"numpy._core.multiarray": "numpy.core.multiarray",
	"numpy._core.numeric":    "numpy.core.numeric",
}

func newGlobal(module, name string) *Global {
	module = strings.TrimSpace(module)
	name = strings.TrimSpace(name)
	if a, ok := moduleAliases[module]; ok {
		module = a
	}
	return &Global{Module: module, Name: name}
}

// torchDTypes maps torch dtype globals (torch.float32, torch.half...) to dtype names.
var torchDTypes = map[string]string{
	"float32": "float32", "float": "float32", "float64": "float64", "double": "float64",
	"float16": "float16", "half": "float16", "bfloat16": "bfloat16",
	"int64": "int64", "long": "int64", "int32": "int32", "int": "int32",
	"int16": "int16", "short": "int16", "int8": "int8", "uint8": "uint8", "bool": "bool",
	"complex64": "complex64", "complex128": "complex128",
}

// call applies a global to arguments (REDUCE, INST, OBJ). Known globals build Go values;
// anything else becomes an *Object so unknown classes never stop a load.
func (u *unpickler) call(fn any, args Tuple) (any, error) {
	// calls can chain (partial -> partial, _rebuild_from_type -> func); a memo cycle
	// must end in an error, not a stack overflow
	u.callDepth++
	defer func() { u.callDepth-- }()
	if u.callDepth > 32 {
		return nil, fmt.Errorf("calls nested deeper than 32")
	}
	g, ok := fn.(*Global)
	if !ok {
		if o, isObj := fn.(*Object); isObj {
			return u.callObject(o, args)
		}
		return nil, fmt.Errorf("cannot call a %s", typeName(fn))
	}
	switch g.Module + "." + g.Name {
	case "builtins.getattr":
		// getattr(cls, "__new__") as protocol 2/3 spell a keyword constructor
		if len(args) == 2 {
			c, ok1 := args[0].(*Global)
			attr, ok2 := args[1].(string)
			if ok1 && ok2 {
				return &Global{Module: c.Module, Name: c.Name + "." + attr}, nil
			}
		}
	case "builtins.object.__new__":
		if len(args) > 0 {
			return u.newObj(args[0], args[1:], nil)
		}
	case "copyreg.__newobj_ex__":
		if len(args) == 3 {
			cargs, _ := seqItems(args[1])
			kw, _ := args[2].(*Dict)
			return u.newObj(args[0], cargs, kw)
		}
	case "collections.OrderedDict", "builtins.dict":
		d := &Dict{Ordered: g.Name == "OrderedDict"}
		if len(args) > 0 {
			if err := fillDict(d, args[0]); err != nil {
				return nil, err
			}
		}
		return d, nil
	case "builtins.set", "builtins.frozenset":
		s := &pySet{}
		if len(args) > 0 {
			items, ok := seqItems(args[0])
			if !ok {
				return nil, fmt.Errorf("%s of a %s", g, typeName(args[0]))
			}
			s.items = append(s.items, items...)
		}
		return s, nil
	case "builtins.list":
		l := &pyList{}
		if len(args) > 0 {
			items, ok := seqItems(args[0])
			if !ok {
				return nil, fmt.Errorf("list of a %s", typeName(args[0]))
			}
			l.items = append(l.items, items...)
		}
		return l, nil
	case "builtins.tuple":
		if len(args) == 0 {
			return Tuple{}, nil
		}
		items, ok := seqItems(args[0])
		if !ok {
			return nil, fmt.Errorf("tuple of a %s", typeName(args[0]))
		}
		return append(Tuple{}, items...), nil
	case "builtins.bytearray", "builtins.bytes":
		if len(args) == 0 {
			return []byte{}, nil
		}
		return toBytes(args)
	case "_codecs.encode":
		return toBytes(args)
	case "copyreg._reconstructor":
		// protocol 0/1 instance: (cls, base, base_state); for a dict or list subclass
		// base_state holds the items (base.__init__(obj, base_state) in Python)
		if len(args) == 3 {
			if c, ok := args[0].(*Global); ok {
				o := &Object{Module: c.Module, Name: c.Name}
				switch st := args[2].(type) {
				case nil:
				case *Dict:
					o.DictItems = st
				case *pyList:
					o.ListItems = st.items
				default:
					o.Args = []any{st}
				}
				return o, nil
			}
		}
	case "copyreg.__newobj__":
		if len(args) > 0 {
			return u.newObj(args[0], args[1:], nil)
		}
	case "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2":
		return rebuildTensor(args, "")
	case "torch._utils._rebuild_tensor_v3":
		// (storage, offset, size, stride, requires_grad, hooks, dtype, metadata)
		dt := ""
		if len(args) > 6 {
			if dg, ok := args[6].(*Global); ok && dg.Module == "torch" {
				dt = torchDTypes[dg.Name]
			}
		}
		return rebuildTensor(args, dt)
	case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
		"torch.nn.parameter.Parameter":
		return rebuildParameter(args)
	case "torch._tensor._rebuild_from_type_v2", "torch._tensor._rebuild_from_type":
		// tensor subclass: (func, type, args, state); the data is what func builds
		if len(args) >= 3 {
			if inner, ok := args[2].(Tuple); ok {
				return u.call(args[0], inner)
			}
		}
	case "torch.Size":
		if len(args) == 1 {
			if items, ok := seqItems(args[0]); ok {
				return append(Tuple{}, items...), nil
			}
		}
	case "torch.storage._load_from_bytes":
		// plain pickle.dump of a tensor: the storage is a nested torch.save file
		if len(args) == 1 {
			if b, ok := args[0].([]byte); ok {
				return loadFromBytes(b, u.nested+1)
			}
		}
	case "numpy.dtype":
		if len(args) > 0 {
			if s, ok := args[0].(string); ok {
				return &NumpyDType{Str: strings.TrimLeft(s, "<>=|")}, nil
			}
		}
	case "numpy.core.multiarray.scalar":
		if len(args) == 2 {
			if v, ok := numpyScalar(args[0], args[1]); ok {
				return v, nil
			}
		}
	case "numpy.core.multiarray._reconstruct":
		return &NDArray{}, nil
	case "numpy.core.numeric._frombuffer":
		// protocol 5 arrays: _frombuffer(buffer, dtype, shape, order)
		if len(args) == 4 {
			order, _ := args[3].(string)
			a := &NDArray{}
			if err := a.setState(Tuple{args[2], args[1], order == "F", args[0]}); err != nil {
				return nil, err
			}
			return a, nil
		}
	}
	return &Object{Module: g.Module, Name: g.Name, Args: args}, nil
}

// callObject calls an object that is not a global. The only such callable that pickles
// use is functools.partial (protocol 2/3 form of NEWOBJ_EX); any other call is recorded
// as an Object so loading continues.
func (u *unpickler) callObject(o *Object, args Tuple) (any, error) {
	if o.Module == "functools" && o.Name == "partial" {
		// state set by BUILD: (func, args, kwargs, __dict__); else constructor args
		var fn any
		var pargs []any
		var kw *Dict
		if st, ok := o.State.(Tuple); ok && len(st) >= 3 {
			fn = st[0]
			pargs, _ = seqItems(st[1])
			kw, _ = st[2].(*Dict)
		} else if len(o.Args) > 0 {
			fn, pargs = o.Args[0], o.Args[1:]
		}
		all := append(append(Tuple{}, pargs...), args...)
		if g, ok := fn.(*Global); ok && strings.HasSuffix(g.Name, ".__new__") && len(all) > 0 {
			return u.newObj(all[0], all[1:], kw)
		}
		if fn != nil && fn != any(o) {
			return u.call(fn, all)
		}
	}
	return &Object{Module: o.Module, Name: o.Name + "()", Args: append([]any{o}, args...)}, nil
}

// newObj handles NEWOBJ / NEWOBJ_EX: cls.__new__(cls, *args).
func (u *unpickler) newObj(cls any, args Tuple, kwargs *Dict) (any, error) {
	g, ok := cls.(*Global)
	if !ok {
		return nil, fmt.Errorf("NEWOBJ of a %s", typeName(cls))
	}
	switch g.Module + "." + g.Name {
	case "collections.OrderedDict", "builtins.dict", "builtins.set", "builtins.list",
		"torch.nn.parameter.Parameter", "torch.Size", "builtins.tuple":
		return u.call(g, args)
	}
	return &Object{Module: g.Module, Name: g.Name, Args: args, Kwargs: kwargs}, nil
}

// build applies BUILD (obj.__setstate__(state)).
func build(inst, state any) error {
	switch x := inst.(type) {
	case *Dict:
		x.State = state
	case *Object:
		x.State = state
	case *NDArray:
		return x.setState(state)
	case *NumpyDType:
		// (version, byteorder, subarray, names, fields, elsize, alignment, flags)
		if t, ok := state.(Tuple); ok && len(t) > 1 {
			if bo, ok := t[1].(string); ok {
				x.BigEndian = bo == ">"
			}
		}
	case *Tensor, *Storage:
		// Parameter.__setstate__ / legacy Tensor.set_: nothing the loader needs.
	default:
		return fmt.Errorf("BUILD on a %s", typeName(inst))
	}
	return nil
}

// seqItems returns the items of a list, tuple or set value.
func seqItems(v any) ([]any, bool) {
	switch x := v.(type) {
	case Tuple:
		return x, true
	case *pyList:
		return x.items, true
	case *pySet:
		return x.items, true
	case List:
		return x, true
	case Set:
		return x, true
	}
	return nil, false
}

func fillDict(d *Dict, src any) error {
	if sd, ok := src.(*Dict); ok {
		for i := range sd.Keys {
			d.Set(sd.Keys[i], sd.Values[i])
		}
		return nil
	}
	items, ok := seqItems(src)
	if !ok {
		return fmt.Errorf("dict from a %s", typeName(src))
	}
	for _, it := range items {
		kv, ok := seqItems(it)
		if !ok || len(kv) != 2 {
			return fmt.Errorf("dict item is not a pair")
		}
		d.Set(kv[0], kv[1])
	}
	return nil
}

// toBytes implements bytes(...) / _codecs.encode(str, encoding): protocol 2 pickles
// bytes as _codecs.encode(latin1_text, 'latin1').
func toBytes(args Tuple) ([]byte, error) {
	switch x := args[0].(type) {
	case []byte:
		return append([]byte{}, x...), nil
	case string:
		enc := "utf-8"
		if len(args) > 1 {
			if e, ok := args[1].(string); ok {
				enc = strings.ToLower(strings.ReplaceAll(e, "_", "-"))
			}
		}
		if enc == "latin1" || enc == "latin-1" || enc == "iso-8859-1" {
			out := make([]byte, 0, len(x))
			for _, r := range x {
				if r > 255 {
					return nil, fmt.Errorf("latin1 cannot encode %q", r)
				}
				out = append(out, byte(r))
			}
			return out, nil
		}
		return []byte(x), nil
	}
	if items, ok := seqItems(args[0]); ok {
		out := make([]byte, len(items))
		for i, it := range items {
			n, ok := it.(int64)
			if !ok || n < 0 || n > 255 {
				return nil, fmt.Errorf("bytes() item out of range")
			}
			out[i] = byte(n)
		}
		return out, nil
	}
	return nil, fmt.Errorf("bytes of a %s", typeName(args[0]))
}

// toInt reads a Python int that must fit a Go int within ±2^50: file-controlled sizes
// and offsets larger than that are never real.
func toInt(v any, what string) (int, error) {
	n, ok := v.(int64)
	if !ok {
		if b, isBool := v.(bool); isBool { // Python bool is an int
			if b {
				return 1, nil
			}
			return 0, nil
		}
		return 0, fmt.Errorf("%s is a %s, not an int", what, typeName(v))
	}
	if n < -(1<<50) || n > 1<<50 {
		return 0, fmt.Errorf("%s %d out of range", what, n)
	}
	return int(n), nil
}

func toInts(v any, what string) ([]int, error) {
	items, ok := seqItems(v)
	if !ok {
		return nil, fmt.Errorf("%s is a %s, not a tuple", what, typeName(v))
	}
	out := make([]int, len(items))
	for i, it := range items {
		n, err := toInt(it, what)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, fmt.Errorf("negative %s %v", what, n)
		}
		out[i] = n
	}
	return out, nil
}

// rebuildTensor implements torch._utils._rebuild_tensor_v2(storage, storage_offset,
// size, stride, requires_grad, backward_hooks[, metadata]). The view is checked against
// the storage when the data is read (legacy storages are filled after the pickle).
func rebuildTensor(args Tuple, dtype string) (*Tensor, error) {
	if len(args) < 4 {
		return nil, fmt.Errorf("_rebuild_tensor with %d arguments", len(args))
	}
	st, ok := args[0].(*Storage)
	if !ok {
		return nil, fmt.Errorf("_rebuild_tensor storage is a %s", typeName(args[0]))
	}
	off, err := toInt(args[1], "storage offset")
	if err != nil {
		return nil, err
	}
	if off < 0 {
		return nil, fmt.Errorf("negative storage offset %d", off)
	}
	shape, err := toInts(args[2], "size")
	if err != nil {
		return nil, err
	}
	stride, err := toInts(args[3], "stride")
	if err != nil {
		return nil, err
	}
	if len(shape) != len(stride) {
		return nil, fmt.Errorf("size %v and stride %v differ in rank", shape, stride)
	}
	if dtype == "" {
		dtype = st.DType
	}
	t := &Tensor{DType: dtype, Shape: shape, Stride: stride, Offset: off, Storage: st}
	if len(args) > 4 {
		if rg, ok := args[4].(bool); ok {
			t.RequiresGrad = rg
		}
	}
	return t, nil
}

// rebuildParameter implements _rebuild_parameter(data, requires_grad, hooks) and
// Parameter(data, requires_grad): a parameter is its tensor plus the flag.
func rebuildParameter(args Tuple) (*Tensor, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("parameter without data")
	}
	t, ok := args[0].(*Tensor)
	if !ok {
		return nil, fmt.Errorf("parameter data is a %s", typeName(args[0]))
	}
	p := *t
	p.RequiresGrad = true
	if len(args) > 1 {
		if rg, ok := args[1].(bool); ok {
			p.RequiresGrad = rg
		}
	}
	return &p, nil
}

// numpyItemSize parses the element size from a numpy type string such as "f8" or "U10".
func numpyItemSize(s string) int {
	i := strings.IndexAny(s, "0123456789")
	if i < 0 {
		return 0
	}
	n, err := strconv.Atoi(s[i:])
	if err != nil || n <= 0 || n > 1<<20 {
		return 0
	}
	if s[0] == 'U' {
		return 4 * n
	}
	return n
}

// numpyScalar decodes numpy.core.multiarray.scalar(dtype, raw bytes).
func numpyScalar(dt, raw any) (any, bool) {
	d, ok := dt.(*NumpyDType)
	if !ok {
		return nil, false
	}
	var b []byte
	switch x := raw.(type) {
	case []byte:
		b = x
	case string: // Python 2 str payload
		b = []byte(x)
	default:
		return nil, false
	}
	return decodeNumpyElem(d.Str, d.BigEndian, b)
}

func decodeNumpyElem(str string, bigEndian bool, b []byte) (any, bool) {
	if len(str) < 2 || numpyItemSize(str) != len(b) {
		return nil, false
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if bigEndian {
		bo = binary.BigEndian
	}
	switch str {
	case "f8":
		return math.Float64frombits(bo.Uint64(b)), true
	case "f4":
		return float64(math.Float32frombits(bo.Uint32(b))), true
	case "f2":
		return float64(Float16ToFloat32(bo.Uint16(b))), true
	case "i8":
		return int64(bo.Uint64(b)), true
	case "i4":
		return int64(int32(bo.Uint32(b))), true
	case "i2":
		return int64(int16(bo.Uint16(b))), true
	case "i1":
		return int64(int8(b[0])), true
	case "u8":
		v := bo.Uint64(b)
		if v > math.MaxInt64 {
			return new(big.Int).SetUint64(v), true
		}
		return int64(v), true
	case "u4":
		return int64(bo.Uint32(b)), true
	case "u2":
		return int64(bo.Uint16(b)), true
	case "u1":
		return int64(b[0]), true
	case "b1":
		return b[0] != 0, true
	}
	return nil, false
}

// setState applies ndarray.__setstate__((version,) shape, dtype, is_fortran, data).
func (a *NDArray) setState(state any) error {
	t, ok := state.(Tuple)
	if !ok {
		return fmt.Errorf("ndarray state is a %s", typeName(state))
	}
	if len(t) == 5 {
		t = t[1:]
	}
	if len(t) != 4 {
		return fmt.Errorf("ndarray state has %d items", len(t))
	}
	shape, err := toInts(t[0], "ndarray shape")
	if err != nil {
		return err
	}
	dt, ok := t[1].(*NumpyDType)
	if !ok {
		return fmt.Errorf("ndarray dtype is a %s", typeName(t[1]))
	}
	fortran, _ := t[2].(bool)
	n := 1
	for _, d := range shape {
		if d != 0 && n > (1<<40)/d {
			return fmt.Errorf("ndarray shape %v too large", shape)
		}
		n *= d
	}
	a.DType, a.BigEndian, a.Shape, a.Fortran = dt.Str, dt.BigEndian, shape, fortran
	switch x := t[3].(type) {
	case []byte:
		a.Data = x
	case string:
		a.Data = []byte(x)
	default:
		items, ok := seqItems(x)
		if !ok {
			return fmt.Errorf("ndarray data is a %s", typeName(x))
		}
		a.Items = items
		return nil
	}
	if es := numpyItemSize(a.DType); es == 0 || len(a.Data) != n*es {
		return fmt.Errorf("ndarray %s%v has %d data bytes", a.DType, shape, len(a.Data))
	}
	return nil
}

// Float64 returns the elements of a numeric array in C order.
func (a *NDArray) Float64() ([]float64, error) {
	es := numpyItemSize(a.DType)
	if es == 0 || a.Items != nil {
		return nil, fmt.Errorf("torchfile: ndarray of dtype %q is not numeric", a.DType)
	}
	n := len(a.Data) / es
	out := make([]float64, n)
	for i := 0; i < n; i++ {
		v, ok := decodeNumpyElem(a.DType, a.BigEndian, a.Data[i*es:(i+1)*es])
		if !ok {
			return nil, fmt.Errorf("torchfile: ndarray of dtype %q is not numeric", a.DType)
		}
		switch x := v.(type) {
		case float64:
			out[i] = x
		case int64:
			out[i] = float64(x)
		case bool:
			if x {
				out[i] = 1
			}
		case *big.Int:
			out[i], _ = new(big.Float).SetInt(x).Float64()
		}
	}
	if a.Fortran && len(a.Shape) > 1 {
		// Fortran order stores the first index fastest; transpose into C order.
		c := make([]float64, n)
		fst := make([]int, len(a.Shape))
		s := 1
		for d := range a.Shape {
			fst[d] = s
			s *= a.Shape[d]
		}
		idx := make([]int, len(a.Shape))
		for i := 0; i < n; i++ {
			src := 0
			for d := range idx {
				src += idx[d] * fst[d]
			}
			c[i] = out[src]
			for d := len(idx) - 1; d >= 0; d-- {
				idx[d]++
				if idx[d] < a.Shape[d] {
					break
				}
				idx[d] = 0
			}
		}
		out = c
	}
	return out, nil
}
