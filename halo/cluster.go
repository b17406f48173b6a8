package halo

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/cvogl/halo/autograd"
)

// NumClusters is the number of token clusters of the feature hierarchisation (FSRA's
// build_cluster_feature with block = 3).
const NumClusters = 3

// ClusterInfo holds the per-sample details of ClusterFeatures (the golden aux.* tensors).
type ClusterInfo struct {
	Heat    [][]float32 // [B][L] token means over channels
	Order   [][]int     // [B][L] token indices sorted by heat, descending
	Sorted  [][]float32 // [B][L] heat in that order (the k-means input)
	Labels  [][]int     // [B][L] cluster of the r-th sorted token, 0 = highest centre
	Counts  [][NumClusters]int
	Centers [][NumClusters]float32 // mean heat per cluster, descending; 0 when empty
}

// ClusterFeatures is the adaptive feature hierarchisation of model/FSRA.py
// (get_heartmap_pool_cluster) on tokens x [B, L, C]: per sample the tokens are sorted by
// their channel mean (descending; equal means keep token order), the sorted means are
// split into 3 clusters by 1-D k-means, clusters are labelled by centre (highest -> 0),
// and f_k [B, C] is the mean of the tokens of cluster k. Gradients flow to x through
// those means; the labels are constants.
//
// The official code runs sklearn KMeans (random init, not reproducible, often a local
// optimum); here the clustering is the exact global optimum (Split3), which is what the
// golden data was made to contain. If a sample has fewer than 3 distinct means (or fewer
// than 3 tokens), the official code would crash at torch.stack; here each distinct value
// gets its own cluster in order and an empty cluster k takes the features (and gradient
// path) of cluster k-1, so f1 = f2 = f0 for a constant map. Counts report 0 for it.
func ClusterFeatures(x *autograd.Tensor) (f0, f1, f2 *autograd.Tensor, info *ClusterInfo) {
	if len(x.Shape) != 3 || x.Shape[1] == 0 || x.Shape[2] == 0 {
		panic(fmt.Sprintf("halo.ClusterFeatures: x shape %v, want [B, L, C] with L, C > 0", x.Shape))
	}
	B, L, C := x.Shape[0], x.Shape[1], x.Shape[2]
	info = &ClusterInfo{
		Heat: make([][]float32, B), Order: make([][]int, B), Sorted: make([][]float32, B),
		Labels: make([][]int, B), Counts: make([][NumClusters]int, B), Centers: make([][NumClusters]float32, B),
	}
	// src[b][k] is the cluster whose tokens make f_k of sample b (k itself unless empty).
	src := make([][NumClusters]int, B)
	outs := [NumClusters]*autograd.Tensor{}
	for k := range outs {
		outs[k] = autograd.Zeros(B, C)
	}
	sum := make([]float64, C)
	for b := range B {
		xb := x.Data[b*L*C : (b+1)*L*C]
		heat := make([]float32, L)
		for l := range L {
			var s float64
			for _, v := range xb[l*C : (l+1)*C] {
				s += float64(v)
			}
			heat[l] = float32(s / float64(C))
		}
		order := make([]int, L)
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(i, j int) int { return cmp.Compare(heat[j], heat[i]) })
		sorted := make([]float32, L)
		for r, i := range order {
			sorted[r] = heat[i]
		}
		c1, c2 := Split3(sorted)
		labels := make([]int, L)
		bounds := [NumClusters + 1]int{0, c1, c2, L}
		for k := range NumClusters {
			lo, hi := bounds[k], bounds[k+1]
			info.Counts[b][k] = hi - lo
			src[b][k] = k
			if hi == lo {
				if k > 0 {
					src[b][k] = src[b][k-1]
				}
				continue
			}
			var hs float64
			clear(sum)
			for r := lo; r < hi; r++ {
				labels[r] = k
				hs += float64(sorted[r])
				for c, v := range xb[order[r]*C : (order[r]+1)*C] {
					sum[c] += float64(v)
				}
			}
			info.Centers[b][k] = float32(hs / float64(hi-lo))
			for c := range C {
				outs[k].Data[b*C+c] = float32(sum[c] / float64(hi-lo))
			}
		}
		for k := range NumClusters {
			if s := src[b][k]; s != k {
				copy(outs[k].Data[b*C:(b+1)*C], outs[s].Data[b*C:(b+1)*C])
			}
		}
		info.Heat[b], info.Order[b], info.Sorted[b], info.Labels[b] = heat, order, sorted, labels
	}
	for k := range NumClusters {
		outs[k] = autograd.Record(fmt.Sprintf("cluster_feature%d", k), outs[k], func(g []float32) {
			if !x.RequiresGrad() {
				return
			}
			dx := x.GradBuf()
			for b := range B {
				s := src[b][k]
				n := info.Counts[b][s]
				if n == 0 { // every cluster empty: L == 0, excluded above
					continue
				}
				lo := 0
				for j := range s {
					lo += info.Counts[b][j]
				}
				inv := 1 / float32(n)
				gb := g[b*C : (b+1)*C]
				for r := lo; r < lo+n; r++ {
					d := dx[(b*L+info.Order[b][r])*C : (b*L+info.Order[b][r]+1)*C]
					for c, v := range gb {
						d[c] += v * inv
					}
				}
			}
		}, x)
	}
	return outs[0], outs[1], outs[2], info
}

