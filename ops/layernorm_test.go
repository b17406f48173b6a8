package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cvogl/halo/simd"
)

// ntKernel runs a forward kernel on inputs and returns its output and a backward that,
// given the output gradient, returns the gradient of every input.
type ntKernel func(in [][]float32) (out []float32, backward func(g []float32) [][]float32)

// ntCheckKernel compares a kernel pair with a float64 reference at one random point:
// the forward elementwise, the backward through directional derivatives
// d/dh sum(ref(x + h*dir) * g) for two random directions per input, to 1e-4 relative
// plus 1e-5 of ||grad||*||dir||. Shapes are meant
// to be large enough that every ParallelFor in the kernel splits into chunks (four
// threads are forced), so chunk bounds are exercised.
func ntCheckKernel(t *testing.T, seed uint64, sizes []int, k ntKernel, ref func(in [][]float64) []float64) {
	t.Helper()
	defer simd.SetThreads(simd.SetThreads(4))
	rng := rand.New(rand.NewPCG(seed, 9))
	in := make([][]float32, len(sizes))
	in64 := make([][]float64, len(sizes))
	for i, n := range sizes {
		in[i] = ntRand(rng, n)
		in64[i] = ntTo64(in[i])
	}
	out, backward := k(in)
	ntClose(t, "forward", out, ref(in64))
	g := ntRand(rng, len(out))
	grads := backward(g)
	for i := range in {
		if grads[i] == nil {
			continue
		}
		for trial := 0; trial < 2; trial++ {
			dir := ntRand(rng, len(in[i]))
			const h = 1e-4
			loss := func(sign float64) float64 {
				args := append([][]float64(nil), in64...)
				args[i] = append([]float64(nil), in64[i]...)
				for j := range args[i] {
					args[i][j] += sign * h * float64(dir[j])
				}
				s := 0.0
				for j, y := range ref(args) {
					s += y * float64(g[j])
				}
				return s
			}
			num := (loss(1) - loss(-1)) / (2 * h)
			ana, gg, dd := 0.0, 0.0, 0.0
			for j, gv := range grads[i] {
				ana += float64(gv) * float64(dir[j])
				gg += float64(gv) * float64(gv)
				dd += float64(dir[j]) * float64(dir[j])
			}
			// The Cauchy-Schwarz bound ||grad||*||dir|| sets the scale of the sum.
			if math.Abs(ana-num) > 1e-4*math.Abs(num)+1e-5*math.Sqrt(gg*dd) {
				t.Fatalf("input %d: directional derivative %v, numeric %v", i, ana, num)
			}
		}
	}
}

func TestLayerNormKernels(t *testing.T) {
	const rows, d = 100, 150
	ntCheckKernel(t, 1, []int{rows * d, d, d}, func(in [][]float32) ([]float32, func([]float32) [][]float32) {
		y := make([]float32, rows*d)
		mean, inv := make([]float32, rows), make([]float32, rows)
		LayerNormForward(y, in[0], in[1], in[2], mean, inv, rows, d, 1e-5)
		return y, func(g []float32) [][]float32 {
			dx, dw, db := make([]float32, rows*d), make([]float32, d), make([]float32, d)
			LayerNormBackward(dx, dw, db, g, in[0], in[1], mean, inv, rows, d)
			return [][]float32{dx, dw, db}
		}
	}, func(in [][]float64) []float64 {
		y := make([]float64, rows*d)
		for r := 0; r < rows; r++ {
			x := in[0][r*d : (r+1)*d]
			var m, v float64
			for _, e := range x {
				m += e / d
			}
			for _, e := range x {
				v += (e - m) * (e - m) / d
			}
			for i, e := range x {
				y[r*d+i] = (e-m)/math.Sqrt(v+float64(float32(1e-5)))*in[1][i] + in[2][i]
			}
		}
		return y
	})
}
