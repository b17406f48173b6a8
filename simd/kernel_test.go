package simd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemmKernels drives every micro-kernel directly (full, short-row and column-masked
// variants) on random packed panels: C must match the float64 product within the
// rounding bound, everything outside the updated rows and columns (the next row, columns
// past nr or past the mask) must stay untouched, NaNs included, and beta = 0 must not
// read C (NaN there).
func TestGemmKernels(t *testing.T) {
	eps := math.Pow(2, -24)
	r := rand.New(rand.NewPCG(61, 62))
	for _, im := range impls {
		type kern struct {
			name string
			f    func(k int, a, b, c *float32, ldc int, alpha, beta float32)
			rows int
			cols int // columns updated: nr, or the low bits set in a mask
		}
		ks := []kern{{"full", im.gemmKernel, im.mr, im.nr}}
		if im.gemmKernelShort != nil {
			ks = append(ks, kern{"short", im.gemmKernelShort, im.shortRows, im.nr})
		}
		for _, cols := range []int{1, 7, 16, 17, 31} {
			if cols >= im.nr {
				continue
			}
			mask := uint32(1)<<cols - 1
			if f := im.gemmKernelMask; f != nil {
				ks = append(ks, kern{"mask", func(k int, a, b, c *float32, ldc int, alpha, beta float32) {
					f(k, a, b, c, ldc, alpha, beta, mask)
				}, im.mr, cols})
			}
			if f := im.gemmKernelShortMask; f != nil {
				ks = append(ks, kern{"shortmask", func(k int, a, b, c *float32, ldc int, alpha, beta float32) {
					f(k, a, b, c, ldc, alpha, beta, mask)
				}, im.shortRows, cols})
			}
		}
		for _, kn := range ks {
			for _, k := range []int{1, 2, 3, 7, 64, 129} {
				for _, ab := range [][2]float32{{1, 0}, {-0.5, 1}, {2, -0.25}} {
					a := randSlice(r, k*im.mr)
					b := randSlice(r, k*im.nr)
					ldc := im.nr + 3
					c := make([]float32, (im.mr+1)*ldc)
					for i := range c {
						c[i] = sentinel
					}
					c0 := make([]float32, len(c))
					for i := 0; i < kn.rows; i++ {
						for j := 0; j < im.nr; j++ {
							v := float32(r.Float64()*2 - 1)
							if ab[1] == 0 {
								v = float32(math.NaN())
							}
							c[i*ldc+j] = v
						}
					}
					copy(c0, c)
					kn.f(k, &a[0], &b[0], &c[0], ldc, ab[0], ab[1])
					for i := range c {
						row, col := i/ldc, i%ldc
						if row >= kn.rows || col >= kn.cols {
							if c[i] != c0[i] && !(c[i] != c[i] && c0[i] != c0[i]) {
								t.Fatalf("%s/%s k=%d: wrote outside the tile at row %d col %d", im.name, kn.name, k, row, col)
							}
							continue
						}
						var s, sa float64
						for p := 0; p < k; p++ {
							v := float64(a[p*im.mr+row]) * float64(b[p*im.nr+col])
							s += v
							sa += math.Abs(v)
						}
						want := float64(ab[0]) * s
						bound := math.Abs(float64(ab[0])) * sa
						if ab[1] != 0 {
							want += float64(ab[1]) * float64(c0[i])
							bound += math.Abs(float64(ab[1]) * float64(c0[i]))
						}
						if d := math.Abs(float64(c[i]) - want); !(d <= float64(k+2)*eps*bound+1e-30) {
							t.Fatalf("%s/%s k=%d alpha=%v beta=%v: C[%d][%d] = %v, want %v",
								im.name, kn.name, k, ab[0], ab[1], row, col, c[i], want)
						}
					}
				}
			}
		}
	}
}
