package halo

import (
	"fmt"
	"math"
	"sync"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/ops"
	"github.com/cvogl/halo/simd"
)

// PosEncMaxShape is the largest map the official PositionEncodingSine covers (its
// max_shape buffer is 256x256; larger maps are not supported there either).
const PosEncMaxShape = 256

// PositionEncoding returns the LoFTR sine position encoding (PositionEncodingSine with
// temp_bug_fix=True) cropped to h x w, as [d, h, w] row-major float32: for
// k = 0..d/4-1, channel 4k = sin(x*div[k]), 4k+1 = cos(x*div[k]), 4k+2 = sin(y*div[k]),
// 4k+3 = cos(y*div[k]), with positions counted from 1 (x = column+1, y = row+1) and
// div[k] = exp(float32(2k) * float32(-ln(10000)/(d/2))). Every step is float32 as in
// PyTorch, and exp, sin and cos are ports of the SLEEF u10 routines PyTorch's
// vectorised CPU kernels call, so the result is bit-identical to the official constant
// (the float64 formula differs from it by up to ~1e-6).
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
		div := sleefExpf(float32(2*k) * scale)
		c := 4 * k * plane
		for i := range h {
			ay := float32(float32(i+1) * div)
			sy, cy := sleefSinf(ay), sleefCosf(ay)
			for j := range w {
				ax := float32(float32(j+1) * div)
				o := i*w + j
				pe[c+o] = sleefSinf(ax)
				pe[c+plane+o] = sleefCosf(ax)
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

var peTokCache sync.Map // [3]int{d, h, w} -> []float32

// tokPiece is the piece of work (in values) of PositionTokens' parallel add.
const tokPiece = 16384

// cachedPETokens returns the encoding of cachedPE(d, h, w) transposed to token layout
// [h*w, d], computed once per shape; callers must not modify it.
func cachedPETokens(d, h, w int) []float32 {
	key := [3]int{d, h, w}
	if v, ok := peTokCache.Load(key); ok {
		return v.([]float32)
	}
	pe := cachedPE(d, h, w)
	t := make([]float32, len(pe))
	ops.Permute(t, pe, []int{d, h * w}, []int{1, 0}, false)
	v, _ := peTokCache.LoadOrStore(key, t)
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
	// One vector add per sample and (in the backward) one accumulate, split over the
	// workers in plane-sized pieces: the encoding is as large as a sample, so this is a
	// memory-bound pass and the former scalar loop with its per-element modulo was
	// several times slower than the memory.
	out := autograd.Empty(x.Shape...)
	forPieces(len(x.Data), len(pe), h*w, func(o, k, n int) {
		simd.Add(out.Data[o:o+n], x.Data[o:o+n], pe[k:k+n])
	})
	return autograd.Record("add_position_encoding", out, func(g []float32) {
		if x.RequiresGrad() {
			dx := x.GradBuf()
			forPieces(len(g), len(pe), h*w, func(o, _, n int) {
				simd.Add(dx[o:o+n], dx[o:o+n], g[o:o+n])
			})
		}
	}, x)
}

// PositionTokens is toTokens(AddPositionEncoding(x)) as one op: x [N, C, H, W] plus
// the encoding, rearranged to tokens [N, H*W, C]. The sums are the same float32
// additions, so the result is bit-identical to the composition; it saves the encoded
// map's tensor and, in the backward, its cleared gradient buffer and a pass over it:
// the tokens' gradient is transposed straight into x's.
func PositionTokens(x *autograd.Tensor) *autograd.Tensor {
	if len(x.Shape) != 4 {
		panic(fmt.Sprintf("halo.PositionTokens: x shape %v, want [N, C, H, W]", x.Shape))
	}
	n, c, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	hw := h * w
	out := autograd.Empty(n, hw, c)
	// The transpose is ops.Permute's tiled kernel, then the encoding, cached in token
	// layout, is added in place: the same float32 sums as the composition.
	pet := cachedPETokens(c, h, w)
	for s := range n {
		ops.Permute(out.Data[s*hw*c:(s+1)*hw*c], x.Data[s*c*hw:(s+1)*c*hw], []int{c, hw}, []int{1, 0}, false)
	}
	forPieces(len(out.Data), len(pet), tokPiece, func(o, k, m int) {
		simd.Add(out.Data[o:o+m], out.Data[o:o+m], pet[k:k+m])
	})
	return autograd.Record("position_tokens", out, func(g []float32) {
		if x.RequiresGrad() {
			ops.Permute(x.GradBuf(), g, []int{n, hw, c}, []int{0, 2, 1}, true)
		}
	}, x)
}

// forPieces splits [0, total) into pieces of at most piece elements that never cross a
// multiple of period and runs fn(offset, offset mod period, length) for each, in
// parallel.
func forPieces(total, period, piece int, fn func(o, k, n int)) {
	per := (period + piece - 1) / piece
	pieces := total / period * per
	simd.ParallelFor(pieces, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			k := (i % per) * piece
			n := min(piece, period-k)
			fn((i/per)*period+k, k, n)
		}
	})
}

