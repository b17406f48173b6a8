package simd

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func pcgStateOf(t *testing.T, p *rand.PCG) [2]uint64 {
	b, err := p.MarshalBinary()
	if err != nil || len(b) != 20 {
		t.Fatalf("unexpected rand.PCG encoding %x (%v)", b, err)
	}
	return [2]uint64{binary.BigEndian.Uint64(b[4:]), binary.BigEndian.Uint64(b[12:])}
}

func TestPCGNextAndJump(t *testing.T) {
	p := rand.NewPCG(123, 456)
	st := pcgStateOf(t, p)
	h, l := st[0], st[1]
	for i := range 1000 {
		var r uint64
		h, l, r = pcgNext(h, l)
		if want := p.Uint64(); r != want {
			t.Fatalf("draw %d: %x, rand.PCG gives %x", i, r, want)
		}
		if got := pcgStateOf(t, p); got != [2]uint64{h, l} {
			t.Fatalf("draw %d: state %x, rand.PCG has %x", i, [2]uint64{h, l}, got)
		}
	}
	for _, n := range []uint64{0, 1, 2, 3, 16, 17, 1000, 65537} {
		q := rand.NewPCG(9, 10)
		want := PCGJump(pcgStateOf(t, q), n)
		for range n {
			q.Uint64()
		}
		if got := pcgStateOf(t, q); got != want {
			t.Fatalf("jump %d: %x, stepping gives %x", n, want, got)
		}
	}
}

// dropSpecial puts -0, NaN and +-Inf among the inputs: they must come out as a float
// multiply by the mask value gives them.
func dropSpecial(x []float32) {
	sp := []float32{float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for i := 0; i < len(x); i += 5 {
		x[i] = sp[(i/5)%len(sp)]
	}
}

var dropSizes = []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 97, 1000, 4099}

// Every path's DropPCG gives, bit for bit, the sequential rand.Rand.Float32() >= p loop:
// outputs, mask bits, the state after, at odd lengths and unaligned offsets, and it
// writes no mask byte past the last element's.
func TestDropPCGMatchesRand(t *testing.T) {
	for _, im := range impls {
		k := dropFor(im)
		for _, n := range dropSizes {
			for _, p := range []float32{0.1, 0.5, 1, 1e-7, 0.99999994} {
				for _, off := range []int{0, 1, 3} {
					name := fmt.Sprintf("%s n=%d p=%v off=%d", im.name, n, p, off)
					thr := uint32(math.Ceil(float64(p) * (1 << 24)))
					scale := 1 / (1 - p)
					if p == 1 {
						scale = 0
					}
					rng := rand.New(rand.NewPCG(uint64(n), uint64(off)))
					buf := make([]float32, n+off)
					for i := range buf {
						buf[i] = rng.Float32()*4 - 2
					}
					x := buf[off:]
					dropSpecial(x)
					ref := rand.NewPCG(uint64(n)+7, 3)
					st := pcgStateOf(t, ref)
					rr := rand.New(ref)
					wantY := make([]float32, n)
					wantM := make([]byte, (n+7)/8+2)
					for i := range x {
						s := float32(0)
						if rr.Float32() >= p {
							s = scale
							wantM[i/8] |= 1 << (i % 8)
						}
						wantY[i] = x[i] * s
					}
					wantM[len(wantM)-2], wantM[len(wantM)-1] = 0xA5, 0x5A
					ybuf := make([]float32, n+off+1)
					y := ybuf[off : off+n]
					ybuf[off+n] = 42
					mbuf := make([]byte, len(wantM)+1)
					mask := mbuf[1:]
					for i := range mask {
						mask[i] = 0xFF
					}
					mask[len(mask)-2], mask[len(mask)-1] = 0xA5, 0x5A
					got := k.pcg(y, x, mask, st, thr, scale)
					if want := pcgStateOf(t, ref); got != want {
						t.Fatalf("%s: state after %x, rand.PCG %x", name, got, want)
					}
					for i := range y {
						if math.Float32bits(y[i]) != math.Float32bits(wantY[i]) {
							t.Fatalf("%s: y[%d] = %v, want %v", name, i, y[i], wantY[i])
						}
					}
					for i := range mask {
						if mask[i] != wantM[i] {
							t.Fatalf("%s: mask[%d] = %08b, want %08b", name, i, mask[i], wantM[i])
						}
					}
					if ybuf[off+n] != 42 || mbuf[0] != 0 {
						t.Fatalf("%s: wrote outside y or mask", name)
					}
				}
			}
		}
	}
}

