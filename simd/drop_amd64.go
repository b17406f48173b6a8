//go:build amd64 && !purego

package simd

import "github.com/klauspost/cpuid/v2"

// Declarations for drop_amd64.s. The kernels handle whole blocks of 16 elements
// (len(x)/16 of them, two mask bytes each); the Go wrappers below finish the tail with
// the pure-Go twins, which start on a mask byte boundary.

// dropPCGKernelAVX512 runs 16 PCG streams side by side: lanes holds the hi words of
// the states of draws 0-7, their lo words, then the same for draws 8-15; step holds
// (mul hi, mul lo, inc hi, inc lo) of 16 steps, which moves each lane to its next draw;
// thr40 is the keep threshold shifted left 40 bits (thr < 2^24).
//
//go:noescape
func dropPCGKernelAVX512(y, x []float32, mask []byte, lanes *[32]uint64, step *[4]uint64, thr40 uint64, scale float32)

//go:noescape
func dropMaskKernelAVX512(y, x []float32, mask []byte, scale float32)

//go:noescape
func dropMaskAccKernelAVX512(dx, g []float32, mask []byte, scale float32)

//go:noescape
func dropMaskSetKernelAVX512(dx, g []float32, mask []byte, scale float32)

// dropLaneMul/Inc[j] move a state j+1 steps (lane j's first draw); dropStep16 moves 16.
var (
	dropLaneMul, dropLaneInc [16][2]uint64
	dropStep16               [4]uint64
)

func init() {
	// VPMULLQ and KMOVB are AVX512DQ; the 8-lane float ops use AVX512VL.
	if !cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512DQ, cpuid.AVX512VL) {
		return
	}
	for j := range dropLaneMul {
		dropLaneMul[j], dropLaneInc[j] = pcgJumpCoef(uint64(j + 1))
	}
	m, c := pcgJumpCoef(16)
	dropStep16 = [4]uint64{m[0], m[1], c[0], c[1]}
	dropImpls["avx512"] = dropKernels{dropPCGAVX512, dropMaskAVX512, dropMaskAccAVX512, dropMaskSetAVX512}
}

func dropPCGAVX512(y, x []float32, mask []byte, st [2]uint64, thr uint32, scale float32) [2]uint64 {
	if thr >= 1<<24 {
		// p == 1: no draw keeps anything (and thr<<40 would not fit the kernel's compare).
		clear(mask[:(len(x)+7)/8])
		dropMaskAVX512(y, x, mask, scale)
		return PCGJump(st, uint64(len(x)))
	}
	n := len(x) &^ 15
	if n > 0 {
		var lanes [32]uint64
		for j := range 16 {
			s := add128(mul128(dropLaneMul[j], st), dropLaneInc[j])
			g, k := j/8*16, j%8
			lanes[g+k], lanes[g+8+k] = s[0], s[1]
		}
		dropPCGKernelAVX512(y[:n], x[:n], mask[:n/8], &lanes, &dropStep16, uint64(thr)<<40, scale)
		st = PCGJump(st, uint64(n))
	}
	return dropPCGGeneric(y[n:], x[n:], mask[n/8:], st, thr, scale)
}

func dropMaskAVX512(y, x []float32, mask []byte, scale float32) {
	n := len(x) &^ 15
	if n > 0 {
		dropMaskKernelAVX512(y[:n], x[:n], mask[:n/8], scale)
	}
	dropMaskGeneric(y[n:], x[n:], mask[n/8:], scale)
}

func dropMaskAccAVX512(dx, g []float32, mask []byte, scale float32) {
	n := len(g) &^ 15
	if n > 0 {
		dropMaskAccKernelAVX512(dx[:n], g[:n], mask[:n/8], scale)
	}
	dropMaskAccGeneric(dx[n:], g[n:], mask[n/8:], scale)
}

func dropMaskSetAVX512(dx, g []float32, mask []byte, scale float32) {
	n := len(g) &^ 15
	if n > 0 {
		dropMaskSetKernelAVX512(dx[:n], g[:n], mask[:n/8], scale)
	}
	dropMaskSetGeneric(dx[n:], g[n:], mask[n/8:], scale)
}
