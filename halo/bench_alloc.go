package halo

import "runtime/metrics"

// allocMark is a point in the process's memory history: bytes the Go heap has handed
// out and page faults taken so far. The difference of two marks around a training step
// is what the step allocated and how many fresh pages it touched: a steady-state step
// should do almost neither (each fault costs ~2 us here, more than some whole layers).
type allocMark struct {
	bytes  uint64
	faults int64
}

var allocSample = []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}

func markAlloc() allocMark {
	metrics.Read(allocSample) // no stop-the-world, unlike runtime.ReadMemStats
	var b uint64
	if allocSample[0].Value.Kind() == metrics.KindUint64 {
		b = allocSample[0].Value.Uint64()
	}
	return allocMark{bytes: b, faults: minorFaults()}
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
