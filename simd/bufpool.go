package simd

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"
)

// The buffer pool.
//
// A network's shapes repeat every step, so the large float32 buffers of one training
// step or inference pass (activations, gradients, scratch) are exactly the sizes the
// next one asks for. Handing them back here instead of to the garbage collector saves
// what a fresh allocation costs at that size: the Go heap zeroes it serially on one
// core, and the first touch of every new page is a page fault. Buckets are keyed by
// exact length; a buffer is reused only for a request of its own length, so nothing
// is ever split or merged.
//
// The pool only stores what it is given: callers must PutBuf a buffer only when no one
// can read or write it any more (a reused buffer still in use is silent corruption).
// Putting the same buffer twice is caught and panics.

// MinPoolLen is the smallest buffer (in float32 values, 64 KiB) the pool handles;
// smaller ones go straight to and from the Go heap, which serves them cheaply.
const MinPoolLen = 16 << 10

// DefaultBufLimit is the default cap on the bytes the pool holds: a third of the
// machine's physical memory where it is known (Linux), else 4 GiB. A training step
// returns about its peak working set (4.2 GB at paper size, batch 1), so the cap must
// hold that for the next step to allocate nothing; it only bounds what shapes that are
// no longer used can keep.
// HALO_BUFPOOL_MB, when set, overrides it (0 turns pooling off: every buffer comes
// fresh from the Go heap, as before the pool, for A/B measurements).
var DefaultBufLimit = defaultBufLimit()

func defaultBufLimit() int64 {
	if v, err := strconv.ParseInt(os.Getenv("HALO_BUFPOOL_MB"), 10, 64); err == nil && v >= 0 {
		return v << 20
	}
	if m := physicalMemory(); m > 0 {
		return max(m/3, 1<<30)
	}
	return 4 << 30
}

// zeroGrain is the chunk (in values, 1 MiB) in which GetZeroBuf clears in parallel.
const zeroGrain = 256 << 10

type bufPool struct {
	mu    sync.Mutex
	free  map[int]*bucket // by length
	held  int64           // bytes in free
	limit int64
	clock int64 // counts takes and puts, to date each bucket's last use
	stats BufStats
}

// bucket holds the free buffers of one length (len == cap == the key).
type bucket struct {
	bufs    [][]float32
	lastUse int64
}

var bufs = bufPool{free: map[int]*bucket{}, limit: DefaultBufLimit}

// BufStats counts what the buffer pool has done since start-up (or ResetBufStats).
type BufStats struct {
	Hits      int64 // requests served from the pool
	Misses    int64 // requests (of poolable size) that allocated
	Puts      int64 // buffers taken back
	Drops     int64 // buffers dropped to the GC to keep under the cap (refused or evicted)
	HeldBytes int64 // bytes held now
	HitBytes  int64 // bytes served from the pool
}

// poisonBufs makes GetBuf fill every buffer with NaN (HALO_POISON_BUFS=1, or
// SetPoisonBufs), so that a caller that reads an element before writing it shows up
// as NaN in tests instead of passing on the zeros of a fresh allocation. The variable
// is read at start-up, before go test's cache can see it: run such tests with
// -count=1.
var poisonBufs atomic.Bool

func init() { poisonBufs.Store(os.Getenv("HALO_POISON_BUFS") == "1") }

// SetPoisonBufs switches NaN-filling of GetBuf results on or off (a test aid) and
// returns the previous setting.
func SetPoisonBufs(on bool) bool { return poisonBufs.Swap(on) }

// GetBuf returns a buffer of n values whose contents are undefined: the caller must
// write every element before reading it.
func GetBuf(n int) []float32 {
	var b []float32
	if n >= MinPoolLen {
		b = bufs.take(n)
	}
	if b == nil {
		b = make([]float32, n)
	}
	if poisonBufs.Load() {
		nan := float32(math.NaN())
		ParallelFor(n, zeroGrain, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				b[i] = nan
			}
		})
	}
	return b
}

// GetZeroBuf returns a zero-filled buffer of n values. A reused buffer is cleared in
// parallel on the worker pool; a fresh one comes zeroed from the Go heap.
func GetZeroBuf(n int) []float32 {
	if n < MinPoolLen {
		return make([]float32, n)
	}
	b := bufs.take(n)
	if b == nil {
		return make([]float32, n)
	}
	ParallelFor(n, zeroGrain, func(lo, hi int) { clear(b[lo:hi]) })
	return b
}

