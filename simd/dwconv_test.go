package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// dwCase is one kernel call: rows x n outputs, a kh x kw filter with dilations, and
// strides that leave gaps after each row (filled with NaN, so a read there shows).
type dwCase struct {
	rows, n, kh, kw, dilH, dilW, dGap, sGap, off int
}

func dwCases() []dwCase {
	var cs []dwCase
	r := rand.New(rand.NewPCG(71, 72))
	// Every width 0..70 (all tail lengths of both vector widths and the 4- and
	// 8-vector blocks) with HALO's filters, then random awkward shapes.
	filters := [][4]int{{3, 3, 1, 1}, {5, 5, 1, 1}, {7, 7, 3, 3}, {1, 1, 1, 1}, {2, 3, 2, 1}}
	for n := 0; n <= 70; n++ {
		f := filters[n%len(filters)]
		cs = append(cs, dwCase{rows: 1 + n%9, n: n, kh: f[0], kw: f[1], dilH: f[2], dilW: f[3], dGap: n % 2, sGap: n % 3, off: n % 5})
	}
	for _, n := range []int{97, 127, 128, 129, 131, 191, 255, 256, 257, 300} {
		for i := 0; i < 2; i++ {
			cs = append(cs, dwCase{rows: 1 + r.IntN(14), n: n, kh: 1 + r.IntN(7), kw: 1 + r.IntN(7),
				dilH: 1 + r.IntN(3), dilW: 1 + r.IntN(3), dGap: r.IntN(3), sGap: r.IntN(5), off: 1 + r.IntN(7)})
		}
	}
	// filters larger than HALO's, a wide row, and no rows at all
	return append(cs,
		dwCase{rows: 9, n: 45, kh: 11, kw: 9, dilH: 2, dilW: 1, dGap: 3, sGap: 1, off: 2},
		dwCase{rows: 5, n: 1031, kh: 3, kw: 13, dilH: 4, dilW: 2, dGap: 1, sGap: 2, off: 5},
		dwCase{rows: 0, n: 5, kh: 3, kw: 3, dilH: 1, dilW: 1})
}

// dwPlanes builds the output (or gradient) block d and the padded source for c,
// each at an odd offset inside a buffer of sentinels; gap cells hold NaN.
func dwPlanes(r *rand.Rand, c dwCase) (d, src []float32, dStride, sStride int) {
	dStride, sStride = c.n+c.dGap, c.n+(c.kw-1)*c.dilW+c.sGap
	srows := c.rows + (c.kh-1)*c.dilH
	fill := func(rows, stride, valid int) []float32 {
		buf := make([]float32, rows*stride+2*c.off+1)
		for i := range buf {
			buf[i] = sentinel
		}
		s := buf[c.off : c.off+max(0, (rows-1)*stride+valid)]
		for i := range s {
			if i%stride < valid {
				s[i] = float32(r.Float64()*2 - 1)
			} else {
				s[i] = float32(math.NaN())
			}
		}
		return s
	}
	d = fill(c.rows, dStride, c.n)
	src = fill(srows, sStride, c.n+(c.kw-1)*c.dilW)
	return d, src, dStride, sStride
}

func TestDWConvRows(t *testing.T) {
	eps := math.Pow(2, -24)
	forEachPath(t, func(t *testing.T, im *impl) {
		r := rand.New(rand.NewPCG(81, 82))
		for _, c := range dwCases() {
			for _, accumulate := range []bool{false, true} {
				d, src, dStride, sStride := dwPlanes(r, c)
				f := DWFilter{W: make([]float32, c.kh*c.kw), KH: c.kh, KW: c.kw, DilH: c.dilH, DilW: c.dilW}
				for i := range f.W {
					f.W[i] = float32(r.Float64()*2 - 1)
				}
				bias := float32(r.Float64() - 0.5)
				old := append([]float32(nil), d...)
				// the generic twin on a copy
				twin := append([]float32(nil), d...)
				saved := active
				active = genericImpl
				DWConvRows(twin, dStride, src, sStride, c.rows, c.n, f, bias, accumulate)
				active = saved
				DWConvRows(d, dStride, src, sStride, c.rows, c.n, f, bias, accumulate)
				for i := range d {
					row, x := i/dStride, i%dStride
					if x >= c.n || row >= c.rows {
						if !sameBits(d[i], old[i]) {
							t.Fatalf("%+v: wrote the gap cell %d", c, i)
						}
						continue
					}
					ref, abs := float64(bias), math.Abs(float64(bias))
					if accumulate {
						ref, abs = float64(old[i]), math.Abs(float64(old[i]))
					}
					for ky := 0; ky < c.kh; ky++ {
						for kx := 0; kx < c.kw; kx++ {
							p := float64(f.W[ky*c.kw+kx]) * float64(src[(row+ky*c.dilH)*sStride+x+kx*c.dilW])
							ref += p
							abs += math.Abs(p)
						}
					}
					tol := float64(c.kh*c.kw+2) * eps * abs
					if math.Abs(float64(d[i])-ref) > tol || math.Abs(float64(twin[i])-ref) > tol {
						t.Fatalf("%+v accumulate=%v: out[%d,%d] = %v, generic %v, want %v", c, accumulate, row, x, d[i], twin[i], ref)
					}
				}
			}
		}
	})
}

