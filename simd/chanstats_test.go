package simd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Every path folds channels into the same bits as the scalar twin (which is the
// documented formula), on lengths around the vector width, at odd offsets, with NaNs,
// ties and infinities, and writes nothing past len(x).
func TestChanStatsStepPathsBitExact(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	old := active
	defer func() { active = old }()
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 64, 131, 1000} {
		const channels = 6
		xs := make([][]float32, channels)
		for c := range xs {
			xs[c] = make([]float32, n+3)
			for i := range xs[c] {
				xs[c][i] = float32(r.NormFloat64())
			}
			if n > 12 {
				xs[c][1] = 1.5              // a tie across every channel: arg stays 0
				xs[c][2] = -inf             // likewise
				xs[c][3] = float32(c) * inf // 0*Inf: a NaN in channel 0, then +Inf
				if c > 0 {
					xs[c][7+c] = nan // a NaN first seen in channel c
				}
			}
		}
		var want []float64
		var wantMx []float32
		var wantArg []int32
		for _, im := range impls {
			active = im
			sum := make([]float64, n+3)
			mx := make([]float32, n+3)
			arg := make([]int32, n+3)
			for i := range sum {
				sum[i], mx[i], arg[i] = -7, -7, -7 // sentinels outside [1, n+1)
			}
			copy(mx[1:n+1], xs[0][1:n+1])
			for i := 1; i <= n; i++ {
				sum[i], arg[i] = float64(xs[0][i]), 0
			}
			for c := 1; c < channels; c++ {
				ChanStatsStep(sum[1:n+1], mx[1:n+1], arg[1:n+1], xs[c][1:n+1], int32(c))
			}
			if sum[0] != -7 || sum[n+1] != -7 || mx[n+1] != -7 || arg[n+1] != -7 || arg[0] != -7 {
				t.Fatalf("%s n=%d: wrote outside the slices", im.name, n)
			}
			if want == nil {
				want, wantMx, wantArg = sum, mx, arg
				continue
			}
			for i := range sum {
				if math.Float64bits(sum[i]) != math.Float64bits(want[i]) || math.Float32bits(mx[i]) != math.Float32bits(wantMx[i]) || arg[i] != wantArg[i] {
					t.Fatalf("%s n=%d [%d]: sum %v max %v arg %d, generic %v %v %d", im.name, n, i, sum[i], mx[i], arg[i], want[i], wantMx[i], wantArg[i])
				}
			}
		}
		// the generic twin is the formula
		for i := 1; i <= n; i++ {
			s, m, a := 0.0, xs[0][i], int32(0)
			for c := range channels {
				v := xs[c][i]
				s += float64(v)
				if c > 0 && (v > m || math.IsNaN(float64(v)) && !math.IsNaN(float64(m))) {
					m, a = v, int32(c)
				}
			}
			if s != want[i] && !(math.IsNaN(s) && math.IsNaN(want[i])) || wantArg[i] != a || math.Float32bits(m) != math.Float32bits(wantMx[i]) {
				t.Fatalf("n=%d [%d]: sum %v max %v arg %d, want %v %v %d", n, i, want[i], wantMx[i], wantArg[i], s, m, a)
			}
			if n > 12 && (i <= 3 && a != 0 || i >= 8 && i < 7+channels && a != int32(i-7)) {
				t.Fatalf("n=%d [%d]: arg %d, not the channel the test planted", n, i, a)
			}
		}
	}
}
