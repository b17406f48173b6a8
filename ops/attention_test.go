package ops

import (
	"math"
	"math/rand/v2"
	"testing"
)

func ntPhi64(x float64) float64 {
	if x > 0 {
		return x + 1
	}
	return math.Exp(x)
}

// ntLinearAttention64 is the official LinearAttention in float64 on flat data.
func ntLinearAttention64(q, k, v []float64, d LinearAttentionDims, eps float64) []float64 {
	out := make([]float64, d.N*d.L*d.H*d.Dv)
	for n := 0; n < d.N; n++ {
		for h := 0; h < d.H; h++ {
			kv := make([]float64, d.D*d.Dv)
			ksum := make([]float64, d.D)
			for s := 0; s < d.S; s++ {
				for i := 0; i < d.D; i++ {
					kf := ntPhi64(k[((n*d.S+s)*d.H+h)*d.D+i])
					ksum[i] += kf
					for j := 0; j < d.Dv; j++ {
						kv[i*d.Dv+j] += kf * v[((n*d.S+s)*d.H+h)*d.Dv+j] / float64(d.S)
					}
				}
			}
			for l := 0; l < d.L; l++ {
				den := eps
				qf := make([]float64, d.D)
				for i := range qf {
					qf[i] = ntPhi64(q[((n*d.L+l)*d.H+h)*d.D+i])
					den += qf[i] * ksum[i]
				}
				for j := 0; j < d.Dv; j++ {
					a := 0.0
					for i := range qf {
						a += qf[i] * kv[i*d.Dv+j]
					}
					out[((n*d.L+l)*d.H+h)*d.Dv+j] = a / den * float64(d.S)
				}
			}
		}
	}
	return out
}

func ntTo64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

// At a size past the GEMM micro-tiles (and with strided heads), the forward matches
// float64 and the backward matches directional derivatives of the float64 function:
// sum(grad * dir) = (f(x + h dir) - f(x - h dir)) . g / 2h for random directions.
func TestLinearAttentionLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	d := LinearAttentionDims{N: 2, L: 37, S: 70, H: 3, D: 16, Dv: 12}
	const eps = 1e-6
	q := ntRand(rng, d.N*d.L*d.H*d.D)
	k := ntRand(rng, d.N*d.S*d.H*d.D)
	v := ntRand(rng, d.N*d.S*d.H*d.Dv)
	out := make([]float32, d.N*d.L*d.H*d.Dv)
	st := LinearAttentionForward(out, q, k, v, d, eps)
	ntClose(t, "out", out, ntLinearAttention64(ntTo64(q), ntTo64(k), ntTo64(v), d, float64(float32(eps))))

	g := ntRand(rng, len(out))
	dq, dk, dv := make([]float32, len(q)), make([]float32, len(k)), make([]float32, len(v))
	LinearAttentionBackward(dq, dk, dv, g, out, q, k, v, st, d)
	grads := [][]float32{dq, dk, dv}
	for which := 0; which < 3; which++ {
		for trial := 0; trial < 2; trial++ {
			x := [][]float64{ntTo64(q), ntTo64(k), ntTo64(v)}
			dir := ntRand(rng, len(x[which]))
			const h = 1e-4
			loss := func(sign float64) float64 {
				xs := append([]float64(nil), x[which]...)
				for i := range xs {
					xs[i] += sign * h * float64(dir[i])
				}
				args := [3][]float64{x[0], x[1], x[2]}
				args[which] = xs
				y := ntLinearAttention64(args[0], args[1], args[2], d, float64(float32(eps)))
				s := 0.0
				for i, yv := range y {
					s += yv * float64(g[i])
				}
				return s
			}
			num := (loss(1) - loss(-1)) / (2 * h)
			ana := 0.0
			for i, gv := range grads[which] {
				ana += float64(gv) * float64(dir[i])
			}
			if math.Abs(ana-num) > 1e-4*math.Abs(num)+1e-4 {
				t.Fatalf("input %d: directional derivative %v, numeric %v", which, ana, num)
			}
		}
	}
}

// BenchmarkLinearAttentionHALO is the query-to-satellite layer of HALO for one sample:
// L = 256 query tokens, S = 4096 satellite tokens, 8 heads of 64.
func BenchmarkLinearAttentionHALO(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	d := LinearAttentionDims{N: 1, L: 256, S: 4096, H: 8, D: 64, Dv: 64}
	q := ntRand(rng, d.N*d.L*d.H*d.D)
	k := ntRand(rng, d.N*d.S*d.H*d.D)
	v := ntRand(rng, d.N*d.S*d.H*d.Dv)
	out := make([]float32, d.N*d.L*d.H*d.Dv)
	g := ntRand(rng, len(out))
	dq, dk, dv := make([]float32, len(q)), make([]float32, len(k)), make([]float32, len(v))
	for b.Loop() {
		st := LinearAttentionForward(out, q, k, v, d, 1e-6)
		LinearAttentionBackward(dq, dk, dv, g, out, q, k, v, st, d)
	}
}