func TestDWConvGradRows(t *testing.T) {
	eps := math.Pow(2, -24)
	forEachPath(t, func(t *testing.T, im *impl) {
		r := rand.New(rand.NewPCG(91, 92))
		for _, c := range dwCases() {
			g, src, gStride, sStride := dwPlanes(r, c)
			f := DWFilter{KH: c.kh, KW: c.kw, DilH: c.dilH, DilW: c.dilW}
			kk := c.kh * c.kw
			acc := make([]float32, kk*DWGradLanes+c.off)[c.off:]
			for i := range acc {
				acc[i] = float32(r.Float64() - 0.5)
			}
			twin := append([]float32(nil), acc...)
			saved := active
			active = genericImpl
			DWConvGradRows(twin, g, gStride, src, sStride, c.rows, c.n, f)
			active = saved
			start := append([]float32(nil), acc...)
			DWConvGradRows(acc, g, gStride, src, sStride, c.rows, c.n, f)
			for ky := 0; ky < c.kh; ky++ {
				for kx := 0; kx < c.kw; kx++ {
					tap := ky*c.kw + kx
					var ref, abs float64
					for l := 0; l < DWGradLanes; l++ {
						ref += float64(start[tap*DWGradLanes+l])
						abs += math.Abs(float64(start[tap*DWGradLanes+l]))
					}
					for row := 0; row < c.rows; row++ {
						for x := 0; x < c.n; x++ {
							p := float64(g[row*gStride+x]) * float64(src[(row+ky*c.dilH)*sStride+x+kx*c.dilW])
							ref += p
							abs += math.Abs(p)
						}
					}
					var got, gen float64
					for l := 0; l < DWGradLanes; l++ {
						got += float64(acc[tap*DWGradLanes+l])
						gen += float64(twin[tap*DWGradLanes+l])
					}
					tol := float64(c.rows*c.n+DWGradLanes+2) * eps * abs
					if math.IsNaN(got) || math.Abs(got-ref) > tol || math.Abs(gen-ref) > tol {
						t.Fatalf("%+v: tap %d,%d = %v, generic %v, want %v", c, ky, kx, got, gen, ref)
					}
				}
			}
		}
	})
}

// TestDWConvBounds checks that a slice one value short of what the geometry reaches
// is refused before any kernel runs.
func TestDWConvBounds(t *testing.T) {
	f := DWFilter{W: make([]float32, 9), KH: 3, KW: 3, DilH: 1, DilW: 1}
	src := make([]float32, 4*6+4)
	dst := make([]float32, 2*4)
	mustPanic := func(what string, fn func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Fatalf("%s: no panic", what)
			}
		}()
		fn()
	}
	DWConvRows(dst, 4, src[:3*6+6], 6, 2, 4, f, 0, false) // exactly enough
	mustPanic("short src", func() { DWConvRows(dst, 4, src[:3*6+5], 6, 2, 4, f, 0, false) })
	mustPanic("short dst", func() { DWConvRows(dst[:7], 4, src, 6, 2, 4, f, 0, false) })
	mustPanic("narrow src stride", func() { DWConvRows(dst, 4, src, 5, 2, 4, f, 0, false) })
	mustPanic("short acc", func() { DWConvGradRows(make([]float32, 9*DWGradLanes-1), dst, 4, src, 6, 2, 4, f) })
}

func sameBits(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }

// BenchmarkDWConv runs the kernels alone on one cache-resident 256x256 plane (the
// ops-level benchmarks add padding copies, memory traffic and threads).
func BenchmarkDWConv(b *testing.B) {
	for _, f := range []DWFilter{{KH: 3, KW: 3, DilH: 1, DilW: 1}, {KH: 5, KW: 5, DilH: 1, DilW: 1}, {KH: 7, KW: 7, DilH: 3, DilW: 3}} {
		const n = 256
		sStride := n + (f.KW-1)*f.DilW
		r := rand.New(rand.NewPCG(1, 2))
		src := randSlice(r, (n+(f.KH-1)*f.DilH)*sStride)
		dst := randSlice(r, n*n)
		f.W = randSlice(r, f.KH*f.KW)
		acc := make([]float32, f.KH*f.KW*DWGradLanes)
		flops := float64(2 * n * n * f.KH * f.KW)
		name := fmt.Sprintf("%dx%dd%d", f.KH, f.KW, f.DilH)
		b.Run(name+"/rows", func(b *testing.B) {
			for b.Loop() {
				DWConvRows(dst, n, src, sStride, n, n, f, 0, false)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
		b.Run(name+"/grad", func(b *testing.B) {
			for b.Loop() {
				DWConvGradRows(acc, dst, n, src, sStride, n, n, f)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}
