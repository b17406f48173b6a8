package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// directPaths lists the direct-B kernel sets this machine can run: the pure-Go twin and
// the assembly ones.
func directPaths() []*directKernels {
	out := []*directKernels{genericDirect}
	for _, im := range impls {
		if d := directKernelsFor(im); d != nil {
			out = append(out, d)
		}
	}
	return out
}

// directCase is one direct-B product: op(A) m x k, B k x n with rows ldb = n+pad apart,
// C m x n with rows n+pad apart, every slice starting off floats into its buffer.
type directCase struct {
	transA      bool
	m, n, k     int
	alpha, beta float32
	pad, off    int
}

func (dc directCase) String() string {
	return fmt.Sprintf("tA=%v m=%d n=%d k=%d alpha=%g beta=%g pad=%d off=%d",
		dc.transA, dc.m, dc.n, dc.k, dc.alpha, dc.beta, dc.pad, dc.off)
}

// runDirectCase fills the operands from r, runs gemm on them and checks the result
// against the float64 reference (within its rounding bound) and that nothing outside
// the m x n view of C changed; it returns the C buffer.
func runDirectCase(t *testing.T, r *rand.Rand, dc directCase,
	gemm func(a []float32, lda int, b []float32, ldb int, c []float32, ldc int)) []float32 {
	t.Helper()
	m, n, k := dc.m, dc.n, dc.k
	ar, ac := m, k
	if dc.transA {
		ar, ac = k, m
	}
	lda, ldb, ldc := max(ac, 1)+dc.pad, max(n, 1)+dc.pad, max(n, 1)+dc.pad
	a := randSlice(r, dc.off+ar*lda)[dc.off:]
	b := randSlice(r, dc.off+k*ldb)[dc.off:]
	if ar > 0 && ac > 0 {
		a = a[:(ar-1)*lda+ac] // exactly what BLAS needs: reading past it panics
	}
	if k > 0 && n > 0 {
		b = b[:(k-1)*ldb+n]
	}
	cbuf := make([]float32, dc.off+m*ldc+3)
	for i := range cbuf {
		cbuf[i] = sentinel
	}
	c := cbuf[dc.off:]
	for i := range m {
		for j := range n {
			if dc.beta == 0 {
				c[i*ldc+j] = float32(math.NaN()) // beta == 0 must not read C
			} else {
				c[i*ldc+j] = float32(r.Float64()*2 - 1)
			}
		}
	}
	ref, bound := refGemm(dc.transA, false, m, n, k, dc.alpha, a, lda, b, ldb, dc.beta, c, ldc)
	cv := c
	if m > 0 && n > 0 {
		cv = c[:(m-1)*ldc+n]
	}
	gemm(a, lda, b, ldb, cv, ldc)
	for i := range cbuf {
		idx := i - dc.off
		row, col := -1, -1
		if idx >= 0 {
			row, col = idx/ldc, idx%ldc
		}
		if !(row >= 0 && row < m && col < n) {
			if cbuf[i] != sentinel {
				t.Fatalf("%v: wrote outside C at buffer index %d: %v", dc, i, cbuf[i])
			}
			continue
		}
		got, want := float64(c[row*ldc+col]), ref[row*n+col]
		if !(math.Abs(got-want) <= bound[row*n+col]) {
			t.Fatalf("%v: C[%d][%d] = %v, want %v (bound %.3g)", dc, row, col, got, want, bound[row*n+col])
		}
	}
	return cbuf
}

var directDims = []int{0, 1, 2, 13, 14, 15, 31, 32, 33, 97}

// TestSgemmDirectShapes runs the direct-B driver with every kernel set (the assembly
// and its pure-Go twin) over all shapes from directDims, both A layouts, padded rows and
// unaligned starts, with real and tiny k blocks and groups of B panels from one to all:
// each must match the float64 reference and write nothing outside C.
func TestSgemmDirectShapes(t *testing.T) {
	defer func(kc, gf int) { testDirectKC, directGroupFloats = kc, gf }(testDirectKC, directGroupFloats)
	groupFloats := []int{directGroupFloats, 1, 2 * 8 * directNR}
	for _, d := range directPaths() {
		t.Run(d.directName, func(t *testing.T) {
			r := rand.New(rand.NewPCG(11, 12))
			for ci := 0; ; ci++ {
				i := ci
				m, n, k := directDims[i%10], directDims[i/10%10], directDims[i/100%10]
				if ci >= 1000 {
					break
				}
				ab := gemmAlphaBeta[ci%len(gemmAlphaBeta)]
				testDirectKC = []int{0, 8}[ci%2]
				directGroupFloats = groupFloats[ci/3%3]
				dc := directCase{transA: ci/2%2 == 1, m: m, n: n, k: k, alpha: ab[0], beta: ab[1],
					pad: ci % 4 * 3, off: ci % 3}
				runDirectCase(t, r, dc, func(a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
					if m == 0 || n == 0 || k == 0 {
						SgemmSerialDirectB(dc.transA, false, m, n, k, dc.alpha, a, lda, b, ldb, dc.beta, c, ldc)
						return
					}
					sgemmDirect(d, dc.transA, m, n, k, dc.alpha, a, lda, b, ldb, dc.beta, c, ldc)
				})
			}
		})
	}
}

// TestSgemmDirectMatchesSerial holds SgemmSerialDirectB to SgemmSerial on every path:
// on the AVX-512 path the direct kernel sums each element in the same order as the
// packed one (same k blocks, same FMAs), so the results must be bit-identical; elsewhere
// it is SgemmSerial itself.
func TestSgemmDirectMatchesSerial(t *testing.T) {
	shapes := [][3]int{{64, 2048, 64}, {512, 512, 64}, {64, 512, 512}, {32, 300, 64}, {97, 97, 97},
		{15, 33, 1000}, {13, 64, 31}, {2, 65, 600}}
	forEachPath(t, func(t *testing.T, im *impl) {
		r := rand.New(rand.NewPCG(13, 14))
		for si, s := range shapes {
			for _, ta := range []bool{false, true} {
				ab := gemmAlphaBeta[si%len(gemmAlphaBeta)]
				dc := directCase{transA: ta, m: s[0], n: s[1], k: s[2], alpha: ab[0], beta: ab[1], pad: si * 5, off: si % 3}
				seed := r.Uint64()
				run := func(f func(bool, bool, int, int, int, float32, []float32, int, []float32, int, float32, []float32, int)) []float32 {
					return runDirectCase(t, rand.New(rand.NewPCG(seed, 1)), dc, func(a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
						f(ta, false, dc.m, dc.n, dc.k, dc.alpha, a, lda, b, ldb, dc.beta, c, ldc)
					})
				}
				want, got := run(SgemmSerial), run(SgemmSerialDirectB)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%v: c[%d] = %v, SgemmSerial gives %v", dc, i, got[i], want[i])
					}
				}
			}
		}
	})
}

// TestSgemmDirectTransBFallsBack: with op(B) transposed the entry point is SgemmSerial.
func TestSgemmDirectTransBFallsBack(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	m, n, k := 20, 40, 30
	a, b := randSlice(r, m*k), randSlice(r, n*k)
	want, got := make([]float32, m*n), make([]float32, m*n)
	SgemmSerial(false, true, m, n, k, 1, a, k, b, k, 0, want, n)
	SgemmSerialDirectB(false, true, m, n, k, 1, a, k, b, k, 0, got, n)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("c[%d] = %v, SgemmSerial gives %v", i, got[i], want[i])
		}
	}
}
