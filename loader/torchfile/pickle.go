package torchfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Pickle opcodes (Lib/pickletools.py documents each one).
const (
	opMark           = '('
	opStop           = '.'
	opPop            = '0'
	opPopMark        = '1'
	opDup            = '2'
	opFloat          = 'F'
	opInt            = 'I'
	opBinInt         = 'J'
	opBinInt1        = 'K'
	opLong           = 'L'
	opBinInt2        = 'M'
	opNone           = 'N'
	opPersID         = 'P'
	opBinPersID      = 'Q'
	opReduce         = 'R'
	opString         = 'S'
	opBinString      = 'T'
	opShortBinString = 'U'
	opUnicode        = 'V'
	opBinUnicode     = 'X'
	opAppend         = 'a'
	opBuild          = 'b'
	opGlobal         = 'c'
	opDict           = 'd'
	opEmptyDict      = '}'
	opAppends        = 'e'
	opGet            = 'g'
	opBinGet         = 'h'
	opInst           = 'i'
	opLongBinGet     = 'j'
	opList           = 'l'
	opEmptyList      = ']'
	opObj            = 'o'
	opPut            = 'p'
	opBinPut         = 'q'
	opLongBinPut     = 'r'
	opSetItem        = 's'
	opTuple          = 't'
	opEmptyTuple     = ')'
	opSetItems       = 'u'
	opBinFloat       = 'G'
	// protocol 2
	opProto    = 0x80
	opNewObj   = 0x81
	opExt1     = 0x82
	opExt2     = 0x83
	opExt4     = 0x84
	opTuple1   = 0x85
	opTuple2   = 0x86
	opTuple3   = 0x87
	opNewTrue  = 0x88
	opNewFalse = 0x89
	opLong1    = 0x8a
	opLong4    = 0x8b
	// protocol 3
	opBinBytes      = 'B'
	opShortBinBytes = 'C'
	// protocol 4
	opShortBinUnicode = 0x8c
	opBinUnicode8     = 0x8d
	opBinBytes8       = 0x8e
	opEmptySet        = 0x8f
	opAddItems        = 0x90
	opFrozenSet       = 0x91
	opNewObjEx        = 0x92
	opStackGlobal     = 0x93
	opMemoize         = 0x94
	opFrame           = 0x95
	// protocol 5
	opByteArray8     = 0x96
	opNextBuffer     = 0x97
	opReadonlyBuffer = 0x98
)

// pyList and pySet are the mutable containers used while unpickling. Python containers
// are shared by reference through the memo and mutated after being memoised (APPEND
// after BINPUT), which a Go slice value cannot express; finalize turns them into List
// and Set once the whole pickle has been read.
type pyList struct{ items []any }
type pySet struct{ items []any }

// unpickler is a pickle virtual machine over an in-memory buffer. It never calls
// anything: globals become *Global values and calling them goes through call (reduce.go).
type unpickler struct {
	data []byte
	pos  int

	stack []any
	meta  [][]any // stacks saved by MARK
	memo  map[uint64]any

	// persistentLoad resolves a persistent id (torch storages); nil rejects them.
	persistentLoad func(pid any) (any, error)
	// nested counts torch.storage._load_from_bytes recursion.
	nested    int
	callDepth int
}

type pickleError struct {
	off int
	msg string
}

func (e *pickleError) Error() string { return fmt.Sprintf("pickle at byte %d: %s", e.off, e.msg) }

// storageError is a problem with a storage's data rather than with the pickle; its
// message already names the storage, so no pickle position is added.
type storageError struct{ err error }

func (e *storageError) Error() string { return e.err.Error() }
func (e *storageError) Unwrap() error { return e.err }

func (u *unpickler) errf(off int, format string, args ...any) error {
	return &pickleError{off: off, msg: fmt.Sprintf(format, args...)}
}

// read returns the next n bytes. n comes from the file, so it is checked against what
// remains before anything is sliced or allocated.
func (u *unpickler) read(n uint64) ([]byte, error) {
	if n > uint64(len(u.data)-u.pos) {
		return nil, u.errf(u.pos, "truncated: want %d bytes, have %d", n, len(u.data)-u.pos)
	}
	b := u.data[u.pos : u.pos+int(n)]
	u.pos += int(n)
	return b, nil
}

