package torchfile

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// pb builds pickles opcode by opcode for hand-made test inputs.
type pb struct{ bytes.Buffer }

func (b *pb) op(ops ...byte) *pb { b.Write(ops); return b }
func (b *pb) str(s string) *pb {
	b.WriteByte(opBinUnicode)
	b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(s))))
	b.WriteString(s)
	return b
}
func (b *pb) int(n int32) *pb {
	b.WriteByte(opBinInt)
	b.Write(binary.LittleEndian.AppendUint32(nil, uint32(n)))
	return b
}
func (b *pb) global(mod, name string) *pb {
	b.WriteByte(opGlobal)
	b.WriteString(mod + "\n" + name + "\n")
	return b
}

// tensorV2 emits _rebuild_tensor_v2(pid, 0, shape, stride, False, OrderedDict()) where
// pid is the legacy ('storage', torch.<cls>, key, 'cpu', numel, view) tuple.
func (b *pb) tensorV2(cls, key string, numel int32, view func(), shape, stride []int32) *pb {
	b.global("torch._utils", "_rebuild_tensor_v2").op(opMark)
	b.op(opMark).str("storage").global("torch", cls).str(key).str("cpu").int(numel)
	if view != nil {
		view()
	} else {
		b.op(opNone)
	}
	b.op(opTuple, opBinPersID).int(0)
	for _, xs := range [][]int32{shape, stride} {
		b.op(opMark)
		for _, x := range xs {
			b.int(x)
		}
		b.op(opTuple)
	}
	b.op(opNewFalse).global("collections", "OrderedDict").op(opEmptyTuple, opReduce)
	return b.op(opTuple, opReduce)
}

// handmadeLegacy builds a legacy torch.save stream by hand: a float storage "k1" of 4
// elements used whole ("w") and through a storage view ("v" = k1[1:3], the
// view_metadata form of old PyTorch), and a half storage "k2" ("h").
func handmadeLegacy() []byte {
	var b pb
	magic := []byte{0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19} // 0x1950a86a20f9469cfc6c LE
	b.op(opProto, 2, opLong1, byte(len(magic))).op(magic...).op(opStop)
	b.op(opProto, 2, opBinInt2, 0xe9, 0x03, opStop) // 1001
	b.op(opProto, 2, opEmptyDict, opMark).str("protocol_version").int(1001).str("little_endian").op(opNewTrue).op(opSetItems, opStop)
	b.op(opProto, 2, opEmptyDict, opMark)
	b.str("w").tensorV2("FloatStorage", "k1", 4, nil, []int32{4}, []int32{1})
	b.str("v").tensorV2("FloatStorage", "k1", 4, func() { b.op(opMark).str("k1v").int(1).int(2).op(opTuple) }, []int32{2}, []int32{1})
	b.str("h").tensorV2("HalfStorage", "k2", 3, nil, []int32{3}, []int32{1})
	b.op(opSetItems, opStop)
	b.op(opProto, 2, opEmptyList, opMark).str("k1").str("k2").op(opAppends, opStop)
	b.Write(binary.LittleEndian.AppendUint64(nil, 4))
	for _, f := range []float32{1, 2, 3, 4} {
		b.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(f)))
	}
	b.Write(binary.LittleEndian.AppendUint64(nil, 3))
	for _, h := range []uint16{0x3c00, 0xc000, 0x0001} { // 1, -2, smallest subnormal
		b.Write(binary.LittleEndian.AppendUint16(nil, h))
	}
	return b.Bytes()
}

// handmadePlainP0 is a protocol 0 pickle written by hand (checked against CPython's
// pickle.loads): [(1, 'query.jpg', 0.5, True, None), {'keyé': 12345678901234567890},
// 'query.jpg' (memo), <__main__.Thing x=-3>].
const handmadePlainP0 = "(lp0\n(I1\nS'query.jpg'\np1\nF0.5\nI01\nNtp2\na(dp3\nVkey\\u00e9\np4\nL12345678901234567890L\nsag1\na(i__main__\nThing\np5\n(dp6\nS'x'\nI-3\nsba."

