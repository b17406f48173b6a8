package ops

import (
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"

	"github.com/cvogl/halo/simd"
)

// Benchmarks of the GEMM convolutions at HALO's paper-size shapes (batch 1): the 1x1
// convolutions of every LSK block (stage s has dim 64/128/320/512 at 256^2/128^2/64^2/
// 32^2), the patch embeddings, and the four layers of the peer table in
// shared/perf/PEERS.md (t_*). Each runs the
// forward (with bias), dx alone, dw alone, the whole backward (dx, dw, db) accumulating
// and into a fresh dx (bwdfresh), for the
// current code and for legacyConv* (the code before the rework, kept below so one run
// compares both). GFLOPS counts one forward's worth per pass (the whole backward: two).
// Example: go test -run '^$' -bench 'ConvGemm/s1_proj' -benchtime 5x ./ops
// HALO_BENCH_THREADS=1 runs them on one thread (simd.SetThreads).

type convGemmCase struct {
	name string
	x, w []int
	p    ConvParams
}

func convGemmCases() []convGemmCase {
	var cs []convGemmCase
	for s, st := range []struct{ dim, hw, ratio int }{{64, 256, 8}, {128, 128, 8}, {320, 64, 4}, {512, 32, 4}} {
		pre := "s" + string(rune('1'+s)) + "_"
		pw := func(name string, in, out int) {
			cs = append(cs, convGemmCase{pre + name, []int{1, in, st.hw, st.hw}, []int{out, in, 1, 1}, ConvParams{}})
		}
		pw("fc1", st.dim, st.ratio*st.dim)
		pw("fc2", st.ratio*st.dim, st.dim)
		pw("proj", st.dim, st.dim)
		pw("conv", st.dim/2, st.dim)
		pw("conv12", st.dim, st.dim/2)
	}
	// LSKNet's patch embeddings 2-4 (3x3 stride 2); embedding 1 is t_7x7s4_3to64.
	s2 := ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}
	cs = append(cs,
		convGemmCase{"e2_3x3s2_64to128", []int{1, 64, 256, 256}, []int{128, 64, 3, 3}, s2},
		convGemmCase{"e3_3x3s2_128to320", []int{1, 128, 128, 128}, []int{320, 128, 3, 3}, s2},
		convGemmCase{"e4_3x3s2_320to512", []int{1, 320, 64, 64}, []int{512, 320, 3, 3}, s2})
	return append(cs,
		convGemmCase{"t_3x3s2_512", []int{1, 512, 128, 128}, []int{512, 512, 3, 3}, ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},
		convGemmCase{"t_1x1_128to512", []int{1, 128, 128, 128}, []int{512, 128, 1, 1}, ConvParams{}},
		convGemmCase{"t_7x7s4_3to64", []int{1, 3, 1024, 1024}, []int{64, 3, 7, 7}, ConvParams{StrideH: 4, StrideW: 4, PadH: 3, PadW: 3}},
		convGemmCase{"t_3x3_64", []int{1, 64, 64, 64}, []int{64, 64, 3, 3}, ConvParams{PadH: 1, PadW: 1}},
	)
}

func BenchmarkConvGemm(b *testing.B) {
	if n, err := strconv.Atoi(os.Getenv("HALO_BENCH_THREADS")); err == nil {
		defer simd.SetThreads(simd.SetThreads(n))
	}
	for _, c := range convGemmCases() {
		b.Run(c.name, func(b *testing.B) { benchConvGemm(b, c) })
	}
}

