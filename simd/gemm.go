package simd

import (
	"fmt"
	"sync"
)

// SGEMM, BLIS style (the loops of BLIS mirrored for row-major C, where the micro-kernel
// vectors run along N and broadcasts come from A):
//
//	for jc in N by nc:                     packed B block kc x nc (L3), shared
//	  for pc in K by kc:
//	    for ic in M by mBig:               packed A block mBig x kc (L3), shared
//	      for each task (rows x nb) of C:  B part kc x nb stays in L2
//	        for ir in task by mr:          A micro-panel mr x kc stays in L1
//	          for jr in task by nr:        B micro-panels stream from L2
//	            micro-kernel               mr x nr tile of C in registers
//
// Each (jc, pc, ic) is a block. Both operands are packed once per block and shared by all
// threads, so threads split C into a 2-D grid of tasks without packing anything twice,
// and the blocks are pipelined (see drive): one parallel phase computes block i-1 and
// packs block i. Packed panels are zero-padded to full mr/nr, so the kernel always
// computes a full tile; right-edge tiles use the column-masked kernels where the path has
// them, other edge tiles are computed into a scratch tile whose valid part is merged into
// C, so nothing outside C (or A, B) is read or written.

// Blocking parameters for one path, derived from the cache sizes.
type blocking struct {
	kc   int // depth of a packed block
	nb   int // columns of a task: its B part (kc x nb) fills half of L2
	nc   int // columns of a packed B block: an eighth of L3 (it is double-buffered)
	mBig int // rows of A packed per phase
}

func blockingFor(im *impl) blocking {
	mr, nr := im.mr, im.nr
	// kc: the A micro-panel (mr x kc) fills most of L1 (the B rows stream through from
	// L2 and are each used once); kc long so that loading/storing the C tile (once per
	// kc block) is cheap next to the 2*mr*nr*kc flops. Measured on Zen 4 (32 KiB L1):
	// kc = 512 beats 288 by ~5% with 2 threads.
	kc := cacheL1 / (4 * mr)
	kc = min(max(kc, 256), 512)
	kc -= kc % 8
	nb := cacheL2 / 2 / (4 * kc)
	nb = max(nb-nb%nr, nr)
	nc := cacheL3 / 8 / (4 * kc)
	nc = min(max(nc-nc%nb, nb), 8192)
	mBig := (4 << 20) / (4 * kc)
	mBig = max(mBig-mBig%mr, mr)
	return blocking{kc: kc, nb: nb, nc: nc, mBig: mBig}
}

var blockings sync.Map // *impl -> blocking

// testBlocking, when set by a test, replaces the cache-derived blocking so that small
// matrices still cross every block boundary.
var testBlocking *blocking

func blockingOf(im *impl) blocking {
	if tb := testBlocking; tb != nil {
		b := *tb
		b.nb = max(b.nb-b.nb%im.nr, im.nr)
		b.mBig = max(b.mBig-b.mBig%im.mr, im.mr)
		b.nc = max(b.nc-b.nc%b.nb, b.nb)
		return b
	}
	if b, ok := blockings.Load(im); ok {
		return b.(blocking)
	}
	b := blockingFor(im)
	blockings.Store(im, b)
	return b
}

// gemmMinParallelFlops: products smaller than this run on the calling goroutine only;
// below it the wake-up of helpers costs more than it saves. (A var so tests can send
// small products through the parallel path.)
var gemmMinParallelFlops = float64(1 << 21)

