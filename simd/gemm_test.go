package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// forEachPath runs f once per dispatch path this machine supports, with that path active.
func forEachPath(t *testing.T, f func(t *testing.T, im *impl)) {
	t.Helper()
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			old := active
			active = im
			defer func() { active = old }()
			f(t, im)
		})
	}
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.Float64()*2 - 1)
	}
	return s
}

// refGemm is C = alpha*op(A)*op(B) + beta*C in float64, and for each element the bound
// on float32 rounding error of any summation order: (k+2)*eps*(|alpha|*sum|a||b| + |beta*c|).
func refGemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) (ref, bound []float64) {
	ref = make([]float64, m*n)
	bound = make([]float64, m*n)
	eps := math.Pow(2, -24)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, sa float64
			for p := 0; p < k; p++ {
				var av, bv float64
				if transA {
					av = float64(a[p*lda+i])
				} else {
					av = float64(a[i*lda+p])
				}
				if transB {
					bv = float64(b[j*ldb+p])
				} else {
					bv = float64(b[p*ldb+j])
				}
				s += av * bv
				sa += math.Abs(av * bv)
			}
			v := float64(alpha) * s
			bnd := math.Abs(float64(alpha)) * sa
			if beta != 0 {
				cv := float64(c[i*ldc+j])
				v += float64(beta) * cv
				bnd += math.Abs(float64(beta) * cv)
			}
			ref[i*n+j] = v
			bound[i*n+j] = float64(k+2)*eps*bnd + 1e-30
		}
	}
	return ref, bound
}

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	pad            int   // extra leading-dimension padding (sub-matrix views)
	off            int   // start offset of every slice (unaligned starts)
	im             *impl // path to run; nil: the active one through Sgemm
}

func (gc gemmCase) String() string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d alpha=%g beta=%g pad=%d off=%d",
		gc.transA, gc.transB, gc.m, gc.n, gc.k, gc.alpha, gc.beta, gc.pad, gc.off)
}

const sentinel = float32(12345.5)

