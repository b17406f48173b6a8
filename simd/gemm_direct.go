package simd

import "sync"

// Direct-B GEMM: C = alpha*op(A)*B + beta*C for a row-major B used in place, for the
// 1x1 convolutions, whose B is the activation block [Cin, columns] with rows H*W floats
// apart. The packed path (gemm.go) copies each kc x nc block of B into panels in a pass
// of its own before multiplying it; here the first A panel's micro-kernel reads the B
// panels straight from B (one 128-byte row segment per k, rows ldb apart) and stores the
// packed copy as it goes, so the copy costs two stores per k step next to 28 FMAs
// instead of a pass of its own. The other A panels then run as in the packed path, over
// the packed group of panels in L2. A is packed as in the packed path.
//
//	for pc in K by kc:
//	  pack A rows [0,m) x [pc,pc+kc) into mr-tall panels
//	  for a group of G B panels (G*kc*nr floats fill a quarter of L2):
//	    A panel 0: direct kernel on B[pc.., j..] for each full panel (packs it)
//	    right edge (n % nr columns): packed with zero columns
//	    A panels 1..: packed kernels over the group (A panel in L1, B group in L2)
//
// Only panels of full nr columns are read in place; the right edge is packed. Tiles at
// the bottom or right edge use the short and masked kernels where the path has them, a
// scratch tile otherwise, as in the packed path.
//
// The kernel reads B with stride ldb, and with the power-of-two strides of HALO's maps
// all rows of a panel fall into the same L1 and L2 sets; so the direct kernel runs below
// the packed one (about 85 against 110 GFLOP/s on Zen 4 even with B in L3), which is why
// only the first A panel reads B in place.

// directKernels is one path's kernels for the direct-B driver (tile 14 x 32).
type directKernels struct {
	im *impl
	// direct computes the 14x32 tile C = alpha*Apanel*B + beta*C for an A panel packed
	// 14-tall and B row p at b[p*ldb:], k >= 1; C is not read when beta == 0. When bp is
	// not nil it also stores the B rows it reads packed: bp[p*32+j] = b[p*ldb+j].
	direct func(k int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, bp *float32)
	// packed is the same for a packed B panel (impl.gemmKernel's contract); short (may be
	// nil) computes only the first shortRows rows; mask and shortMask (may be nil) update
	// only the C columns set in mask.
	packed          func(k int, a, b, c *float32, ldc int, alpha, beta float32)
	short           func(k int, a, b, c *float32, ldc int, alpha, beta float32)
	shortRows       int
	mask, shortMask func(k int, a, b, c *float32, ldc int, alpha, beta float32, mask uint32)
	packEdge        func(gather bool, dst, src []float32, ld, kc, valid, stored int)
	directName      string
}

const (
	directMR = 14
	directNR = 32
)

// testDirectKC, when set by a test, replaces the depth of the k blocks (otherwise that of
// the packed path's blocking, so that both sum every element in the same order) so that
// small products still cross k-block boundaries.
var testDirectKC int

// directDispatch is the active path's direct kernels, resolved once at start-up (nil:
// SgemmSerialDirectB falls back to SgemmSerial).
var directDispatch = directKernelsFor(active)

// directCtx holds one call's packing buffers, reused through directPool.
type directCtx struct {
	ap, bp []float32
	tile   [directMR * directNR]float32
}

// directGroupFloats is the size of a packed group of B panels: a quarter of L2, so it
// stays there while every A panel runs over it.
var directGroupFloats = cacheL2 / 4 / 4

var directPool = sync.Pool{New: func() any { return new(directCtx) }}

