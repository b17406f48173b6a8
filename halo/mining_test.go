package halo

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// nnBrute builds the full normalised similarity matrix and ranks each row.
func nnBrute(q, r []float32, dim, k int) [][]int {
	n := len(q) / dim
	s := make([]float32, n*n)
	for i := range n {
		for j := range n {
			var v float64
			for d := range dim {
				v += float64(q[i*dim+d])*float64(r[j*dim+d]) + float64(r[i*dim+d])*float64(q[j*dim+d])
			}
			s[i*n+j] = float32(v)
		}
	}
	mn, mx := slices.Min(s), slices.Max(s)
	out := make([][]int, n)
	for i := range n {
		idx := make([]int, 0, n-1)
		for j := range n {
			if j != i {
				idx = append(idx, j)
			}
		}
		nv := func(j int) float32 { return (s[i*n+j] - mn) / (mx - mn) }
		slices.SortStableFunc(idx, func(a, b int) int {
			switch {
			case nv(a) > nv(b):
				return -1
			case nv(a) < nv(b):
				return 1
			}
			return 0
		})
		out[i] = idx[:min(k, n-1)]
	}
	return out
}

func randUnit(rng *rand.Rand, v []float32) {
	var s float64
	for i := range v {
		v[i] = float32(rng.NormFloat64())
		s += float64(v[i]) * float64(v[i])
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(s))
	}
}

func TestNearestNeighboursMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name   string
		n, dim int
		ties   bool
	}{{"random", 150, 16, false}, {"few", 20, 8, false}, {"duplicated", 120, 8, true}} {
		t.Run(tc.name, func(t *testing.T) {
			q := make([]float32, tc.n*tc.dim)
			r := make([]float32, tc.n*tc.dim)
			for i := range tc.n {
				randUnit(rng, q[i*tc.dim:(i+1)*tc.dim])
				randUnit(rng, r[i*tc.dim:(i+1)*tc.dim])
				if tc.ties && i >= 10 {
					// Most samples are copies of 10 prototypes: rows full of exact ties,
					// which forces the full-row fallback.
					copy(q[i*tc.dim:(i+1)*tc.dim], q[(i%10)*tc.dim:])
					copy(r[i*tc.dim:(i+1)*tc.dim], r[(i%10)*tc.dim:])
				}
			}
			got, err := NearestNeighbours(q, r, tc.dim, MiningNeighbours)
			if err != nil {
				t.Fatal(err)
			}
			want := nnBrute(q, r, tc.dim, MiningNeighbours)
			for i := range want {
				if !slices.Equal(got[i], want[i]) {
					t.Fatalf("sample %d: neighbours %v, brute force %v", i, got[i], want[i])
				}
			}
		})
	}
	if _, err := NearestNeighbours(make([]float32, 10), make([]float32, 8), 2, 3); err == nil {
		t.Error("mismatched q/r lengths accepted")
	}
}

func checkPermutation(t *testing.T, order []int, n int, what string) {
	t.Helper()
	if len(order) != n {
		t.Fatalf("%s: %d indices for %d samples", what, len(order), n)
	}
	seen := make([]bool, n)
	for _, i := range order {
		if i < 0 || i >= n || seen[i] {
			t.Fatalf("%s: index %d repeated or out of range", what, i)
		}
		seen[i] = true
	}
}

// plantedPairs returns descriptors where sample i and i+n/2 are near-duplicates.
func plantedPairs(n, dim int, seed uint64) (q, r []float32) {
	rng := rand.New(rand.NewPCG(seed, 1))
	q = make([]float32, n*dim)
	r = make([]float32, n*dim)
	for i := range n / 2 {
		randUnit(rng, q[i*dim:(i+1)*dim])
		copy(r[i*dim:], q[i*dim:(i+1)*dim])
		copy(q[(i+n/2)*dim:], q[i*dim:(i+1)*dim])
		copy(r[(i+n/2)*dim:], q[i*dim:(i+1)*dim])
		for d := range dim { // small noise so the pairs are not exact ties
			r[i*dim+d] += 0.01 * float32(rng.NormFloat64())
			q[(i+n/2)*dim+d] += 0.01 * float32(rng.NormFloat64())
		}
	}
	return q, r
}

func TestSamplerPlantedPairsShareChunks(t *testing.T) {
	const n, dim = 256, 32
	q, r := plantedPairs(n, dim, 7)
	s := NewSampler(n, 42)
	for epoch := range 12 {
		if MiningDue(epoch) {
			if err := s.Mine(q, r, dim); err != nil {
				t.Fatal(err)
			}
			for i, l := range s.Neighbours() {
				if dup := (i + n/2) % n; l[0] != dup || len(l) != MiningNeighbours || slices.Contains(l, i) {
					t.Fatalf("sample %d: neighbours %v; want %d first, %d entries, not itself", i, l, dup, MiningNeighbours)
				}
			}
		}
		order, err := s.Order(epoch)
		if err != nil {
			t.Fatal(err)
		}
		checkPermutation(t, order, n, "epoch")
		chunkOf := make([]int, n)
		for p, i := range order {
			chunkOf[i] = p / MiningChunk
		}
		together := 0
		for i := range n / 2 {
			if chunkOf[i] == chunkOf[i+n/2] {
				together++
			}
		}
		if !s.Mined() {
			// A random order puts a pair together with probability about 31/255.
			if together > n/2/3 {
				t.Errorf("epoch %d (plain shuffle): %d of %d pairs share a chunk", epoch, together, n/2)
			}
			continue
		}
		// Many samples join chunks as some leader's neighbours, away from their twin,
		// but a far larger share of pairs than chance stays together...
		if together < n/2*2/5 {
			t.Errorf("epoch %d: only %d of %d pairs share a chunk", epoch, together, n/2)
		}
		// ...and a chunk's first sample is a leader: its nearest neighbour (its twin)
		// follows it into the chunk unless an earlier chunk took it already.
		for p := 0; p < n; p += MiningChunk {
			lead := order[p]
			twin := (lead + n/2) % n
			if chunkOf[twin] > chunkOf[lead] {
				t.Errorf("epoch %d: leader %d of chunk %d, twin %d in later chunk %d", epoch, lead, p/MiningChunk, twin, chunkOf[twin])
			}
		}
	}
}

