package torchfile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"unicode/utf8"
)

// pickler writes pickle protocol 2, the protocol torch.save uses, emitting the opcodes
// CPython's pickler would for the same objects, so the result also passes torch.load's
// restricted weights_only unpickler.
type pickler struct {
	buf  bytes.Buffer
	memo map[any]uint32 // *Dict and globals already written, by identity / name

	storageKey map[*Storage]string
	storages   map[string]*Storage
	depth      int
}

func newPickler() *pickler {
	return &pickler{
		memo:       map[any]uint32{},
		storageKey: map[*Storage]string{},
		storages:   map[string]*Storage{},
	}
}

func (p *pickler) dump(v any) ([]byte, error) {
	p.buf.Write([]byte{opProto, 2})
	if err := p.save(v); err != nil {
		return nil, err
	}
	p.buf.WriteByte(opStop)
	return p.buf.Bytes(), nil
}

func (p *pickler) u32(op byte, n uint32) {
	p.buf.WriteByte(op)
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], n)
	p.buf.Write(b[:])
}

// put memoises the object on top of the stack under key.
func (p *pickler) put(key any) {
	idx := uint32(len(p.memo))
	p.memo[key] = idx
	if idx < 256 {
		p.buf.Write([]byte{opBinPut, byte(idx)})
	} else {
		p.u32(opLongBinPut, idx)
	}
}

// get pushes a memoised object again and reports whether key was memoised.
func (p *pickler) get(key any) bool {
	idx, ok := p.memo[key]
	if !ok {
		return false
	}
	if idx < 256 {
		p.buf.Write([]byte{opBinGet, byte(idx)})
	} else {
		p.u32(opLongBinGet, idx)
	}
	return true
}

func (p *pickler) global(module, name string) {
	key := "global:" + module + "\n" + name
	if p.get(key) {
		return
	}
	p.buf.WriteByte(opGlobal)
	p.buf.WriteString(module + "\n" + name + "\n")
	p.put(key)
}

func (p *pickler) saveInt(v int64) {
	switch {
	case v >= 0 && v <= 0xff:
		p.buf.Write([]byte{opBinInt1, byte(v)})
	case v >= 0 && v <= 0xffff:
		p.buf.Write([]byte{opBinInt2, byte(v), byte(v >> 8)})
	case v >= math.MinInt32 && v <= math.MaxInt32:
		p.u32(opBinInt, uint32(int32(v)))
	default:
		p.saveBig(big.NewInt(v))
	}
}

// saveBig writes LONG1/LONG4: minimal little-endian two's complement.
func (p *pickler) saveBig(x *big.Int) {
	if x.IsInt64() && x.Int64() >= math.MinInt32 && x.Int64() <= math.MaxInt32 {
		p.saveInt(x.Int64())
		return
	}
	var enc []byte
	if x.Sign() >= 0 {
		be := x.Bytes()
		// one extra zero byte when the top bit is set, so it does not read as negative
		if be[0]&0x80 != 0 {
			be = append([]byte{0}, be...)
		}
		enc = be
	} else {
		// two's complement of |x| in n bytes: 2^(8n) + x, n minimal
		n := (new(big.Int).Neg(x).Sub(new(big.Int).Neg(x), big.NewInt(1)).BitLen())/8 + 1
		m := new(big.Int).Lsh(big.NewInt(1), uint(8*n))
		enc = m.Add(m, x).Bytes()
		for len(enc) < n {
			enc = append([]byte{0}, enc...)
		}
	}
	le := make([]byte, len(enc))
	for i := range enc {
		le[len(enc)-1-i] = enc[i]
	}
	if len(le) < 256 {
		p.buf.Write([]byte{opLong1, byte(len(le))})
	} else {
		p.u32(opLong4, uint32(len(le)))
	}
	p.buf.Write(le)
}

func (p *pickler) saveString(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("string %.40q is not valid UTF-8", s)
	}
	p.u32(opBinUnicode, uint32(len(s)))
	p.buf.WriteString(s)
	return nil
}