// The SLEEF ports below follow sleefsimdsp.c and df.h (FMA configuration) of the SLEEF
// version PyTorch 1.13 vendors; f2 is a double-float (x + y, |y| <= ulp(x)/2).

// fma32 is a fused multiply-add rounded to float32 (through float64: a double rounding
// that can differ from a true float32 FMA only in astronomically rare halfway cases).
func fma32(a, b, c float32) float32 { return float32(math.FMA(float64(a), float64(b), float64(c))) }

// sleefExpf is SLEEF's xexpf (Sleef_expf8_u10) for the moderate arguments used here
// (no overflow or underflow handling).
func sleefExpf(d float32) float32 {
	q := int32(math.RoundToEven(float64(d * 1.442695040888963407359924681001892137426645954152985934135449406931)))
	fq := float32(q)
	s := fma32(fq, -0.693145751953125, d)
	s = fma32(fq, -1.428606765330187045e-06, s)
	u := float32(0.000198527617612853646278381)
	u = fma32(u, s, 0.00139304355252534151077271)
	u = fma32(u, s, 0.00833336077630519866943359)
	u = fma32(u, s, 0.0416664853692054748535156)
	u = fma32(u, s, 0.166666671633720397949219)
	u = fma32(u, s, 0.5)
	u = 1 + fma32(s*s, u, s)
	return float32(math.Ldexp(float64(u), int(q)))
}

type f2 struct{ x, y float32 }

func rint32(x float32) float32 { return float32(math.RoundToEven(float64(x))) }
func mulsign(x, y float32) float32 {
	return math.Float32frombits(math.Float32bits(x) ^ (math.Float32bits(y) & 0x80000000))
}
func dfnormalize(t f2) f2     { s := t.x + t.y; return f2{s, (t.x - s) + t.y} }
func dfaddFF(x, y float32) f2 { s := x + y; return f2{s, (x - s) + y} }
func dfadd2FF(x, y float32) f2 {
	s := x + y
	v := s - x
	return f2{s, (x - (s - v)) + (y - v)}
}
func dfaddF2F(x f2, y float32) f2 { s := x.x + y; return f2{s, ((x.x - s) + y) + x.y} }
func dfadd2F2F(x f2, y float32) f2 {
	s := x.x + y
	v := s - x.x
	t := (x.x - (s - v)) + (y - v)
	return f2{s, t + x.y}
}
func dfaddFF2(x float32, y f2) f2 { s := x + y.x; return f2{s, ((x - s) + y.x) + y.y} }
func dfadd2F2F2(x, y f2) f2 {
	s := x.x + y.x
	v := s - x.x
	t := (x.x - (s - v)) + (y.x - v)
	return f2{s, t + (x.y + y.y)}
}
func dfmulFF(x, y float32) f2 { s := float32(x * y); return f2{s, fma32(x, y, -s)} }
func dfsqu(x f2) f2 {
	s := float32(x.x * x.x)
	return f2{s, fma32(x.x+x.x, x.y, fma32(x.x, x.x, -s))}
}
func dfmulF2F2(x, y f2) f2 {
	s := float32(x.x * y.x)
	return f2{s, fma32(x.x, y.y, fma32(x.y, y.x, fma32(x.x, y.x, -s)))}
}
func dfmulF2F2toF(x, y f2) float32 { return fma32(x.x, y.x, fma32(x.y, y.x, float32(x.x*y.y))) }
func dfmulF2F(x f2, y float32) f2 {
	s := float32(x.x * y)
	return f2{s, fma32(x.y, y, fma32(x.x, y, -s))}
}

// rempiRow0 is the first row of SLEEF's rempitabsp: 1/(2 pi) as four floats.
var rempiRow0 = [4]float32{0.159154892, 5.112411827e-08, 3.626141271e-15, -2.036222915e-22}