// TestHandmadeFixtures checks the hand-built legacy and plain-pickle files and that the
// copies under testdata (for other packages' tests) match them.
func TestHandmadeFixtures(t *testing.T) {
	for name, data := range map[string][]byte{
		"legacy_handmade.pt":    handmadeLegacy(),
		"plain_p0_handmade.pkl": []byte(handmadePlainP0),
	} {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		disk, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(disk, data) {
			t.Errorf("%s differs from its builder (run go test -update): %v", path, err)
		}
	}

	f := openFixture(t, "legacy_handmade.pt")
	d := f.Root.(*Dict)
	wantF32(t, d, "w", []int{4}, []float32{1, 2, 3, 4})
	wantF32(t, d, "v", []int{2}, []float32{2, 3})
	wantF32(t, d, "h", []int{3}, []float32{1, -2, float32(math.Ldexp(1, -24))})
	if li, _ := f.SysInfo.(*Dict).Get("little_endian"); li != true {
		t.Errorf("sys_info = %+v", f.SysInfo)
	}

	p := openFixture(t, "plain_p0_handmade.pkl")
	l := p.Root.(List)
	bigv, _ := new(big.Int).SetString("12345678901234567890", 10)
	if len(l) != 4 || !reflect.DeepEqual(l[0], Tuple{int64(1), "query.jpg", 0.5, true, nil}) || l[2] != "query.jpg" {
		t.Fatalf("plain root %#v", l)
	}
	if v, _ := l[1].(*Dict).Get("keyé"); v.(*big.Int).Cmp(bigv) != 0 {
		t.Errorf("big value %v", v)
	}
	o := l[3].(*Object)
	if o.Module != "__main__" || o.Name != "Thing" {
		t.Errorf("object %+v", o)
	}
	if x, _ := o.State.(*Dict).Get("x"); x != int64(-3) {
		t.Errorf("object state %+v", o.State)
	}
}

// TestTruncatedFiles cuts every fixture at many points: each cut must give an error
// that names the file, never a panic or a silent success.
func TestTruncatedFiles(t *testing.T) {
	files := []string{"mixed_zip.pt", "mixed_legacy.pt", "annotations_p2.pkl", "annotations_p0.pkl", "legacy_handmade.pt", "tensor_plain.pkl"}
	for _, name := range files {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		step := max(1, len(data)/300)
		for cut := 0; cut < len(data); cut += step {
			_, err := Read(bytes.NewReader(data[:cut]), int64(cut), name)
			if err == nil {
				t.Errorf("%s cut at %d/%d: no error", name, cut, len(data))
				continue
			}
			if !strings.HasPrefix(err.Error(), "torchfile: "+name+": ") {
				t.Errorf("%s cut at %d: error does not name the file: %v", name, cut, err)
			}
			if strings.Contains(err.Error(), "internal error") {
				t.Errorf("%s cut at %d: %v", name, cut, err)
			}
		}
	}
}

