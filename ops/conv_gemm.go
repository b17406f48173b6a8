package ops

import (
	"sync/atomic"

	"github.com/cvogl/halo/simd"
)

// The GEMM convolution paths. Per image and group a convolution is the product
//
//	Y_g [og, OH*OW] = W_g [og, k] * cols [k, OH*OW],  k = cg*KH*KW,
//
// where cols is the input block itself for pointwise geometries (no copy) and an im2col
// matrix otherwise. The output columns are split into items of whole output rows (an
// image, a group and a block of rows each), and never is a whole image's column matrix
// built: an item builds only its own block of it.
//
// HALO's 1x1 convolutions have small M and K (64x64, 32x64, ...) and huge N (65536 at
// stage 1): a shared Sgemm over such a product has a barrier per packed block and an
// unbalanced task grid. So, when there are enough items, every item is an independent
// single-threaded Sgemm (simd.SgemmSerial; simd.SgemmSerialDirectB for 1x1 convolutions,
// which reads the input map in place) run on the worker pool, many per thread, with
// its bias added while its output block is still in cache. Products with few columns
// (the stage-4 convolutions, 32x32 maps) or a large weight and few items (the FPN's
// 3x3 512->512) use the shared Sgemm item by item instead, with the im2col/col2im
// copies and the bias spread over the pool by channel.
//
// Backward: dW_g += dY_g cols^T has k = OH*OW; items are dealt to a few slots, each with
// its own weight- and bias-gradient buffer (the db row sums fused into the same pass over
// dY), added into dw and db in slot order, so results do not depend on scheduling (only
// on the shapes and the thread count); where the slot buffers would be too large, the
// shared Sgemm accumulates into dw item by item. For
// pointwise geometries the same pass also computes dX = W_g^T dY_g for each item
// (disjoint columns of dx). Otherwise dX goes through per-item column blocks and
// col2im, in two phases (even then odd row blocks, with blocks tall enough that only
// neighbours overlap in dx), again race-free and deterministic.

// convItemCols is the most output positions an item aims for, fewer where its output
// and input blocks together would pass convItemFloats (a megabyte: they stay in L2
// between the products of an item); convMinItemCols bounds it from below so that the
// weight packing of each item stays small next to its product.
var (
	convItemCols    = 2048
	convMinItemCols = 512
	convItemFloats  = 1 << 18
)

// convItemWeights is the largest weight block (og*k values) that independent items
// pack for themselves when there are only a few items per thread.
var convItemWeights = 1 << 19

// convPartialBudget caps the per-slot weight-gradient buffers (in float32, all slots
// together); a convolution whose slots would need more uses the shared Sgemm for dW.
var convPartialBudget = 1 << 22

// convMode forces the item scheduling in tests: 0 chooses, 1 forces independent items,
// -1 forces shared products.
var convMode = 0

type sgemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int)

// convPlan is the GEMM view of one convolution and its split into items.
type convPlan struct {
	g                          ConvGeom
	groups, cg, og, k, hw, ohw int
	direct                     bool // cols is the input block (pointwise)
	rb, blocks                 int  // output rows per item, row blocks per image and group
	chunked                    bool // items run as independent serial products
}