func benchConvGemm(b *testing.B, c convGemmCase) {
	{
		g := NewConvGeom(c.x, c.w, []int{c.w[0]}, c.p)
		rng := rand.New(rand.NewPCG(1, 2))
		x := convRandSlice(rng, g.N*g.C*g.H*g.W)
		w := convRandSlice(rng, g.O*(g.C/g.P.Groups)*g.KH*g.KW)
		bias := convRandSlice(rng, g.O)
		gy := convRandSlice(rng, g.N*g.O*g.OH*g.OW)
		y := make([]float32, len(gy))
		dx, dw, db := make([]float32, len(x)), make([]float32, len(w)), make([]float32, g.O)
		flops := 2 * float64(len(y)) * float64(g.C/g.P.Groups*g.KH*g.KW)
		for _, pass := range []struct {
			name  string
			times float64
			run   func(fwd func(y, x, w, b []float32, g ConvGeom), bwd func(dx, dw, db, gy, x, w []float32, g ConvGeom))
		}{
			{"fwd", 1, func(fwd func(y, x, w, b []float32, g ConvGeom), _ func(dx, dw, db, gy, x, w []float32, g ConvGeom)) {
				fwd(y, x, w, bias, g)
			}},
			{"dx", 1, func(_ func(y, x, w, b []float32, g ConvGeom), bwd func(dx, dw, db, gy, x, w []float32, g ConvGeom)) {
				bwd(dx, nil, nil, gy, x, w, g)
			}},
			{"dw", 1, func(_ func(y, x, w, b []float32, g ConvGeom), bwd func(dx, dw, db, gy, x, w []float32, g ConvGeom)) {
				bwd(nil, dw, nil, gy, x, w, g)
			}},
			{"bwd", 2, func(_ func(y, x, w, b []float32, g ConvGeom), bwd func(dx, dw, db, gy, x, w []float32, g ConvGeom)) {
				bwd(dx, dw, db, gy, x, w, g)
			}},
			// The whole backward as autograd runs it for an input without a gradient
			// yet: "new" stores dx (Conv2dBackwardStoreDx), "old" clears dx as a fresh
			// gradient buffer would be and accumulates.
			{"bwdfresh", 2, func(_ func(y, x, w, b []float32, g ConvGeom), bwd func(dx, dw, db, gy, x, w []float32, g ConvGeom)) {
				bwd(dx, dw, db, gy, x, w, g)
			}},
		} {
			// old then new for each pass, each warmed up once (first touches of the
			// output pages are not timed).
			for _, impl := range []string{"old", "new"} {
				fwd, bwd := Conv2d, Conv2dBackward
				if impl == "old" {
					fwd, bwd = legacyConv2d, legacyConv2dBackward
				}
				if pass.name == "bwdfresh" {
					bwd = Conv2dBackwardStoreDx
					if impl == "old" {
						bwd = func(dx, dw, db, gy, x, w []float32, g ConvGeom) {
							simd.ParallelFor(len(dx), 1<<16, func(lo, hi int) { clear(dx[lo:hi]) })
							legacyConv2dBackward(dx, dw, db, gy, x, w, g)
						}
					}
				}
				b.Run(pass.name+"/"+impl, func(b *testing.B) {
					pass.run(fwd, bwd)
					cpu0 := convCPUSeconds()
					for b.Loop() {
						pass.run(fwd, bwd)
					}
					work := pass.times * flops * float64(b.N) / 1e9
					b.ReportMetric(work/b.Elapsed().Seconds(), "GFLOPS")
					// Per CPU second of the process: on a machine shared with other jobs
					// this is steadier than the wall-clock rate (with one thread the pool
					// does not spin, so it counts only the work).
					b.ReportMetric(work/(convCPUSeconds()-cpu0), "GFLOP/cpu-s")
				})
			}
		}
	}
}