// zipWith builds a torch zip archive from raw members.
func zipWith(t *testing.T, members ...any) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := &zipWriter{w: &buf}
	for i := 0; i < len(members); i += 2 {
		if err := z.add(members[i].(string), members[i+1].([]byte)); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zipPickle(numel int32) []byte {
	var b pb
	b.op(opProto, 2).global("torch._utils", "_rebuild_tensor_v2").op(opMark)
	b.op(opMark).str("storage").global("torch", "FloatStorage").str("0").str("cuda:1").int(numel).op(opTuple, opBinPersID)
	b.int(0).op(opMark).int(numel).op(opTuple).op(opMark).int(1).op(opTuple)
	b.op(opNewFalse).global("collections", "OrderedDict").op(opEmptyTuple, opReduce, opTuple, opReduce, opStop)
	return b.Bytes()
}

func TestCorruptMessages(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"model.pth", zipWith(t, "model/data.pkl", zipPickle(1024), "model/data/0", make([]byte, 100), "model/version", []byte("3\n")),
			"torchfile: model.pth: storage model/data/0: truncated: want 4096 bytes, have 100"},
		{"nodata.pth", zipWith(t, "m/data.pkl", zipPickle(2), "m/version", []byte("3\n")),
			"storage m/data/0: member missing"},
		{"nopkl.pth", zipWith(t, "m/version", []byte("3\n")), "no data.pkl"},
		{"huge_str.pkl", []byte("\x80\x02X\xf0\xff\xff\xff"), "truncated: want 4294967280 bytes, have 0"},
		{"huge_bytes8.pkl", []byte("\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\x7f"), "truncated"},
		{"huge_long4.pkl", []byte("\x80\x02\x8b\xff\xff\xff\x7f"), "truncated"},
		{"stop_empty.pkl", []byte("."), "stack underflow"},
		{"nomark.pkl", []byte("\x80\x02t."), "no MARK"},
		{"memo.pkl", []byte("\x80\x02h\x05."), "memo key 5 not defined"},
		{"badop.pkl", []byte("\x80\x02\xff."), "unknown opcode 0xff"},
		{"persid.pkl", []byte("\x80\x02NQ."), "persistent id in a plain pickle"},
		{"empty.pkl", nil, "empty file"},
		{"legacy_count.pt", corruptLegacyCount(), "storage k1: truncated: want 1152921504606846976 elements of 4 bytes"},
	}
	for _, c := range cases {
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		_, err := Read(bytes.NewReader(c.data), int64(len(c.data)), c.name)
		runtime.ReadMemStats(&ms1)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "torchfile: "+c.name+": ") {
			t.Errorf("%s: error does not name the file: %v", c.name, err)
		}
		// lying length fields must not be believed
		if grew := ms1.TotalAlloc - ms0.TotalAlloc; grew > 1<<20 {
			t.Errorf("%s: allocated %d bytes", c.name, grew)
		}
	}
}

// corruptLegacyCount is legacy_handmade with the element count of k1 set to 2^60.
func corruptLegacyCount() []byte {
	b := handmadeLegacy()
	i := len(b) - (8 + 16 + 8 + 6)
	binary.LittleEndian.PutUint64(b[i:], 1<<60)
	return b
}

func TestTensorViewChecks(t *testing.T) {
	st := &Storage{DType: "float32", Data: make([]byte, 16)}
	bad := []*Tensor{
		{DType: "float32", Shape: []int{5}, Stride: []int{1}, Storage: st},            // past the end
		{DType: "float32", Shape: []int{2}, Stride: []int{1}, Offset: 3, Storage: st}, // offset past the end
		{DType: "float32", Shape: []int{2, 2}, Stride: []int{1}, Storage: st},         // rank mismatch
		{DType: "float32", Shape: []int{1 << 30}, Stride: []int{0}, Storage: st},      // absurd expansion
		{DType: "float32", Shape: []int{1 << 21, 1 << 21}, Stride: []int{1 << 21, 1}, Storage: st},
		{DType: "float32", Shape: []int{2}, Stride: []int{math.MaxInt / 2}, Storage: st}, // overflow
		{DType: "float32", Shape: []int{2}, Stride: []int{1}},                            // no storage
		{DType: "float32", Shape: []int{-1}, Stride: []int{1}, Storage: st},
	}
	for i, tt := range bad {
		if _, err := tt.Float32(); err == nil {
			t.Errorf("case %d: Float32 accepted %v/%v+%d", i, tt.Shape, tt.Stride, tt.Offset)
		}
	}
	// a small stride-0 expansion (torch.expand) is legal
	ok := &Tensor{DType: "float32", Shape: []int{3, 2}, Stride: []int{0, 1}, Storage: st}
	binary.LittleEndian.PutUint32(st.Data[4:], math.Float32bits(5))
	if got, err := ok.Float32(); err != nil || !reflect.DeepEqual(got, []float32{0, 5, 0, 5, 0, 5}) {
		t.Errorf("expanded: %v %v", got, err)
	}
}

func TestFloat16(t *testing.T) {
	for h, want := range map[uint16]float32{
		0x0000: 0, 0x3c00: 1, 0xc000: -2, 0x7bff: 65504, 0x0400: float32(math.Ldexp(1, -14)),
		0x03ff: float32(math.Ldexp(1023, -24)), 0x0001: float32(math.Ldexp(1, -24)), 0x3555: 0.333251953125,
		0x7c00: float32(math.Inf(1)), 0xfc00: float32(math.Inf(-1)),
	} {
		if got := Float16ToFloat32(h); got != want {
			t.Errorf("Float16ToFloat32(%#04x) = %v, want %v", h, got, want)
		}
	}
	if got := Float16ToFloat32(0x8000); math.Float32bits(got) != 0x80000000 {
		t.Errorf("negative zero: %v", got)
	}
	if got := Float16ToFloat32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("nan: %v", got)
	}
}

