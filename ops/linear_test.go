package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func ntRand(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 2*rng.Float32() - 1
	}
	return s
}

// at returns element (i, j) of op(X) for X stored row-major with row length ld.
func ntAt(x []float32, trans bool, ld, i, j int) float64 {
	if trans {
		return float64(x[j*ld+i])
	}
	return float64(x[i*ld+j])
}

func ntClose(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	scale := 0.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	for i, w := range want {
		if d := math.Abs(float64(got[i]) - w); !(d <= 1e-5*scale+1e-6) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], w)
		}
	}
}

// Shapes larger than any GEMM micro-tile, with odd sizes, so blocking and edge paths
// of the real Sgemm are exercised (the autograd tests use tiny matrices).
func TestMatMulLargeAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const batch, m, n, k = 2, 37, 45, 70
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			t.Run(fmt.Sprintf("transA=%v/transB=%v", ta, tb), func(t *testing.T) {
				d := MatMulDims{Batch: batch, M: m, N: n, K: k, TransA: ta, TransB: tb, StrideA: m * k, StrideB: k * n}
				a, b, g := ntRand(rng, batch*m*k), ntRand(rng, batch*k*n), ntRand(rng, batch*m*n)
				c := make([]float32, batch*m*n)
				MatMulForward(c, a, b, d)
				da, db := ntRand(rng, len(a)), ntRand(rng, len(b)) // nonzero: backward must add
				da0, db0 := append([]float32(nil), da...), append([]float32(nil), db...)
				MatMulBackward(da, db, g, a, b, d)
				wc := make([]float64, len(c))
				wda, wdb := make([]float64, len(a)), make([]float64, len(b))
				for i := range wda {
					wda[i] = float64(da0[i])
				}
				for i := range wdb {
					wdb[i] = float64(db0[i])
				}
				for p := 0; p < batch; p++ {
					ap, bp, gp := a[p*m*k:], b[p*k*n:], g[p*m*n:]
					for i := 0; i < m; i++ {
						for j := 0; j < n; j++ {
							s := 0.0
							for l := 0; l < k; l++ {
								s += ntAt(ap, ta, d.lda(), i, l) * ntAt(bp, tb, d.ldb(), l, j)
							}
							wc[p*m*n+i*n+j] = s
							gv := float64(gp[i*n+j])
							for l := 0; l < k; l++ {
								// d op(A)[i,l] += g[i,j]*op(B)[l,j]; d op(B)[l,j] += op(A)[i,l]*g[i,j].
								ai, bi := p*m*k+i*k+l, p*k*n+l*n+j
								if ta {
									ai = p*m*k + l*m + i
								}
								if tb {
									bi = p*k*n + j*k + l
								}
								wda[ai] += gv * ntAt(bp, tb, d.ldb(), l, j)
								wdb[bi] += gv * ntAt(ap, ta, d.lda(), i, l)
							}
						}
					}
				}
				ntClose(t, "c", c, wc)
				ntClose(t, "da", da, wda)
				ntClose(t, "db", db, wdb)
			})
		}
	}
}

func TestLinearLargeAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const rows, in, out = 53, 70, 33
	x, w, b, g := ntRand(rng, rows*in), ntRand(rng, out*in), ntRand(rng, out), ntRand(rng, rows*out)
	y := make([]float32, rows*out)
	LinearForward(y, x, w, b, rows, in, out)
	dx, dw, db := make([]float32, len(x)), make([]float32, len(w)), make([]float32, len(b))
	LinearBackward(dx, dw, db, g, x, w, rows, in, out)
	wy, wdx, wdw, wdb := make([]float64, len(y)), make([]float64, len(x)), make([]float64, len(w)), make([]float64, len(b))
	for r := 0; r < rows; r++ {
		for o := 0; o < out; o++ {
			s := float64(b[o])
			gv := float64(g[r*out+o])
			wdb[o] += gv
			for i := 0; i < in; i++ {
				s += float64(x[r*in+i]) * float64(w[o*in+i])
				wdx[r*in+i] += gv * float64(w[o*in+i])
				wdw[o*in+i] += gv * float64(x[r*in+i])
			}
			wy[r*out+o] = s
		}
	}
	ntClose(t, "y", y, wy)
	ntClose(t, "dx", dx, wdx)
	ntClose(t, "dw", dw, wdw)
	ntClose(t, "db", db, wdb)
}

// BenchmarkLinearLoFTRMerge is one LoFTR q/k/v projection at HALO's query size
// (batch 2 here: 512 tokens x 512 -> 512).
func BenchmarkLinearLoFTRMerge(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const rows, in, out = 512, 512, 512
	x, w, y := ntRand(rng, rows*in), ntRand(rng, out*in), make([]float32, rows*out)
	b.SetBytes(int64(4 * (len(x) + len(w) + len(y))))
	for b.Loop() {
		LinearForward(y, x, w, nil, rows, in, out)
	}
}
