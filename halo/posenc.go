package halo

import (
	"fmt"
	"math"
	"sync"

	"github.com/cvogl/halo/autograd"
)

// PosEncMaxShape is the largest map the official PositionEncodingSine covers (its
// max_shape buffer is 256x256; larger maps are not supported there either).
const PosEncMaxShape = 256

// PositionEncoding returns the LoFTR sine position encoding (PositionEncodingSine with
// temp_bug_fix=True) cropped to h x w, as [d, h, w] row-major float32: for
// k = 0..d/4-1, channel 4k = sin(x*div[k]), 4k+1 = cos(x*div[k]), 4k+2 = sin(y*div[k]),
// 4k+3 = cos(y*div[k]), with positions counted from 1 (x = column+1, y = row+1) and
// div[k] = exp(float32(2k) * float32(-ln(10000)/(d/2))). Like the official float32
// buffer every product is rounded to float32 before sin/cos, so the result matches
// PyTorch's constant rather than the float64 formula (they differ by up to ~1e-6).
// d must be a positive multiple of 4 and h, w at most PosEncMaxShape.
func PositionEncoding(d, h, w int) []float32 {
	if d <= 0 || d%4 != 0 || h <= 0 || w <= 0 || h > PosEncMaxShape || w > PosEncMaxShape {
		panic(fmt.Sprintf("halo.PositionEncoding: d %d (multiple of 4), %dx%d (at most %d)", d, h, w, PosEncMaxShape))
	}
	// PyTorch multiplies the float32 arange by the Python double, cast to float32.
	scale := float32(-math.Log(10000.0) / float64(d/2))
	pe := make([]float32, d*h*w)
	plane := h * w
	for k := range d / 4 {
		div := float32(math.Exp(float64(float32(2*k) * scale)))
		c := 4 * k * plane
		for i := range h {
			ay := float64(float32(i+1) * div)
			sy, cy := float32(math.Sin(ay)), float32(math.Cos(ay))
			for j := range w {
				ax := float64(float32(j+1) * div)
				o := i*w + j
				pe[c+o] = float32(math.Sin(ax))
				pe[c+plane+o] = float32(math.Cos(ax))
				pe[c+2*plane+o] = sy
				pe[c+3*plane+o] = cy
			}
		}
	}
	return pe
}

var peCache sync.Map // [3]int{d, h, w} -> []float32

// cachedPE returns PositionEncoding(d, h, w), computed once per shape; callers must not
// modify it.
func cachedPE(d, h, w int) []float32 {
	key := [3]int{d, h, w}
	if v, ok := peCache.Load(key); ok {
		return v.([]float32)
	}
	v, _ := peCache.LoadOrStore(key, PositionEncoding(d, h, w))
	return v.([]float32)
}

// AddPositionEncoding is PositionEncodingSine.forward: x [N, C, H, W] plus the encoding of
// d_model C cropped to H x W, broadcast over N. The gradient passes through unchanged.
func AddPositionEncoding(x *autograd.Tensor) *autograd.Tensor {
	if len(x.Shape) != 4 {
		panic(fmt.Sprintf("halo.AddPositionEncoding: x shape %v, want [N, C, H, W]", x.Shape))
	}
	c, h, w := x.Shape[1], x.Shape[2], x.Shape[3]
	pe := cachedPE(c, h, w)
	out := autograd.Zeros(x.Shape...)
	for i, v := range x.Data {
		out.Data[i] = v + pe[i%len(pe)]
	}
	return autograd.Record("add_position_encoding", out, func(g []float32) {
		if x.RequiresGrad() {
			dx := x.GradBuf()
			for i, v := range g {
				dx[i] += v
			}
		}
	}, x)
}