// convCPUSeconds is the user+system CPU time of the process.
func convCPUSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return math.NaN()
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// legacyConv2d and legacyConv2dBackward are the GEMM convolution paths as they were
// before the rework (per image and group: bias fill then Sgemm with beta 1; backward
// with im2col/col2im blocks and per-slot weight-gradient buffers), for the benchmarks.
func legacyConv2d(y, x, w, b []float32, g ConvGeom) {
	groups := g.P.Groups
	cg, og := g.C/groups, g.O/groups
	k := cg * g.KH * g.KW
	hw, ohw := g.H*g.W, g.OH*g.OW
	direct := g.pointwise()
	rb := min(g.OH, max(1, (1<<21)/(k*g.OW)))
	simd.ParallelFor(g.N, 1, func(lo, hi int) {
		var cols []float32
		if !direct {
			cols = make([]float32, k*rb*g.OW)
		}
		for n := lo; n < hi; n++ {
			for gi := 0; gi < groups; gi++ {
				xg := x[(n*g.C+gi*cg)*hw : (n*g.C+(gi+1)*cg)*hw]
				yg := y[(n*g.O+gi*og)*ohw : (n*g.O+(gi+1)*og)*ohw]
				var beta float32
				if b != nil {
					for o := 0; o < og; o++ {
						convFill(yg[o*ohw:(o+1)*ohw], b[gi*og+o])
					}
					beta = 1
				}
				if direct {
					simd.Sgemm(false, false, og, ohw, k, 1, w[gi*og*k:], k, xg, hw, beta, yg, ohw)
					continue
				}
				for oh0 := 0; oh0 < g.OH; oh0 += rb {
					oh1 := min(oh0+rb, g.OH)
					nb := (oh1 - oh0) * g.OW
					legacyIm2col(cols, xg, cg, g, oh0, oh1)
					simd.Sgemm(false, false, og, nb, k, 1, w[gi*og*k:], k, cols, nb, beta, yg[oh0*g.OW:], ohw)
				}
			}
		}
	})
}

func legacyConv2dBackward(dx, dw, db, gy, x, w []float32, g ConvGeom) {
	if db != nil {
		ohw := g.OH * g.OW
		simd.ParallelFor(g.O, 16, func(lo, hi int) {
			for o := lo; o < hi; o++ {
				var s float32
				for n := 0; n < g.N; n++ {
					s += simd.Sum(gy[(n*g.O+o)*ohw : (n*g.O+o+1)*ohw])
				}
				db[o] += s
			}
		})
	}
	if dx == nil && dw == nil {
		return
	}
	groups := g.P.Groups
	cg, og := g.C/groups, g.O/groups
	k := cg * g.KH * g.KW
	hw, ohw := g.H*g.W, g.OH*g.OW
	direct := g.pointwise()
	rb := min(g.OH, max(1, (1<<21)/(k*g.OW)))
	slots := min(g.N, runtime.GOMAXPROCS(0))
	partial := make([][]float32, slots)
	simd.ParallelFor(slots, 1, func(lo, hi int) {
		var cols, dcols []float32
		if !direct {
			cols = make([]float32, k*rb*g.OW)
			if dx != nil {
				dcols = make([]float32, k*rb*g.OW)
			}
		}
		for slot := lo; slot < hi; slot++ {
			dwSlot := dw
			if dw != nil && slot > 0 {
				dwSlot = make([]float32, len(dw))
				partial[slot] = dwSlot
			}
			for n := slot * g.N / slots; n < (slot+1)*g.N/slots; n++ {
				for gi := 0; gi < groups; gi++ {
					xg := x[(n*g.C+gi*cg)*hw : (n*g.C+(gi+1)*cg)*hw]
					gyg := gy[(n*g.O+gi*og)*ohw : (n*g.O+(gi+1)*og)*ohw]
					wg := w[gi*og*k:]
					var dxg []float32
					if dx != nil {
						dxg = dx[(n*g.C+gi*cg)*hw : (n*g.C+(gi+1)*cg)*hw]
					}
					if direct {
						if dwSlot != nil {
							simd.Sgemm(false, true, og, k, ohw, 1, gyg, ohw, xg, hw, 1, dwSlot[gi*og*k:], k)
						}
						if dxg != nil {
							simd.Sgemm(true, false, k, ohw, og, 1, wg, k, gyg, ohw, 1, dxg, hw)
						}
						continue
					}
					for oh0 := 0; oh0 < g.OH; oh0 += rb {
						oh1 := min(oh0+rb, g.OH)
						nb := (oh1 - oh0) * g.OW
						gyb := gyg[oh0*g.OW:]
						if dwSlot != nil {
							legacyIm2col(cols, xg, cg, g, oh0, oh1)
							simd.Sgemm(false, true, og, k, nb, 1, gyb, ohw, cols, nb, 1, dwSlot[gi*og*k:], k)
						}
						if dxg != nil {
							simd.Sgemm(true, false, k, nb, og, 1, wg, k, gyb, ohw, 0, dcols, nb)
							legacyCol2im(dxg, dcols, cg, g, oh0, oh1)
						}
					}
				}
			}
		}
	})
	for _, p := range partial[min(1, slots):] {
		simd.Axpy(1, p, dw)
	}
}

