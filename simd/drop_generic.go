package simd

import "fmt"

// Dropout kernels. The keep mask is a bit set: bit i%8 of mask[i/8] is element i, so a
// chunk of a larger tensor that starts at a multiple of 8 elements owns whole bytes
// (no two workers write one byte) and the mask costs 1/32 of the data it gates.
// A dropped element is multiplied by +0 rather than set to 0, so -0, NaN and Inf come
// out as a float mask multiply would give them.

// dropPCGGeneric is the pure-Go twin of the assembly DropPCG kernels.
func dropPCGGeneric(y, x []float32, mask []byte, st [2]uint64, thr uint32, scale float32) [2]uint64 {
	n := len(x)
	y = y[:n]
	mask = mask[:(n+7)/8]
	sel := [2]float32{0, scale}
	h, l := st[0], st[1]
	for b := range mask {
		xs, ys := x[b*8:min(b*8+8, n)], y[b*8:min(b*8+8, n)]
		ys = ys[:len(xs)]
		var m byte
		for j := range xs {
			var r uint64
			h, l, r = pcgNext(h, l)
			// rand.Rand.Float32 is the low 24 bits of Uint32 (the top half of Uint64)
			// over 2^24; comparing those bits with thr decides Float32() >= p exactly.
			k := b2u8(uint32(r>>32)&(1<<24-1) >= thr)
			m |= k << j
			ys[j] = xs[j] * sel[k]
		}
		mask[b] = m
	}
	return [2]uint64{h, l}
}

func b2u8(b bool) byte {
	var k byte
	if b {
		k = 1
	}
	return k
}

// dropMaskGeneric sets y = x * (bit ? scale : 0).
func dropMaskGeneric(y, x []float32, mask []byte, scale float32) {
	n := len(x)
	y = y[:n]
	mask = mask[:(n+7)/8]
	sel := [2]float32{0, scale}
	// Whole bytes first, written out eight times: the compiler does not unroll a
	// range-8 loop, and the per-element index arithmetic on the mask costs a third.
	for b, m := range mask[:n/8] {
		xs, ys := (*[8]float32)(x[b*8:]), (*[8]float32)(y[b*8:])
		ys[0] = xs[0] * sel[m&1]
		ys[1] = xs[1] * sel[m>>1&1]
		ys[2] = xs[2] * sel[m>>2&1]
		ys[3] = xs[3] * sel[m>>3&1]
		ys[4] = xs[4] * sel[m>>4&1]
		ys[5] = xs[5] * sel[m>>5&1]
		ys[6] = xs[6] * sel[m>>6&1]
		ys[7] = xs[7] * sel[m>>7&1]
	}
	for i := n &^ 7; i < n; i++ {
		y[i] = x[i] * sel[mask[i>>3]>>(i&7)&1]
	}
}

// dropMaskAccGeneric accumulates dx += g * (bit ? scale : 0), the product rounded
// before the sum (no FMA), as the sequential float-mask loop computes it.
func dropMaskAccGeneric(dx, g []float32, mask []byte, scale float32) {
	n := len(g)
	dx = dx[:n]
	mask = mask[:(n+7)/8]
	sel := [2]float32{0, scale}
	for b, m := range mask[:n/8] {
		gs, ds := (*[8]float32)(g[b*8:]), (*[8]float32)(dx[b*8:])
		ds[0] += gs[0] * sel[m&1]
		ds[1] += gs[1] * sel[m>>1&1]
		ds[2] += gs[2] * sel[m>>2&1]
		ds[3] += gs[3] * sel[m>>3&1]
		ds[4] += gs[4] * sel[m>>4&1]
		ds[5] += gs[5] * sel[m>>5&1]
		ds[6] += gs[6] * sel[m>>6&1]
		ds[7] += gs[7] * sel[m>>7&1]
	}
	for i := n &^ 7; i < n; i++ {
		dx[i] += g[i] * sel[mask[i>>3]>>(i&7)&1]
	}
}