func (u *unpickler) readLine() ([]byte, error) {
	i := bytes.IndexByte(u.data[u.pos:], '\n')
	if i < 0 {
		return nil, u.errf(u.pos, "truncated: missing newline")
	}
	b := u.data[u.pos : u.pos+i]
	u.pos += i + 1
	return b, nil
}

func (u *unpickler) readUint(n int) (uint64, error) {
	b, err := u.read(uint64(n))
	if err != nil {
		return 0, err
	}
	switch n {
	case 1:
		return uint64(b[0]), nil
	case 2:
		return uint64(binary.LittleEndian.Uint16(b)), nil
	case 4:
		return uint64(binary.LittleEndian.Uint32(b)), nil
	}
	return binary.LittleEndian.Uint64(b), nil
}

func (u *unpickler) push(v any) { u.stack = append(u.stack, v) }

func (u *unpickler) pop(off int) (any, error) {
	if len(u.stack) == 0 {
		return nil, u.errf(off, "stack underflow")
	}
	v := u.stack[len(u.stack)-1]
	u.stack = u.stack[:len(u.stack)-1]
	return v, nil
}

func (u *unpickler) top(off int) (any, error) {
	if len(u.stack) == 0 {
		return nil, u.errf(off, "stack underflow")
	}
	return u.stack[len(u.stack)-1], nil
}

func (u *unpickler) popMark(off int) ([]any, error) {
	if len(u.meta) == 0 {
		return nil, u.errf(off, "no MARK on the stack")
	}
	items := u.stack
	u.stack = u.meta[len(u.meta)-1]
	u.meta = u.meta[:len(u.meta)-1]
	return items, nil
}

// load runs the VM until STOP and returns the finished object. u.pos is left just
// after STOP, so consecutive pickles (the legacy format) can be read one by one.
func (u *unpickler) load() (any, error) {
	u.stack = nil
	u.meta = nil
	u.memo = make(map[uint64]any)
	for {
		if u.pos >= len(u.data) {
			return nil, u.errf(u.pos, "truncated: end of data before STOP")
		}
		off := u.pos
		op := u.data[u.pos]
		u.pos++
		done, err := u.step(op, off)
		if err != nil {
			var pe *pickleError
			var se *storageError
			if errors.As(err, &pe) || errors.As(err, &se) {
				return nil, err
			}
			return nil, u.errf(off, "%s", err)
		}
		if done {
			v, err := u.pop(off)
			if err != nil {
				return nil, err
			}
			return finalize(v)
		}
	}
}

