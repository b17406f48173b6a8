package ops

import (
	"fmt"

	"github.com/cvogl/halo/simd"
)

// bilinearTaps holds, for every output position along one axis, the two input
// positions it blends and their weights.
type bilinearTaps struct {
	i0, i1 []int
	l0, l1 []float32
}

// newBilinearTaps follows PyTorch's align_corners=False rule in float32 arithmetic:
// src = (dst+0.5)*in/out - 0.5, clamped below at 0; i0 = floor(src), i1 = i0+1 except
// at the last input position, where both taps coincide.
func newBilinearTaps(in, out int) bilinearTaps {
	t := bilinearTaps{make([]int, out), make([]int, out), make([]float32, out), make([]float32, out)}
	scale := float32(in) / float32(out)
	for d := range out {
		src := scale*(float32(d)+0.5) - 0.5
		if src < 0 {
			src = 0
		}
		i0 := min(int(src), in-1)
		i1 := i0
		if i0 < in-1 {
			i1 = i0 + 1
		}
		l1 := min(max(src-float32(i0), 0), 1)
		t.i0[d], t.i1[d], t.l0[d], t.l1[d] = i0, i1, 1-l1, l1
	}
	return t
}

func checkInterp(op string, nx, ny, n, c, h, w, oh, ow int) {
	if h < 1 || w < 1 || oh < 1 || ow < 1 {
		panic(fmt.Sprintf("%s: sizes %dx%d -> %dx%d must be positive", op, h, w, oh, ow))
	}
	if nx != n*c*h*w || ny != n*c*oh*ow {
		panic(fmt.Sprintf("%s: buffers of %d and %d values for input [%d %d %d %d] -> output [%d %d %d %d]",
			op, nx, ny, n, c, h, w, n, c, oh, ow))
	}
}

// Interpolate resizes x [n,c,h,w] bilinearly to y [n,c,oh,ow] with PyTorch's
// align_corners=False convention (F.interpolate(mode="bilinear") given a size).
func Interpolate(y, x []float32, n, c, h, w, oh, ow int) {
	checkInterp("interpolate", len(x), len(y), n, c, h, w, oh, ow)
	th, tw := newBilinearTaps(h, oh), newBilinearTaps(w, ow)
	simd.ParallelFor(n*c, 4, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			xp := x[p*h*w : (p+1)*h*w]
			for i := range oh {
				r0, r1 := xp[th.i0[i]*w:(th.i0[i]+1)*w], xp[th.i1[i]*w:(th.i1[i]+1)*w]
				a0, a1 := th.l0[i], th.l1[i]
				yrow := y[(p*oh+i)*ow : (p*oh+i+1)*ow]
				for j := range yrow {
					j0, j1 := tw.i0[j], tw.i1[j]
					b0, b1 := tw.l0[j], tw.l1[j]
					yrow[j] = a0*(b0*r0[j0]+b1*r0[j1]) + a1*(b0*r1[j0]+b1*r1[j1])
				}
			}
		}
	})
}

// InterpolateBackward accumulates dx += the gradient of Interpolate given gy, the
// gradient of its output.
func InterpolateBackward(dx, gy []float32, n, c, h, w, oh, ow int) {
	checkInterp("interpolate backward", len(dx), len(gy), n, c, h, w, oh, ow)
	th, tw := newBilinearTaps(h, oh), newBilinearTaps(w, ow)
	simd.ParallelFor(n*c, 4, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			dxp := dx[p*h*w : (p+1)*h*w]
			for i := range oh {
				r0, r1 := dxp[th.i0[i]*w:(th.i0[i]+1)*w], dxp[th.i1[i]*w:(th.i1[i]+1)*w]
				a0, a1 := th.l0[i], th.l1[i]
				grow := gy[(p*oh+i)*ow : (p*oh+i+1)*ow]
				for j, g := range grow {
					j0, j1 := tw.i0[j], tw.i1[j]
					b0, b1 := tw.l0[j], tw.l1[j]
					r0[j0] += a0 * b0 * g
					r0[j1] += a0 * b1 * g
					r1[j0] += a1 * b0 * g
					r1[j1] += a1 * b1 * g
				}
			}
		}
	})
}
