package autograd

import (
	"fmt"
	"math/rand/v2"

	"github.com/cvogl/halo/ops"
)

// Dropout zeroes each element of x with probability p and scales the survivors by
// 1/(1-p) (inverted dropout), drawing one rng.Float32 per element in order, so a seeded
// rng gives a reproducible mask. It is the identity when !training or p == 0.
func Dropout(x *Tensor, p float32, rng *rand.Rand, training bool) *Tensor {
	checkDropP("Dropout", x, p)
	if !training || p == 0 {
		return x
	}
	mask := make([]float32, len(x.Data))
	keep := keepScale(p)
	for i := range mask {
		if rng.Float32() >= p {
			mask[i] = keep
		}
	}
	return applyMask("dropout", x, mask)
}

// DropPath (stochastic depth) zeroes whole samples along axis 0 of x with probability
// p and scales the kept ones by 1/(1-p), one rng.Float32 per sample. It is the identity
// when !training or p == 0.
func DropPath(x *Tensor, p float32, rng *rand.Rand, training bool) *Tensor {
	checkDropP("DropPath", x, p)
	if !training || p == 0 {
		return x
	}
	if len(x.Shape) == 0 {
		panic(fmt.Sprintf("autograd.DropPath: %s has no sample axis", tensorLabel(x)))
	}
	n := x.Shape[0]
	per := 0
	if n > 0 {
		per = len(x.Data) / n
	}
	mask := make([]float32, len(x.Data))
	keep := keepScale(p)
	for s := range n {
		if rng.Float32() >= p {
			m := mask[s*per : (s+1)*per]
			for i := range m {
				m[i] = keep
			}
		}
	}
	return applyMask("drop_path", x, mask)
}

func checkDropP(name string, x *Tensor, p float32) {
	if !(p >= 0 && p <= 1) {
		panic(fmt.Sprintf("autograd.%s of %s: probability %v outside [0, 1]", name, tensorLabel(x), p))
	}
}

// keepScale is the factor for kept elements; with p == 1 nothing is kept.
func keepScale(p float32) float32 {
	if p >= 1 {
		return 0
	}
	return 1 / (1 - p)
}

// applyMask returns x*mask; the same mask scales the gradient.
func applyMask(name string, x *Tensor, mask []float32) *Tensor {
	bc, err := ops.NewBroadcast(x.Shape, x.Shape)
	if err != nil {
		panic(err)
	}
	out := Zeros(x.Shape...)
	bc.Apply(ops.OpMul, out.Data, x.Data, mask)
	return Record(name, out, func(g []float32) {
		if x.requiresGrad {
			bc.BackwardA(ops.OpMul, x.GradBuf(), g, x.Data, mask)
		}
	}, x)
}