func (u *unpickler) step(op byte, off int) (stop bool, err error) {
	switch op {
	case opProto:
		_, err = u.read(1)
	case opFrame:
		// A frame only tells how much the writer buffered; the content follows inline.
		_, err = u.read(8)
	case opStop:
		return true, nil

	case opMark:
		u.meta = append(u.meta, u.stack)
		u.stack = nil
	case opPop:
		if len(u.stack) == 0 && len(u.meta) > 0 {
			_, err = u.popMark(off)
		} else {
			_, err = u.pop(off)
		}
	case opPopMark:
		_, err = u.popMark(off)
	case opDup:
		var v any
		if v, err = u.top(off); err == nil {
			u.push(v)
		}

	case opNone:
		u.push(nil)
	case opNewTrue:
		u.push(true)
	case opNewFalse:
		u.push(false)
	case opBinInt:
		var b []byte
		if b, err = u.read(4); err == nil {
			u.push(int64(int32(binary.LittleEndian.Uint32(b))))
		}
	case opBinInt1:
		var n uint64
		if n, err = u.readUint(1); err == nil {
			u.push(int64(n))
		}
	case opBinInt2:
		var n uint64
		if n, err = u.readUint(2); err == nil {
			u.push(int64(n))
		}
	case opLong1, opLong4:
		var n uint64
		if op == opLong1 {
			n, err = u.readUint(1)
		} else {
			n, err = u.readUint(4)
			if err == nil && int32(n) < 0 {
				return false, u.errf(off, "LONG4 with negative length")
			}
		}
		if err != nil {
			return false, err
		}
		var b []byte
		if b, err = u.read(n); err == nil {
			u.push(decodeLong(b))
		}
	case opInt:
		var line []byte
		if line, err = u.readLine(); err != nil {
			return false, err
		}
		s := strings.TrimSpace(string(line))
		switch s {
		case "00":
			u.push(false)
		case "01":
			u.push(true)
		default:
			var v any
			if v, err = parseIntText(s); err == nil {
				u.push(v)
			}
		}
	case opLong:
		var line []byte
		if line, err = u.readLine(); err != nil {
			return false, err
		}
		s := strings.TrimSuffix(strings.TrimSpace(string(line)), "L")
		var v any
		if v, err = parseIntText(s); err == nil {
			u.push(v)
		}
	case opFloat:
		var line []byte
		if line, err = u.readLine(); err != nil {
			return false, err
		}
		var f float64
		f, err = strconv.ParseFloat(strings.TrimSpace(string(line)), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return false, fmt.Errorf("bad FLOAT %q", line)
		}
		err = nil
		u.push(f)
	case opBinFloat:
		var b []byte
		if b, err = u.read(8); err == nil {
			u.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
		}

	case opBinUnicode, opShortBinUnicode, opBinUnicode8, opBinString, opShortBinString:
		var n uint64
		switch op {
		case opShortBinUnicode, opShortBinString:
			n, err = u.readUint(1)
		case opBinUnicode8:
			n, err = u.readUint(8)
		default:
			n, err = u.readUint(4)
			if err == nil && op == opBinString && int32(n) < 0 {
				return false, u.errf(off, "BINSTRING with negative length")
			}
		}
		if err != nil {
			return false, err
		}
		var b []byte
		if b, err = u.read(n); err == nil {
			// Python 2 str (BINSTRING) is decoded as a str too, like torch.load does
			// with its default encoding; the Go string keeps the original bytes.
			u.push(string(b))
		}
	case opBinBytes, opShortBinBytes, opBinBytes8, opByteArray8:
		var n uint64
		switch op {
		case opShortBinBytes:
			n, err = u.readUint(1)
		case opBinBytes:
			n, err = u.readUint(4)
		default:
			n, err = u.readUint(8)
		}
		if err != nil {
			return false, err
		}
		var b []byte
		if b, err = u.read(n); err == nil {
			u.push(bytes.Clone(b))
		}
	case opString:
		var line []byte
		if line, err = u.readLine(); err != nil {
			return false, err
		}
		var s string
		if s, err = unquotePy2(string(line)); err == nil {
			u.push(s)
		}
	case opUnicode:
		var line []byte
		if line, err = u.readLine(); err == nil {
			u.push(rawUnicodeEscape(line))
		}

	case opEmptyTuple:
		u.push(Tuple{})
	case opTuple:
		var items []any
		if items, err = u.popMark(off); err == nil {
			u.push(Tuple(items))
		}
	case opTuple1, opTuple2, opTuple3:
		n := int(op-opTuple1) + 1
		if len(u.stack) < n {
			return false, u.errf(off, "stack underflow")
		}
		t := make(Tuple, n)
		copy(t, u.stack[len(u.stack)-n:])
		u.stack = append(u.stack[:len(u.stack)-n], t)
	case opEmptyList:
		u.push(&pyList{})
	case opList:
		var items []any
		if items, err = u.popMark(off); err == nil {
			u.push(&pyList{items: items})
		}
	case opEmptyDict:
		u.push(&Dict{})
	case opDict:
		var items []any
		if items, err = u.popMark(off); err != nil {
			return false, err
		}
		if len(items)%2 != 0 {
			return false, u.errf(off, "DICT with odd number of items")
		}
		d := &Dict{}
		for i := 0; i < len(items); i += 2 {
			d.Set(items[i], items[i+1])
		}
		u.push(d)
	case opEmptySet:
		u.push(&pySet{})
	case opFrozenSet:
		var items []any
		if items, err = u.popMark(off); err == nil {
			u.push(&pySet{items: items})
		}

	case opAppend:
		var v, target any
		if v, err = u.pop(off); err != nil {
			return false, err
		}
		if target, err = u.top(off); err != nil {
			return false, err
		}
		err = appendTo(target, []any{v})
	case opAppends:
		var items []any
		var target any
		if items, err = u.popMark(off); err != nil {
			return false, err
		}
		if target, err = u.top(off); err != nil {
			return false, err
		}
		err = appendTo(target, items)
	case opAddItems:
		var items []any
		var target any
		if items, err = u.popMark(off); err != nil {
			return false, err
		}
		if target, err = u.top(off); err != nil {
			return false, err
		}
		s, ok := target.(*pySet)
		if !ok {
			return false, u.errf(off, "ADDITEMS to a %s", typeName(target))
		}
		s.items = append(s.items, items...)
	case opSetItem:
		if len(u.stack) < 3 {
			return false, u.errf(off, "stack underflow")
		}
		n := len(u.stack)
		err = setItems(u.stack[n-3], u.stack[n-2:])
		u.stack = u.stack[:n-2]
	case opSetItems:
		var items []any
		var target any
		if items, err = u.popMark(off); err != nil {
			return false, err
		}
		if len(items)%2 != 0 {
			return false, u.errf(off, "SETITEMS with odd number of items")
		}
		if target, err = u.top(off); err != nil {
			return false, err
		}
		err = setItems(target, items)

	case opGet, opBinGet, opLongBinGet:
		var idx uint64
		switch op {
		case opGet:
			idx, err = u.readDecimal()
		case opBinGet:
			idx, err = u.readUint(1)
		default:
			idx, err = u.readUint(4)
		}
		if err != nil {
			return false, err
		}
		v, ok := u.memo[idx]
		if !ok {
			return false, u.errf(off, "memo key %d not defined", idx)
		}
		u.push(v)
	case opPut, opBinPut, opLongBinPut, opMemoize:
		var idx uint64
		switch op {
		case opPut:
			idx, err = u.readDecimal()
		case opBinPut:
			idx, err = u.readUint(1)
		case opLongBinPut:
			idx, err = u.readUint(4)
		default:
			idx = uint64(len(u.memo))
		}
		if err != nil {
			return false, err
		}
		var v any
		if v, err = u.top(off); err == nil {
			u.memo[idx] = v
		}

	case opGlobal, opInst:
		var mod, name []byte
		if mod, err = u.readLine(); err != nil {
			return false, err
		}
		if name, err = u.readLine(); err != nil {
			return false, err
		}
		g := newGlobal(string(mod), string(name))
		if op == opGlobal {
			u.push(g)
			return false, nil
		}
		var args []any
		if args, err = u.popMark(off); err != nil {
			return false, err
		}
		var v any
		if v, err = u.call(g, Tuple(args)); err == nil {
			u.push(v)
		}
	case opStackGlobal:
		var name, mod any
		if name, err = u.pop(off); err != nil {
			return false, err
		}
		if mod, err = u.pop(off); err != nil {
			return false, err
		}
		ms, ok1 := mod.(string)
		ns, ok2 := name.(string)
		if !ok1 || !ok2 {
			return false, u.errf(off, "STACK_GLOBAL needs two strings, got %s and %s", typeName(mod), typeName(name))
		}
		u.push(newGlobal(ms, ns))
	case opObj:
		var items []any
		if items, err = u.popMark(off); err != nil {
			return false, err
		}
		if len(items) == 0 {
			return false, u.errf(off, "OBJ without class")
		}
		var v any
		if v, err = u.call(items[0], Tuple(items[1:])); err == nil {
			u.push(v)
		}
	case opReduce, opNewObj:
		var args, fn any
		if args, err = u.pop(off); err != nil {
			return false, err
		}
		if fn, err = u.pop(off); err != nil {
			return false, err
		}
		t, ok := args.(Tuple)
		if !ok {
			return false, u.errf(off, "REDUCE/NEWOBJ arguments are a %s, not a tuple", typeName(args))
		}
		var v any
		if op == opReduce {
			v, err = u.call(fn, t)
		} else {
			v, err = u.newObj(fn, t, nil)
		}
		if err == nil {
			u.push(v)
		}
	case opNewObjEx:
		var kw, args, cls any
		if kw, err = u.pop(off); err != nil {
			return false, err
		}
		if args, err = u.pop(off); err != nil {
			return false, err
		}
		if cls, err = u.pop(off); err != nil {
			return false, err
		}
		t, ok1 := args.(Tuple)
		d, ok2 := kw.(*Dict)
		if !ok1 || !ok2 {
			return false, u.errf(off, "NEWOBJ_EX needs a tuple and a dict")
		}
		var v any
		if v, err = u.newObj(cls, t, d); err == nil {
			u.push(v)
		}
	case opBuild:
		var state, inst any
		if state, err = u.pop(off); err != nil {
			return false, err
		}
		if inst, err = u.top(off); err != nil {
			return false, err
		}
		err = build(inst, state)

	case opPersID, opBinPersID:
		var pid any
		if op == opPersID {
			var line []byte
			if line, err = u.readLine(); err != nil {
				return false, err
			}
			pid = string(line)
		} else if pid, err = u.pop(off); err != nil {
			return false, err
		}
		if u.persistentLoad == nil {
			return false, u.errf(off, "persistent id in a plain pickle")
		}
		var v any
		if v, err = u.persistentLoad(pid); err == nil {
			u.push(v)
		}

	case opExt1, opExt2, opExt4:
		return false, u.errf(off, "copyreg extension codes are not supported")
	case opNextBuffer:
		return false, u.errf(off, "out-of-band pickle buffers are not supported")
	case opReadonlyBuffer:
		// only marks the buffer on the stack read-only
	default:
		return false, u.errf(off, "unknown opcode 0x%02x", op)
	}
	return false, err
}

