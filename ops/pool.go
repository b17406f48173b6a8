package ops

import (
	"fmt"
	"math"

	"github.com/cvogl/halo/simd"
)

// PoolOutSize is the output length of a k-wide pooling window with the given stride and
// padding over in positions (floor mode), panicking with op in the message when the
// parameters are invalid.
func PoolOutSize(op string, in, k, stride, pad int) int {
	if k < 1 || stride < 1 || pad < 0 {
		panic(fmt.Sprintf("%s: invalid kernel %d, stride %d, padding %d", op, k, stride, pad))
	}
	if 2*pad > k {
		panic(fmt.Sprintf("%s: padding %d is more than half the kernel %d", op, pad, k))
	}
	out := ConvOutSize(in, k, stride, pad, 1)
	if out < 1 {
		panic(fmt.Sprintf("%s: input size %d too small for kernel %d, padding %d", op, in, k, pad))
	}
	return out
}

// MaxPool2d computes y [n,c,oh,ow] as the maximum of each k x k window of x [n,c,h,w]
// (stride, padding acting as -inf). The output size is PoolOutSize(h), PoolOutSize(w).
// When idx is not nil it receives, per output, the position ih*w+iw of the window's
// first maximum in scan order, for MaxPool2dBackward. As in PyTorch a NaN beats
// everything (the last NaN of the window wins).
func MaxPool2d(y []float32, idx []int32, x []float32, n, c, h, w, k, stride, pad int) {
	oh := PoolOutSize("maxpool2d", h, k, stride, pad)
	ow := PoolOutSize("maxpool2d", w, k, stride, pad)
	if len(x) != n*c*h*w || len(y) != n*c*oh*ow || (idx != nil && len(idx) != len(y)) {
		panic(fmt.Sprintf("maxpool2d: buffers of %d/%d/%d values for input [%d %d %d %d] -> output [%d %d %d %d]",
			len(x), len(y), len(idx), n, c, h, w, n, c, oh, ow))
	}
	if h*w > math.MaxInt32 {
		panic(fmt.Sprintf("maxpool2d: plane %dx%d too large for int32 indices", h, w))
	}
	negInf := float32(math.Inf(-1))
	simd.ParallelFor(n*c, 4, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			xp := x[p*h*w : (p+1)*h*w]
			for i := 0; i < oh; i++ {
				h0, h1 := max(i*stride-pad, 0), min(i*stride-pad+k, h)
				for j := 0; j < ow; j++ {
					w0, w1 := max(j*stride-pad, 0), min(j*stride-pad+k, w)
					m, at := negInf, h0*w+w0
					for ih := h0; ih < h1; ih++ {
						row := xp[ih*w : (ih+1)*w]
						for iw := w0; iw < w1; iw++ {
							if v := row[iw]; v > m || v != v {
								m, at = v, ih*w+iw
							}
						}
					}
					o := (p*oh+i)*ow + j
					y[o] = m
					if idx != nil {
						idx[o] = int32(at)
					}
				}
			}
		}
	})
}

// MaxPool2dBackward accumulates dx += the gradient gy routed to the positions idx that
// MaxPool2d recorded. ohw is the output plane size, hw the input plane size.
func MaxPool2dBackward(dx, gy []float32, idx []int32, hw, ohw int) {
	if len(gy) != len(idx) || len(gy)%ohw != 0 || len(dx) != len(gy)/ohw*hw {
		panic(fmt.Sprintf("maxpool2d backward: %d gradients, %d indices, dx of %d for planes %d -> %d",
			len(gy), len(idx), len(dx), hw, ohw))
	}
	planes := len(gy) / ohw
	simd.ParallelFor(planes, 4, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			dxp := dx[p*hw : (p+1)*hw]
			for o, g := range gy[p*ohw : (p+1)*ohw] {
				dxp[idx[p*ohw+o]] += g
			}
		}
	})
}

// adaptiveBins returns PyTorch's adaptive pooling windows: bin i covers
// [floor(i*in/out), ceil((i+1)*in/out)).
func adaptiveBins(in, out int) (start, end []int) {
	start, end = make([]int, out), make([]int, out)
	for i := range out {
		start[i] = i * in / out
		end[i] = ((i+1)*in + out - 1) / out
	}
	return start, end
}

func checkAdaptive(op string, nx, ny, n, c, h, w, oh, ow int) {
	if h < 1 || w < 1 || oh < 1 || ow < 1 {
		panic(fmt.Sprintf("%s: sizes %dx%d -> %dx%d must be positive", op, h, w, oh, ow))
	}
	if nx != n*c*h*w || ny != n*c*oh*ow {
		panic(fmt.Sprintf("%s: buffers of %d and %d values for input [%d %d %d %d] -> output [%d %d %d %d]",
			op, nx, ny, n, c, h, w, n, c, oh, ow))
	}
}

// AdaptiveAvgPool2d writes into y [n,c,oh,ow] the mean of each adaptive window of
// x [n,c,h,w] (see adaptiveBins); windows may overlap when oh or ow does not divide.
func AdaptiveAvgPool2d(y, x []float32, n, c, h, w, oh, ow int) {
	checkAdaptive("adaptive_avg_pool2d", len(x), len(y), n, c, h, w, oh, ow)
	hs, he := adaptiveBins(h, oh)
	ws, we := adaptiveBins(w, ow)
	simd.ParallelFor(n*c, 4, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			xp := x[p*h*w : (p+1)*h*w]
			for i := range oh {
				for j := range ow {
					var s float32
					for ih := hs[i]; ih < he[i]; ih++ {
						s += simd.Sum(xp[ih*w+ws[j] : ih*w+we[j]])
					}
					y[(p*oh+i)*ow+j] = s / float32((he[i]-hs[i])*(we[j]-ws[j]))
				}
			}
		}
	})
}

// AdaptiveAvgPool2dBackward accumulates dx += the gradient of AdaptiveAvgPool2d given
// gy, the gradient of its output.
func AdaptiveAvgPool2dBackward(dx, gy []float32, n, c, h, w, oh, ow int) {
	checkAdaptive("adaptive_avg_pool2d backward", len(dx), len(gy), n, c, h, w, oh, ow)
	hs, he := adaptiveBins(h, oh)
	ws, we := adaptiveBins(w, ow)
	simd.ParallelFor(n*c, 4, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			dxp := dx[p*h*w : (p+1)*h*w]
			for i := range oh {
				for j := range ow {
					g := gy[(p*oh+i)*ow+j] / float32((he[i]-hs[i])*(we[j]-ws[j]))
					for ih := hs[i]; ih < he[i]; ih++ {
						row := dxp[ih*w+ws[j] : ih*w+we[j]]
						for k := range row {
							row[k] += g
						}
					}
				}
			}
		}
	})
}