func rempisub(x float32) (float32, int32) {
	y := rint32(float32(x * 4))
	vi := int32(y - float32(rint32(x)*4))
	return x - float32(y*0.25), vi
}

// rempif is SLEEF's Payne-Hanek reduction for |a| < 2^26, where only the first row of
// its 2/pi table is needed (PositionEncoding's arguments stay below 257).
func rempif(a float32) (f2, int32) {
	ex := int32((math.Float32bits(a)>>23)&0xff) - 0x7f - 25
	if ex > 0 {
		panic("rempif: argument too large")
	}
	t := rempiRow0
	x := dfmulFF(a, t[0])
	d, q := rempisub(x.x)
	x.x = d
	x = dfnormalize(x)
	y := dfmulFF(a, t[1])
	x = dfadd2F2F2(x, y)
	d, q2 := rempisub(x.x)
	q += q2
	x.x = d
	x = dfnormalize(x)
	y = dfmulF2F(f2{t[2], t[3]}, a)
	x = dfadd2F2F2(x, y)
	x = dfnormalize(x)
	x = dfmulF2F2(x, f2{3.1415927410125732422 * 2, -8.7422776573475857731e-08 * 2})
	if float32(math.Abs(float64(a))) < 0.7 {
		x = f2{a, 0}
	}
	return x, q
}

const (
	piA2 = float32(3.1414794921875)
	piB2 = float32(0.00011315941810607910156)
	piC2 = float32(1.9841872589410058936e-09)
	m1pi = float32(0.318309886183790671537767526745028724)
)

func sincosPoly(s f2) float32 {
	t := s
	s = dfsqu(s)
	u := float32(2.6083159809786593541503e-06)
	u = fma32(u, s.x, -0.0001981069071916863322258)
	u = fma32(u, s.x, 0.00833307858556509017944336)
	x := dfaddFF2(1, dfmulF2F2(dfaddFF(-0.166666597127914428710938, float32(u*s.x)), s))
	return dfmulF2F2toF(t, x)
}

// sleefSinf is SLEEF's xsinf_u1 (Sleef_sinf8_u10) in float32 with fused multiply-adds.
// SLEEF takes the Payne-Hanek path for a whole SIMD vector when any lane has
// |d| >= 125; here the choice is per value, which can differ by an ulp only for
// encodings wider or taller than 124 positions (HALO's maps are at most 64).
func sleefSinf(d float32) float32 {
	slow := float32(math.Abs(float64(d))) >= 125
	var s f2
	var q int32
	if !slow {
		u := rint32(float32(d * m1pi))
		q = int32(u)
		v := fma32(u, -piA2, d)
		s = dfadd2FF(v, float32(u*-piB2))
		s = dfaddF2F(s, float32(u*-piC2))
	} else {
		df, qi := rempif(d)
		q = qi & 3
		add := int32(1)
		if df.x > 0 {
			add = 2
		}
		q = (q + q + add) >> 2
		if qi&1 == 1 {
			x := f2{mulsign(3.1415927410125732422*-0.5, df.x), mulsign(-8.7422776573475857731e-08*-0.5, df.x)}
			df = dfadd2F2F2(df, x)
		}
		s = dfnormalize(df)
	}
	u := sincosPoly(s)
	if q&1 == 1 {
		u = -u
	}
	return u
}

// sleefCosf is SLEEF's xcosf_u1 (Sleef_cosf8_u10), see sleefSinf.
func sleefCosf(d float32) float32 {
	slow := float32(math.Abs(float64(d))) >= 125
	var s f2
	var q int32
	if !slow {
		dq := fma32(rint32(fma32(d, m1pi, -0.5)), 2, 1)
		q = int32(dq)
		s = dfadd2FF(d, float32(dq*(-piA2*0.5)))
		s = dfadd2F2F(s, float32(dq*(-piB2*0.5)))
		s = dfadd2F2F(s, float32(dq*(-piC2*0.5)))
	} else {
		df, qi := rempif(d)
		q = qi & 3
		add := int32(7)
		if df.x > 0 {
			add = 8
		}
		q = (q + q + add) >> 1
		if qi&1 == 0 {
			y := float32(-1)
			if df.x > 0 {
				y = 0
			}
			x := f2{mulsign(3.1415927410125732422*-0.5, y), mulsign(-8.7422776573475857731e-08*-0.5, y)}
			df = dfadd2F2F2(df, x)
		}
		s = dfnormalize(df)
	}
	u := sincosPoly(s)
	if q&2 == 0 {
		u = -u
	}
	return u
}
