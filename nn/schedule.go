package nn

import (
	"math"
	"math/big"
)

// Schedule gives the learning rate of an epoch (0-based).
type Schedule interface {
	LR(epoch int) float64
}

// Constant is a fixed learning rate.
type Constant float64

// LR returns the constant.
func (c Constant) LR(int) float64 { return float64(c) }

// StepLR multiplies the base rate by Gamma every StepSize epochs:
// lr = Base * Gamma^(epoch/StepSize). The paper (official adjust_learning_rate,
// called at the start of every epoch) uses Base 1e-4, Gamma 0.1, StepSize 10.
type StepLR struct {
	Base     float64
	Gamma    float64
	StepSize int
}

// PaperSchedule is the official HALO schedule: 1e-4 * 0.1**(epoch//10).
func PaperSchedule() StepLR { return StepLR{Base: 1e-4, Gamma: 0.1, StepSize: 10} }

// LR returns Base * Gamma**(epoch//StepSize), with the power correctly rounded like
// Python's float ** (C pow), so the value equals the official script's bit for bit.
func (s StepLR) LR(epoch int) float64 {
	step := s.StepSize
	if step <= 0 {
		step = 1
	}
	return s.Base * powInt(s.Gamma, max(epoch, 0)/step)
}

// powInt returns x**k rounded once: the exact power in big-float arithmetic, then
// rounded to float64 (math.Pow's repeated squaring is off by ulps for 0.1**4).
func powInt(x float64, k int) float64 {
	if k == 0 {
		return 1
	}
	if k > 1100 || x == 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return math.Pow(x, float64(k))
	}
	prec := uint(53*k + 64)
	b := new(big.Float).SetPrec(prec).SetFloat64(x)
	r := new(big.Float).SetPrec(prec).SetFloat64(1)
	for range k {
		r.Mul(r, b)
	}
	v, _ := r.Float64()
	return v
}

// Cosine decays from Base to Min over Epochs epochs along half a cosine, after
// Warmup epochs of linear warmup (epoch e < Warmup gets Base*(e+1)/Warmup):
// lr = Min + (Base-Min) * (1 + cos(pi * (e-Warmup)/(Epochs-Warmup))) / 2.
// Epochs at or past the end keep Min.
type Cosine struct {
	Base, Min      float64
	Epochs, Warmup int
}

// LR returns the rate of the epoch.
func (c Cosine) LR(epoch int) float64 {
	if epoch < c.Warmup {
		return c.Base * float64(epoch+1) / float64(c.Warmup)
	}
	span := c.Epochs - c.Warmup
	if span <= 0 || epoch >= c.Epochs {
		return c.Min
	}
	t := float64(epoch-c.Warmup) / float64(span)
	return c.Min + (c.Base-c.Min)*(1+math.Cos(math.Pi*t))/2
}