// legacyIm2col is im2col as it was before the rework: it writes the column matrix of one image's group of cg channels (x holds exactly
// those channels, [cg, H, W]) for the output rows [oh0, oh1) into cols, laid out
// [cg*KH*KW, (oh1-oh0)*OW] with row (c*KH+kh)*KW+kw. Padding taps are zero.
func legacyIm2col(cols, x []float32, cg int, g ConvGeom, oh0, oh1 int) {
	p := g.P
	nb := (oh1 - oh0) * g.OW
	for c := 0; c < cg; c++ {
		xc := x[c*g.H*g.W : (c+1)*g.H*g.W]
		for kh := 0; kh < g.KH; kh++ {
			offH := kh*p.DilH - p.PadH
			hLo, hHi := convValidRange(offH, p.StrideH, g.H, g.OH)
			hLo, hHi = min(max(hLo, oh0), oh1), max(min(hHi, oh1), oh0)
			for kw := 0; kw < g.KW; kw++ {
				offW := kw*p.DilW - p.PadW
				wLo, wHi := convValidRange(offW, p.StrideW, g.W, g.OW)
				r := (c*g.KH+kh)*g.KW + kw
				row := cols[r*nb : (r+1)*nb]
				clear(row[:(hLo-oh0)*g.OW])
				clear(row[(hHi-oh0)*g.OW:])
				for oh := hLo; oh < hHi; oh++ {
					dst := row[(oh-oh0)*g.OW : (oh-oh0+1)*g.OW]
					src := xc[(oh*p.StrideH+offH)*g.W : (oh*p.StrideH+offH+1)*g.W]
					clear(dst[:wLo])
					clear(dst[wHi:])
					if wLo >= wHi {
						continue
					}
					if p.StrideW == 1 {
						copy(dst[wLo:wHi], src[wLo+offW:wHi+offW])
					} else {
						for ow := wLo; ow < wHi; ow++ {
							dst[ow] = src[ow*p.StrideW+offW]
						}
					}
				}
			}
		}
	}
}

// legacyCol2im is col2im as it was: the adjoint of im2col for the same output rows: it adds every column entry
// back onto the input position it was read from (dx += col2im(cols)); padding taps are
// dropped.
func legacyCol2im(dx, cols []float32, cg int, g ConvGeom, oh0, oh1 int) {
	p := g.P
	nb := (oh1 - oh0) * g.OW
	for c := 0; c < cg; c++ {
		dxc := dx[c*g.H*g.W : (c+1)*g.H*g.W]
		for kh := 0; kh < g.KH; kh++ {
			offH := kh*p.DilH - p.PadH
			hLo, hHi := convValidRange(offH, p.StrideH, g.H, g.OH)
			hLo, hHi = max(hLo, oh0), min(hHi, oh1)
			for kw := 0; kw < g.KW; kw++ {
				offW := kw*p.DilW - p.PadW
				wLo, wHi := convValidRange(offW, p.StrideW, g.W, g.OW)
				if wLo >= wHi {
					continue
				}
				r := (c*g.KH+kh)*g.KW + kw
				row := cols[r*nb : (r+1)*nb]
				for oh := hLo; oh < hHi; oh++ {
					src := row[(oh-oh0)*g.OW : (oh-oh0+1)*g.OW]
					dst := dxc[(oh*p.StrideH+offH)*g.W : (oh*p.StrideH+offH+1)*g.W]
					if p.StrideW == 1 {
						d := dst[wLo+offW : wHi+offW]
						for i, v := range src[wLo:wHi] {
							d[i] += v
						}
					} else {
						for ow := wLo; ow < wHi; ow++ {
							dst[ow*p.StrideW+offW] += src[ow]
						}
					}
				}
			}
		}
	}
}