// saveBatched writes a MARK-delimited run of items in batches of 1000 with op (APPENDS or
// SETITEMS) and single for a batch of one, as CPython does.
func (p *pickler) saveBatched(n int, item func(i int) error, single, multi byte) error {
	const batch = 1000
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		if end-start == 1 {
			if err := item(start); err != nil {
				return err
			}
			p.buf.WriteByte(single)
			continue
		}
		p.buf.WriteByte(opMark)
		for i := start; i < end; i++ {
			if err := item(i); err != nil {
				return err
			}
		}
		p.buf.WriteByte(multi)
	}
	return nil
}

func (p *pickler) saveList(items []any) error {
	p.buf.WriteByte(opEmptyList)
	return p.saveBatched(len(items), func(i int) error { return p.save(items[i]) }, opAppend, opAppends)
}

func (p *pickler) saveTuple(items []any) error {
	switch len(items) {
	case 0:
		p.buf.WriteByte(opEmptyTuple)
		return nil
	case 1, 2, 3:
		for _, it := range items {
			if err := p.save(it); err != nil {
				return err
			}
		}
		p.buf.WriteByte(opTuple1 + byte(len(items)-1))
		return nil
	}
	p.buf.WriteByte(opMark)
	for _, it := range items {
		if err := p.save(it); err != nil {
			return err
		}
	}
	p.buf.WriteByte(opTuple)
	return nil
}

func (p *pickler) saveDict(d *Dict) error {
	if p.get(d) {
		return nil
	}
	if d.Ordered {
		p.global("collections", "OrderedDict")
		p.buf.Write([]byte{opEmptyTuple, opReduce})
	} else {
		p.buf.WriteByte(opEmptyDict)
	}
	p.put(d)
	if len(d.Keys) != len(d.Values) {
		return fmt.Errorf("dict has %d keys and %d values", len(d.Keys), len(d.Values))
	}
	err := p.saveBatched(len(d.Keys), func(i int) error {
		if err := p.save(d.Keys[i]); err != nil {
			return err
		}
		return p.save(d.Values[i])
	}, opSetItem, opSetItems)
	if err != nil {
		return err
	}
	if d.State != nil && d.Ordered {
		// state_dict._metadata: OrderedDict BUILD with the attribute dict
		if err := p.save(d.State); err != nil {
			return err
		}
		p.buf.WriteByte(opBuild)
	}
	return nil
}

// saveTensor writes torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
// requires_grad, OrderedDict()) with the storage as persistent id
// ('storage', torch.<Type>Storage, key, 'cpu', numel), as torch.save does; a tensor
// that requires grad is wrapped in _rebuild_parameter like an nn.Parameter.
func (p *pickler) saveTensor(t *Tensor) error {
	if _, err := t.checkView(); err != nil {
		return fmt.Errorf("tensor: %w", err)
	}
	if t.DType != t.Storage.DType {
		return fmt.Errorf("tensor dtype %s differs from its storage dtype %s", t.DType, t.Storage.DType)
	}
	cls, ok := storageClass(t.DType)
	if !ok {
		return fmt.Errorf("cannot write a %s tensor", t.DType)
	}
	es := ElementSize(t.DType)
	if len(t.Storage.Data)%es != 0 {
		return fmt.Errorf("storage of %d bytes is not a whole number of %s elements", len(t.Storage.Data), t.DType)
	}
	if t.RequiresGrad {
		p.global("torch._utils", "_rebuild_parameter")
		p.buf.WriteByte(opMark)
	}
	p.global("torch._utils", "_rebuild_tensor_v2")
	p.buf.WriteByte(opMark)

	key, seen := p.storageKey[t.Storage]
	if !seen {
		key = strconv.Itoa(len(p.storageKey))
		p.storageKey[t.Storage] = key
		p.storages[key] = t.Storage
	}
	p.buf.WriteByte(opMark)
	_ = p.saveString("storage")
	p.global("torch", cls)
	_ = p.saveString(key)
	_ = p.saveString("cpu") // written from host memory, whatever the source device was
	p.saveInt(int64(len(t.Storage.Data) / es))
	p.buf.WriteByte(opTuple)
	p.buf.WriteByte(opBinPersID)

	p.saveInt(int64(t.Offset))
	ints := func(xs []int) error {
		items := make([]any, len(xs))
		for i, x := range xs {
			items[i] = int64(x)
		}
		return p.saveTuple(items)
	}
	if err := ints(t.Shape); err != nil {
		return err
	}
	if err := ints(t.Stride); err != nil {
		return err
	}
	p.buf.WriteByte(opNewFalse)
	p.global("collections", "OrderedDict")
	p.buf.Write([]byte{opEmptyTuple, opReduce})
	p.buf.Write([]byte{opTuple, opReduce})
	if t.RequiresGrad {
		p.buf.WriteByte(opNewTrue)
		p.global("collections", "OrderedDict")
		p.buf.Write([]byte{opEmptyTuple, opReduce})
		p.buf.Write([]byte{opTuple, opReduce})
	}
	return nil
}

