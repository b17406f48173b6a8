package autograd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// refFusion is CrossViewFusion in float64 with the per-sample min and max given
// (constants, as in the op): it returns context [B,D,HW] and attn [B,HW].
func refFusion(q, v []float64, b, d, hw int, eps float64, lo, span []float64) (ctx, attn []float64) {
	qn := refNormalize(q, b, d, 1, eps)
	vn := refNormalize(v, b, d, hw, eps)
	ctx = make([]float64, len(v))
	attn = make([]float64, b*hw)
	for s := range b {
		for p := range hw {
			sc := 0.0
			for j := range d {
				sc += qn[s*d+j] * vn[(s*d+j)*hw+p]
			}
			a := (sc - lo[s]) / span[s]
			attn[s*hw+p] = a
			for j := range d {
				k := (s*d+j)*hw + p
				ctx[k] = a * vn[k]
			}
		}
	}
	return ctx, attn
}

// refScoreRange returns the per-sample min and span of the float64 scores.
func refScoreRange(q, v []float64, b, d, hw int, eps float64) (lo, span []float64) {
	lo, span = make([]float64, b), make([]float64, b)
	ones := make([]float64, b)
	for i := range ones {
		ones[i] = 1
	}
	_, score := refFusion(q, v, b, d, hw, eps, make([]float64, b), ones)
	for s := range b {
		mn, mx := math.Inf(1), math.Inf(-1)
		for _, x := range score[s*hw : (s+1)*hw] {
			mn, mx = math.Min(mn, x), math.Max(mx, x)
		}
		lo[s], span[s] = mn, mx-mn
	}
	return lo, span
}

func to64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

func fusionGradCheck(t *testing.T, q, v *Tensor, eps float32) {
	t.Helper()
	b, d, hw := v.Shape[0], v.Shape[1], v.Shape[2]*v.Shape[3]
	// The min and max are constants of the op: the reference holds them at the point
	// under test instead of re-taking them at each finite-difference probe.
	lo, span := refScoreRange(to64(q.Data), to64(v.Data), b, d, hw, float64(eps))
	GradCheck(t, []*Tensor{q, v}, func(x []*Tensor) []*Tensor {
		ctx, attn := CrossViewFusion(x[0], x[1], eps)
		return []*Tensor{ctx, attn}
	}, func(x [][]float64) [][]float64 {
		ctx, attn := refFusion(x[0], x[1], b, d, hw, float64(eps), lo, span)
		return [][]float64{ctx, attn}
	})
}

func TestCrossViewFusionGradCheck(t *testing.T) {
	t.Run("plain", func(t *testing.T) {
		fusionGradCheck(t, RandTensor(61, -1, 1, 2, 5), RandTensor(62, -2, 2, 2, 5, 3, 4), 1e-12)
	})
	// Pixels whose norm is below eps: the clamp is flat, so those pixels pass gradient
	// only through x/eps.
	t.Run("clamped", func(t *testing.T) {
		v := RandTensor(63, -2, 2, 1, 4, 3, 3)
		for j := range 4 {
			v.Data[j*9+4] *= 1e-3
			v.Data[j*9+7] *= 2e-3
		}
		fusionGradCheck(t, RandTensor(64, -1, 1, 1, 4), v, 0.05)
	})
}

// unfusedFusion is the composition CrossViewFusion replaces (HALO's former
// halo.CrossViewFusion).
func unfusedFusion(gq, value *Tensor, eps float32) (ctx, attn *Tensor) {
	b, d, h, w := value.Shape[0], value.Shape[1], value.Shape[2], value.Shape[3]
	q := Normalize(gq, -1, eps)
	v := Normalize(value, 1, eps)
	score := MatMul(Reshape(q, b, 1, d), Reshape(v, b, d, h*w), false, false)
	lo, span := Zeros(b, 1, 1), Zeros(b, 1, 1)
	for i := range b {
		row := score.Data[i*h*w : (i+1)*h*w]
		mn, mx := row[0], row[0]
		for _, s := range row {
			mn, mx = min(mn, s), max(mx, s)
		}
		lo.Data[i], span.Data[i] = mn, mx-mn
	}
	attn = Reshape(Div(Sub(score, lo), span), b, 1, h, w)
	return Mul(attn, v), attn
}

func closeRel(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	scale := 0.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); !(d <= tol*scale) {
			t.Fatalf("%s[%d] = %v, unfused %v (max |x| %g)", what, i, got[i], want[i], scale)
		}
	}
}

// TestCrossViewFusionMatchesUnfused holds the fused ops to the composition on shapes
// with several pixel chunks, a partial last chunk and two samples, forward and
// backward, with a gradient reaching attn both through context and directly.
func TestCrossViewFusionMatchesUnfused(t *testing.T) {
	for _, mode := range []string{"both", "context", "attn", "retained"} {
		t.Run(mode, func(t *testing.T) { fusionMatchesUnfused(t, mode) })
	}
}