// dropMaskSetGeneric sets dx = 0 + g * (bit ? scale : 0): what dropMaskAccGeneric
// leaves in a zeroed dx (the +0 turns a -0 product into +0), without reading dx.
func dropMaskSetGeneric(dx, g []float32, mask []byte, scale float32) {
	n := len(g)
	dx = dx[:n]
	mask = mask[:(n+7)/8]
	sel := [2]float32{0, scale}
	var z float32
	for b, m := range mask[:n/8] {
		gs, ds := (*[8]float32)(g[b*8:]), (*[8]float32)(dx[b*8:])
		ds[0] = z + gs[0]*sel[m&1]
		ds[1] = z + gs[1]*sel[m>>1&1]
		ds[2] = z + gs[2]*sel[m>>2&1]
		ds[3] = z + gs[3]*sel[m>>3&1]
		ds[4] = z + gs[4]*sel[m>>4&1]
		ds[5] = z + gs[5]*sel[m>>5&1]
		ds[6] = z + gs[6]*sel[m>>6&1]
		ds[7] = z + gs[7]*sel[m>>7&1]
	}
	for i := n &^ 7; i < n; i++ {
		dx[i] = z + g[i]*sel[mask[i>>3]>>(i&7)&1]
	}
}

// dropKernels is one path's set of dropout kernels.
type dropKernels struct {
	pcg     func(y, x []float32, mask []byte, st [2]uint64, thr uint32, scale float32) [2]uint64
	mask    func(y, x []float32, mask []byte, scale float32)
	maskAcc func(dx, g []float32, mask []byte, scale float32)
	maskSet func(dx, g []float32, mask []byte, scale float32)
}

// dropImpls holds the kernels by path name; drop_amd64.go adds the assembly ones when
// the CPU has the extensions they need.
var dropImpls = map[string]dropKernels{"generic": {dropPCGGeneric, dropMaskGeneric, dropMaskAccGeneric, dropMaskSetGeneric}}

// dropFor follows the active path (tests swap it), falling back to the pure-Go kernels.
func dropFor(im *impl) dropKernels {
	if k, ok := dropImpls[im.name]; ok {
		return k
	}
	return dropImpls["generic"]
}

func needMask(name string, mask []byte, n int) {
	if len(mask) < (n+7)/8 {
		panic(fmt.Sprintf("simd.%s: mask has %d bytes, need %d for %d elements", name, len(mask), (n+7)/8, n))
	}
}

// DropPCG is the dropout forward on len(x) elements drawing from a math/rand/v2 PCG in
// state st: draw i (rand.Rand.Float32 of the i-th Uint64) keeps element i when it is
// >= thr/2^24 (thr = ceil(p*2^24) makes that exactly Float32() >= p); then bit i of mask
// is 1 and y[i] = x[i]*scale, else bit i is 0 and y[i] = x[i]*0. It returns the state
// after the len(x) draws. Bits past len(x) in the last mask byte are cleared.
func DropPCG(y, x []float32, mask []byte, st [2]uint64, thr uint32, scale float32) [2]uint64 {
	need("DropPCG", "y", len(y), len(x))
	needMask("DropPCG", mask, len(x))
	return dropFor(active).pcg(y[:len(x)], x, mask, st, thr, scale)
}

// DropMask sets y[i] = x[i] * (bit i of mask ? scale : 0) for i < len(x).
func DropMask(y, x []float32, mask []byte, scale float32) {
	need("DropMask", "y", len(y), len(x))
	needMask("DropMask", mask, len(x))
	dropFor(active).mask(y[:len(x)], x, mask, scale)
}

// DropMaskAcc accumulates dx[i] += g[i] * (bit i of mask ? scale : 0) for i < len(g),
// the product rounded before the sum: dropout's backward pass.
func DropMaskAcc(dx, g []float32, mask []byte, scale float32) {
	need("DropMaskAcc", "dx", len(dx), len(g))
	needMask("DropMaskAcc", mask, len(g))
	dropFor(active).maskAcc(dx[:len(g)], g, mask, scale)
}

// DropMaskSet sets dx[i] = 0 + g[i] * (bit i of mask ? scale : 0) for i < len(g): the
// DropMaskAcc result for a zeroed dx (a -0 product comes out +0), for a gradient buffer
// that this backward writes first, so it need not be cleared and read back.
func DropMaskSet(dx, g []float32, mask []byte, scale float32) {
	need("DropMaskSet", "dx", len(dx), len(g))
	needMask("DropMaskSet", mask, len(g))
	dropFor(active).maskSet(dx[:len(g)], g, mask, scale)
}