// maxWriteDepth bounds nesting so a cyclic slice (a List containing itself) is an
// error rather than a stack overflow.
const maxWriteDepth = 1000

func (p *pickler) save(v any) error {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxWriteDepth {
		return fmt.Errorf("value nested deeper than %d (cycle?)", maxWriteDepth)
	}
	switch x := v.(type) {
	case nil:
		p.buf.WriteByte(opNone)
	case bool:
		if x {
			p.buf.WriteByte(opNewTrue)
		} else {
			p.buf.WriteByte(opNewFalse)
		}
	case int:
		p.saveInt(int64(x))
	case int64:
		p.saveInt(x)
	case int32:
		p.saveInt(int64(x))
	case uint8:
		p.saveInt(int64(x))
	case uint32:
		p.saveInt(int64(x))
	case uint64:
		p.saveBig(new(big.Int).SetUint64(x))
	case *big.Int:
		p.saveBig(x)
	case float64:
		p.buf.WriteByte(opBinFloat)
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], math.Float64bits(x))
		p.buf.Write(b[:])
	case float32:
		return p.save(float64(x))
	case string:
		return p.saveString(x)
	case []byte:
		// protocol 2 has no bytes opcode: CPython writes _codecs.encode(latin1 text, 'latin1')
		if len(x) == 0 {
			p.global("__builtin__", "bytes")
			p.buf.Write([]byte{opEmptyTuple, opReduce})
			return nil
		}
		p.global("_codecs", "encode")
		r := make([]rune, len(x))
		for i, c := range x {
			r[i] = rune(c)
		}
		_ = p.saveString(string(r))
		_ = p.saveString("latin1")
		p.buf.Write([]byte{opTuple2, opReduce})
	case Tuple:
		return p.saveTuple(x)
	case List:
		return p.saveList(x)
	case []any:
		return p.saveList(x)
	case []float64:
		items := make([]any, len(x))
		for i, f := range x {
			items[i] = f
		}
		return p.saveList(items)
	case []int:
		items := make([]any, len(x))
		for i, n := range x {
			items[i] = int64(n)
		}
		return p.saveList(items)
	case []string:
		items := make([]any, len(x))
		for i, s := range x {
			items[i] = s
		}
		return p.saveList(items)
	case Set:
		p.global("__builtin__", "set")
		if err := p.saveList(x); err != nil {
			return err
		}
		p.buf.Write([]byte{opTuple1, opReduce})
	case *Dict:
		if x == nil {
			p.buf.WriteByte(opNone)
			return nil
		}
		return p.saveDict(x)
	case map[string]any:
		// Go maps are unordered: write sorted keys so output is reproducible
		d := NewDict()
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			d.Set(k, x[k])
		}
		return p.saveDict(d)
	case *Tensor:
		if x == nil {
			p.buf.WriteByte(opNone)
			return nil
		}
		return p.saveTensor(x)
	default:
		return fmt.Errorf("cannot write a %T", v)
	}
	return nil
}