// checkGemm runs one case on the active path: the result must be within the rounding
// bound of the float64 reference, and nothing outside the m x n view of C may change.
func checkGemm(t *testing.T, r *rand.Rand, gc gemmCase) {
	t.Helper()
	m, n, k := gc.m, gc.n, gc.k
	ar, ac := m, k
	if gc.transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if gc.transB {
		br, bc = n, k
	}
	lda, ldb, ldc := max(ac, 1)+gc.pad, max(bc, 1)+gc.pad, max(n, 1)+gc.pad
	abuf := randSlice(r, gc.off+ar*lda+3)
	bbuf := randSlice(r, gc.off+br*ldb+3)
	cbuf := make([]float32, gc.off+m*ldc+3)
	for i := range cbuf {
		cbuf[i] = sentinel
	}
	c := cbuf[gc.off:]
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			if gc.beta == 0 {
				c[i*ldc+j] = float32(math.NaN()) // beta == 0 must not read C
			} else {
				c[i*ldc+j] = float32(r.Float64()*2 - 1)
			}
		}
	}
	a, b := abuf[gc.off:], bbuf[gc.off:]
	// Trim the slices to exactly what BLAS needs, so reading past the end panics.
	if ar > 0 && ac > 0 {
		a = a[:(ar-1)*lda+ac]
	}
	if br > 0 && bc > 0 {
		b = b[:(br-1)*ldb+bc]
	}
	cv := c
	if m > 0 && n > 0 {
		cv = c[:(m-1)*ldc+n]
	}
	ref, bound := refGemm(gc.transA, gc.transB, m, n, k, gc.alpha, a, lda, b, ldb, gc.beta, c, ldc)
	if gc.im != nil {
		sgemm(gc.im, gc.transA, gc.transB, m, n, k, gc.alpha, a, lda, b, ldb, gc.beta, cv, ldc)
	} else {
		Sgemm(gc.transA, gc.transB, m, n, k, gc.alpha, a, lda, b, ldb, gc.beta, cv, ldc)
	}
	bad := 0
	for i := range cbuf {
		idx := i - gc.off
		row, col := -1, -1
		if idx >= 0 && ldc > 0 {
			row, col = idx/ldc, idx%ldc
		}
		inView := row >= 0 && row < m && col < n
		if !inView {
			if cbuf[i] != sentinel {
				t.Fatalf("%v: wrote outside C at buffer index %d: %v", gc, i, cbuf[i])
			}
			continue
		}
		got := float64(c[row*ldc+col])
		want := ref[row*n+col]
		if !(math.Abs(got-want) <= bound[row*n+col]) {
			if bad < 5 {
				t.Errorf("%v: C[%d][%d] = %v, want %v (bound %.3g)", gc, row, col, got, want, bound[row*n+col])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Fatalf("%v: %d wrong elements", gc, bad)
	}
}

var gemmAlphaBeta = [][2]float32{{1, 0}, {0.5, -1.5}, {-2, 1}, {0, 2}, {1.25, 0}}

func TestSgemmSmallShapes(t *testing.T) {
	dims := []int{0, 1, 2, 7, 17}
	forEachPath(t, func(t *testing.T, im *impl) {
		r := rand.New(rand.NewPCG(1, 2))
		for _, m := range dims {
			for _, n := range dims {
				for _, k := range dims {
					for tr := 0; tr < 4; tr++ {
						ab := gemmAlphaBeta[(m+n+k+tr)%len(gemmAlphaBeta)]
						checkGemm(t, r, gemmCase{transA: tr&1 != 0, transB: tr&2 != 0,
							m: m, n: n, k: k, alpha: ab[0], beta: ab[1], pad: (m + k) % 3, off: (n + tr) % 3})
					}
				}
			}
		}
	})
}

// gemmShapes are awkward sizes: primes and non-multiples of every mr/nr and vector width,
// plus a few exact multiples.
var gemmShapes = [][3]int{
	{13, 29, 31}, {37, 5, 101}, {97, 67, 43}, {64, 64, 64}, {56, 96, 33},
	{6, 16, 1}, {14, 32, 7}, {15, 33, 129}, {131, 47, 11}, {3, 211, 5},
}

func TestSgemmShapes(t *testing.T) {
	forEachPath(t, func(t *testing.T, im *impl) {
		r := rand.New(rand.NewPCG(3, 4))
		for si, s := range gemmShapes {
			for tr := 0; tr < 4; tr++ {
				for abi, ab := range gemmAlphaBeta {
					if (si+tr+abi)%2 == 1 { // half the combinations keep the test quick
						continue
					}
					checkGemm(t, r, gemmCase{transA: tr&1 != 0, transB: tr&2 != 0,
						m: s[0], n: s[1], k: s[2], alpha: ab[0], beta: ab[1], pad: tr, off: 1 + si%2})
				}
			}
		}
	})
}

// TestSgemmBlocked forces tiny blocks and the parallel path so that every loop of the
// driver (several kc, mc, nc and mBig blocks, task grids, edge tiles) runs on small inputs.
func TestSgemmBlocked(t *testing.T) {
	oldB, oldF := testBlocking, gemmMinParallelFlops
	defer func() { testBlocking, gemmMinParallelFlops = oldB, oldF }()
	old := SetThreads(4)
	defer SetThreads(old)
	gemmMinParallelFlops = 0
	blks := []blocking{{kc: 8, nb: 1, nc: 1, mBig: 1}, {kc: 24, nb: 40, nc: 90, mBig: 60}}
	forEachPath(t, func(t *testing.T, im *impl) {
		r := rand.New(rand.NewPCG(5, 6))
		for bi := range blks {
			testBlocking = &blks[bi]
			for si, s := range gemmShapes {
				for tr := 0; tr < 4; tr++ {
					ab := gemmAlphaBeta[(si+tr)%len(gemmAlphaBeta)]
					checkGemm(t, r, gemmCase{transA: tr&1 != 0, transB: tr&2 != 0,
						m: s[0], n: s[1], k: s[2], alpha: ab[0], beta: ab[1], pad: 2, off: 3})
				}
			}
		}
	})
}

// TestSgemmLarge runs one product big enough for the real blocking and the pool.
func TestSgemmLarge(t *testing.T) {
	forEachPath(t, func(t *testing.T, im *impl) {
		r := rand.New(rand.NewPCG(7, 8))
		checkGemm(t, r, gemmCase{m: 150, n: 333, k: 421, alpha: 1, beta: 0, off: 1})
		checkGemm(t, r, gemmCase{transA: true, transB: true, m: 203, n: 97, k: 800, alpha: -1, beta: 0.5, pad: 5})
	})
}

// TestSgemmMatchesGeneric holds every path to the pure-Go twin on the same inputs.
func TestSgemmMatchesGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	m, n, k := 61, 75, 300
	a, b := randSlice(r, m*k), randSlice(r, k*n)
	c0 := randSlice(r, m*n)
	want := append([]float32(nil), c0...)
	sgemm(genericImpl, false, true, m, n, k, 0.75, a, k, b, k, 0.25, want, n)
	_, bound := refGemm(false, true, m, n, k, 0.75, a, k, b, k, 0.25, c0, n)
	for _, im := range impls {
		got := append([]float32(nil), c0...)
		sgemm(im, false, true, m, n, k, 0.75, a, k, b, k, 0.25, got, n)
		for i := range got {
			if d := math.Abs(float64(got[i] - want[i])); !(d <= 2*bound[i]) {
				t.Fatalf("%s: C[%d] = %v, generic %v", im.name, i, got[i], want[i])
			}
		}
	}
}

func TestSgemmPanics(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	a := make([]float32, 6)
	mustPanic("short a", func() { Sgemm(false, false, 2, 2, 4, 1, a, 4, a, 2, 0, a, 2) })
	mustPanic("small lda", func() { Sgemm(false, false, 2, 2, 3, 1, a, 2, a, 2, 0, a, 2) })
	mustPanic("negative", func() { Sgemm(false, false, -1, 2, 3, 1, a, 3, a, 2, 0, a, 2) })
}

func TestSgemmNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops entries at random under the race detector")
	}
	r := rand.New(rand.NewPCG(11, 12))
	m, n, k := 256, 256, 256
	a, b, c := randSlice(r, m*k), randSlice(r, k*n), make([]float32, m*n)
	Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n) // warm the pools
	allocs := testing.AllocsPerRun(10, func() {
		Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
	})
	// sync.Pool may drop an entry at a GC; a steady state allocates nothing.
	if allocs > 0.5 {
		t.Errorf("Sgemm allocates %v times per call", allocs)
	}
}
