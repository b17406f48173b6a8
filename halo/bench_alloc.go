package halo

import (
	"runtime/metrics"

	"github.com/cvogl/halo/simd"
)

// allocMark is a point in the process's memory history: bytes the Go heap has handed
// out and page faults taken so far. The difference of two marks around a training step
// is what the step allocated and how many fresh pages it touched: a steady-state step
// should do almost neither (each fault costs ~2 us here, more than some whole layers).
type allocMark struct {
	bytes  uint64
	faults int64
	pool   simd.BufStats // the buffer pool's counters
}

var allocSample = []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}

func markAlloc() allocMark {
	metrics.Read(allocSample) // no stop-the-world, unlike runtime.ReadMemStats
	var b uint64
	if allocSample[0].Value.Kind() == metrics.KindUint64 {
		b = allocSample[0].Value.Uint64()
	}
	return allocMark{bytes: b, faults: minorFaults(), pool: simd.ReadBufStats()}
}

// poolSince returns the bytes the buffer pool served since m (what a run did not have
// to allocate) and the bytes it holds now.
func (m allocMark) poolSince() (reused, held float64) {
	s := simd.ReadBufStats()
	return float64(s.HitBytes - m.pool.HitBytes), float64(s.HeldBytes)
}

// since returns the bytes allocated and page faults taken since m (faults -1 where
// the platform cannot count them).
func (m allocMark) since() (bytes float64, faults float64) {
	now := markAlloc()
	if m.faults < 0 || now.faults < 0 {
		return float64(now.bytes - m.bytes), -1
	}
	return float64(now.bytes - m.bytes), float64(now.faults - m.faults)
}
