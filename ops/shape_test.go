package ops

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// ewPermutations returns every permutation of 0..n-1.
func ewPermutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range ewPermutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int(nil), p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

func TestPermuteAllOrders(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	// The last shape is large enough to be split across workers.
	shapes := [][]int{{3, 1, 4, 5}, {2, 33, 1, 40}, {2, 3, 4, 5}, {3, 200, 150}}
	for _, shape := range shapes {
		n := numel(shape)
		x := ewRand(rng, n, -1, 1)
		for _, perm := range ewPermutations(len(shape)) {
			out, _ := PermuteShape(shape, perm)
			got := make([]float32, n)
			Permute(got, x, shape, perm, false)
			acc := ewRand(rng, n, -1, 1)
			base := append([]float32(nil), acc...)
			Permute(acc, x, shape, perm, true)
			for i := range n {
				oi := ewUnravel(i, out)
				src := make([]int, len(shape))
				for d, p := range perm {
					src[p] = oi[d]
				}
				k := 0
				for d, s := range shape {
					k = k*s + src[d]
				}
				if got[i] != x[k] || acc[i] != base[i]+x[k] {
					t.Fatalf("Permute %v by %v: [%d] = %v (acc %v), want %v", shape, perm, i, got[i], acc[i], x[k])
				}
			}
		}
	}
	if _, err := PermuteShape([]int{2, 3}, []int{1, 1}); err == nil {
		t.Error("[1 1] accepted as a permutation")
	}
}

func TestAxisKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const outer, inner = 3, 5
	sizes := []int{2, 0, 4}
	srcs := make([][]float32, len(sizes))
	for j, s := range sizes {
		srcs[j] = ewRand(rng, outer*s*inner, -1, 1)
	}
	dst := make([]float32, outer*6*inner)
	Concat(dst, srcs, sizes, outer, inner)
	// Slicing the concatenation gives the parts back; their gradients go back in place.
	start := 0
	grads := make([][]float32, len(sizes))
	for j, s := range sizes {
		part := make([]float32, outer*s*inner)
		SliceAxis(part, dst, outer, 6, inner, start, start+s)
		if fmt.Sprint(part) != fmt.Sprint(srcs[j]) {
			t.Fatalf("part %d: %v, want %v", j, part, srcs[j])
		}
		grads[j] = make([]float32, len(part))
		start += s
	}
	grads[1] = nil
	ConcatBackward(grads, dst, sizes, outer, inner)
	if fmt.Sprint(grads[0]) != fmt.Sprint(srcs[0]) || fmt.Sprint(grads[2]) != fmt.Sprint(srcs[2]) {
		t.Fatal("ConcatBackward did not route the gradient back")
	}
	dx := make([]float32, len(dst))
	SliceAxisBackward(dx, srcs[2], outer, 6, inner, 2, 6)
	SliceAxisBackward(dx, srcs[0], outer, 6, inner, 0, 2)
	if fmt.Sprint(dx) != fmt.Sprint(dst) {
		t.Fatal("SliceAxisBackward did not place the gradient")
	}
	// IndexSelect with a repeated index; its backward adds the repeats.
	x := ewRand(rng, outer*4*inner, -1, 1)
	idx := []int{2, 2, 0}
	sel := make([]float32, outer*3*inner)
	IndexSelect(sel, x, outer, 4, inner, idx)
	gx := make([]float32, len(x))
	IndexSelectBackward(gx, sel, outer, 4, inner, idx)
	for o := range outer {
		for k := range 4 {
			for i := range inner {
				v := x[(o*4+k)*inner+i]
				want := map[int]float32{0: v, 1: 0, 2: 2 * v, 3: 0}[k]
				if got := gx[(o*4+k)*inner+i]; got != want {
					t.Fatalf("IndexSelectBackward [%d,%d,%d] = %v, want %v", o, k, i, got, want)
				}
				if k < 3 && sel[(o*3+k)*inner+i] != x[(o*4+idx[k])*inner+i] {
					t.Fatalf("IndexSelect [%d,%d,%d] wrong", o, k, i)
				}
			}
		}
	}
}

// NCHW feature map to [N, HW, C] tokens, as before the attention layers.
func BenchmarkPermuteToTokens(b *testing.B) {
	shape := []int{2, 512, 64, 64}
	x := make([]float32, numel(shape))
	dst := make([]float32, len(x))
	b.SetBytes(int64(4 * len(x)))
	for b.Loop() {
		Permute(dst, x, shape, []int{0, 2, 3, 1}, false)
	}
}
