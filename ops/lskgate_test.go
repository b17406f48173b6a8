package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// lskGateCases: the paper's 7x7 and other odd filters; one pixel; a single row and
// column; planes spanning several pixel runs (lskGrain) and several squeeze strips; a
// row longer than a run; an empty plane.
var lskGateCases = []LSKGateGeom{
	{N: 1, C: 1, H: 1, W: 1, KH: 7, KW: 7},
	{N: 2, C: 3, H: 5, W: 7, KH: 7, KW: 7},
	{N: 1, C: 4, H: 13, W: 37, KH: 3, KW: 5},
	{N: 3, C: 2, H: 9, W: 1, KH: 5, KW: 1},
	{N: 1, C: 2, H: 1, W: 11, KH: 1, KW: 3},
	{N: 2, C: 5, H: 70, W: 40, KH: 7, KW: 7},
	{N: 1, C: 2, H: 1000, W: 9, KH: 7, KW: 7},
	{N: 1, C: 3, H: 2, W: 2100, KH: 3, KW: 3},
	{N: 2, C: 2, H: 0, W: 5, KH: 3, KW: 3},
}

// lskGateRef is the gate in float64, straight from its definition: the outputs and
// the gradients of sum(out * gy).
type lskGateRef struct {
	out, da1, da2, dw, db []float64
	arg                   []int
}

func newLSKGateRef(a1, a2, w, b, gy []float32, g LSKGateGeom) lskGateRef {
	hw, C := g.H*g.W, g.C
	ph, pw := (g.KH-1)/2, (g.KW-1)/2
	kk := g.KH * g.KW
	r := lskGateRef{out: make([]float64, len(a1)), da1: make([]float64, len(a1)), da2: make([]float64, len(a2)),
		dw: make([]float64, len(w)), db: make([]float64, 2), arg: make([]int, g.N*hw)}
	val := func(n, k, p int) float64 {
		if k < C {
			return float64(a1[(n*C+k)*hw+p])
		}
		return float64(a2[(n*C+k-C)*hw+p])
	}
	agg := make([]float64, g.N*2*hw)
	for n := range g.N {
		for p := range hw {
			sum, mx, arg := 0.0, math.Inf(-1), 0
			for k := range 2 * C {
				v := val(n, k, p)
				sum += v
				if v > mx {
					mx, arg = v, k
				}
			}
			agg[n*2*hw+p], agg[(n*2+1)*hw+p], r.arg[n*hw+p] = sum/float64(2*C), mx, arg
		}
	}
	// aggAt is the zero-padded aggregate plane i of image n.
	aggAt := func(n, i, y, x int) float64 {
		if y < 0 || y >= g.H || x < 0 || x >= g.W {
			return 0
		}
		return agg[(n*2+i)*hw+y*g.W+x]
	}
	sig := make([]float64, g.N*2*hw)
	for n := range g.N {
		for o := range 2 {
			for y := range g.H {
				for x := range g.W {
					s := 0.0
					if b != nil {
						s = float64(b[o])
					}
					for i := range 2 {
						for t := range kk {
							s += float64(w[(o*2+i)*kk+t]) * aggAt(n, i, y+t/g.KW-ph, x+t%g.KW-pw)
						}
					}
					sig[(n*2+o)*hw+y*g.W+x] = 1 / (1 + math.Exp(-s))
				}
			}
		}
	}
	dpre := make([]float64, g.N*2*hw)
	for n := range g.N {
		for p := range hw {
			var ds [2]float64
			for c := range C {
				j := (n*C+c)*hw + p
				s0, s1 := sig[n*2*hw+p], sig[(n*2+1)*hw+p]
				r.out[j] = float64(a1[j])*s0 + float64(a2[j])*s1
				ds[0] += float64(gy[j]) * float64(a1[j])
				ds[1] += float64(gy[j]) * float64(a2[j])
				r.da1[j] = float64(gy[j]) * s0
				r.da2[j] = float64(gy[j]) * s1
			}
			for o := range 2 {
				s := sig[(n*2+o)*hw+p]
				dpre[(n*2+o)*hw+p] = ds[o] * s * (1 - s)
			}
		}
	}
	dagg := make([]float64, g.N*2*hw)
	for n := range g.N {
		for o := range 2 {
			for y := range g.H {
				for x := range g.W {
					d := dpre[(n*2+o)*hw+y*g.W+x]
					r.db[o] += d
					for i := range 2 {
						for t := range kk {
							yy, xx := y+t/g.KW-ph, x+t%g.KW-pw
							r.dw[(o*2+i)*kk+t] += d * aggAt(n, i, yy, xx)
							if yy >= 0 && yy < g.H && xx >= 0 && xx < g.W {
								dagg[(n*2+i)*hw+yy*g.W+xx] += d * float64(w[(o*2+i)*kk+t])
							}
						}
					}
				}
			}
		}
	}
	for n := range g.N {
		for p := range hw {
			dm := dagg[n*2*hw+p] / float64(2*C)
			for c := range C {
				r.da1[(n*C+c)*hw+p] += dm
				r.da2[(n*C+c)*hw+p] += dm
			}
			k := r.arg[n*hw+p]
			if k < C {
				r.da1[(n*C+k)*hw+p] += dagg[(n*2+1)*hw+p]
			} else {
				r.da2[(n*C+k-C)*hw+p] += dagg[(n*2+1)*hw+p]
			}
		}
	}
	return r
}