func (u *unpickler) readDecimal() (uint64, error) {
	off := u.pos
	line, err := u.readLine()
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(line)), 10, 64)
	if err != nil {
		return 0, u.errf(off, "bad memo index %q", line)
	}
	return n, nil
}

func appendTo(target any, items []any) error {
	switch t := target.(type) {
	case *pyList:
		t.items = append(t.items, items...)
	case *Object:
		t.ListItems = append(t.ListItems, items...)
	case *pySet: // Python 3 pickles sets without ADDITEMS at protocol < 4 via REDUCE; be lenient
		t.items = append(t.items, items...)
	default:
		return fmt.Errorf("cannot append to a %s", typeName(target))
	}
	return nil
}

func setItems(target any, kv []any) error {
	var d *Dict
	switch t := target.(type) {
	case *Dict:
		d = t
	case *Object:
		if t.DictItems == nil {
			t.DictItems = &Dict{}
		}
		d = t.DictItems
	default:
		return fmt.Errorf("cannot set items on a %s", typeName(target))
	}
	for i := 0; i+1 < len(kv); i += 2 {
		d.Set(kv[i], kv[i+1])
	}
	return nil
}

// decodeLong decodes a little-endian two's complement integer (LONG1/LONG4).
func decodeLong(b []byte) any {
	if len(b) == 0 {
		return int64(0)
	}
	if len(b) <= 8 {
		var v uint64
		for i := len(b) - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		shift := uint(64 - 8*len(b))
		return int64(v<<shift) >> shift // sign-extend
	}
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	x := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return normBig(x)
}