// Sgemm computes C = alpha*op(A)*op(B) + beta*C on row-major float32 matrices with BLAS
// semantics: op(A) is m x k (A is m x k, or k x m when transA), op(B) is k x n (B is
// k x n, or n x k when transB), C is m x n; lda, ldb, ldc are the row strides.
// beta == 0 overwrites C without reading it (NaNs in C included). Large products run on
// the shared worker pool.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemm(active, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmSerial is Sgemm run on the calling goroutine only. It is for callers that
// already spread their work over the pool in independent pieces (the column blocks of a
// convolution, say): each piece then runs without the per-block barriers of a shared
// product, and nested parallel calls do not oversubscribe the cores.
func SgemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmThreads(active, 1, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func checkMatrix(name string, s []float32, rows, cols, ld int) {
	if ld < max(1, cols) {
		panic(fmt.Sprintf("simd.Sgemm: ld%s = %d < %d", name, ld, cols))
	}
	if rows > 0 && cols > 0 && len(s) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("simd.Sgemm: len(%s) = %d < %d for a %dx%d matrix with ld %d",
			name, len(s), (rows-1)*ld+cols, rows, cols, ld))
	}
}

func sgemm(im *impl, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmThreads(im, Threads(), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemmThreads is sgemm on at most threads goroutines.
func sgemmThreads(im *impl, threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("simd.Sgemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	if transA {
		checkMatrix("a", a, k, m, lda)
	} else {
		checkMatrix("a", a, m, k, lda)
	}
	if transB {
		checkMatrix("b", b, n, k, ldb)
	} else {
		checkMatrix("b", b, k, n, ldb)
	}
	checkMatrix("c", c, m, n, ldc)
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		scaleC(im, m, n, beta, c, ldc)
		return
	}

	if gemv(im, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
		return
	}

	g := gemmPool.Get().(*gemmCtx)
	g.im, g.blk = im, blockingOf(im)
	g.transA, g.transB = transA, transB
	g.m, g.n, g.k = m, n, k
	g.alpha, g.beta = alpha, beta
	g.a, g.b, g.c = a, b, c
	g.lda, g.ldb, g.ldc = lda, ldb, ldc
	g.threads = max(1, min(threads, Threads()))
	if 2*float64(m)*float64(n)*float64(k) < gemmMinParallelFlops {
		g.threads = 1
	}
	g.drive()
	g.a, g.b, g.c = nil, nil, nil
	gemmPool.Put(g)
}

// gemv handles a single row or column of C with the vector kernels, when the vector
// operand is contiguous: packing a whole panel for one useful row (the micro-kernel
// computes mr of them) would cost ten times the product. Reports whether it did.
func gemv(im *impl, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	switch {
	case m == 1 && (!transA || lda == 1):
		// C[0,:] = alpha * a[0:k] * op(B) + beta*C[0,:]; op(A)[0][p] = a[p].
		arow, crow := a[:k], c[:n]
		if !transB {
			scaleC(im, 1, n, beta, crow, n)
			for p, av := range arow {
				if av != 0 {
					im.axpy(alpha*av, b[p*ldb:p*ldb+n], crow)
				}
			}
			return true
		}
		for j := range crow {
			d := alpha * im.dot(arow, b[j*ldb:j*ldb+k])
			if beta != 0 {
				d += beta * crow[j]
			}
			crow[j] = d
		}
		return true
	case n == 1 && !transA && (transB || ldb == 1):
		// C[:,0] = alpha * A * b[0:k] + beta*C[:,0]; op(B)[p][0] = b[p].
		bcol := b[:k]
		for i := 0; i < m; i++ {
			d := alpha * im.dot(a[i*lda:i*lda+k], bcol)
			if beta != 0 {
				d += beta * c[i*ldc]
			}
			c[i*ldc] = d
		}
		return true
	}
	return false
}

// scaleC does C = beta*C (beta == 0 writes zeros).
func scaleC(im *impl, m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(ci)
		case 1:
		default:
			im.scale(beta, ci)
		}
	}
}

// gemmCtx is one Sgemm call: its arguments, the packing buffers (reused through
// gemmPool, so steady-state calls do not allocate) and the blocks of the computation.
type gemmCtx struct {
	im      *impl
	blk     blocking
	threads int

	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int

	ap, bp [2][]float32 // packed A and B blocks, double-buffered
	blocks []gemmBlock

	// The current phase: compute tasks of block cur (if any), then pack items of block
	// nxt (if any).
	cur, nxt *gemmBlock
	nCompute int
}

