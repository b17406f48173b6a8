package nn

import (
	"runtime"
	"sync"
)

// parallelGrain is the smallest chunk worth a goroutine for an elementwise update.
const parallelGrain = 1 << 15

// parallel runs fn over [0, n) split into contiguous chunks on up to GOMAXPROCS
// goroutines. Optimiser updates are elementwise, so the result does not depend on
// the split.
func parallel(n int, fn func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n/parallelGrain)
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}
