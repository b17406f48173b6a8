package halo

import (
	"cmp"
	"container/heap"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/cvogl/halo/simd"
)

// Hard-sample mining constants of the official training (train_HALO_sample.py,
// dataset/cal_sim_sem_cluster.py, RSDataset.shuffle).
const (
	MiningInterval   = 5  // descriptors are recomputed at epochs 5, 10, 15, ...
	MiningNeighbours = 32 // neighbours kept per sample (calc_sim: neighbour_range=32)
	MiningChunk      = 32 // shuffle_batch_size: similar samples are grouped in chunks of 32
	MiningSelect     = 16 // neighbour_select: 8 nearest + 8 random of the rest
)

// MiningDue reports whether the official loop recomputes the neighbour lists before
// shuffling for this epoch (epoch != 0 and epoch % 5 == 0).
func MiningDue(epoch int) bool { return epoch != 0 && epoch%MiningInterval == 0 }

// Sampler produces the per-epoch training order with the official hard-sample mining.
//
// Like the official dataset, it keeps the current order ("self.samples", initially
// 0..n-1) and each epoch derives the next one from it: before the first Mine a seeded
// shuffle of the current order; after it, the current order is walked and regrouped
// into chunks of MiningChunk: the next unused sample, then its MiningSelect/2 nearest
// neighbours and MiningSelect/2 random ones of its remaining neighbours, each only if
// not used yet this epoch, until the chunk is full; a last short chunk ends the epoch.
// Every epoch's randomness comes from a generator seeded with (seed, epoch), so State
// and Restore are enough to resume bit-exactly (Python's random stream is not
// reproduced; only the procedure is).
type Sampler struct {
	n, epoch int
	seed     uint64
	order    []int
	neigh    [][]int
}

// SamplerState is everything a Sampler needs to resume: store it in a checkpoint.
type SamplerState struct {
	N          int
	Seed       uint64
	Epoch      int     // last epoch whose order was built (-1: none yet)
	Order      []int   // that epoch's order (the identity before the first)
	Neighbours [][]int // nil before the first mining
}