func normBig(x *big.Int) any {
	if x.IsInt64() {
		return x.Int64()
	}
	return x
}

func parseIntText(s string) (any, error) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, nil
	}
	x, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, fmt.Errorf("bad integer %q", s)
	}
	return normBig(x), nil
}

// unquotePy2 decodes the repr() of a Python 2 str as written by the STRING opcode.
func unquotePy2(s string) (string, error) {
	if len(s) < 2 || (s[0] != '\'' && s[0] != '"') || s[len(s)-1] != s[0] {
		return "", fmt.Errorf("STRING not quoted: %.40q", s)
	}
	s = s[1 : len(s)-1]
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			out = append(out, c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'a':
			out = append(out, 7)
		case 'b':
			out = append(out, 8)
		case 'f':
			out = append(out, 12)
		case 'v':
			out = append(out, 11)
		case '\\', '\'', '"':
			out = append(out, e)
		case 'x':
			if i+3 > len(s) {
				return "", errors.New("bad \\x escape in STRING")
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return "", errors.New("bad \\x escape in STRING")
			}
			out = append(out, byte(v))
			i += 2
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := 0
			j := i
			for ; j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7'; j++ {
				v = v*8 + int(s[j]-'0')
			}
			out = append(out, byte(v))
			i = j - 1
		default:
			out = append(out, '\\', e)
		}
	}
	return string(out), nil
}