// PutBuf hands b back for reuse. The caller promises that nothing reads or writes b
// (or any slice of it) afterwards. Small buffers, sub-slices (cap != len) and buffers
// beyond the pool's byte cap are left to the garbage collector. It panics if b is
// already in the pool.
func PutBuf(b []float32) {
	n := len(b)
	if n < MinPoolLen || cap(b) != n {
		return
	}
	bufs.put(b)
}

func (p *bufPool) take(n int) []float32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := p.free[n]
	if k == nil || len(k.bufs) == 0 {
		p.stats.Misses++
		return nil
	}
	p.clock++
	k.lastUse = p.clock
	b := k.bufs[len(k.bufs)-1]
	k.bufs[len(k.bufs)-1] = nil
	k.bufs = k.bufs[:len(k.bufs)-1]
	p.held -= int64(n) * 4
	p.stats.Hits++
	p.stats.HitBytes += int64(n) * 4
	return b
}

func (p *bufPool) put(b []float32) {
	n := len(b)
	size := int64(n) * 4
	p.mu.Lock()
	defer p.mu.Unlock()
	k := p.free[n]
	if k == nil {
		k = &bucket{}
		p.free[n] = k
	}
	// The same shapes come back every step, so a bucket holds a handful of buffers and
	// this scan is short; it turns a double put (which would later hand one buffer to
	// two owners) into an immediate panic.
	for _, x := range k.bufs {
		if unsafe.SliceData(x) == unsafe.SliceData(b) {
			panic(fmt.Sprintf("simd.PutBuf: buffer of %d values put twice", n))
		}
	}
	p.clock++
	k.lastUse = p.clock
	if size > p.limit {
		p.stats.Drops++
		return
	}
	p.evict(p.limit-size, n)
	k.bufs = append(k.bufs, b)
	p.held += size
	p.stats.Puts++
}

// evict drops buffers, those of the longest unused lengths first, until the pool
// holds at most target bytes. keep is the length being put, evicted last. Shapes that
// a run stopped using (another input size, the end of training) go first, so the
// working set of the current steps stays. It scans the buckets, which are few (one
// per distinct tensor size), and runs only when the pool is full.
func (p *bufPool) evict(target int64, keep int) {
	for p.held > target {
		var oldest *bucket
		on := 0
		for n, k := range p.free {
			if len(k.bufs) == 0 {
				continue
			}
			if oldest == nil || n != keep && (on == keep || k.lastUse < oldest.lastUse) {
				oldest, on = k, n
			}
		}
		if oldest == nil {
			return
		}
		last := len(oldest.bufs) - 1
		oldest.bufs[last] = nil
		oldest.bufs = oldest.bufs[:last]
		p.held -= int64(on) * 4
		p.stats.Drops++
	}
}

// FlushBufs drops every held buffer to the garbage collector (for example between a
// training run and an evaluation with other shapes).
func FlushBufs() {
	bufs.mu.Lock()
	defer bufs.mu.Unlock()
	clear(bufs.free)
	bufs.held = 0
}

// SetBufLimit sets the cap on the bytes the pool holds and returns the previous one.
// Lowering it drops buffers (longest unused sizes first) until the pool fits; 0 turns
// pooling off. When a returned buffer does not fit under the cap, buffers of the
// longest unused sizes make room for it.
func SetBufLimit(bytes int64) int64 {
	bufs.mu.Lock()
	defer bufs.mu.Unlock()
	old := bufs.limit
	bufs.limit = max(bytes, 0)
	bufs.evict(bufs.limit, -1)
	return old
}

// ReadBufStats returns the pool's counters and the bytes it holds now.
func ReadBufStats() BufStats {
	bufs.mu.Lock()
	defer bufs.mu.Unlock()
	s := bufs.stats
	s.HeldBytes = bufs.held
	return s
}

// ResetBufStats zeroes the counters (not the held buffers).
func ResetBufStats() {
	bufs.mu.Lock()
	defer bufs.mu.Unlock()
	bufs.stats = BufStats{}
}