// gemmBlock is one (jc, pc, ic) block: the kc x nc B block and mcur x kc A block it
// multiplies, where they are packed, and how its C block is split into tasks.
type gemmBlock struct {
	jc, nc, pc, kc, ic, mcur int
	kbeta                    float32 // beta for the first kc block, then 1
	aBuf, bBuf               int     // which of the double buffers hold A and B
	packB                    bool    // B must be packed for this block (first ic)
	aPanels, bPanels         int
	bGroups                  int // B pack items: groups of bGroup panels (1 when transposed)
	tasksM, tasksN           int // task grid; panels are spread evenly over it
}

func (blk *gemmBlock) packItems() int {
	n := blk.aPanels
	if blk.packB {
		n += blk.bGroups
	}
	return n
}

// bGroup is how many B panels one pack item covers when op(B) is not transposed: the
// item reads bGroup*nr contiguous floats of each source row (see packRowsZ).
const bGroup = 8

var gemmPool = sync.Pool{New: func() any { return new(gemmCtx) }}

var tilePool = sync.Pool{New: func() any { return new([maxTile]float32) }}

// maxTile bounds mr*nr over all paths.
const maxTile = 16 * 32

func roundUp(x, m int) int { return (x + m - 1) / m * m }

func growBuf(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// run implements task for the pool: items [lo, hi) of the current phase.
func (g *gemmCtx) run(lo, hi int) {
	for t := lo; t < hi; t++ {
		if t < g.nCompute {
			g.computeTask(g.cur, t)
			continue
		}
		p, nb := t-g.nCompute, g.nxt
		if nb.packB {
			if p < nb.bGroups {
				g.packBGroup(nb, p)
				continue
			}
			p -= nb.bGroups
		}
		g.packAPanel(nb, p)
	}
}

// drive lists the blocks, then runs one parallel phase per block boundary: phase i
// computes block i-1 and packs block i into the other buffers, so there is one barrier
// per block and the packing fills the idle tail of the compute tasks.
func (g *gemmCtx) drive() {
	mr, nr := g.im.mr, g.im.nr
	blk := g.blk
	g.blocks = g.blocks[:0]
	bBuf, aBuf := 1, 1
	nn := (g.n + blk.nc - 1) / blk.nc
	ncEven := roundUp((g.n+nn-1)/nn, nr)
	for jc := 0; jc < g.n; jc += ncEven {
		nc := min(ncEven, g.n-jc)
		// Equal kc blocks (within 8), so no short last block pays the C-tile update
		// of a full one.
		nk := (g.k + blk.kc - 1) / blk.kc
		kcEven := min(roundUp((g.k+nk-1)/nk, 8), blk.kc)
		// Equal A chunks too (in whole panels), for the same reason.
		nm := (g.m + blk.mBig - 1) / blk.mBig
		mEven := roundUp((g.m+nm-1)/nm, mr)
		for pc := 0; pc < g.k; pc += kcEven {
			kc := min(kcEven, g.k-pc)
			bBuf ^= 1
			for ic := 0; ic < g.m; ic += mEven {
				aBuf ^= 1
				b := gemmBlock{jc: jc, nc: nc, pc: pc, kc: kc, ic: ic, mcur: min(mEven, g.m-ic),
					kbeta: 1, aBuf: aBuf, bBuf: bBuf, packB: ic == 0}
				if pc == 0 {
					b.kbeta = g.beta
				}
				b.aPanels = (b.mcur + mr - 1) / mr
				b.bPanels = (nc + nr - 1) / nr
				b.bGroups = b.bPanels
				if !g.transB {
					b.bGroups = (b.bPanels + bGroup - 1) / bGroup
				}
				g.planTasks(&b, 8)
				g.ap[aBuf] = growBuf(g.ap[aBuf], max(len(g.ap[aBuf]), b.aPanels*mr*kc))
				g.bp[bBuf] = growBuf(g.bp[bBuf], max(len(g.bp[bBuf]), b.bPanels*nr*kc))
				g.blocks = append(g.blocks, b)
			}
		}
	}
	// The last phase has no packing to fill its tail, so the last block gets smaller
	// tasks: a thread then waits at most a short task for the other at the very end.
	if n := len(g.blocks); n > 0 {
		g.planTasks(&g.blocks[n-1], 32)
	}
	for i := 0; i <= len(g.blocks); i++ {
		g.cur, g.nxt, g.nCompute = nil, nil, 0
		n := 0
		if i > 0 {
			g.cur = &g.blocks[i-1]
			g.nCompute = g.cur.tasksM * g.cur.tasksN
			n += g.nCompute
		}
		if i < len(g.blocks) {
			g.nxt = &g.blocks[i]
			n += g.nxt.packItems()
		}
		if g.threads <= 1 {
			g.run(0, n)
		} else {
			// One item per chunk: the items (tasks, panels) are already sized for it.
			parallelChunks(n, 1, g.threads, g)
		}
	}
	g.cur, g.nxt = nil, nil
}

// planTasks splits the mcur x nc block of C into a grid of tasks in whole micro-panels,
// spread evenly (task sizes differ by at most one panel each way): N blocks of at most
// nb columns (so a task's B part stays in L2), and M blocks, as many as it takes for
// every thread to get perThread of them; the count is rounded to a multiple of the thread
// count where possible so no thread idles at the end. Tasks are numbered
// N-block-major, so one thread walks down the M blocks of one N block while its B part
// stays in L2.
func (g *gemmCtx) planTasks(b *gemmBlock, perThread int) {
	aPanels, bPanels := b.aPanels, b.bPanels
	nbPanels := max(1, g.blk.nb/g.im.nr)
	tn := (bPanels + nbPanels - 1) / nbPanels
	tm := 1
	if t := g.threads; t > 1 {
		want := perThread * t
		tm = min(aPanels, (want+tn-1)/tn)
		for tm < aPanels && (tm*tn)%t != 0 {
			tm++
		}
	}
	b.tasksM, b.tasksN = tm, tn
}

// packAPanel packs rows [ic+p*mr, +mr) x cols [pc, pc+kc) of op(A) into the block's A
// buffer as an mr-tall panel: ap[p*mr*kc + q*mr + i] = op(A)[row i, col q], zero rows
// past m.
func (g *gemmCtx) packAPanel(b *gemmBlock, p int) {
	mr, kc := g.im.mr, b.kc
	i0 := b.ic + p*mr
	mv := min(mr, g.m-i0)
	dst := g.ap[b.aBuf][p*mr*kc : (p+1)*mr*kc]
	if g.transA {
		// op(A)[i][q] = a[q*lda+i]: each q gives mv contiguous values.
		g.im.pack(false, dst, g.a[b.pc*g.lda+i0:], g.lda, kc, mv, mr)
	} else {
		g.im.pack(true, dst, g.a[i0*g.lda+b.pc:], g.lda, kc, mv, mr)
	}
}

// packBPanel packs rows [pc, pc+kc) x cols [jc+p*nr, +nr) of op(B) into the block's B
// buffer as an nr-wide panel: bp[p*nr*kc + q*nr + j] = op(B)[q][j], zero columns past n.
func (g *gemmCtx) packBPanel(b *gemmBlock, p int) {
	nr, kc := g.im.nr, b.kc
	j0 := b.jc + p*nr
	nv := min(nr, g.n-j0)
	dst := g.bp[b.bBuf][p*nr*kc : (p+1)*nr*kc]
	if g.transB {
		// op(B)[q][j] = b[j*ldb+q]
		g.im.pack(true, dst, g.b[j0*g.ldb+b.pc:], g.ldb, kc, nv, nr)
	} else {
		g.im.pack(false, dst, g.b[b.pc*g.ldb+j0:], g.ldb, kc, nv, nr)
	}
}

// packBGroup packs B pack item p: panel p when op(B) is transposed, else panels
// [p*bGroup, (p+1)*bGroup), the full ones row by row and an edge one on its own.
func (g *gemmCtx) packBGroup(b *gemmBlock, p int) {
	if g.transB {
		g.packBPanel(b, p)
		return
	}
	nr, kc := g.im.nr, b.kc
	p0, p1 := p*bGroup, min((p+1)*bGroup, b.bPanels)
	full := min(p1, (g.n-b.jc)/nr) - p0 // full panels in the group
	if full > 0 {
		dst := g.bp[b.bBuf][p0*nr*kc : (p0+full)*nr*kc]
		src := g.b[b.pc*g.ldb+b.jc+p0*nr:]
		if g.im.packRows != nil {
			g.im.packRows(dst, src, g.ldb, kc, full)
		} else {
			packRowsGeneric(nr, dst, src, g.ldb, kc, full)
		}
	}
	for q := p0 + max(full, 0); q < p1; q++ {
		g.packBPanel(b, q)
	}
}

// computeTask runs the micro-kernel over task t of block b's grid.
func (g *gemmCtx) computeTask(b *gemmBlock, t int) {
	mr, nr, kc := g.im.mr, g.im.nr, b.kc
	tj, ti := t/b.tasksM, t%b.tasksM
	ir0, ir1 := ti*b.aPanels/b.tasksM, (ti+1)*b.aPanels/b.tasksM
	jr0, jr1 := tj*b.bPanels/b.tasksN, (tj+1)*b.bPanels/b.tasksN
	alpha, beta := g.alpha, b.kbeta
	ap, bp := g.ap[b.aBuf], g.bp[b.bBuf]
	var tile *[maxTile]float32
	for ir := ir0; ir < ir1; ir++ {
		i := b.ic + ir*mr
		mv := min(mr, g.m-i)
		apan := &ap[ir*mr*kc]
		kern, kernMask, rows := g.im.gemmKernel, g.im.gemmKernelMask, mr
		if mv <= g.im.shortRows {
			kern, kernMask, rows = g.im.gemmKernelShort, g.im.gemmKernelShortMask, g.im.shortRows
		}
		for jr := jr0; jr < jr1; jr++ {
			j := b.jc + jr*nr
			nv := min(nr, g.n-j)
			bpan := &bp[jr*nr*kc]
			if mv == rows && nv == nr {
				kern(kc, apan, bpan, &g.c[i*g.ldc+j], g.ldc, alpha, beta)
				continue
			}
			if mv == rows && kernMask != nil {
				// Right edge: masked loads/stores of the valid columns, in place.
				kernMask(kc, apan, bpan, &g.c[i*g.ldc+j], g.ldc, alpha, beta, uint32(1)<<nv-1)
				continue
			}
			// Edge tile: full tile into scratch, then merge the valid part.
			if tile == nil {
				tile = tilePool.Get().(*[maxTile]float32)
			}
			kern(kc, apan, bpan, &tile[0], nr, 1, 0)
			mergeTile(g.c[i*g.ldc+j:], g.ldc, tile[:], nr, mv, nv, alpha, beta)
		}
	}
	if tile != nil {
		tilePool.Put(tile)
	}
}

// mergeTile sets the mv x nv corner of c (row stride ldc) to alpha*tile + beta*c, tile
// holding a micro-kernel's full output with row stride nr; c is not read when beta is
// 0. Edge tiles, computed whole into scratch, land in C this way.
func mergeTile(c []float32, ldc int, tile []float32, nr, mv, nv int, alpha, beta float32) {
	for r := 0; r < mv; r++ {
		crow := c[r*ldc : r*ldc+nv]
		trow := tile[r*nr : r*nr+nv]
		if beta == 0 {
			for x, v := range trow {
				crow[x] = alpha * v
			}
		} else {
			for x, v := range trow {
				crow[x] = alpha*v + beta*crow[x]
			}
		}
	}
}