// lskClose asserts |got - start - want| <= tol * max|want| elementwise (start nil: 0).
func lskClose(t *testing.T, what string, got, start []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale := 0.0
	for _, v := range want {
		scale = max(scale, math.Abs(v))
	}
	for i := range want {
		v := float64(got[i])
		if start != nil {
			v -= float64(start[i])
		}
		if d := math.Abs(v - want[i]); !(d <= tol*scale) {
			t.Fatalf("%s[%d] = %v, reference %v (max %g)", what, i, v, want[i], scale)
		}
	}
}

// TestLSKGateAgainstFloat64 holds LSKGate and LSKGateBackward (accumulating into
// non-zero buffers, every gradient alone too) to the float64 definition, with ties in
// the channel maximum (the first argmax must take the gradient).
func TestLSKGateAgainstFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for ci, g := range lskGateCases {
		t.Run(fmt.Sprintf("%d_%dx%dx%dx%d_k%dx%d", ci, g.N, g.C, g.H, g.W, g.KH, g.KW), func(t *testing.T) {
			hw := g.H * g.W
			a1, a2 := convRandSlice(rng, g.N*g.C*hw), convRandSlice(rng, g.N*g.C*hw)
			w, b := convRandSlice(rng, 4*g.KH*g.KW), convRandSlice(rng, 2)
			gy := convRandSlice(rng, len(a1))
			// ties: every 5th pixel has its maximum 2 in a1's last channel and a2's first
			for n := range g.N {
				for p := 0; p < hw; p += 5 {
					a1[(n*g.C+g.C-1)*hw+p] = 2
					a2[n*g.C*hw+p] = 2
				}
			}
			ref := newLSKGateRef(a1, a2, w, b, gy, g)
			out := convRandSlice(rng, len(a1)) // overwritten
			sig, agg := make([]float32, g.N*2*hw), convRandSlice(rng, g.AggLen())
			arg := make([]int32, g.N*hw)
			LSKGate(out, sig, agg, arg, a1, a2, w, b, g)
			lskClose(t, "out", out, nil, ref.out, 1e-5)
			for i, k := range arg {
				if int(k) != ref.arg[i] {
					t.Fatalf("arg[%d] = %d, want %d", i, k, ref.arg[i])
				}
			}
			start := rand.New(rand.NewPCG(5, 6))
			s1, s2, sw, sb := convRandSlice(start, len(a1)), convRandSlice(start, len(a2)), convRandSlice(start, len(w)), convRandSlice(start, 2)
			da1, da2 := append([]float32(nil), s1...), append([]float32(nil), s2...)
			dw, db := append([]float32(nil), sw...), append([]float32(nil), sb...)
			LSKGateBackward(da1, da2, dw, db, gy, a1, a2, w, sig, agg, arg, g)
			lskClose(t, "da1", da1, s1, ref.da1, 1e-5)
			lskClose(t, "da2", da2, s2, ref.da2, 1e-5)
			lskClose(t, "dw", dw, sw, ref.dw, 1e-5)
			lskClose(t, "db", db, sb, ref.db, 1e-5)
			// each gradient alone gives the same values
			only := []struct {
				name  string
				got   *[]float32
				start []float32
			}{{"da1", &da1, s1}, {"da2", &da2, s2}, {"dw", &dw, sw}, {"db", &db, sb}}
			for k, o := range only {
				bufs := make([][]float32, 4)
				bufs[k] = append([]float32(nil), o.start...)
				LSKGateBackward(bufs[0], bufs[1], bufs[2], bufs[3], gy, a1, a2, w, sig, agg, arg, g)
				for i, v := range bufs[k] {
					if v != (*o.got)[i] {
						t.Fatalf("%s alone [%d] = %v, with the others %v", o.name, i, v, (*o.got)[i])
					}
				}
			}
		})
	}
}

// TestLSKGateNaNArgmax: a NaN is the channel maximum (the first NaN), as in MaxAxis.
func TestLSKGateNaNArgmax(t *testing.T) {
	g := LSKGateGeom{N: 1, C: 2, H: 1, W: 3, KH: 1, KW: 1}
	nan := float32(math.NaN())
	a1 := []float32{1, 5, 0 /* c0 */, 2, nan, 9 /* c1 */}
	a2 := []float32{nan, 6, 1 /* c0 */, 3, nan, 9 /* c1 */}
	var out [6]float32
	var sig [6]float32
	agg := make([]float32, g.AggLen())
	arg := make([]int32, 3)
	LSKGate(out[:], sig[:], agg, arg, a1, a2, []float32{1, 0, 0, 1}, nil, g)
	if want := []int32{2, 1, 1}; arg[0] != want[0] || arg[1] != want[1] || arg[2] != want[2] {
		t.Errorf("arg %v, want %v", arg, want)
	}
}