// Every path's DropMask, DropMaskAcc and DropMaskSet give the element-wise definitions
// bit for bit (the backward product rounded before the sum; Set as Acc into zeros), at
// odd lengths and unaligned offsets.
func TestDropMaskPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, im := range impls {
		k := dropFor(im)
		for _, n := range dropSizes {
			for _, off := range []int{0, 1, 2} {
				name := fmt.Sprintf("%s n=%d off=%d", im.name, n, off)
				x := make([]float32, n+off)[off:]
				g := make([]float32, n+off)[off:]
				dx := make([]float32, n+off+1)[off:]
				for i := range x {
					x[i] = rng.Float32()*4 - 2
					g[i] = rng.Float32()*4 - 2
					dx[i] = rng.Float32()
				}
				dropSpecial(x)
				if n > 1 {
					dropSpecial(g[1:])
				}
				dx[n] = 42
				mask := make([]byte, (n+7)/8)
				for i := range mask {
					mask[i] = byte(rng.Uint32())
				}
				const scale = 1.25
				wantY := make([]float32, n)
				wantDX := append([]float32(nil), dx...)
				for i := range x {
					s := float32(0)
					if mask[i/8]>>(i%8)&1 == 1 {
						s = scale
					}
					wantY[i] = x[i] * s
					p := g[i] * s
					wantDX[i] = wantDX[i] + p
				}
				wantSet := make([]float32, n)
				for i := range g {
					s := float32(0)
					if mask[i/8]>>(i%8)&1 == 1 {
						s = scale
					}
					wantSet[i] += g[i] * s
				}
				y := make([]float32, n+off)[off:]
				k.mask(y, x, mask, scale)
				set := make([]float32, n+off+1)[off:]
				for i := range set {
					set[i] = float32(math.NaN())
				}
				k.maskSet(set[:n], g, mask, scale)
				k.maskAcc(dx[:n], g, mask, scale)
				if math.Float32bits(set[n]) != math.Float32bits(float32(math.NaN())) {
					t.Fatalf("%s: DropMaskSet wrote past len(g)", name)
				}
				for i := range n {
					if math.Float32bits(set[i]) != math.Float32bits(wantSet[i]) {
						t.Fatalf("%s: DropMaskSet dx[%d] = %v, want %v", name, i, set[i], wantSet[i])
					}
					if math.Float32bits(y[i]) != math.Float32bits(wantY[i]) {
						t.Fatalf("%s: DropMask y[%d] = %v, want %v", name, i, y[i], wantY[i])
					}
					if math.Float32bits(dx[i]) != math.Float32bits(wantDX[i]) {
						t.Fatalf("%s: DropMaskAcc dx[%d] = %v, want %v", name, i, dx[i], wantDX[i])
					}
				}
				if dx[n] != 42 {
					t.Fatalf("%s: DropMaskAcc wrote past len(g)", name)
				}
			}
		}
	}
}

// BenchmarkDropPCG times each path's kernels on one 64K-element chunk (about what one
// worker handles per ParallelFor call at paper size; it stays in L2).
func BenchmarkDropPCG(b *testing.B) {
	const n = 1 << 16
	x := make([]float32, n)
	y := make([]float32, n)
	for i := range x {
		x[i] = float32(i%17) - 8
	}
	mask := make([]byte, n/8)
	for _, im := range impls {
		k := dropFor(im)
		b.Run("pcg/"+im.name, func(b *testing.B) {
			st := [2]uint64{1, 2}
			for b.Loop() {
				st = k.pcg(y, x, mask, st, 1677722, 1/0.9)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/elem")
		})
		b.Run("maskacc/"+im.name, func(b *testing.B) {
			for b.Loop() {
				k.maskAcc(y, x, mask, 1/0.9)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/elem")
		})
	}
}
