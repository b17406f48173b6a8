package ops

import (
	"fmt"

	"github.com/cvogl/halo/simd"
)

// BinaryOp selects the arithmetic of a broadcast binary kernel.
type BinaryOp int

// The broadcast binary operations.
const (
	OpAdd BinaryOp = iota
	OpSub
	OpMul
	OpDiv
)

func (op BinaryOp) String() string {
	switch op {
	case OpAdd:
		return "add"
	case OpSub:
		return "sub"
	case OpMul:
		return "mul"
	case OpDiv:
		return "div"
	}
	return fmt.Sprintf("BinaryOp(%d)", int(op))
}

// elemGrain is the smallest number of elements worth handing to a worker.
const elemGrain = 1 << 14

// BroadcastShape returns the NumPy broadcast of shapes a and b: shapes are aligned at
// their last axis, and each pair of sizes must be equal or contain a 1.
func BroadcastShape(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := range n {
		da, db := 1, 1
		if j := i - (n - len(a)); j >= 0 {
			da = a[j]
		}
		if j := i - (n - len(b)); j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast (axis %d: %d vs %d)", a, b, i-n, da, db)
		}
	}
	return out, nil
}

// Broadcast maps two operands onto their broadcast output. Axes of size 1 in the
// output are dropped and neighbouring axes that both operands walk the same way are
// merged, so the common HALO layouts (same shape, per-channel [C,1,1] against NCHW,
// [N,1,H,W] against [N,C,H,W], a row vector against [N,L,C]) become one, two or
// three loops with a unit-stride or constant innermost operand.
type Broadcast struct {
	Out        []int // the broadcast output shape
	ANum, BNum int   // element counts of the operands
	dims       []int // merged output axes, outermost first; never empty
	sa, sb     []int // element strides of a and b along dims (0 where broadcast)
	so         []int // element strides of the (contiguous) output along dims
}

