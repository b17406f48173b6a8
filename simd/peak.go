package simd

import (
	"runtime"
	"sync"
	"time"
)

// PeakResult is a measured float32 multiply-add throughput.
type PeakResult struct {
	GFLOPS  float64 // all threads together
	PerCore float64 // the best single thread while all ran
	Threads int
	Loop    string // "avx512 fma", "avx2 fma" or "generic"
}

// MeasurePeak runs a register-only FMA loop on threads goroutines at once (each locked
// to an OS thread) for about d and returns the FLOP rate: the hardware's float32 peak
// when every thread has a core of its own. Each thread times many short bursts and
// keeps its fastest, so time slices lost to other processes lower the figure less
// than they would a single long run. threads < 1 means GOMAXPROCS.
func MeasurePeak(threads int, d time.Duration) PeakResult {
	if threads < 1 {
		threads = runtime.GOMAXPROCS(0)
	}
	loop, name, perIter := peakLoop()
	// A burst of ~1 ms: short against a scheduler slice, long against timer overhead.
	iters := calibrate(loop, perIter)
	best := make([]float64, threads)
	var wg sync.WaitGroup
	var start sync.WaitGroup
	start.Add(1)
	for t := range threads {
		wg.Go(func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			start.Wait()
			end := time.Now().Add(d)
			for time.Now().Before(end) {
				t0 := time.Now()
				loop(iters)
				if r := float64(iters) * perIter / time.Since(t0).Seconds(); r > best[t] {
					best[t] = r
				}
			}
		})
	}
	start.Done()
	wg.Wait()
	res := PeakResult{Threads: threads, Loop: name}
	for _, b := range best {
		res.GFLOPS += b / 1e9
		res.PerCore = max(res.PerCore, b/1e9)
	}
	return res
}

// calibrate returns the iteration count of a burst of about a millisecond.
func calibrate(loop func(int), perIter float64) int {
	n := 1 << 10
	for {
		t0 := time.Now()
		loop(n)
		if el := time.Since(t0); el > 200*time.Microsecond || n >= 1<<30 {
			return max(1, int(float64(n)*float64(time.Millisecond)/float64(max(el, 1))))
		}
		n *= 4
	}
}

// genericFlopsPerIter is the work of one fmaLoopGeneric iteration: 8 independent
// multiply-adds (2 FLOP each).
const genericFlopsPerIter = 8 * 2

// peakSink keeps the generic loop's result alive so the compiler cannot drop it.
var peakSink float32

// fmaLoopGeneric is the portable twin of the assembly loops: n iterations of eight
// independent multiply-adds.
func fmaLoopGeneric(n int) {
	var a0, a1, a2, a3, a4, a5, a6, a7 float32
	m, c := float32(0.999), float32(1e-3)
	for range n {
		a0 = a0*m + c
		a1 = a1*m + c
		a2 = a2*m + c
		a3 = a3*m + c
		a4 = a4*m + c
		a5 = a5*m + c
		a6 = a6*m + c
		a7 = a7*m + c
	}
	peakSink = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7
}
