package simd

import (
	"fmt"
	"os"
	"strings"

	"github.com/klauspost/cpuid/v2"
)

// impl is one dispatch path: a GEMM micro-kernel with its tile shape and the vector
// kernels. The exported functions call through the active impl, chosen once at start-up;
// tests swap it to run every path the machine supports.
type impl struct {
	name string

	// mr x nr is the micro-tile. gemmKernel computes
	//   C[0:mr, 0:nr] = alpha * Apanel * Bpanel + beta * C   (C is not read when beta == 0)
	// for an A panel packed mr-tall (a[p*mr+i]) and a B panel packed nr-wide (b[p*nr+j]),
	// k >= 1, rows of C ldc floats apart.
	mr, nr     int
	gemmKernel func(k int, a, b, c *float32, ldc int, alpha, beta float32)
	// gemmKernelShort, if set, is gemmKernel for only the first shortRows rows of the
	// tile (same panel layout): used for a last A panel with at most shortRows valid rows.
	gemmKernelShort func(k int, a, b, c *float32, ldc int, alpha, beta float32)
	shortRows       int
	// The masked variants, if set, update only the C columns whose bit is set in mask:
	// a tile at the right edge of C then needs no scratch tile.
	gemmKernelMask      func(k int, a, b, c *float32, ldc int, alpha, beta float32, mask uint32)
	gemmKernelShortMask func(k int, a, b, c *float32, ldc int, alpha, beta float32, mask uint32)
	// pack fills a packed panel (see packGeneric).
	pack func(gather bool, dst, src []float32, ld, kc, valid, stored int)
	// packRows, if set, packs several full nr-wide panels row by row (see
	// packRowsGeneric, which is used when it is nil).
	packRows func(dst, src []float32, ld, kc, npanels int)

	dot       func(x, y []float32) float32
	axpy      func(alpha float32, x, y []float32)
	scale     func(alpha float32, x []float32)
	sum       func(x []float32) float32
	max       func(x []float32) float32
	add       func(dst, x, y []float32)
	mul       func(dst, x, y []float32)
	addScalar func(dst, x []float32, s float32)
	exp       func(dst, x []float32)
	sigmoid   func(dst, x []float32)
	gelu      func(dst, x []float32)
	elu       func(dst, x []float32)
}

// genericImpl is the pure-Go path; it exists on every architecture (and is compiled on
// amd64 too, so tests can hold the assembly to it on one machine).
var genericImpl = &impl{
	name:       "generic",
	mr:         genericMR,
	nr:         genericNR,
	gemmKernel: sgemmKernelGeneric,
	pack:       packGeneric,
	dot:        dotGeneric,
	axpy:       axpyGeneric,
	scale:      scaleGeneric,
	sum:        sumGeneric,
	max:        maxGeneric,
	add:        addGeneric,
	mul:        mulGeneric,
	addScalar:  addScalarGeneric,
	exp:        expGeneric,
	sigmoid:    sigmoidGeneric,
	gelu:       geluGeneric,
	elu:        eluGeneric,
}

// impls lists the paths this machine can run, slowest first; archImpls (per
// architecture) appends the assembly ones the CPU supports.
var impls = append([]*impl{genericImpl}, archImpls()...)

// active is the path in use.
var active = chooseImpl()

// Cache sizes that size the GEMM blocking, from cpuid (with common defaults when the CPU
// does not report them).
var (
	cacheL1 = cacheOr(cpuid.CPU.Cache.L1D, 32<<10)
	cacheL2 = cacheOr(cpuid.CPU.Cache.L2, 512<<10)
	cacheL3 = cacheOr(cpuid.CPU.Cache.L3, 8<<20)
)

func cacheOr(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

func chooseImpl() *impl {
	best := impls[len(impls)-1]
	env := strings.TrimSpace(strings.ToLower(os.Getenv("HALO_SIMD")))
	if env == "" || env == "auto" {
		return best
	}
	for _, im := range impls {
		if im.name == env {
			return im
		}
	}
	fmt.Fprintf(os.Stderr, "simd: HALO_SIMD=%q is not available on this CPU (have %s); using %s\n",
		env, pathNames(), best.name)
	return best
}

func pathNames() string {
	var s []string
	for _, im := range impls {
		s = append(s, im.name)
	}
	return strings.Join(s, ",")
}

// Path returns the active SIMD path: "generic", "avx2" or "avx512". It is chosen once at
// start-up from the CPU's features; HALO_SIMD=generic|avx2|avx512 forces one.
func Path() string { return active.name }

// Paths returns the paths this machine can run, slowest first.
func Paths() []string {
	var s []string
	for _, im := range impls {
		s = append(s, im.name)
	}
	return s
}
