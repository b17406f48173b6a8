package simd

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
)

// checkCover runs ParallelFor and checks every index in [0, n) is visited exactly once,
// in chunks of at least grain (the last may be shorter).
func checkCover(t *testing.T, n, grain int) {
	t.Helper()
	hits := make([]atomic.Int32, n)
	var short atomic.Int32
	ParallelFor(n, grain, func(lo, hi int) {
		if lo < 0 || hi > n || lo >= hi {
			t.Errorf("n=%d grain=%d: bad chunk [%d,%d)", n, grain, lo, hi)
			return
		}
		if hi-lo < grain && hi != n {
			short.Add(1)
		}
		for i := lo; i < hi; i++ {
			hits[i].Add(1)
		}
	})
	for i := range hits {
		if h := hits[i].Load(); h != 1 {
			t.Fatalf("n=%d grain=%d: index %d visited %d times", n, grain, i, h)
		}
	}
	if short.Load() != 0 {
		t.Fatalf("n=%d grain=%d: %d chunks shorter than grain", n, grain, short.Load())
	}
}

func TestParallelForCovers(t *testing.T) {
	old := SetThreads(4) // more participants than cores: exercises helpers and the caller
	defer SetThreads(old)
	for _, n := range []int{0, 1, 2, 3, 7, 64, 1000, 4097} {
		for _, g := range []int{0, 1, 3, 100, 5000} {
			checkCover(t, n, g)
		}
	}
}

// TestParallelForNested calls ParallelFor from inside chunks (two levels) and from many
// goroutines at once; it must neither deadlock nor miss work.
func TestParallelForNested(t *testing.T) {
	old := SetThreads(3)
	defer SetThreads(old)
	var wg sync.WaitGroup
	var total atomic.Int64
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ParallelFor(20, 1, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					ParallelFor(30, 2, func(lo, hi int) {
						ParallelFor(hi-lo, 1, func(a, b int) { total.Add(int64(b - a)) })
					})
				}
			})
		}()
	}
	wg.Wait()
	if got := total.Load(); got != 8*20*30 {
		t.Fatalf("nested total = %d, want %d", got, 8*20*30)
	}
}

// TestSgemmConcurrent runs products on every path from several goroutines at once on
// the shared pool, with the parallel path forced on.
func TestSgemmConcurrent(t *testing.T) {
	oldF := gemmMinParallelFlops
	defer func() { gemmMinParallelFlops = oldF }()
	gemmMinParallelFlops = 0
	old := SetThreads(3)
	defer SetThreads(old)
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		im := impls[g%len(impls)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 50))
			for i := 0; i < 3; i++ {
				checkGemm(t, r, gemmCase{transA: i == 1, transB: g%2 == 1, m: 61 + g, n: 70 + i, k: 45, alpha: 1, beta: 0.5, off: 1, im: im})
			}
		}()
	}
	wg.Wait()
}

func TestSetThreads(t *testing.T) {
	old := SetThreads(1)
	if Threads() != 1 {
		t.Fatal("SetThreads(1) not applied")
	}
	checkCover(t, 100, 1)
	SetThreads(old)
	if Threads() != old {
		t.Fatal("SetThreads did not restore")
	}
}

func TestParallelForNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops entries at random under the race detector")
	}
	old := SetThreads(2)
	defer SetThreads(old)
	var sink atomic.Int64
	fn := func(lo, hi int) { sink.Add(int64(hi - lo)) }
	ParallelFor(1000, 1, fn)
	if a := testing.AllocsPerRun(20, func() { ParallelFor(1000, 1, fn) }); a > 0.5 {
		t.Errorf("ParallelFor allocates %v times per call", a)
	}
}