func TestStateDict(t *testing.T) {
	w, _ := NewFloat32Tensor([]int{1}, []float32{1})
	sd := NewOrderedDict()
	sd.Set("module.a", w)
	sd.Set("module.b", w)
	wrap := NewDict()
	wrap.Set("epoch", int64(1))
	wrap.Set("best_loss", w) // a tensor in the wrapper must not make it the state dict
	wrap.Set("state_dict", sd)
	for _, root := range []any{sd, wrap} {
		m, keys, err := StateDict(root)
		if err != nil || len(m) != 2 || !reflect.DeepEqual(keys, []string{"module.a", "module.b"}) {
			t.Errorf("StateDict: %v %v %v", m, keys, err)
		}
	}
	other := NewDict()
	other.Set("model", sd)
	if _, keys, err := StateDict(other); err != nil || len(keys) != 2 {
		t.Errorf("model key: %v %v", keys, err)
	}
	if _, _, err := StateDict(List{}); err == nil {
		t.Error("list accepted")
	}
	empty := NewDict()
	empty.Set("epoch", int64(1))
	if _, _, err := StateDict(empty); err == nil {
		t.Error("dict without tensors accepted")
	}
	if got := StripPrefix([]string{"module.a", "b", "module.module.c"}, "module."); !reflect.DeepEqual(got, []string{"a", "b", "module.c"}) {
		t.Errorf("StripPrefix = %v", got)
	}
}

func TestBigEndianZip(t *testing.T) {
	data := make([]byte, 8)
	binary.BigEndian.PutUint32(data, math.Float32bits(1.5))
	binary.BigEndian.PutUint32(data[4:], math.Float32bits(-3))
	raw := zipWith(t, "m/data.pkl", zipPickle(2), "m/byteorder", []byte("big"), "m/data/0", data, "m/version", []byte("3\n"))
	f, err := Read(bytes.NewReader(raw), int64(len(raw)), "be.pt")
	if err != nil {
		t.Fatal(err)
	}
	tt := f.Root.(*Tensor)
	if got, _ := tt.Float32(); !reflect.DeepEqual(got, []float32{1.5, -3}) || tt.Storage.Location != "cuda:1" {
		t.Errorf("big-endian storage read as %v (%s)", got, tt.Storage.Location)
	}
}

func TestDictSemantics(t *testing.T) {
	d := NewDict()
	d.Set("a", int64(1))
	d.Set(int64(2), "two")
	d.Set(Tuple{int64(1), "x"}, "tuple")
	d.Set("a", int64(3)) // replaces in place, keeps position
	if !reflect.DeepEqual(d.Keys, []any{"a", int64(2), Tuple{int64(1), "x"}}) || d.Values[0] != int64(3) {
		t.Errorf("dict = %v %v", d.Keys, d.Values)
	}
	// callers may append directly; lookups must still see the new key
	d.Keys = append(d.Keys, "late")
	d.Values = append(d.Values, "v")
	if v, ok := d.Get("late"); !ok || v != "v" {
		t.Errorf("Get after direct append = %v %v", v, ok)
	}
	if v, ok := d.Lookup(Tuple{int64(1), "x"}); !ok || v != "tuple" {
		t.Errorf("tuple key = %v", v)
	}
	if _, ok := d.Get("missing"); ok {
		t.Error("missing key found")
	}
	var nilDict *Dict
	if _, ok := nilDict.Get("a"); ok {
		t.Error("nil dict")
	}
}

func TestEmptyTensorOffsetPastEnd(t *testing.T) {
	// torch allows an empty view whose offset is past the storage end; converting it
	// must give an empty result, not a slice panic
	st := &Storage{DType: "float32", Data: make([]byte, 8)}
	e := &Tensor{DType: "float32", Shape: []int{0}, Stride: []int{1}, Offset: 10, Storage: st}
	if got, err := e.Float32(); err != nil || len(got) != 0 {
		t.Errorf("empty tensor: %v %v", got, err)
	}
}