// Split3 is an exact 1-D 3-means of values sorted in descending order: it returns the
// cuts c1 <= c2 such that the runs [0,c1), [c1,c2), [c2,n) have the minimum total
// squared error around their means. In 1-D every k-means fixed point (sklearn's result
// included, when it reaches the optimum) is such a split into contiguous runs.
//
// Cuts are only placed between different values (equal values never straddle clusters,
// as k-means labels by nearest centre). Among splits with exactly equal SSE the
// smallest c1, then the smallest c2, wins. With fewer than 3 distinct values the runs of
// equal values are the clusters and the rest are empty (c1 or c2 = n). Sums are in
// float64 around the mean, so the result is the optimum of the float32 inputs unless two
// splits differ by less than float64 rounding. O(n log n): for a fixed first cut the
// best second cut is monotone in it (the interval SSE is Monge), found by divide and
// conquer.
func Split3(sorted []float32) (c1, c2 int) {
	n := len(sorted)
	var cuts []int
	for c := 1; c < n; c++ {
		if sorted[c-1] != sorted[c] {
			cuts = append(cuts, c)
		}
	}
	switch len(cuts) {
	case 0:
		return n, n
	case 1:
		return cuts[0], n
	}
	var mean float64
	for _, v := range sorted {
		mean += float64(v)
	}
	mean /= float64(n)
	s1 := make([]float64, n+1)
	s2 := make([]float64, n+1)
	for i, v := range sorted {
		d := float64(v) - mean
		s1[i+1] = s1[i] + d
		s2[i+1] = s2[i] + d*d
	}
	sse := func(a, b int) float64 {
		s := s1[b] - s1[a]
		return s2[b] - s2[a] - s*s/float64(b-a)
	}
	m := len(cuts)
	opt := make([]int, m) // opt[i]: best index j > i into cuts for the second cut
	val := make([]float64, m)
	var solve func(ilo, ihi, jlo, jhi int)
	solve = func(ilo, ihi, jlo, jhi int) {
		for ilo <= ihi {
			mid := (ilo + ihi) / 2
			bj, bv := -1, 0.0
			for j := max(jlo, mid+1); j <= jhi; j++ {
				v := sse(cuts[mid], cuts[j]) + sse(cuts[j], n)
				if bj < 0 || v < bv {
					bj, bv = j, v
				}
			}
			opt[mid], val[mid] = bj, bv
			solve(ilo, mid-1, jlo, bj)
			ilo, jlo = mid+1, bj
		}
	}
	solve(0, m-2, 1, m-1)
	bi, bv := -1, 0.0
	for i := 0; i <= m-2; i++ {
		v := sse(0, cuts[i]) + val[i]
		if bi < 0 || v < bv {
			bi, bv = i, v
		}
	}
	return cuts[bi], cuts[opt[bi]]
}
