package autograd

import (
	"math"
	"math/rand/v2"
	"testing"
)

func ewRng() *rand.Rand { return rand.New(rand.NewPCG(7, 8)) }

func TestDropoutIdentityWhenOff(t *testing.T) {
	x := RandTensor(60, -1, 1, 3, 4)
	for _, y := range []*Tensor{
		Dropout(x, 0.5, ewRng(), false), Dropout(x, 0, ewRng(), true),
		DropPath(x, 0.5, ewRng(), false), DropPath(x, 0, ewRng(), true),
	} {
		if y != x {
			t.Fatal("dropout off must return its input")
		}
	}
	// Identity must not consume random numbers either.
	r := ewRng()
	Dropout(x, 0.5, r, false)
	if r.Uint64() != ewRng().Uint64() {
		t.Fatal("dropout in eval mode drew from the rng")
	}
}

// The mask replayed from the same seed, in float64.
func ewDropoutRef(p float32, n, per int) RefFn {
	return func(in [][]float64) [][]float64 {
		rng := ewRng()
		y := make([]float64, len(in[0]))
		for s := range n {
			keep := rng.Float32() >= p
			for i := s * per; i < (s+1)*per; i++ {
				if keep {
					y[i] = in[0][i] / (1 - float64(p))
				}
			}
		}
		return [][]float64{y}
	}
}

func TestDropoutGradCheck(t *testing.T) {
	const p = 0.4
	x := RandTensor(61, 0.5, 1.5, 5, 8)
	GradCheck(t, []*Tensor{x}, func(in []*Tensor) []*Tensor {
		return []*Tensor{Dropout(in[0], p, ewRng(), true)}
	}, ewDropoutRef(p, 40, 1))
	// The forward applies the mask the backward uses: zeros get no gradient,
	// survivors are scaled by 1/(1-p) both ways.
	x.Grad = nil
	y := Dropout(x, p, ewRng(), true)
	cot := make([]float32, len(y.Data))
	for i := range cot {
		cot[i] = 1
	}
	y.BackwardWith(cot)
	zeros := 0
	for i, v := range y.Data {
		switch {
		case v == 0:
			zeros++
			if x.Grad[i] != 0 {
				t.Fatalf("dropped element %d got gradient %v", i, x.Grad[i])
			}
		case math.Abs(float64(v-x.Data[i]/(1-p))) > 1e-6 || math.Abs(float64(x.Grad[i]-1/(1-p))) > 1e-6:
			t.Fatalf("kept element %d: y %v grad %v for x %v", i, v, x.Grad[i], x.Data[i])
		}
	}
	if zeros == 0 || zeros == len(y.Data) {
		t.Fatalf("%d of %d dropped", zeros, len(y.Data))
	}
}

func TestDropPathGradCheck(t *testing.T) {
	const p = 0.5
	x := RandTensor(62, 0.5, 1.5, 6, 2, 3)
	GradCheck(t, []*Tensor{x}, func(in []*Tensor) []*Tensor {
		return []*Tensor{DropPath(in[0], p, ewRng(), true)}
	}, ewDropoutRef(p, 6, 6))
	y := DropPath(x, p, ewRng(), true)
	dropped := 0
	for s := range 6 {
		z := 0
		for _, v := range y.Data[s*6 : (s+1)*6] {
			if v == 0 {
				z++
			}
		}
		if z != 0 && z != 6 {
			t.Fatalf("sample %d partly dropped (%d of 6 zeros)", s, z)
		}
		if z == 6 {
			dropped++
		}
	}
	if dropped == 0 || dropped == 6 {
		t.Fatalf("%d of 6 samples dropped", dropped)
	}
}

// The kept fraction is 1-p within 5 standard deviations, and the scaling keeps the mean.
func TestDropoutKeepFraction(t *testing.T) {
	const n = 100000
	for _, p := range []float32{0.1, 0.3, 0.7} {
		check := func(name string, kept, total int, mean float64) {
			f := float64(kept) / float64(total)
			sd := math.Sqrt(float64(p) * float64(1-p) / float64(total))
			if math.Abs(f-float64(1-p)) > 5*sd {
				t.Errorf("%s p=%v: kept fraction %.4f, want %.4f ± %.4f", name, p, f, 1-p, 5*sd)
			}
			// mean of x/(1-p)*keep with x = 1 is kept/(total*(1-p)).
			if math.Abs(mean-1) > 5*sd/float64(1-p) {
				t.Errorf("%s p=%v: output mean %.4f, want 1", name, p, mean)
			}
		}
		x := Full(1, n)
		y := Dropout(x, p, rand.New(rand.NewPCG(uint64(p*100), 1)), true)
		kept := 0
		for _, v := range y.Data {
			if v != 0 {
				kept++
			}
		}
		check("Dropout", kept, n, float64(MeanAll(y).Item()))
		xs := Full(1, n/10, 2)
		ys := DropPath(xs, p, rand.New(rand.NewPCG(uint64(p*100), 2)), true)
		kept = 0
		for s := range n / 10 {
			if ys.Data[2*s] != 0 {
				kept++
			}
		}
		check("DropPath", kept, n/10, float64(MeanAll(ys).Item()))
	}
}

func TestDropoutDeterministic(t *testing.T) {
	x := RandTensor(63, -1, 1, 100)
	a := Dropout(x, 0.5, ewRng(), true)
	b := Dropout(x, 0.5, ewRng(), true)
	for i := range a.Data {
		if a.Data[i] != b.Data[i] {
			t.Fatal("same seed gave different masks")
		}
	}
	if y := Dropout(x, 1, ewRng(), true); MeanAll(y).Item() != 0 {
		t.Fatal("p = 1 must drop everything")
	}
}