// With neighbour lists shorter than MiningSelect/2 nothing is random, so the mined
// order can be written down by hand. Sample 0 has no neighbours, every other i has
// the single neighbour i+20 (mod 40): chunk 1 is 0, then 1,21, 2,22, ..., 15,35 (31
// entries); leader 16 fills it, so 36 is not added. Chunk 2 continues the pool with
// 17,37, 18,38, 19,39, then 20 (nobody pulled it; its neighbour 0 is used), and 36
// (21..35 are used; its neighbour 16 too).
func TestMineOrderByHand(t *testing.T) {
	const n = 40
	nb := make([][]int, n)
	for i := 1; i < n; i++ {
		nb[i] = []int{(i + 20) % n}
	}
	s := NewSampler(n, 1)
	if err := s.SetNeighbours(nb); err != nil {
		t.Fatal(err)
	}
	got, err := s.Order(0)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{0}
	for i := 1; i <= 15; i++ {
		want = append(want, i, i+20)
	}
	want = append(want, 16, 17, 37, 18, 38, 19, 39, 20, 36)
	if !slices.Equal(got, want) {
		t.Fatalf("order\n got %v\nwant %v", got, want)
	}
	// The next epoch walks this order as its pool.
	got, _ = s.Order(1)
	want = []int{0, 1, 21, 2, 22}
	if !slices.Equal(got[:5], want) {
		t.Errorf("epoch 1 starts %v, want %v", got[:5], want)
	}
}

func TestSamplerDeterminismAndResume(t *testing.T) {
	const n, dim = 100, 16
	q, r := plantedPairs(n, dim, 3)
	run := func(s *Sampler, from, to int) [][]int {
		var orders [][]int
		for e := from; e < to; e++ {
			if MiningDue(e) {
				if err := s.Mine(q, r, dim); err != nil {
					t.Fatal(err)
				}
			}
			o, err := s.Order(e)
			if err != nil {
				t.Fatal(err)
			}
			orders = append(orders, o)
		}
		return orders
	}
	a := run(NewSampler(n, 9), 0, 13)
	b := run(NewSampler(n, 9), 0, 13)
	for e := range a {
		if !slices.Equal(a[e], b[e]) {
			t.Fatalf("epoch %d differs between two runs with the same seed", e)
		}
	}
	c := run(NewSampler(n, 10), 0, 13)
	if slices.Equal(a[0], c[0]) || slices.Equal(a[7], c[7]) {
		t.Error("different seeds gave the same order")
	}
	// Resume after epoch 6 (mined) from a saved state.
	s := NewSampler(n, 9)
	run(s, 0, 7)
	st := s.State()
	st.Order[0], st.Order[1] = st.Order[1], st.Order[0] // the saved copy is independent
	st.Order[0], st.Order[1] = st.Order[1], st.Order[0]
	var r2 Sampler
	if err := r2.Restore(st); err != nil {
		t.Fatal(err)
	}
	again, err := r2.Order(6)
	if err != nil || !slices.Equal(again, a[6]) {
		t.Fatalf("restored sampler repeats epoch 6 wrongly (%v)", err)
	}
	rest := run(&r2, 7, 13)
	for i, o := range rest {
		if !slices.Equal(o, a[7+i]) {
			t.Fatalf("resumed epoch %d differs", 7+i)
		}
	}
	if _, err := r2.Order(20); err == nil {
		t.Error("out-of-sequence epoch accepted")
	}
	bad := st
	bad.Order = slices.Clone(st.Order)
	bad.Order[0] = bad.Order[1]
	if err := r2.Restore(bad); err == nil {
		t.Error("Restore accepted a non-permutation")
	}
}

func TestMiningDue(t *testing.T) {
	for e, want := range []bool{false, false, false, false, false, true, false, false, false, false, true} {
		if MiningDue(e) != want {
			t.Errorf("MiningDue(%d) = %v", e, !want)
		}
	}
}

// BenchmarkNearestNeighbours is mining over 2000 samples (cost grows as n^2).
func BenchmarkNearestNeighbours(b *testing.B) {
	const n, dim = 2000, 512
	q, r := plantedPairs(n, dim, 1)
	for b.Loop() {
		NearestNeighbours(q, r, dim, MiningNeighbours)
	}
}
