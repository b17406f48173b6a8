package simd

// ChanStatsStep folds one channel plane x into per-pixel running channel statistics
// (the LSK gate's channel mean and max): for every i < len(x),
//
//	sum[i] += float64(x[i])
//	if x[i] > mx[i] || x[i] is NaN && mx[i] is not { mx[i], arg[i] = x[i], k }
//
// so after the channels 0..C-1 in order (starting from channel 0's values, arg 0), sum
// is their float64 sum in channel order, mx their maximum (a NaN counting as the
// maximum, as PyTorch's max does) and arg the first channel attaining it. Every path
// gives the same bits: float32 -> float64 is exact and the sums are float64 additions
// in the same order. sum, mx and arg must be at least len(x) long.
func ChanStatsStep(sum []float64, mx []float32, arg []int32, x []float32, k int32) {
	n := len(x)
	need("ChanStatsStep", "sum", len(sum), n)
	need("ChanStatsStep", "mx", len(mx), n)
	need("ChanStatsStep", "arg", len(arg), n)
	done := 0
	if kern, ok := chanStatsImpls[active.name]; ok {
		done = n &^ 7
		if done > 0 {
			kern(sum[:done], mx[:done], arg[:done], x[:done], k)
		}
	}
	chanStatsGeneric(sum[done:n], mx[done:n], arg[done:n], x[done:n], k)
}

// chanStatsImpls holds the vector kernels by path name (chanstats_amd64.go); they take
// a multiple of 8 elements.
var chanStatsImpls = map[string]func(sum []float64, mx []float32, arg []int32, x []float32, k int32){}

func chanStatsGeneric(sum []float64, mx []float32, arg []int32, x []float32, k int32) {
	sum, mx, arg = sum[:len(x)], mx[:len(x)], arg[:len(x)]
	for i, v := range x {
		sum[i] += float64(v)
		if v > mx[i] || v != v && mx[i] == mx[i] {
			mx[i], arg[i] = v, k
		}
	}
}
