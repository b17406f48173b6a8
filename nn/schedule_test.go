package nn

import (
	"math"
	"testing"
)

// The official adjust_learning_rate, args.lr*((0.1)**(epoch//10)) with lr 1e-4, as
// Python prints it (repr of the float64).
func TestPaperSchedule(t *testing.T) {
	python := map[int]float64{
		0: 0.0001, 9: 0.0001, 10: 1e-05, 19: 1e-05, 20: 1.0000000000000002e-06, 29: 1.0000000000000002e-06,
		30: 1.0000000000000002e-07, 40: 1.0000000000000002e-08, 50: 1.0000000000000003e-09,
		60: 1.0000000000000004e-10, 70: 1.0000000000000004e-11,
	}
	s := PaperSchedule()
	for e, want := range python {
		if got := s.LR(e); got != want {
			t.Errorf("epoch %d: lr %v, Python gives %v", e, got, want)
		}
	}
	if got := (StepLR{Base: 0.5, Gamma: 0.5, StepSize: 3}).LR(7); got != 0.125 {
		t.Errorf("StepLR{0.5, 0.5, 3}.LR(7) = %v, want 0.125", got)
	}
	if Constant(3e-4).LR(99) != 3e-4 {
		t.Error("Constant")
	}
}

func TestCosineSchedule(t *testing.T) {
	c := Cosine{Base: 1e-3, Min: 1e-5, Epochs: 12, Warmup: 2}
	want := map[int]float64{
		0:  0.5e-3, // warmup (0+1)/2
		1:  1e-3,
		2:  1e-3,                                           // cosine starts at Base
		7:  1e-5 + (1e-3-1e-5)*(1+math.Cos(math.Pi*0.5))/2, // half way
		12: 1e-5,
		20: 1e-5,
	}
	for e, w := range want {
		if got := c.LR(e); math.Abs(got-w) > 1e-15 {
			t.Errorf("epoch %d: %v, want %v", e, got, w)
		}
	}
	prev := math.Inf(1)
	for e := 2; e <= 12; e++ {
		if lr := c.LR(e); lr > prev {
			t.Errorf("cosine increases at epoch %d", e)
		} else {
			prev = lr
		}
	}
}
