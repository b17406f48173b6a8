package simd

import (
	"testing"
	"time"
)

func TestMeasurePeak(t *testing.T) {
	r := MeasurePeak(1, 20*time.Millisecond)
	if !(r.GFLOPS > 0) || r.Threads != 1 || r.PerCore != r.GFLOPS || r.Loop == "" {
		t.Fatalf("MeasurePeak(1) = %+v", r)
	}
	// The assembly loop must beat the scalar one it stands in for: an FMA loop that
	// did no work (or a broken flop count) would not.
	loop, name, perIter := peakLoop()
	if name != "generic" {
		g := rate(fmaLoopGeneric, genericFlopsPerIter)
		v := rate(loop, perIter)
		if v < 2*g {
			t.Errorf("%s loop %.1f GFLOP/s is not above twice the scalar loop's %.1f", name, v/1e9, g/1e9)
		}
	}
}

// rate returns the best FLOP rate of loop over a few bursts.
func rate(loop func(int), perIter float64) float64 {
	n := calibrate(loop, perIter)
	best := 0.0
	for range 20 {
		t0 := time.Now()
		loop(n)
		best = max(best, float64(n)*perIter/time.Since(t0).Seconds())
	}
	return best
}
