package simd

import (
	"fmt"
	"math"
	"os"
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

// DefaultBufLimit is the default cap on the bytes the pool holds (4 GiB): beyond it a
// returned buffer is dropped to the garbage collector.
const DefaultBufLimit = 4 << 30

// zeroGrain is the chunk (in values, 1 MiB) in which GetZeroBuf clears in parallel.
const zeroGrain = 256 << 10

type bufPool struct {
	mu    sync.Mutex
	free  map[int][][]float32 // by length; each entry has len == cap == key
	held  int64               // bytes in free
	limit int64
	stats BufStats
}

var bufs = bufPool{free: map[int][][]float32{}, limit: DefaultBufLimit}

// BufStats counts what the buffer pool has done since start-up (or ResetBufStats).
type BufStats struct {
	Hits      int64 // requests served from the pool
	Misses    int64 // requests (of poolable size) that allocated
	Puts      int64 // buffers taken back
	Drops     int64 // buffers refused because the pool was full
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
	list := p.free[n]
	if len(list) == 0 {
		p.stats.Misses++
		return nil
	}
	b := list[len(list)-1]
	list[len(list)-1] = nil
	p.free[n] = list[:len(list)-1]
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
	list := p.free[n]
	// The same shapes come back every step, so a bucket holds a handful of buffers and
	// this scan is short; it turns a double put (which would later hand one buffer to
	// two owners) into an immediate panic.
	for _, x := range list {
		if unsafe.SliceData(x) == unsafe.SliceData(b) {
			panic(fmt.Sprintf("simd.PutBuf: buffer of %d values put twice", n))
		}
	}
	if p.held+size > p.limit {
		p.stats.Drops++
		return
	}
	p.free[n] = append(list, b)
	p.held += size
	p.stats.Puts++
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
// Lowering it drops buffers until the pool fits; 0 turns pooling off.
func SetBufLimit(bytes int64) int64 {
	bufs.mu.Lock()
	defer bufs.mu.Unlock()
	old := bufs.limit
	bufs.limit = max(bytes, 0)
	for n, list := range bufs.free {
		for bufs.held > bufs.limit && len(list) > 0 {
			list[len(list)-1] = nil
			list = list[:len(list)-1]
			bufs.held -= int64(n) * 4
		}
		if len(list) == 0 {
			delete(bufs.free, n)
		} else {
			bufs.free[n] = list
		}
	}
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
