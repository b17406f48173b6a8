package simd

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The worker pool.
//
// One package-level set of goroutines (GOMAXPROCS of them, started on first use) helps
// whoever calls ParallelFor. The caller always takes part in its own job and claims
// chunks from a shared atomic counter until none are left, so a job finishes even when no
// helper is free: that is what makes ParallelFor safe to call concurrently and from inside
// a chunk (a nested call just runs on the worker that made it, with whatever helpers are
// idle). Helpers find jobs on a short list guarded by a mutex; a job leaves the list
// before its caller waits, and a reference count keeps the job alive until every helper
// that joined has let go, so recycled job structs are never seen by a stale helper.

// task is the allocation-free form of a chunked job: gemm passes a pointer to a pooled
// struct, ParallelFor passes its func (a func is pointer-shaped, so converting it to an
// interface does not allocate).
type task interface {
	run(lo, hi int)
}

type funcTask func(lo, hi int)

func (f funcTask) run(lo, hi int) { f(lo, hi) }

type job struct {
	t       task
	n       int // items
	chunk   int // items per chunk
	nchunks int
	next    atomic.Int64 // next chunk to claim
	refs    atomic.Int32 // caller + helpers that joined
	helpers int          // helpers that joined (guarded by pool.mu)
	maxHelp int          // helpers wanted (guarded by pool.mu)
	done    chan struct{}
}

// work claims and runs chunks until none are left.
func (j *job) work() {
	for {
		c := int(j.next.Add(1) - 1)
		if c >= j.nchunks {
			return
		}
		lo := c * j.chunk
		hi := min(lo+j.chunk, j.n)
		j.t.run(lo, hi)
	}
}

type workerPool struct {
	once    sync.Once
	mu      sync.Mutex
	cond    sync.Cond
	jobs    []*job       // jobs that may still have unclaimed chunks
	listed  atomic.Int32 // len(jobs), read without the lock by spinning workers
	workers int
}

var pool workerPool

var jobPool = sync.Pool{New: func() any { return &job{done: make(chan struct{}, 1)} }}

// maxThreads caps how many goroutines (caller included) one parallel job uses.
var maxThreads atomic.Int32

func init() {
	maxThreads.Store(int32(max(1, runtime.GOMAXPROCS(0))))
}

// SetThreads caps the number of goroutines (the caller included) that one Sgemm or
// ParallelFor call uses, and returns the previous cap. n < 1 means GOMAXPROCS.
// Benchmarks use it to measure 1 and 2 threads; it does not change GOMAXPROCS.
func SetThreads(n int) int {
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	return int(maxThreads.Swap(int32(n)))
}

// Threads returns the current cap set by SetThreads.
func Threads() int { return int(maxThreads.Load()) }

func (p *workerPool) start() {
	p.cond.L = &p.mu
	p.workers = max(1, runtime.GOMAXPROCS(0))
	p.jobs = make([]*job, 0, 64)
	for range p.workers {
		go p.worker()
	}
}

// spinTime is how long an idle worker keeps looking for a new job (yielding its
// processor in between) before it parks. Gemm runs its phases back to back, and callers
// run products back to back; a parked worker costs a futex wake-up per phase, and on a
// VM whose idle vCPU has halted that is 100 us or more, as much as a whole small product.
const spinTime = 500 * time.Microsecond

func (p *workerPool) worker() {
	p.mu.Lock()
	for {
		j := p.pick()
		if j == nil {
			// Spin briefly without the lock before parking.
			p.mu.Unlock()
			for t0 := time.Now(); p.listed.Load() == 0 && time.Since(t0) < spinTime; {
				for i := 0; i < 16 && p.listed.Load() == 0; i++ {
					runtime.Gosched()
				}
			}
			p.mu.Lock()
			if j = p.pick(); j == nil {
				p.cond.Wait()
				continue
			}
		}
		p.mu.Unlock()
		j.work()
		if j.refs.Add(-1) == 0 {
			j.done <- struct{}{}
		}
		p.mu.Lock()
	}
}

// pick returns a listed job that wants another helper, with the helper counted in.
// Called with p.mu held.
func (p *workerPool) pick() *job {
	for _, j := range p.jobs {
		if j.helpers < j.maxHelp && int(j.next.Load()) < j.nchunks {
			j.helpers++
			j.refs.Add(1)
			return j
		}
	}
	return nil
}

// parallel runs t over [0, n) in chunks of at least grain items, using up to
// Threads() goroutines, and returns when every chunk is done.
func parallel(n, grain int, t task) {
	if n <= 0 {
		return
	}
	grain = max(grain, 1)
	threads := int(maxThreads.Load())
	if threads <= 1 || n <= grain {
		t.run(0, n)
		return
	}
	// Several chunks per thread, so a core slowed by other work does not hold up the
	// end of the job: whoever is free takes the next chunk.
	chunk := max(grain, (n+4*threads-1)/(4*threads))
	parallelChunks(n, chunk, threads, t)
}

// parallelChunks runs t over [0, n) in chunks of exactly chunk items (the last may be
// shorter) on up to threads goroutines.
func parallelChunks(n, chunk, threads int, t task) {
	nchunks := (n + chunk - 1) / chunk
	if nchunks <= 1 || threads <= 1 {
		t.run(0, n)
		return
	}
	p := &pool
	p.once.Do(p.start)

	j := jobPool.Get().(*job)
	j.t, j.n, j.chunk, j.nchunks = t, n, chunk, nchunks
	j.next.Store(0)
	j.refs.Store(1)
	helpers := min(threads, nchunks) - 1

	p.mu.Lock()
	j.helpers, j.maxHelp = 0, helpers
	p.jobs = append(p.jobs, j)
	p.listed.Store(int32(len(p.jobs)))
	p.mu.Unlock()
	if helpers >= p.workers {
		p.cond.Broadcast()
	} else {
		for range helpers {
			p.cond.Signal()
		}
	}

	j.work()

	p.mu.Lock()
	for i, x := range p.jobs {
		if x == j {
			last := len(p.jobs) - 1
			p.jobs[i] = p.jobs[last]
			p.jobs[last] = nil
			p.jobs = p.jobs[:last]
			break
		}
	}
	p.listed.Store(int32(len(p.jobs)))
	p.mu.Unlock()
	if j.refs.Add(-1) != 0 {
		<-j.done
	}
	j.t = nil
	jobPool.Put(j)
}

// ParallelFor runs fn over [0, n) split into chunks of at least grain items on the
// shared worker pool and returns when all chunks are done. It splits the range into
// several chunks per thread (not fixed halves), so a core that is busy elsewhere does
// not stall the job. The caller runs chunks itself, so ParallelFor may be called
// concurrently and from inside fn without deadlock; small ranges (n <= grain) run
// inline. fn must be safe to run concurrently on disjoint ranges.
func ParallelFor(n, grain int, fn func(lo, hi int)) {
	parallel(n, grain, funcTask(fn))
}
