package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"unsafe"

	"github.com/cvogl/halo/simd"
)

// dropGrain is the fewest elements one ParallelFor chunk of dropout handles; each
// chunk pays one PCG skip-ahead (a few hundred multiplications). A multiple of 8, so
// chunks own whole mask bytes.
const dropGrain = 1 << 14

// The keep mask is a bit set (bit i%8 of byte i/8 is element i), 1/32 of the data it
// gates: the backward keeps only it and the scale. The kernels are simd.DropPCG (draws,
// mask and output in one pass; with AVX-512, 16 PCG streams side by side), DropMask,
// DropMaskAcc and DropMaskSet; work is split in whole bytes (8 elements) so no two
// workers write one byte.

// Dropout zeroes each element of x with probability p and scales the survivors by
// 1/(1-p) (inverted dropout), drawing one rng.Float32 per element in order, so a seeded
// rng gives a reproducible mask. It is the identity when !training or p == 0.
// When rng draws from a *rand.PCG (or a PCGRuns source) the mask is generated in
// parallel (DropoutPCG), with the same draws and the same generator state afterwards
// as the sequential loop.
func Dropout(x *Tensor, p float32, rng *rand.Rand, training bool) *Tensor {
	checkDropP("Dropout", x, p)
	if !training || p == 0 {
		return x
	}
	switch src := sourceOf(rng).(type) {
	case *rand.PCG:
		return DropoutPCG(x, p, src, training)
	case PCGRuns:
		if st, ok := src.TakePCG(uint64(len(x.Data))); ok {
			return dropoutFrom(x, p, st)
		}
	}
	mask := make([]byte, (len(x.Data)+7)/8)
	for i := range x.Data {
		if rng.Float32() >= p {
			mask[i>>3] |= 1 << (i & 7)
		}
	}
	return applyDropMask("dropout", x, mask, keepScale(p))
}

// DropoutPCG is Dropout drawing from src as rand.New(src).Float32 would, one draw per
// element, and leaving src where that loop would. Chunks of the element range run on
// the worker pool, each from a copy of the state jumped to its first element.
func DropoutPCG(x *Tensor, p float32, src *rand.PCG, training bool) *Tensor {
	checkDropP("DropoutPCG", x, p)
	if !training || p == 0 {
		return x
	}
	base := PCGState(src)
	end := PCGJump(base, uint64(len(x.Data)))
	src.Seed(end[0], end[1])
	return dropoutFrom(x, p, base)
}

// dropoutFrom is dropout with the draws of a PCG from state base on: one pass that
// generates the draws, writes the mask bits and the scaled output.
func dropoutFrom(x *Tensor, p float32, base [2]uint64) *Tensor {
	n := len(x.Data)
	thr := dropThreshold(p)
	scale := keepScale(p)
	mask := make([]byte, (n+7)/8)
	out := Empty(x.Shape...)
	simd.ParallelFor(len(mask), dropGrain/8, func(lo, hi int) {
		e0, e1 := lo*8, min(hi*8, n)
		simd.DropPCG(out.Data[e0:e1], x.Data[e0:e1], mask[lo:hi], PCGJump(base, uint64(e0)), thr, scale)
	})
	return recordDropMask("dropout", x, out, mask, scale)
}

// dropThreshold is the smallest 24-bit draw u with u/2^24 >= p (2^24 when none is).
func dropThreshold(p float32) uint32 {
	return uint32(math.Ceil(float64(p) * (1 << 24)))
}

// DropPath (stochastic depth) zeroes whole samples along axis 0 of x with probability
// p and scales the kept ones by 1/(1-p), one rng.Float32 per sample. It is the identity
// when !training or p == 0.
func DropPath(x *Tensor, p float32, rng *rand.Rand, training bool) *Tensor {
	checkDropP("DropPath", x, p)
	if !training || p == 0 {
		return x
	}
	if len(x.Shape) == 0 {
		panic(fmt.Sprintf("autograd.DropPath: %s has no sample axis", tensorLabel(x)))
	}
	n := x.Shape[0]
	per := 0
	if n > 0 {
		per = len(x.Data) / n
	}
	mask := make([]byte, (len(x.Data)+7)/8)
	for s := range n {
		if rng.Float32() >= p {
			setBits(mask, s*per, (s+1)*per)
		}
	}
	return applyDropMask("drop_path", x, mask, keepScale(p))
}

// setBits sets bits [lo, hi) of mask, whole bytes at a time between the edges.
func setBits(mask []byte, lo, hi int) {
	for ; lo < hi && lo&7 != 0; lo++ {
		mask[lo>>3] |= 1 << (lo & 7)
	}
	for ; lo+8 <= hi; lo += 8 {
		mask[lo>>3] = 0xFF
	}
	for ; lo < hi; lo++ {
		mask[lo>>3] |= 1 << (lo & 7)
	}
}

func checkDropP(name string, x *Tensor, p float32) {
	if !(p >= 0 && p <= 1) {
		panic(fmt.Sprintf("autograd.%s of %s: probability %v outside [0, 1]", name, tensorLabel(x), p))
	}
}

// keepScale is the factor for kept elements; with p == 1 nothing is kept.
func keepScale(p float32) float32 {
	if p >= 1 {
		return 0
	}
	return 1 / (1 - p)
}

// applyDropMask records out = x * (mask bit ? scale : 0), computed in parallel.
// Dropped elements are multiplied by 0 rather than set to 0, so -0, NaN and Inf come
// out as a float mask multiply would give them.
func applyDropMask(name string, x *Tensor, mask []byte, scale float32) *Tensor {
	n := len(x.Data)
	out := Empty(x.Shape...)
	simd.ParallelFor(len(mask), dropGrain/8, func(lo, hi int) {
		e0, e1 := lo*8, min(hi*8, n)
		simd.DropMask(out.Data[e0:e1], x.Data[e0:e1], mask[lo:hi], scale)
	})
	return recordDropMask(name, x, out, mask, scale)
}

// recordDropMask records out = x*(mask bit ? scale : 0); the same factors scale the
// gradient. The backward reads neither x nor out, only the mask bits.
func recordDropMask(name string, x, out *Tensor, mask []byte, scale float32) *Tensor {
	return Record(name, out, func(g []float32) {
		if !x.requiresGrad {
			return
		}
		dx, first := firstGradBuf(x)
		apply := simd.DropMaskAcc
		if first {
			apply = simd.DropMaskSet
		}
		n := len(g)
		simd.ParallelFor(len(mask), dropGrain/8, func(lo, hi int) {
			e0, e1 := lo*8, min(hi*8, n)
			apply(dx[e0:e1], g[e0:e1], mask[lo:hi], scale)
		})
	}, x)
}

// firstGradBuf is GradBuf for a backward that writes every element: when t has no
// gradient yet it takes an uncleared pool buffer (as GradBuf would, returned to the pool
// the same way) and reports first, and the caller stores 0 + contribution instead of
// accumulating, which saves clearing the buffer and reading the zeros back.
func firstGradBuf(t *Tensor) (dx []float32, first bool) {
	if t.Grad != nil {
		return t.Grad, false
	}
	t.Grad = simd.GetBuf(len(t.Data))
	t.poolGrad = unsafe.SliceData(t.Grad)
	return t.Grad, true
}