// SgemmSerialDirectB is SgemmSerial (on the calling goroutine only) with B read in
// place instead of packed, for products with a long row-major B (op(B) not transposed),
// such as the 1x1 convolutions' W * X and W^T * dY. Same arguments and results as
// SgemmSerial, bit for bit (same k blocks, same FMAs in the same order), so it can
// replace it where transB is false; with transB, on paths without direct kernels (all
// but AVX-512), and for shapes the packed path handles better (a single row or column,
// fewer than 32 columns), it is SgemmSerial.
func SgemmSerialDirectB(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	d := directDispatch
	if d == nil || d.im != active || transB || m <= 1 || n < directNR || k == 0 || alpha == 0 {
		SgemmSerial(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	sgemmDirect(d, transA, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemmDirect runs the direct-B driver with kernels d (m, n, k >= 1).
func sgemmDirect(d *directKernels, transA bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	const mr, nr = directMR, directNR
	if transA {
		checkMatrix("a", a, k, m, lda)
	} else {
		checkMatrix("a", a, m, k, lda)
	}
	checkMatrix("b", b, k, n, ldb)
	checkMatrix("c", c, m, n, ldc)
	kcMax := blockingOf(d.im).kc
	if testDirectKC > 0 {
		kcMax = testDirectKC
	}
	// Equal k blocks (within 8), so no short last block pays a full C-tile update.
	nk := (k + kcMax - 1) / kcMax
	kcEven := min(roundUp((k+nk-1)/nk, 8), kcMax)
	panels := (m + mr - 1) / mr
	g := directPool.Get().(*directCtx)
	g.ap = growBuf(g.ap, max(len(g.ap), panels*mr*kcEven))
	group := max(1, directGroupFloats/(kcEven*nr)) // B panels per group
	g.bp = growBuf(g.bp, max(len(g.bp), min(group, (n+nr-1)/nr)*kcEven*nr))
	for pc := 0; pc < k; pc += kcEven {
		kc := min(kcEven, k-pc)
		kbeta := float32(1)
		if pc == 0 {
			kbeta = beta
		}
		for p := range panels {
			i0 := p * mr
			dst := g.ap[p*mr*kc : (p+1)*mr*kc]
			if transA {
				d.packEdge(false, dst, a[pc*lda+i0:], lda, kc, min(mr, m-i0), mr)
			} else {
				d.packEdge(true, dst, a[i0*lda+pc:], lda, kc, min(mr, m-i0), mr)
			}
		}
		for j0 := 0; j0 < n; j0 += group * nr {
			j1 := min(n, j0+group*nr)
			// A panel 0 over the full panels of the group, B in place, packing it.
			mv := min(mr, m)
			q := 0
			for j := j0; j+nr <= j1; j, q = j+nr, q+1 {
				bsrc, bq := &b[pc*ldb+j], &g.bp[q*kc*nr]
				if panels == 1 {
					bq = nil // no other A panel will read it
				}
				if mv == mr {
					d.direct(kc, &g.ap[0], bsrc, ldb, &c[j], ldc, alpha, kbeta, bq)
				} else {
					d.direct(kc, &g.ap[0], bsrc, ldb, &g.tile[0], nr, 1, 0, bq)
					mergeTile(c[j:], ldc, g.tile[:], directNR, mv, nr, alpha, kbeta)
				}
			}
			if jq := j0 + q*nr; jq < j1 {
				// Right edge: packed, then A panel 0 over it too.
				d.packEdge(false, g.bp[q*kc*nr:(q+1)*kc*nr], b[pc*ldb+jq:], ldb, kc, j1-jq, nr)
				g.tileRow(d, 0, m, kc, alpha, kbeta, c[jq:], ldc, j1-jq, &g.bp[q*kc*nr])
			}
			// The other A panels over the packed group.
			for p := 1; p < panels; p++ {
				for j, q := j0, 0; j < j1; j, q = j+nr, q+1 {
					g.tileRow(d, p, m, kc, alpha, kbeta, c[j:], ldc, min(nr, j1-j), &g.bp[q*kc*nr])
				}
			}
		}
	}
	directPool.Put(g)
}

// tileRow runs A panel p against the packed B panel bpan, updating the first nv
// columns (nv <= 32) of rows [p*mr, p*mr+mr) of c.
func (g *directCtx) tileRow(d *directKernels, p, m, kc int, alpha, beta float32, c []float32, ldc, nv int, bpan *float32) {
	const mr, nr = directMR, directNR
	i := p * mr
	mv := min(mr, m-i)
	apan := &g.ap[p*mr*kc]
	kern, kernMask, rows := d.packed, d.mask, mr
	if d.short != nil && mv <= d.shortRows {
		kern, kernMask, rows = d.short, d.shortMask, d.shortRows
	}
	switch {
	case mv == rows && nv == nr:
		kern(kc, apan, bpan, &c[i*ldc], ldc, alpha, beta)
	case mv == rows && kernMask != nil:
		kernMask(kc, apan, bpan, &c[i*ldc], ldc, alpha, beta, uint32(1)<<nv-1)
	default:
		kern(kc, apan, bpan, &g.tile[0], nr, 1, 0)
		mergeTile(c[i*ldc:], ldc, g.tile[:], directNR, mv, nv, alpha, beta)
	}
}
