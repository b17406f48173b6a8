package autograd

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/cvogl/halo/simd"
)

// The dropout forward and backward as they were before the bit-mask kernels (one
// scalar PCG step per element, a byte per element of mask, a zeroed output), kept for
// the A/B benchmark below and held equal to the current path.

func pcgNextOld(hi, lo uint64) (nhi, nlo, out uint64) {
	const (
		mulHi, mulLo = 2549297995355413924, 4865540595714422341
		incHi, incLo = 6364136223846793005, 1442695040888963407
	)
	h, l := bits.Mul64(lo, mulLo)
	h += hi*mulLo + lo*mulHi
	l, c := bits.Add64(l, incLo, 0)
	h, _ = bits.Add64(h, incHi, c)
	o := h
	o ^= o >> 32
	o *= 0xda942042e4dd58b5
	o ^= o >> 48
	o *= l | 1
	return h, l, o
}

func dropoutOldForward(x *Tensor, p float32, base [2]uint64) (*Tensor, []uint8) {
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
			h, l, r = pcgNextOld(h, l)
			var k uint8
			if uint32(r>>32)&(1<<24-1) >= thr {
				k = 1
			}
			ms[i] = k
			ys[i] = xs[i] * scale[k&1]
		}
	})
	return out, mask
}

func dropoutOldBackward(dx, g []float32, mask []uint8, p float32) {
	scale := [2]float32{0, keepScale(p)}
	simd.ParallelFor(len(mask), dropGrain, func(lo, hi int) {
		d, gs := dx[lo:hi], g[lo:hi]
		d = d[:len(mask[lo:hi])]
		gs = gs[:len(d)]
		for i, k := range mask[lo:hi] {
			d[i] += gs[i] * scale[k&1]
		}
	})
}

// The A/B benchmark compares equal work: the old path's outputs, mask and gradient are
// the current path's.
func TestDropoutOldPathAgrees(t *testing.T) {
	const p = 0.1
	x := RandTensor(73, -1, 1, 3*dropGrain+13)
	base := [2]uint64{11, 12}
	oldY, oldMask := dropoutOldForward(x, p, base)
	src := rand.NewPCG(0, 0)
	src.Seed(base[0], base[1])
	y := DropoutPCG(x, p, src, true)
	if i := sameBits(y.Data, oldY.Data); i >= 0 {
		t.Fatalf("y[%d] = %v, old path %v", i, y.Data[i], oldY.Data[i])
	}
	g := RandTensor(74, -1, 1, len(x.Data)).Data
	oldDX := make([]float32, len(g))
	dropoutOldBackward(oldDX, g, oldMask, p)
	y.BackwardWith(g)
	if i := sameBits(x.Grad, oldDX); i >= 0 {
		t.Fatalf("dx[%d] = %v, old path %v", i, x.Grad[i], oldDX[i])
	}
}

// BenchmarkDropoutAB times the old and the current dropout on the paper's largest
// dropout input, [1, 512, 256, 256] at p = 0.1, forward (outputs returned to the pool
// each time) and backward (the mask multiply into a pooled gradient buffer).
func BenchmarkDropoutAB(b *testing.B) {
	x := RandTensor(72, -1, 1, 1, 512, 256, 256)
	n := len(x.Data)
	base := [2]uint64{1, 2}
	perElem := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
	}
	for _, th := range []int{1, 2} {
		prev := simd.SetThreads(th)
		b.Run(fmt.Sprintf("forward/old/threads=%d", th), func(b *testing.B) {
			for b.Loop() {
				NoGrad(func() {
					y, _ := dropoutOldForward(x, 0.1, base)
					y.Release()
				})
			}
			perElem(b)
		})
		b.Run(fmt.Sprintf("forward/new/threads=%d", th), func(b *testing.B) {
			for b.Loop() {
				NoGrad(func() { dropoutFrom(x, 0.1, base).Release() })
			}
			perElem(b)
		})
		// Backward as the model runs it: the input's gradient buffer comes from the pool
		// (cleared for the old accumulate loop; written first by the new one).
		g := RandTensor(75, -1, 1, n).Data
		_, oldMask := dropoutOldForward(x, 0.1, base)
		b.Run(fmt.Sprintf("backward/old/threads=%d", th), func(b *testing.B) {
			for b.Loop() {
				dx := simd.GetZeroBuf(n)
				dropoutOldBackward(dx, g, oldMask, 0.1)
				simd.PutBuf(dx)
			}
			perElem(b)
		})
		mask := make([]byte, (n+7)/8)
		simd.DropPCG(make([]float32, n), x.Data, mask, base, dropThreshold(0.1), keepScale(0.1))
		b.Run(fmt.Sprintf("backward/new/threads=%d", th), func(b *testing.B) {
			for b.Loop() {
				dx := simd.GetBuf(n)
				simd.ParallelFor(len(mask), dropGrain/8, func(lo, hi int) {
					e0, e1 := lo*8, min(hi*8, n)
					simd.DropMaskSet(dx[e0:e1], g[e0:e1], mask[lo:hi], keepScale(0.1))
				})
				simd.PutBuf(dx)
			}
			perElem(b)
		})
		simd.SetThreads(prev)
	}
}