// newConvPlan splits g into items of at least minRows output rows.
func newConvPlan(g ConvGeom, direct bool, minRows int) convPlan {
	pl := convPlan{g: g, groups: g.P.Groups, direct: direct}
	pl.cg, pl.og = g.C/pl.groups, g.O/pl.groups
	pl.k = pl.cg * g.KH * g.KW
	pl.hw, pl.ohw = g.H*g.W, g.OH*g.OW
	threads := simd.Threads()
	// An item's weight-sized operands (og x cols of y or dy, k x cols of x or its
	// columns) should stay in L2 between the products that share them.
	cols := max(convMinItemCols, min(convItemCols, convItemFloats/(pl.og+pl.k)))
	rb := max(1, cols/g.OW)
	// Enough items for every thread to take several, so a core slowed by other work
	// does not hold up the end.
	pairs := g.N * pl.groups
	if want := 4 * threads; pairs*ceilDiv(g.OH, rb) < want {
		rb = min(rb, ceilDiv(g.OH, ceilDiv(want, pairs)))
	}
	rb = max(rb, ceilDiv(convMinItemCols, g.OW))
	if !direct {
		rb = min(rb, max(1, convColsBudget/(pl.k*g.OW)))
	}
	rb = min(max(rb, minRows, 1), g.OH)
	pl.rb, pl.blocks = rb, ceilDiv(g.OH, rb)
	// Independent items pack their weight block each; with a large one (the FPN's 3x3
	// 512->512: 2.4M values) that is only worth it when there are items enough to
	// balance the threads, else the shared product splits each item finely instead.
	pl.chunked = pl.items() >= 2*threads && (pl.og*pl.k <= convItemWeights || pl.items() >= 8*threads)
	switch convMode {
	case 1:
		pl.chunked = true
	case -1:
		pl.chunked = false
	}
	if !pl.chunked && direct && minRows <= 1 && convMode == 0 {
		// A shared product needs no column buffer here: one per image and group
		// packs the weights once.
		pl.rb, pl.blocks = g.OH, 1
	}
	return pl
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func (pl *convPlan) items() int { return pl.g.N * pl.groups * pl.blocks }

// item returns the image, group and output rows [oh0, oh1) of item it.
func (pl *convPlan) item(it int) (n, gi, oh0, oh1 int) {
	blk := it % pl.blocks
	gi = it / pl.blocks % pl.groups
	n = it / (pl.blocks * pl.groups)
	oh0 = blk * pl.rb
	return n, gi, oh0, min(oh0+pl.rb, pl.g.OH)
}

// xg, yg and wg are the input, output (or their gradients) and weight blocks of image n
// and group gi.
func (pl *convPlan) xg(x []float32, n, gi int) []float32 {
	c := n*pl.g.C + gi*pl.cg
	return x[c*pl.hw : (c+pl.cg)*pl.hw]
}

func (pl *convPlan) yg(y []float32, n, gi int) []float32 {
	o := n*pl.g.O + gi*pl.og
	return y[o*pl.ohw : (o+pl.og)*pl.ohw]
}

func (pl *convPlan) wg(w []float32, gi int) []float32 {
	return w[gi*pl.og*pl.k : (gi+1)*pl.og*pl.k]
}

// colsLen is the size of one item's column buffer.
func (pl *convPlan) colsLen() int { return pl.k * pl.rb * pl.g.OW }

// bufLen is colsLen, or 0 when the items need no column buffer (direct).
func (pl *convPlan) bufLen() int {
	if pl.direct {
		return 0
	}
	return pl.colsLen()
}

// cols returns op(B) of item rows [oh0, oh1) and its row stride: the input block itself
// when direct, else its im2col block written into buf (by channel over the pool when
// par).
func (pl *convPlan) cols(buf, xg []float32, oh0, oh1 int, par bool) ([]float32, int) {
	if pl.direct {
		return xg[oh0*pl.g.OW:], pl.hw
	}
	forRange(par, pl.cg, func(c0, c1 int) { im2col(buf, xg, c0, c1, pl.g, oh0, oh1) })
	return buf, (oh1 - oh0) * pl.g.OW
}

// forRange runs fn over [0, n) on the pool when par, else inline.
func forRange(par bool, n int, fn func(lo, hi int)) {
	if par {
		simd.ParallelFor(n, 1, fn)
	} else {
		fn(0, n)
	}
}

// forItems runs body(it, buf) for every it in [0, n) on the pool, handing the items
// out one at a time from a shared counter: a thread that the OS deschedules for a while
// (other jobs on these cores) leaves the remaining items to the others instead of
// holding a fixed share of them, and a helper slow to wake up finds the work done. buf
// is a scratch buffer of bufLen values per thread (nil when bufLen is 0). The items must
// be independent: which thread runs which does not change any result.
func forItems(n, bufLen int, body func(it int, buf []float32)) {
	var next atomic.Int64
	simd.ParallelFor(min(n, simd.Threads()), 1, func(lo, hi int) {
		var buf []float32
		if bufLen > 0 {
			buf = getConvScratch(bufLen)
			defer putConvScratch(buf)
		}
		for it := int(next.Add(1) - 1); it < n; it = int(next.Add(1) - 1) {
			body(it, buf)
		}
	})
}

// gemmConvForward: y = conv(x, w) + b (b may be nil), overwriting y.
func gemmConvForward(y, x, w, b []float32, g ConvGeom, direct bool) {
	gemmConvForwardEpi(y, x, w, b, g, direct, ConvEpilogue{})
}

// gemmConvForwardEpi: y = e(conv(x, w) + b), the epilogue applied to each item's rows
// right after its bias, in every path the plan chooses.
func gemmConvForwardEpi(y, x, w, b []float32, g ConvGeom, direct bool, e ConvEpilogue) {
	pl := newConvPlan(g, direct, 1)
	if pl.chunked {
		gemm := simd.SgemmSerial
		if direct {
			// B is the input map itself: read in place, no separate packing pass.
			gemm = simd.SgemmSerialDirectB
		}
		forItems(pl.items(), pl.bufLen(), func(it int, buf []float32) {
			pl.forwardItem(y, x, w, b, buf, it, gemm, false, &e)
		})
		return
	}
	var buf []float32
	if !direct {
		buf = getConvScratch(pl.colsLen())
		defer putConvScratch(buf)
	}
	for it := range pl.items() {
		pl.forwardItem(y, x, w, b, buf, it, simd.Sgemm, true, &e)
	}
}

func (pl *convPlan) forwardItem(y, x, w, b, buf []float32, it int, gemm sgemmFunc, par bool, e *ConvEpilogue) {
	n, gi, oh0, oh1 := pl.item(it)
	ow := pl.g.OW
	nb := (oh1 - oh0) * ow
	cols, ldc := pl.cols(buf, pl.xg(x, n, gi), oh0, oh1, par)
	yg := pl.yg(y, n, gi)
	gemm(false, false, pl.og, nb, pl.k, 1, pl.wg(w, gi), pl.k, cols, ldc, 0, yg[oh0*ow:], pl.ohw)
	if b == nil && e.Op == EpiNone {
		return
	}
	// While the block is in cache (serial items), or one memory pass (shared): the
	// bias, then the epilogue, row by row, each row still in L1 for the second.
	var tg []float32
	if e.T != nil {
		tg = pl.yg(e.T, n, gi)
	}
	forRange(par, pl.og, func(lo, hi int) {
		for o := lo; o < hi; o++ {
			r0, r1 := o*pl.ohw+oh0*ow, o*pl.ohw+oh1*ow
			row := yg[r0:r1]
			if b != nil {
				simd.AddScalar(row, row, b[gi*pl.og+o])
			}
			if e.Op != EpiNone {
				var t []float32
				if tg != nil {
					t = tg[r0:r1]
				}
				e.apply(row, t)
			}
		}
	})
}

// gemmConvGrads accumulates dw and db (either may be nil) for gy, and dx = dxBeta*dx +
// dL/dx (dx may be nil). dxBeta 0 stores dx without reading it; it is only for direct
// (pointwise) geometries, where the products write every value of dx.
func gemmConvGrads(dx, dw, db, gy, x, w []float32, g ConvGeom, direct bool, dxBeta float32) {
	if dxBeta != 1 && !direct {
		panic("conv2d: dx can only be stored by the pointwise path")
	}
	pl := newConvPlan(g, direct, 1)
	dxDone, dbDone := dx == nil, db == nil
	if dw != nil {
		if slots := pl.gradSlots(len(dw) + g.O); slots > 0 {
			fuseDx := direct && dx != nil
			pl.weightGradSlots(slots, dw, db, gy, x, w, dx, fuseDx, dxBeta)
			dxDone, dbDone = dxDone || fuseDx, true
		} else {
			pl.weightGradShared(dw, gy, x)
		}
	}
	if !dbDone {
		convBiasBackward(db, gy, g)
	}
	if !dxDone {
		pl.inputGrad(dx, gy, w, dxBeta)
	}
}

// gradSlots is how many weight-gradient slots of size n to use, or 0 for the shared
// product (too few items, or too little memory for slots enough to keep every thread
// busy).
func (pl *convPlan) gradSlots(n int) int {
	if !pl.chunked {
		return 0
	}
	threads := simd.Threads()
	s := min(pl.items(), 8*threads, convPartialBudget/n)
	if s < min(pl.items(), 2*threads) {
		return 0
	}
	return max(s, 1)
}

// weightGradSlots deals the items to slots (contiguous runs, so the split depends only
// on the shapes), each summing dW and db of its items into its own buffer, then adds the
// buffers into dw and db in slot order. With fuseDx (pointwise), each item also adds
// its columns of dX = W^T dY, read while dY's block is in cache.
func (pl *convPlan) weightGradSlots(slots int, dw, db, gy, x, w, dx []float32, fuseDx bool, dxBeta float32) {
	g := pl.g
	size := len(dw) + g.O
	parts := getConvScratch(slots * size)
	defer putConvScratch(parts)
	items := pl.items()
	ow := g.OW
	forItems(slots, pl.bufLen(), func(s int, buf []float32) {
		part := parts[s*size : (s+1)*size]
		clear(part)
		pdw, pdb := part[:len(dw)], part[len(dw):]
		for it := s * items / slots; it < (s+1)*items/slots; it++ {
			n, gi, oh0, oh1 := pl.item(it)
			nb := (oh1 - oh0) * ow
			gyb := pl.yg(gy, n, gi)[oh0*ow:]
			if fuseDx {
				dxg := pl.xg(dx, n, gi)
				simd.SgemmSerial(true, false, pl.cg, nb, pl.og, 1, pl.wg(w, gi), pl.k, gyb, pl.ohw, dxBeta, dxg[oh0*ow:], pl.hw)
			}
			cols, ldc := pl.cols(buf, pl.xg(x, n, gi), oh0, oh1, false)
			simd.SgemmSerial(false, true, pl.og, pl.k, nb, 1, gyb, pl.ohw, cols, ldc, 1, pdw[gi*pl.og*pl.k:], pl.k)
			if db != nil {
				for o := range pl.og {
					pdb[gi*pl.og+o] += simd.Sum(gyb[o*pl.ohw : o*pl.ohw+nb])
				}
			}
		}
	})
	simd.ParallelFor(size, 4096, func(lo, hi int) {
		for s := range slots {
			part := parts[s*size : (s+1)*size]
			if lo < len(dw) {
				simd.Axpy(1, part[lo:min(hi, len(dw))], dw[lo:min(hi, len(dw))])
			}
			if db != nil && hi > len(dw) {
				b0 := max(lo, len(dw))
				simd.Axpy(1, part[b0:hi], db[b0-len(dw):hi-len(dw)])
			}
		}
	})
}

// weightGradShared accumulates dW item by item with the shared Sgemm.
func (pl *convPlan) weightGradShared(dw, gy, x []float32) {
	var buf []float32
	if !pl.direct {
		buf = getConvScratch(pl.colsLen())
		defer putConvScratch(buf)
	}
	ow := pl.g.OW
	for it := range pl.items() {
		n, gi, oh0, oh1 := pl.item(it)
		nb := (oh1 - oh0) * ow
		cols, ldc := pl.cols(buf, pl.xg(x, n, gi), oh0, oh1, true)
		simd.Sgemm(false, true, pl.og, pl.k, nb, 1, pl.yg(gy, n, gi)[oh0*ow:], pl.ohw, cols, ldc, 1, pl.wg(dw, gi), pl.k)
	}
}

// inputGrad computes dx = dxBeta*dx + W^T dY (through col2im, accumulating, unless
// direct).
func (pl *convPlan) inputGrad(dx, gy, w []float32, dxBeta float32) {
	g := pl.g
	ow := g.OW
	if pl.direct {
		item := func(it int, gemm sgemmFunc) {
			n, gi, oh0, oh1 := pl.item(it)
			nb := (oh1 - oh0) * ow
			gemm(true, false, pl.cg, nb, pl.og, 1, pl.wg(w, gi), pl.k, pl.yg(gy, n, gi)[oh0*ow:], pl.ohw,
				dxBeta, pl.xg(dx, n, gi)[oh0*ow:], pl.hw)
		}
		if pl.chunked {
			forItems(pl.items(), 0, func(it int, _ []float32) { item(it, simd.SgemmSerialDirectB) })
			return
		}
		for it := range pl.items() {
			item(it, simd.Sgemm)
		}
		return
	}
	// Row blocks whose input footprints overlap only their neighbours':
	// DilH*(KH-1) < (rb+1)*StrideH.
	px := newConvPlan(g, false, ceilDiv(g.P.DilH*(g.KH-1), g.P.StrideH))
	item := func(it int, dcols []float32, gemm sgemmFunc, par bool) {
		n, gi, oh0, oh1 := px.item(it)
		nb := (oh1 - oh0) * ow
		gemm(true, false, px.k, nb, px.og, 1, px.wg(w, gi), px.k, px.yg(gy, n, gi)[oh0*ow:], px.ohw, 0, dcols, nb)
		dxg := px.xg(dx, n, gi)
		forRange(par, px.cg, func(c0, c1 int) { col2im(dxg, dcols, c0, c1, g, oh0, oh1) })
	}
	if !px.chunked {
		dcols := getConvScratch(px.colsLen())
		defer putConvScratch(dcols)
		for it := range px.items() {
			item(it, dcols, simd.Sgemm, true)
		}
		return
	}
	pairs := g.N * px.groups
	for phase := range 2 {
		per := (px.blocks + 1 - phase) / 2 // row blocks of this parity per image and group
		forItems(pairs*per, px.colsLen(), func(i int, dcols []float32) {
			item(i/per*px.blocks+2*(i%per)+phase, dcols, simd.SgemmSerial, false)
		})
	}
}
