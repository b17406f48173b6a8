package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cvogl/halo/simd"
)

// dropGrain is the fewest elements one ParallelFor chunk of dropout handles; each
// chunk pays one PCG skip-ahead (a few hundred multiplications).
const dropGrain = 1 << 14

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
	mask := make([]uint8, len(x.Data))
	for i := range mask {
		if rng.Float32() >= p {
			mask[i] = 1
		}
	}
	out := Zeros(x.Shape...)
	scale := [2]float32{0, keepScale(p)}
	simd.ParallelFor(len(mask), dropGrain, func(lo, hi int) {
		applyMask(out.Data[lo:hi], x.Data[lo:hi], mask[lo:hi], scale)
	})
	return recordMask("dropout", x, out, mask, scale)
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

// dropoutFrom is dropout with the draws of a PCG from state base on.
func dropoutFrom(x *Tensor, p float32, base [2]uint64) *Tensor {
	n := len(x.Data)
	thr := dropThreshold(p)
	scale := [2]float32{0, keepScale(p)}
	mask := make([]uint8, n)
	out := Zeros(x.Shape...)
	simd.ParallelFor(n, dropGrain, func(lo, hi int) {
		st := PCGJump(base, uint64(lo))
		h, l := st[0], st[1]
		xs, ys, ms := x.Data[lo:hi], out.Data[lo:hi], mask[lo:hi]
		ys = ys[:len(ms)]
		xs = xs[:len(ms)]
		for i := range ms {
			var r uint64
			h, l, r = pcgNext(h, l)
			// rand.Rand.Float32 is the low 24 bits of Uint32 (the top half of Uint64)
			// over 2^24; comparing those bits with thr decides Float32() >= p exactly.
			var k uint8
			if uint32(r>>32)&(1<<24-1) >= thr {
				k = 1
			}
			ms[i] = k
			ys[i] = xs[i] * scale[k&1]
		}
	})
	return recordMask("dropout", x, out, mask, scale)
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
	mask := make([]uint8, len(x.Data))
	for s := range n {
		if rng.Float32() >= p {
			m := mask[s*per : (s+1)*per]
			for i := range m {
				m[i] = 1
			}
		}
	}
	out := Zeros(x.Shape...)
	scale := [2]float32{0, keepScale(p)}
	simd.ParallelFor(len(mask), dropGrain, func(lo, hi int) {
		applyMask(out.Data[lo:hi], x.Data[lo:hi], mask[lo:hi], scale)
	})
	return recordMask("drop_path", x, out, mask, scale)
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

// applyMask sets y = x * scale[mask]. Dropped elements are multiplied by 0 rather than
// set to 0, so -0, NaN and Inf come out as a float mask multiply would give them.
func applyMask(y, x []float32, mask []uint8, scale [2]float32) {
	y = y[:len(mask)]
	x = x[:len(mask)]
	for i, k := range mask {
		y[i] = x[i] * scale[k&1]
	}
}

// recordMask records out = x*scale[mask]; the same factors scale the gradient.
func recordMask(name string, x, out *Tensor, mask []uint8, scale [2]float32) *Tensor {
	return Record(name, out, func(g []float32) {
		if !x.requiresGrad {
			return
		}
		dx := x.GradBuf()
		simd.ParallelFor(len(mask), dropGrain, func(lo, hi int) {
			d, gs := dx[lo:hi], g[lo:hi]
			d = d[:len(mask[lo:hi])]
			gs = gs[:len(d)]
			for i, k := range mask[lo:hi] {
				d[i] += gs[i] * scale[k&1]
			}
		})
	}, x)
}