// NewBroadcast prepares the broadcast of shapes a and b.
func NewBroadcast(a, b []int) (*Broadcast, error) {
	out, err := BroadcastShape(a, b)
	if err != nil {
		return nil, err
	}
	n := len(out)
	strides := func(s []int) []int {
		st := make([]int, n)
		acc := 1
		for i := n - 1; i >= 0; i-- {
			j := i - (n - len(s))
			if j < 0 || s[j] == 1 {
				st[i] = 0
				continue
			}
			st[i] = acc
			acc *= s[j]
		}
		return st
	}
	fa, fb := strides(a), strides(b)
	bc := &Broadcast{Out: out, ANum: numel(a), BNum: numel(b)}
	for i := range n {
		if out[i] == 1 {
			continue
		}
		k := len(bc.dims) - 1
		if k >= 0 && bc.sa[k] == fa[i]*out[i] && bc.sb[k] == fb[i]*out[i] {
			bc.dims[k] *= out[i]
			bc.sa[k], bc.sb[k] = fa[i], fb[i]
			continue
		}
		bc.dims = append(bc.dims, out[i])
		bc.sa = append(bc.sa, fa[i])
		bc.sb = append(bc.sb, fb[i])
	}
	if len(bc.dims) == 0 {
		bc.dims, bc.sa, bc.sb = []int{1}, []int{0}, []int{0}
	}
	bc.so = make([]int, len(bc.dims))
	acc := 1
	for d := len(bc.dims) - 1; d >= 0; d-- {
		bc.so[d] = acc
		acc *= bc.dims[d]
	}
	return bc, nil
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// inner returns the length of the innermost merged axis and the operands' strides on it
// (each 0 or 1).
func (bc *Broadcast) inner() (n, sa, sb int) {
	k := len(bc.dims) - 1
	return bc.dims[k], bc.sa[k], bc.sb[k]
}

// walk calls fn(oo, oa, ob, n) for every innermost run of the merged iteration space
// with its axis sizes narrowed to dims, starting from the given offsets of the output
// and the operands.
func (bc *Broadcast) walk(dims []int, oo, oa, ob int, fn func(oo, oa, ob, n int)) {
	for _, d := range dims {
		if d == 0 {
			return
		}
	}
	k := len(dims) - 1
	n := dims[k]
	idx := make([]int, k)
	for {
		fn(oo, oa, ob, n)
		d := k - 1
		for ; d >= 0; d-- {
			idx[d]++
			oo += bc.so[d]
			oa += bc.sa[d]
			ob += bc.sb[d]
			if idx[d] < dims[d] {
				break
			}
			oo -= bc.so[d] * dims[d]
			oa -= bc.sa[d] * dims[d]
			ob -= bc.sb[d] * dims[d]
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}

// run calls fn for every innermost run. Big jobs are split across workers along one
// merged axis on which target, the strides of the buffer being written, is not 0, so
// workers write disjoint elements (a reduction into a broadcast operand is split along
// the axes it keeps). When every axis is broadcast in target the job runs serially.
func (bc *Broadcast) run(target []int, fn func(oo, oa, ob, n int)) {
	total := numel(bc.Out)
	threads := simd.Threads()
	split := -1
	if total >= 2*elemGrain && threads > 1 {
		// The outermost axis with enough entries to share out, else the longest.
		for d, n := range bc.dims {
			if target[d] == 0 {
				continue
			}
			if n >= 4*threads {
				split = d
				break
			}
			if split < 0 || n > bc.dims[split] {
				split = d
			}
		}
	}
	if split < 0 || bc.dims[split] < 2 {
		bc.walk(bc.dims, 0, 0, 0, fn)
		return
	}
	per := total / bc.dims[split] // elements per entry of the split axis
	simd.ParallelFor(bc.dims[split], max(1, elemGrain/per), func(lo, hi int) {
		dims := append([]int(nil), bc.dims...)
		dims[split] = hi - lo
		bc.walk(dims, lo*bc.so[split], lo*bc.sa[split], lo*bc.sb[split], fn)
	})
}

// Apply computes dst = a op b over the broadcast (dst has the output's size).
func (bc *Broadcast) Apply(op BinaryOp, dst, a, b []float32) {
	bc.checkLens(len(dst), len(a), len(b))
	_, sa, sb := bc.inner()
	bc.run(bc.so, func(oo, oa, ob, n int) {
		binaryRun(op, dst[oo:oo+n], a[oa:], sa, b[ob:], sb)
	})
}

func (bc *Broadcast) checkLens(nd, na, nb int) {
	if nd != numel(bc.Out) || na != bc.ANum || nb != bc.BNum {
		panic(fmt.Sprintf("ops: broadcast to %v: buffers of %d, %d, %d values, want %d, %d, %d",
			bc.Out, nd, na, nb, numel(bc.Out), bc.ANum, bc.BNum))
	}
}

// binaryRun is one innermost run; a stride of 0 means the operand is constant on it.
func binaryRun(op BinaryOp, dst, a []float32, sa int, b []float32, sb int) {
	n := len(dst)
	switch {
	case sa == 1 && sb == 1:
		a, b = a[:n], b[:n]
		switch op {
		case OpAdd:
			simd.Add(dst, a, b)
		case OpSub:
			for i := range dst {
				dst[i] = a[i] - b[i]
			}
		case OpMul:
			simd.Mul(dst, a, b)
		case OpDiv:
			for i := range dst {
				dst[i] = a[i] / b[i]
			}
		}
	case sa == 1:
		a = a[:n]
		bv := b[0]
		switch op {
		case OpAdd:
			simd.AddScalar(dst, a, bv)
		case OpSub:
			for i := range dst {
				dst[i] = a[i] - bv
			}
		case OpMul:
			for i := range dst {
				dst[i] = a[i] * bv
			}
		case OpDiv:
			for i := range dst {
				dst[i] = a[i] / bv
			}
		}
	case sb == 1:
		b = b[:n]
		av := a[0]
		switch op {
		case OpAdd:
			for i := range dst {
				dst[i] = av + b[i]
			}
		case OpSub:
			for i := range dst {
				dst[i] = av - b[i]
			}
		case OpMul:
			for i := range dst {
				dst[i] = av * b[i]
			}
		case OpDiv:
			for i := range dst {
				dst[i] = av / b[i]
			}
		}
	default:
		v := binaryScalar(op, a[0], b[0])
		for i := range dst {
			dst[i] = v
		}
	}
}

func binaryScalar(op BinaryOp, a, b float32) float32 {
	switch op {
	case OpAdd:
		return a + b
	case OpSub:
		return a - b
	case OpMul:
		return a * b
	}
	return a / b
}

// BackwardA accumulates into da (a's size) the gradient of sum(g * (a op b)) with
// respect to a, summed over the axes a was broadcast along.
func (bc *Broadcast) BackwardA(op BinaryOp, da, g, a, b []float32) {
	bc.checkLens(len(g), len(a), len(b))
	if len(da) != len(a) {
		panic(fmt.Sprintf("ops: broadcast %v backward: gradient of %d values for a of %d", op, len(da), len(a)))
	}
	_, sa, sb := bc.inner()
	bc.run(bc.sa, func(oo, oa, ob, n int) {
		gradRun(op, false, da[oa:], sa, g[oo:oo+n], a[oa:], b[ob:], sb)
	})
}

// BackwardB is BackwardA for the second operand.
func (bc *Broadcast) BackwardB(op BinaryOp, db, g, a, b []float32) {
	bc.checkLens(len(g), len(a), len(b))
	if len(db) != len(b) {
		panic(fmt.Sprintf("ops: broadcast %v backward: gradient of %d values for b of %d", op, len(db), len(b)))
	}
	_, sa, sb := bc.inner()
	bc.run(bc.sb, func(oo, oa, ob, n int) {
		gradRun(op, true, db[ob:], sb, g[oo:oo+n], b[ob:], a[oa:], sa)
	})
}

// gradRun accumulates the gradient of one run into dself (stride ss, the operand's own
// stride) given the operand's values self and the other operand other (stride so).
// second tells whether self is the right-hand operand, which matters for Sub and Div.
// A stride-0 target is a reduction: it is summed in float64 and added once.
func gradRun(op BinaryOp, second bool, dself []float32, ss int, g, self []float32, other []float32, so int) {
	n := len(g)
	if so == 1 {
		other = other[:n]
	}
	if ss == 0 {
		var acc float64
		switch {
		case op == OpAdd, op == OpSub:
			for _, v := range g {
				acc += float64(v)
			}
			if op == OpSub && second {
				acc = -acc
			}
		case op == OpMul:
			for i, v := range g {
				acc += float64(v * other[i*so])
			}
		case op == OpDiv && !second:
			for i, v := range g {
				acc += float64(v / other[i*so])
			}
		default: // d(a/b)/db = -a/b^2
			s2 := self[0] * self[0]
			for i, v := range g {
				acc -= float64(v * other[i*so] / s2)
			}
		}
		dself[0] += float32(acc)
		return
	}
	dself = dself[:n]
	switch {
	case op == OpAdd, op == OpSub && !second:
		AddTo(dself, g)
	case op == OpSub:
		SubFrom(dself, g)
	case op == OpMul && so == 1:
		for i, v := range g {
			dself[i] += v * other[i]
		}
	case op == OpMul:
		simd.Axpy(other[0], g, dself)
	case op == OpDiv && !second && so == 0:
		o := other[0]
		for i, v := range g {
			dself[i] += v / o
		}
	case op == OpDiv && !second:
		for i, v := range g {
			dself[i] += v / other[i]
		}
	default:
		self = self[:n]
		for i, v := range g {
			s := self[i]
			dself[i] -= v * other[i*so] / (s * s)
		}
	}
}

// AddScalar computes dst = x + s.
func AddScalar(dst, x []float32, s float32) {
	x = x[:len(dst)]
	parallelElems(len(dst), func(lo, hi int) { simd.AddScalar(dst[lo:hi], x[lo:hi], s) })
}

// Neg computes dst = -x.
func Neg(dst, x []float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = -x[i]
	}
}

// AddTo accumulates dst += x.
func AddTo(dst, x []float32) {
	x = x[:len(dst)]
	parallelElems(len(dst), func(lo, hi int) { simd.Axpy(1, x[lo:hi], dst[lo:hi]) })
}

// SubFrom accumulates dst -= x.
func SubFrom(dst, x []float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] -= x[i]
	}
}