// rawUnicodeEscape decodes Python's raw-unicode-escape codec (UNICODE opcode): bytes are
// Latin-1 code points except \uXXXX and \UXXXXXXXX escapes.
func rawUnicodeEscape(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) && (b[i+1] == 'u' || b[i+1] == 'U') {
			n := 4
			if b[i+1] == 'U' {
				n = 8
			}
			if i+2+n <= len(b) {
				if v, err := strconv.ParseUint(string(b[i+2:i+2+n]), 16, 32); err == nil {
					r := rune(v)
					if !utf8.ValidRune(r) {
						r = utf8.RuneError
					}
					sb.WriteRune(r)
					i += 1 + n
					continue
				}
			}
		}
		sb.WriteRune(rune(b[i]))
	}
	return sb.String()
}

func typeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case *pyList, List:
		return "list"
	case *pySet, Set:
		return "set"
	case Tuple:
		return "tuple"
	case *Dict:
		return "dict"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case int64, *big.Int:
		return "int"
	case float64:
		return "float"
	case bool:
		return "bool"
	case *Global:
		return x.String()
	case *Object:
		return x.Module + "." + x.Name
	case *Tensor:
		return "tensor"
	case *Storage:
		return "storage"
	}
	return fmt.Sprintf("%T", v)
}

// maxDepth bounds container nesting in finalize, which recurses.
const maxDepth = 10000

// finalize replaces the VM's mutable containers with List and Set everywhere in the
// tree. Each shared container is converted once, so memo sharing stays sharing and
// cycles terminate.
func finalize(v any) (any, error) {
	f := &finalizer{
		lists: map[*pyList]List{},
		sets:  map[*pySet]Set{},
		seen:  map[any]bool{},
	}
	return f.conv(v, 0)
}

type finalizer struct {
	lists map[*pyList]List
	sets  map[*pySet]Set
	seen  map[any]bool
}

func (f *finalizer) convAll(xs []any, depth int) error {
	for i, x := range xs {
		c, err := f.conv(x, depth)
		if err != nil {
			return err
		}
		xs[i] = c
	}
	return nil
}

func (f *finalizer) conv(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("containers nested deeper than %d", maxDepth)
	}
	d := depth + 1
	switch x := v.(type) {
	case *pyList:
		if l, ok := f.lists[x]; ok {
			return l, nil
		}
		l := make(List, len(x.items))
		copy(l, x.items)
		f.lists[x] = l
		return l, f.convAll(l, d)
	case *pySet:
		if s, ok := f.sets[x]; ok {
			return s, nil
		}
		s := make(Set, len(x.items))
		copy(s, x.items)
		f.sets[x] = s
		return s, f.convAll(s, d)
	case Tuple:
		if len(x) == 0 || f.seen[&x[0]] {
			return x, nil
		}
		f.seen[&x[0]] = true
		return x, f.convAll(x, d)
	case *Dict:
		if x == nil || f.seen[x] {
			return x, nil
		}
		f.seen[x] = true
		if err := f.convAll(x.Keys, d); err != nil {
			return nil, err
		}
		if err := f.convAll(x.Values, d); err != nil {
			return nil, err
		}
		var err error
		x.State, err = f.conv(x.State, d)
		return x, err
	case *Object:
		if f.seen[x] {
			return x, nil
		}
		f.seen[x] = true
		if err := f.convAll(x.Args, d); err != nil {
			return nil, err
		}
		if err := f.convAll(x.ListItems, d); err != nil {
			return nil, err
		}
		for _, sub := range []*Dict{x.Kwargs, x.DictItems} {
			if _, err := f.conv(sub, d); err != nil {
				return nil, err
			}
		}
		var err error
		x.State, err = f.conv(x.State, d)
		return x, err
	case *NDArray:
		if f.seen[x] {
			return x, nil
		}
		f.seen[x] = true
		return x, f.convAll(x.Items, d)
	}
	return v, nil
}
