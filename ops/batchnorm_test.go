package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestBatchNormKernels(t *testing.T) {
	const n, c, hw = 3, 7, 50
	const eps = float32(1e-5)
	for _, training := range []bool{true, false} {
		t.Run(fmt.Sprintf("training=%v", training), func(t *testing.T) {
			// inputs: x, weight, bias, and (eval) the running mean and a variance source
			ntCheckKernel(t, 2, []int{n * c * hw, c, c, c, c}, func(in [][]float32) ([]float32, func([]float32) [][]float32) {
				mean, variance, inv := make([]float32, c), make([]float32, c), make([]float32, c)
				if training {
					BatchNormStats(mean, variance, in[0], n, c, hw)
				} else {
					copy(mean, in[3])
					for i, v := range in[4] {
						variance[i] = 1 + v*v
					}
				}
				BatchNormInvStd(inv, variance, eps)
				y := make([]float32, n*c*hw)
				BatchNormForward(y, in[0], in[1], in[2], mean, inv, n, c, hw)
				return y, func(g []float32) [][]float32 {
					dx, dw, db := make([]float32, n*c*hw), make([]float32, c), make([]float32, c)
					BatchNormBackward(dx, dw, db, g, in[0], in[1], mean, inv, n, c, hw, training)
					return [][]float32{dx, dw, db, nil, nil}
				}
			}, func(in [][]float64) []float64 {
				y := make([]float64, n*c*hw)
				for ch := 0; ch < c; ch++ {
					var m, v float64
					if training {
						for i := 0; i < n; i++ {
							for _, e := range in[0][(i*c+ch)*hw : (i*c+ch+1)*hw] {
								m += e / (n * hw)
							}
						}
						for i := 0; i < n; i++ {
							for _, e := range in[0][(i*c+ch)*hw : (i*c+ch+1)*hw] {
								v += (e - m) * (e - m) / (n * hw)
							}
						}
					} else {
						m = in[3][ch]
						v = float64(1 + float32(in[4][ch])*float32(in[4][ch]))
					}
					for i := 0; i < n; i++ {
						for j := 0; j < hw; j++ {
							k := (i*c+ch)*hw + j
							y[k] = (in[0][k]-m)/math.Sqrt(v+float64(eps))*in[1][ch] + in[2][ch]
						}
					}
				}
				return y
			})
		})
	}
}

func TestBatchNormUpdateRunning(t *testing.T) {
	rm, rv := []float32{1, -1}, []float32{2, 0.5}
	BatchNormUpdateRunning(rm, rv, []float32{3, 0}, []float32{4, 1}, 5, 0.1)
	want := []float64{0.9*1 + 0.1*3, 0.9*-1 + 0, 0.9*2 + 0.1*4*5/4, 0.9*0.5 + 0.1*1*5/4}
	got := []float32{rm[0], rm[1], rv[0], rv[1]}
	for i, w := range want {
		if math.Abs(float64(got[i])-w) > 1e-6 {
			t.Fatalf("running stats %v, want %v", got, want)
		}
	}
}

// BenchmarkBatchNormTrain is a train-mode forward and backward over a LSKNet stage-2
// sized map (batch 4, 128 channels, 128x128).
func BenchmarkBatchNormTrain(b *testing.B) {
	const n, c, hw = 4, 128, 128 * 128
	rng := rand.New(rand.NewPCG(1, 1))
	x, g, w, bias := ntRand(rng, n*c*hw), ntRand(rng, n*c*hw), ntRand(rng, c), ntRand(rng, c)
	y, dx := make([]float32, len(x)), make([]float32, len(x))
	mean, variance, inv, dw, db := make([]float32, c), make([]float32, c), make([]float32, c), make([]float32, c), make([]float32, c)
	b.SetBytes(int64(4 * len(x)))
	for b.Loop() {
		BatchNormStats(mean, variance, x, n, c, hw)
		BatchNormInvStd(inv, variance, 1e-5)
		BatchNormForward(y, x, w, bias, mean, inv, n, c, hw)
		BatchNormBackward(dx, dw, db, g, x, w, mean, inv, n, c, hw, true)
	}
}