// NewSampler returns a sampler over n samples; no epoch has been built yet.
func NewSampler(n int, seed uint64) *Sampler {
	if n <= 0 {
		panic(fmt.Sprintf("halo.NewSampler: %d samples", n))
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	return &Sampler{n: n, epoch: -1, seed: seed, order: order}
}

// Len returns the number of samples.
func (s *Sampler) Len() int { return s.n }

// Mined reports whether neighbour lists are set (hard-sample epochs).
func (s *Sampler) Mined() bool { return s.neigh != nil }

// Neighbours returns the current neighbour lists (nil before mining); do not modify.
func (s *Sampler) Neighbours() [][]int { return s.neigh }

// Mine recomputes the neighbour lists from the whole training set's descriptors
// (NearestNeighbours with MiningNeighbours); later epochs use them.
func (s *Sampler) Mine(q, r []float32, dim int) error {
	if dim <= 0 || len(q) != s.n*dim {
		return fmt.Errorf("halo: Sampler.Mine: %d query values, want %d samples x dim %d", len(q), s.n, dim)
	}
	nb, err := NearestNeighbours(q, r, dim, MiningNeighbours)
	if err != nil {
		return err
	}
	return s.SetNeighbours(nb)
}

// SetNeighbours installs neighbour lists computed elsewhere (one list per sample, valid
// indices, nearest first).
func (s *Sampler) SetNeighbours(nb [][]int) error {
	if len(nb) != s.n {
		return fmt.Errorf("halo: Sampler.SetNeighbours: %d lists for %d samples", len(nb), s.n)
	}
	for i, l := range nb {
		for _, j := range l {
			if j < 0 || j >= s.n {
				return fmt.Errorf("halo: Sampler.SetNeighbours: sample %d has neighbour %d outside [0,%d)", i, j, s.n)
			}
		}
	}
	s.neigh = nb
	return nil
}

// Order returns the sample order of the given epoch. Epochs must be requested in
// sequence (each order is built from the previous one, as in the official loop): the
// epoch after the last one built, or the last one again. Call Mine before Order when
// MiningDue(epoch).
func (s *Sampler) Order(epoch int) ([]int, error) {
	switch epoch {
	case s.epoch:
		return slices.Clone(s.order), nil
	case s.epoch + 1:
	default:
		return nil, fmt.Errorf("halo: Sampler.Order(%d): the last epoch built is %d; epochs must come in sequence", epoch, s.epoch)
	}
	rng := rand.New(rand.NewPCG(s.seed, 0x5851f42d4c957f2d^uint64(epoch)))
	if s.neigh == nil {
		rng.Shuffle(s.n, func(i, j int) { s.order[i], s.order[j] = s.order[j], s.order[i] })
	} else {
		s.order = mineOrder(s.order, s.neigh, rng)
	}
	s.epoch = epoch
	return slices.Clone(s.order), nil
}

// mineOrder is RSDataset.shuffle with a similarity dictionary.
func mineOrder(pool []int, neigh [][]int, rng *rand.Rand) []int {
	used := make([]bool, len(pool))
	out := make([]int, 0, len(pool))
	chunk := make([]int, 0, MiningChunk)
	half := MiningSelect / 2
	var rest []int
	for _, idx := range pool {
		if used[idx] {
			continue
		}
		chunk = append(chunk, idx)
		used[idx] = true
		if len(chunk) < MiningChunk {
			near := neigh[idx][:min(len(neigh[idx]), MiningNeighbours)]
			always := near[:min(len(near), half)]
			rest = append(rest[:0], near[len(always):]...)
			rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
			rest = rest[:min(len(rest), half)]
			for _, cand := range slices.Concat(always, rest) {
				if len(chunk) >= MiningChunk {
					break
				}
				if !used[cand] {
					chunk = append(chunk, cand)
					used[cand] = true
				}
			}
		}
		if len(chunk) >= MiningChunk {
			out = append(out, chunk...)
			chunk = chunk[:0]
		}
	}
	return append(out, chunk...)
}

// State returns a copy of the sampler's state.
func (s *Sampler) State() SamplerState {
	st := SamplerState{N: s.n, Seed: s.seed, Epoch: s.epoch, Order: slices.Clone(s.order)}
	if s.neigh != nil {
		st.Neighbours = make([][]int, len(s.neigh))
		for i, l := range s.neigh {
			st.Neighbours[i] = slices.Clone(l)
		}
	}
	return st
}

// Restore replaces the sampler's state with st (validated: Order must be a
// permutation of 0..N-1).
func (s *Sampler) Restore(st SamplerState) error {
	if st.N <= 0 || len(st.Order) != st.N {
		return fmt.Errorf("halo: Sampler.Restore: N %d with an order of %d", st.N, len(st.Order))
	}
	seen := make([]bool, st.N)
	for _, i := range st.Order {
		if i < 0 || i >= st.N || seen[i] {
			return fmt.Errorf("halo: Sampler.Restore: order is not a permutation of 0..%d (index %d)", st.N-1, i)
		}
		seen[i] = true
	}
	ns := &Sampler{n: st.N, epoch: st.Epoch, seed: st.Seed, order: slices.Clone(st.Order)}
	if st.Neighbours != nil {
		if err := ns.SetNeighbours(st.Neighbours); err != nil {
			return err
		}
		ns.neigh = ns.State().Neighbours // a deep copy, not the caller's lists
	}
	*s = *ns
	return nil
}

// NearestNeighbours is calc_sim of dataset/cal_sim_sem_cluster.py: with query
// descriptors q and reference descriptors r ([N, dim] row-major each, sample i's pair in
// row i), S = Q R^T + R Q^T (symmetric), min-max normalised over the whole matrix in
// float32, and each sample's k most similar other samples, most similar first (ties:
// lower index first; torch.topk leaves that order unspecified). For N <= k every other
// sample is listed. The N x N matrix is never held: rows are computed in blocks, keeping
// 2k+2 raw candidates per row; a row whose normalised values might tie across that
// margin is recomputed in full.
func NearestNeighbours(q, r []float32, dim, k int) ([][]int, error) {
	if dim <= 0 || len(q)%dim != 0 || len(q) == 0 || len(r) != len(q) {
		return nil, fmt.Errorf("halo: NearestNeighbours: %d query and %d reference values for dim %d", len(q), len(r), dim)
	}
	n := len(q) / dim
	k = min(k, n-1)
	// S[i,j] = [q_i, r_i] . [r_j, q_j]: one GEMM instead of two. The right factor is
	// stored transposed ([2*dim, n]) so that every GEMM path streams it contiguously.
	a := make([]float32, n*2*dim)
	bt := make([]float32, 2*dim*n)
	for i := range n {
		copy(a[i*2*dim:], q[i*dim:(i+1)*dim])
		copy(a[i*2*dim+dim:], r[i*dim:(i+1)*dim])
		for d := range dim {
			bt[d*n+i] = r[i*dim+d]
			bt[(dim+d)*n+i] = q[i*dim+d]
		}
	}
	keep := min(2*k+2, n-1)
	cands := make([][]simCand, n)
	const block = 128
	rowMin := make([]float32, n)
	rowMax := make([]float32, n)
	buf := make([]float32, block*n)
	for lo := 0; lo < n; lo += block {
		m := min(block, n-lo)
		simd.Sgemm(false, false, m, n, 2*dim, 1, a[lo*2*dim:], 2*dim, bt, n, 0, buf, n)
		simd.ParallelFor(m, 8, func(r0, r1 int) {
			for ii := r0; ii < r1; ii++ {
				i := lo + ii
				row := buf[ii*n : (ii+1)*n]
				rowMin[i], rowMax[i] = slices.Min(row), slices.Max(row)
				cands[i] = topCands(row, i, keep)
			}
		})
	}
	mn, mx := slices.Min(rowMin), slices.Max(rowMax)
	norm := func(v float32) float32 { return (v - mn) / (mx - mn) }
	out := make([][]int, n)
	for i := range n {
		c := cands[i]
		for j := range c {
			c[j].norm = norm(c[j].raw)
		}
		sortCands(c)
		if len(c) == keep && keep < n-1 && c[keep-1].norm == c[k-1].norm {
			// Normalisation merged values down to the margin: rank the whole row.
			row := make([]float32, n)
			simd.Sgemm(false, false, 1, n, 2*dim, 1, a[i*2*dim:], 2*dim, bt, n, 0, row, n)
			c = topCands(row, i, n-1)
			for j := range c {
				c[j].norm = norm(c[j].raw)
			}
			sortCands(c)
		}
		out[i] = make([]int, k)
		for j := range k {
			out[i][j] = c[j].idx
		}
	}
	return out, nil
}

type simCand struct {
	raw, norm float32
	idx       int
}

// sortCands orders by normalised similarity, descending, then index.
func sortCands(c []simCand) {
	slices.SortFunc(c, func(x, y simCand) int {
		if d := cmp.Compare(y.norm, x.norm); d != 0 {
			return d
		}
		return cmp.Compare(x.idx, y.idx)
	})
}

// candHeap is a min-heap of the best candidates seen so far (worst on top: smallest
// value, then largest index).
type candHeap []simCand

func (h candHeap) Len() int { return len(h) }
func (h candHeap) Less(i, j int) bool {
	if h[i].raw != h[j].raw {
		return h[i].raw < h[j].raw
	}
	return h[i].idx > h[j].idx
}
func (h candHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *candHeap) Push(x any)   { *h = append(*h, x.(simCand)) }
func (h *candHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// topCands returns the keep largest raw values of row other than column self (larger
// value first on ties of the lower index), unsorted.
func topCands(row []float32, self, keep int) []simCand {
	h := make(candHeap, 0, keep)
	for j, v := range row {
		if j == self {
			continue
		}
		if len(h) < keep {
			heap.Push(&h, simCand{raw: v, idx: j})
		} else if v > h[0].raw { // equal raw: the earlier index already held wins
			h[0] = simCand{raw: v, idx: j}
			heap.Fix(&h, 0)
		}
	}
	return h
}
