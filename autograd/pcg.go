package autograd

import (
	"encoding/binary"
	"math/rand/v2"
	"unsafe"

	"github.com/cvogl/halo/simd"
)

// PCGState returns the 128-bit state (hi, lo) of p, as p.Seed takes it back.
func PCGState(p *rand.PCG) [2]uint64 {
	b, err := p.MarshalBinary()
	if err != nil || len(b) != 20 {
		panic("autograd: unexpected math/rand/v2 PCG encoding")
	}
	return [2]uint64{binary.BigEndian.Uint64(b[4:]), binary.BigEndian.Uint64(b[12:])}
}

// PCGJump returns the PCG state n steps after st, in O(log n) (Brown's LCG
// skip-ahead), so a stretch of the stream can be generated without the draws before it.
func PCGJump(st [2]uint64, n uint64) [2]uint64 { return simd.PCGJump(st, n) }

// PCGRuns is a random source whose draws are runs of PCG outputs, such as a
// generator replaying stretches of one PCG stream. Dropout on rand.New(src) asks it
// for the next n draws at once and, when they form one run, generates them in
// parallel from the run's starting state.
type PCGRuns interface {
	rand.Source
	// TakePCG returns the PCG state whose next n outputs are the source's next n
	// draws and moves the source past them; when they are not one PCG run it returns
	// ok false and leaves the source unchanged.
	TakePCG(n uint64) (state [2]uint64, ok bool)
}

// randLayoutOK records that a rand.Rand is exactly one rand.Source field, checked on a
// probe generator, before sourceOf trusts reading that field.
var randLayoutOK = func() bool {
	if unsafe.Sizeof(rand.Rand{}) != unsafe.Sizeof(rand.Source(nil)) {
		return false
	}
	probe := rand.NewPCG(1, 2)
	return (*struct{ src rand.Source })(unsafe.Pointer(rand.New(probe))).src == rand.Source(probe)
}()

// sourceOf returns the source r draws from, or nil. math/rand/v2 does not expose a
// Rand's source; reaching it lets Dropout keep its *rand.Rand signature (which the
// model and its recomputation code against) and still generate the mask in parallel
// from a PCG state. An unexpected Rand layout gives nil and the sequential path.
func sourceOf(r *rand.Rand) rand.Source {
	if !randLayoutOK || r == nil {
		return nil
	}
	return (*struct{ src rand.Source })(unsafe.Pointer(r)).src
}
