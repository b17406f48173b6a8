package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cvogl/halo/simd"
)

// seqDropout is the sequential float-mask dropout the parallel one must reproduce bit for
// bit: one rng.Float32 per element, y = x*mask, dx += g*mask.
func seqDropout(x, g []float32, p float32, rng *rand.Rand) (y, dx []float32) {
	y, mask := seqDropoutForward(x, p, rng)
	dx = make([]float32, len(x))
	for i := range x {
		dx[i] += g[i] * mask[i]
	}
	return y, dx
}

func seqDropoutForward(x []float32, p float32, rng *rand.Rand) (y, mask []float32) {
	mask = make([]float32, len(x))
	keep := keepScale(p)
	for i := range mask {
		if rng.Float32() >= p {
			mask[i] = keep
		}
	}
	y = make([]float32, len(x))
	for i := range x {
		y[i] = x[i] * mask[i]
	}
	return y, mask
}

func sameBits(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// PCGJump (simd.PCGJump) lands where stepping a rand.PCG does; simd's tests hold the
// per-draw step and output to rand.PCG.
func TestPCGJumpMatchesMathRand(t *testing.T) {
	for _, n := range []uint64{0, 1, 2, 3, 17, 1000, 65537} {
		q := rand.NewPCG(9, 10)
		want := PCGJump(PCGState(q), n)
		for range n {
			q.Uint64()
		}
		if got := PCGState(q); got != want {
			t.Fatalf("jump %d: %x, stepping gives %x", n, want, got)
		}
	}
}

// The fast path is only taken when the Rand's source can be reached; a Go release that
// changes rand.Rand would silently make Dropout sequential, so say so here.
func TestDropoutReachesPCG(t *testing.T) {
	src := rand.NewPCG(1, 1)
	if got := sourceOf(rand.New(src)); got != rand.Source(src) {
		t.Fatalf("sourceOf(rand.New(pcg)) = %v, want %p (layout check %v)", got, src, randLayoutOK)
	}
	c := rand.NewChaCha8([32]byte{})
	if sourceOf(rand.New(c)) != rand.Source(c) || sourceOf(nil) != nil {
		t.Fatal("sourceOf does not give the Rand's source")
	}
}

// Dropout (PCG-backed Rand, DropoutPCG, and a non-PCG source) gives the sequential
// loop's outputs, gradients and generator state, bit for bit, across chunk boundaries
// and on -0, NaN and Inf inputs.
func TestDropoutMatchesSequential(t *testing.T) {
	prev := simd.SetThreads(2)
	defer simd.SetThreads(prev)
	sizes := []int{0, 1, 7, 1000, dropGrain - 1, dropGrain, dropGrain + 1, 3*dropGrain + 5}
	for _, n := range sizes {
		for _, p := range []float32{0.1, 0.5, 0.9, 1, 1e-7, 0.99999994} {
			x := RandTensor(uint64(n)+70, -2, 2, n)
			if n > 3 {
				x.Data[0], x.Data[1], x.Data[2] = float32(math.NaN()), float32(math.Inf(-1)), float32(math.Copysign(0, -1))
			}
			g := make([]float32, n)
			for i := range g {
				g[i] = float32(i%13) - 6.5
			}
			wantY, wantDX := seqDropout(x.Data, g, p, rand.New(rand.NewPCG(uint64(n), 3)))
			ref := rand.NewPCG(uint64(n), 3)
			rr := rand.New(ref)
			for range n {
				rr.Float32()
			}
			wantState := PCGState(ref)
			for _, way := range []string{"Rand", "PCG", "ChaCha8"} {
				name := fmt.Sprintf("n=%d p=%v %s", n, p, way)
				src := rand.NewPCG(uint64(n), 3)
				x.Grad = nil
				var y *Tensor
				switch way {
				case "Rand":
					y = Dropout(x, p, rand.New(src), true)
				case "PCG":
					y = DropoutPCG(x, p, src, true)
				case "ChaCha8":
					seed := [32]byte{byte(n), byte(n >> 8), byte(n >> 16)}
					wantY, wantDX = seqDropout(x.Data, g, p, rand.New(rand.NewChaCha8(seed)))
					y = Dropout(x, p, rand.New(rand.NewChaCha8(seed)), true)
				}
				if i := sameBits(y.Data, wantY); i >= 0 {
					t.Fatalf("%s: y[%d] = %v, sequential %v", name, i, y.Data[i], wantY[i])
				}
				if way != "ChaCha8" {
					if got := PCGState(src); got != wantState {
						t.Fatalf("%s: generator left at %x, sequential at %x", name, got, wantState)
					}
				}
				if n == 0 {
					continue
				}
				y.BackwardWith(g)
				if i := sameBits(x.Grad, wantDX); i >= 0 {
					t.Fatalf("%s: dx[%d] = %v, sequential %v", name, i, x.Grad[i], wantDX[i])
				}
			}
		}
	}
}

// twoRuns replays n1 outputs of a PCG from state a, then continues from state b (the
// LSKNet recomputation's chunk generator has this shape); taken counts fast-path runs.
type twoRuns struct {
	pcg          rand.PCG
	n, switchAt  uint64
	second       [2]uint64
	taken, tried int
}

func (s *twoRuns) Uint64() uint64 {
	if s.n == s.switchAt {
		s.pcg.Seed(s.second[0], s.second[1])
	}
	s.n++
	return s.pcg.Uint64()
}

func (s *twoRuns) TakePCG(n uint64) ([2]uint64, bool) {
	s.tried++
	if s.n < s.switchAt && s.n+n > s.switchAt {
		return [2]uint64{}, false
	}
	if s.n == s.switchAt {
		s.pcg.Seed(s.second[0], s.second[1])
	}
	st := PCGState(&s.pcg)
	end := PCGJump(st, n)
	s.pcg.Seed(end[0], end[1])
	s.n += n
	s.taken++
	return st, true
}

func newTwoRuns(switchAt uint64) *twoRuns {
	s := &twoRuns{switchAt: switchAt, second: [2]uint64{77, 88}}
	s.pcg.Seed(5, 6)
	return s
}

// A PCGRuns source gets the sequential draws: in parallel where a call's draws are one
// run, sequentially where they cross into the next.
func TestDropoutPCGRuns(t *testing.T) {
	const p = 0.3
	for _, c := range []struct {
		switchAt  uint64
		sizes     []int
		wantTaken int
	}{
		{dropGrain + 3, []int{dropGrain + 3, 2*dropGrain + 1, 5}, 3}, // each call in one run
		{0, []int{40000, 9}, 2},     // all from the second state
		{100, []int{60, 60, 60}, 2}, // the second call crosses
	} {
		src, ref := newTwoRuns(c.switchAt), newTwoRuns(c.switchAt)
		rng, refRng := rand.New(src), rand.New(ref)
		for k, n := range c.sizes {
			x := RandTensor(uint64(80+k), -1, 1, n)
			want, _ := seqDropoutForward(x.Data, p, refRng)
			y := Dropout(x, p, rng, true)
			if i := sameBits(y.Data, want); i >= 0 {
				t.Fatalf("switch at %d, call %d (%d values): y[%d] = %v, sequential %v", c.switchAt, k, n, i, y.Data[i], want[i])
			}
		}
		if src.taken != c.wantTaken || rng.Uint64() != refRng.Uint64() {
			t.Fatalf("switch at %d: %d of %d calls in parallel (want %d), or the source ended elsewhere", c.switchAt, src.taken, src.tried, c.wantTaken)
		}
	}
}

// DropPath keeps its draws and float results with the bit mask, for samples that start
// and end inside mask bytes, span several, or are shorter than one.
func TestDropPathMatchesSequential(t *testing.T) {
	const p = 0.4
	for _, shape := range [][]int{{9, 3, 5}, {5, 20}, {7, 3}, {4, 8}, {3, 1}, {2, 37}} {
		x := RandTensor(71, -1, 1, shape...)
		x.Data[0] = float32(math.Inf(1))
		per := len(x.Data) / shape[0]
		rng := ewRng()
		y := DropPath(x, p, rng, true)
		ref := ewRng()
		for s := range shape[0] {
			keep := ref.Float32() >= p
			for i := s * per; i < (s+1)*per; i++ {
				want := x.Data[i] * 0
				if keep {
					want = x.Data[i] * keepScale(p)
				}
				if math.Float32bits(y.Data[i]) != math.Float32bits(want) {
					t.Fatalf("shape %v: y[%d] = %v, want %v", shape, i, y.Data[i], want)
				}
			}
		}
		if rng.Uint64() != ref.Uint64() {
			t.Fatalf("shape %v: DropPath left the generator elsewhere than one draw per sample", shape)
		}
	}
}

// The backward accumulates into a gradient that is already there (dx += g*mask) and,
// when it is the first to write one, stores exactly what accumulating into zeros gives
// (TestDropoutMatchesSequential); a reused pool buffer's old contents never leak in.
func TestDropoutBackwardAccumulates(t *testing.T) {
	const p = 0.3
	n := 2*dropGrain + 21
	x := RandTensor(76, -1, 1, n)
	g := make([]float32, n)
	for i := range g {
		g[i] = float32(i%7) - 3
	}
	_, wantDX := seqDropout(x.Data, g, p, rand.New(rand.NewPCG(4, 4)))
	prev := make([]float32, n)
	for i := range prev {
		prev[i] = float32(i%5) * 0.25
	}
	x.Grad = append([]float32(nil), prev...)
	Dropout(x, p, rand.New(rand.NewPCG(4, 4)), true).BackwardWith(g)
	for i := range wantDX {
		if want := prev[i] + wantDX[i]; math.Float32bits(x.Grad[i]) != math.Float32bits(want) {
			t.Fatalf("dx[%d] = %v, want %v + %v", i, x.Grad[i], prev[i], wantDX[i])
		}
	}
	// A pool buffer full of garbage handed to the next first writer.
	junk := simd.GetBuf(n)
	for i := range junk {
		junk[i] = float32(math.NaN())
	}
	simd.PutBuf(junk)
	x.Grad = nil
	Dropout(x, p, rand.New(rand.NewPCG(4, 4)), true).BackwardWith(g)
	if i := sameBits(x.Grad, wantDX); i >= 0 {
		t.Fatalf("first write: dx[%d] = %v, want %v", i, x.Grad[i], wantDX[i])
	}
}