func fusionMatchesUnfused(t *testing.T, mode string) {
	for _, sh := range [][4]int{{2, 64, 17, 19}, {1, 7, 1, 1}, {1, 33, 5, 31}} {
		b, d, h, w := sh[0], sh[1], sh[2], sh[3]
		rng := rand.New(rand.NewPCG(uint64(d), 5))
		gc, ga := make([]float32, b*d*h*w), make([]float32, b*h*w)
		for i := range gc {
			gc[i] = float32(rng.NormFloat64())
		}
		for i := range ga {
			ga[i] = float32(rng.NormFloat64())
		}
		run := func(f func(q, v *Tensor, eps float32) (*Tensor, *Tensor)) (ctx, attn, dq, dv []float32) {
			q := RandTensor(71, -1, 1, b, d)
			v := RandTensor(72, -2, 2, b, d, h, w)
			if d == 33 {
				// A gradient already present: the backward must add to it.
				v.Grad = make([]float32, len(v.Data))
				for i := range v.Grad {
					v.Grad[i] = float32(i%3) - 1
				}
			}
			c, a := f(q, v, 1e-12)
			switch mode {
			case "both":
				Backward([]*Tensor{c, a}, [][]float32{gc, ga})
			case "context":
				Backward([]*Tensor{c}, [][]float32{gc})
			case "attn":
				Backward([]*Tensor{a}, [][]float32{ga})
			case "retained":
				// The weighted map's gradient kept by the caller, so not the tape's to pool.
				c.RetainGrad()
				Backward([]*Tensor{c, a}, [][]float32{gc, ga})
				for i, x := range c.Grad {
					if x != gc[i] {
						t.Fatalf("retained context gradient [%d] = %v, want %v", i, x, gc[i])
					}
				}
			}
			return c.Data, a.Data, q.Grad, v.Grad
		}
		if h*w == 1 {
			// A single pixel: span 0, the scores are NaN in both.
			c, a, _, _ := run(CrossViewFusion)
			if !math.IsNaN(float64(a[0])) || !math.IsNaN(float64(c[0])) {
				t.Fatalf("single pixel: attn %v, context %v, want NaN", a[0], c[0])
			}
			continue
		}
		c1, a1, q1, v1 := run(CrossViewFusion)
		c0, a0, q0, v0 := run(unfusedFusion)
		closeRel(t, "context", c1, c0, 1e-5)
		closeRel(t, "attn", a1, a0, 1e-5)
		closeRel(t, "dq", q1, q0, 1e-4)
		closeRel(t, "dvalue", v1, v0, 1e-4)
	}
}

// TestCrossViewFusionNoQueryGrad checks the map's gradient alone (a constant query).
func TestCrossViewFusionNoQueryGrad(t *testing.T) {
	q := RandTensor(81, -1, 1, 1, 6)
	q.SetRequiresGrad(false)
	v := RandTensor(82, -2, 2, 1, 6, 4, 5)
	lo, span := refScoreRange(to64(q.Data), to64(v.Data), 1, 6, 20, 1e-12)
	GradCheck(t, []*Tensor{q, v}, func(x []*Tensor) []*Tensor {
		ctx, attn := CrossViewFusion(x[0], x[1], 1e-12)
		return []*Tensor{ctx, attn}
	}, func(x [][]float64) [][]float64 {
		ctx, attn := refFusion(x[0], x[1], 1, 6, 20, 1e-12, lo, span)
		return [][]float64{ctx, attn}
	})
	if q.Grad != nil {
		t.Fatal("constant query received a gradient")
	}
}

// TestCrossViewFusionSplitBackward: a backward through attn alone frees the graph
// behind it; a later backward through context then reaches value and q only as far as
// the unfused ops would (not through the freed normalisation and scores), and the
// weighted map's node must not leave a map gradient to the score node that already ran.
func TestCrossViewFusionSplitBackward(t *testing.T) {
	const b, d, h, w = 2, 16, 7, 9
	rng := rand.New(rand.NewPCG(3, 4))
	gc, ga := make([]float32, b*d*h*w), make([]float32, b*h*w)
	for i := range gc {
		gc[i] = float32(rng.NormFloat64())
	}
	for i := range ga {
		ga[i] = float32(rng.NormFloat64())
	}
	run := func(f func(q, v *Tensor, eps float32) (*Tensor, *Tensor)) (dq, dv []float32) {
		q := RandTensor(81, -1, 1, b, d)
		v := RandTensor(82, -2, 2, b, d, h, w)
		c, a := f(q, v, 1e-12)
		Backward([]*Tensor{a}, [][]float32{ga})
		Backward([]*Tensor{c}, [][]float32{gc})
		return q.Grad, v.Grad
	}
	q1, v1 := run(CrossViewFusion)
	q0, v0 := run(unfusedFusion)
	closeRel(t, "dq", q1, q0, 1e-4)
	closeRel(t, "dvalue", v1, v0, 1e-4)
}
