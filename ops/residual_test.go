package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestScaleResidual holds ScaleResidual and its backward (accumulating into non-zero
// buffers) to their definitions: the forward bit for bit against the two roundings of
// Mul then DropPath, the gradients against float64. Shapes: empty, one value, planes
// cut into pieces (few planes, long inner), many small planes, with and without keep.
func TestScaleResidual(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for ci, g := range []ResidualGeom{{0, 3, 5}, {1, 1, 1}, {2, 3, 7}, {1, 2, 3*elemGrain + 17}, {3, 17, 129}, {2, 0, 4}} {
		for _, withKeep := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d_%dx%dx%d_keep%v", ci, g.N, g.C, g.Inner, withKeep), func(t *testing.T) {
				n := g.N * g.C * g.Inner
				x, a, scale, gy := convRandSlice(rng, n), convRandSlice(rng, n), convRandSlice(rng, g.C), convRandSlice(rng, n)
				var keep []float32
				if withKeep {
					keep = make([]float32, g.N)
					for i := range keep {
						keep[i] = []float32{0, 1.25, 1 / 0.9}[i%3]
					}
				}
				out := convRandSlice(rng, n)
				ScaleResidual(out, x, a, scale, keep, g)
				for i := range out {
					c, s := i/g.Inner%g.C, i/(g.C*g.Inner)
					p := scale[c] * a[i]
					if keep != nil {
						p *= keep[s]
					}
					if want := x[i] + p; out[i] != want {
						t.Fatalf("out[%d] = %v, want %v", i, out[i], want)
					}
				}
				start := rand.New(rand.NewPCG(7, 8))
				sx, sa, ss := convRandSlice(start, n), convRandSlice(start, n), convRandSlice(start, g.C)
				dx, da, ds := append([]float32(nil), sx...), append([]float32(nil), sa...), append([]float32(nil), ss...)
				ScaleResidualBackward(dx, da, ds, gy, a, scale, keep, g)
				wantDS := make([]float64, g.C)
				wantDA := make([]float64, n)
				wantDX := make([]float64, n)
				for i := range gy {
					c, s := i/g.Inner%g.C, i/(g.C*g.Inner)
					k := 1.0
					if keep != nil {
						k = float64(keep[s])
					}
					wantDX[i] = float64(gy[i])
					wantDA[i] = float64(gy[i]) * k * float64(scale[c])
					wantDS[c] += float64(gy[i]) * k * float64(a[i])
				}
				lskClose(t, "dx", dx, sx, wantDX, 1e-6)
				lskClose(t, "da", da, sa, wantDA, 1e-6)
				lskClose(t, "dscale", ds, ss, wantDS, 1e-6)
				// each gradient alone; dx aliasing da
				dxOnly := append([]float32(nil), sx...)
				ScaleResidualBackward(dxOnly, nil, nil, gy, a, scale, keep, g)
				lskClose(t, "dx alone", dxOnly, sx, wantDX, 1e-6)
				dsOnly := append([]float32(nil), ss...)
				ScaleResidualBackward(nil, nil, dsOnly, gy, a, scale, keep, g)
				lskClose(t, "dscale alone", dsOnly, ss, wantDS, 1e-6)
				both := append([]float32(nil), sa...)
				ScaleResidualBackward(both, both, nil, gy, a, scale, keep, g)
				for i := range wantDA {
					wantDA[i] += wantDX[i]
				}
				lskClose(t, "dx=da", both, sa, wantDA, 1e-6)
			})
		}
	}
}

// TestScaleResidualNaN: a dropped sample (keep 0) still passes a NaN in a through, as
// Mul then DropPath's multiply by 0 would.
func TestScaleResidualNaN(t *testing.T) {
	out := make([]float32, 2)
	ScaleResidual(out, []float32{1, 2}, []float32{float32(math.NaN()), 3}, []float32{0.5}, []float32{0, 0}, ResidualGeom{2, 1, 1})
	if !math.IsNaN(float64(out[0])) || out[1] != 2 {
		t.Errorf("out %v, want [NaN 2]", out)
	}
}
