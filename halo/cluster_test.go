package halo

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/loader/golden"
)

func TestClusterFeaturesGolden(t *testing.T) {
	for _, name := range golden.CasesOf(t, "build_cluster_feature") {
		t.Run(name, func(t *testing.T) {
			c := golden.Load(t, name)
			xd, xs := c.F32(t, "in.x")
			x := autograd.Param(xd, xs...)
			f0, f1, f2, info := ClusterFeatures(x)
			B, L := xs[0], xs[1]

			order, _ := c.I64(t, "aux.sorted_order")
			labels, _ := c.I64(t, "aux.labels_sorted")
			counts, _ := c.I64(t, "aux.counts")
			for b := range B {
				for r := range L {
					if info.Order[b][r] != int(order[b*L+r]) {
						t.Fatalf("sample %d: sorted order differs at rank %d: %d, golden %d", b, r, info.Order[b][r], order[b*L+r])
					}
					if info.Labels[b][r] != int(labels[b*L+r]) {
						t.Fatalf("sample %d: label of sorted token %d = %d, golden %d", b, r, info.Labels[b][r], labels[b*L+r])
					}
				}
				for k := range NumClusters {
					if info.Counts[b][k] != int(counts[b*NumClusters+k]) {
						t.Errorf("sample %d: count %d = %d, golden %d", b, k, info.Counts[b][k], counts[b*NumClusters+k])
					}
				}
			}
			c.Check(t, "aux.heat", slices.Concat(info.Heat...))
			c.Check(t, "aux.kmeans_input_sorted", slices.Concat(info.Sorted...))
			var centers []float32
			for _, cs := range info.Centers {
				centers = append(centers, cs[:]...)
			}
			c.Check(t, "aux.centers_desc", centers)

			outs := []*autograd.Tensor{f0, f1, f2}
			var cots [][]float32
			for k, o := range outs {
				n := "out.f" + string(rune('0'+k))
				c.Check(t, n, o.Data)
				cot, _ := c.F32(t, "cot.f"+string(rune('0'+k)))
				cots = append(cots, cot)
			}
			autograd.Backward(outs, cots)
			c.Check(t, "grad.in.x", x.Grad)
		})
	}
}

// split3Brute scans every pair of cuts (between different values) in float64.
func split3Brute(v []float32) (int, int, float64) {
	n := len(v)
	sse := func(a, b int) float64 {
		var m float64
		for _, x := range v[a:b] {
			m += float64(x)
		}
		m /= float64(b - a)
		var s float64
		for _, x := range v[a:b] {
			s += (float64(x) - m) * (float64(x) - m)
		}
		return s
	}
	b1, b2, best := -1, -1, math.Inf(1)
	for i := 1; i < n; i++ {
		if v[i-1] == v[i] {
			continue
		}
		for j := i + 1; j < n; j++ {
			if v[j-1] == v[j] {
				continue
			}
			if s := sse(0, i) + sse(i, j) + sse(j, n); s < best {
				b1, b2, best = i, j, s
			}
		}
	}
	return b1, b2, best
}

func TestSplit3MatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	sseOf := func(v []float32, c1, c2 int) float64 {
		tot := 0.0
		for _, r := range [][2]int{{0, c1}, {c1, c2}, {c2, len(v)}} {
			var m float64
			for _, x := range v[r[0]:r[1]] {
				m += float64(x)
			}
			m /= float64(r[1] - r[0])
			for _, x := range v[r[0]:r[1]] {
				tot += (float64(x) - m) * (float64(x) - m)
			}
		}
		return tot
	}
	for trial := range 306 {
		n := 3 + rng.IntN(60)
		if trial >= 300 { // a few longer runs, where a wrong monotone search would show
			n = 300
		}
		v := make([]float32, n)
		for i := range v {
			switch trial % 3 {
			case 0: // continuous
				v[i] = float32(rng.NormFloat64())
			case 1: // many ties
				v[i] = float32(rng.IntN(6))
			default: // three blobs
				v[i] = float32(rng.IntN(3)*4) + 0.5*float32(rng.NormFloat64())
			}
		}
		slices.SortFunc(v, func(a, b float32) int { return -cmpF(a, b) })
		w1, w2, want := split3Brute(v)
		c1, c2 := Split3(v)
		if w1 < 0 {
			continue // fewer than 3 distinct values: covered elsewhere
		}
		got := sseOf(v, c1, c2)
		if got > want*(1+1e-12)+1e-12 {
			t.Fatalf("trial %d: Split3 cuts (%d,%d) SSE %v, brute force (%d,%d) SSE %v; v=%v", trial, c1, c2, got, w1, w2, want, v)
		}
		if c1 == 0 || c2 <= c1 || c2 >= n || v[c1-1] == v[c1] || v[c2-1] == v[c2] {
			t.Fatalf("trial %d: invalid cuts (%d,%d) in %v", trial, c1, c2, v)
		}
	}
}

func cmpF(a, b float32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Planted clusters must be found exactly, also at full-size token counts.
func TestSplit3Planted(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	v := make([]float32, 4096)
	for i := range v {
		switch {
		case i < 100:
			v[i] = 10 + 0.1*rng.Float32()
		case i < 1000:
			v[i] = 5 + 0.1*rng.Float32()
		default:
			v[i] = 0.1 * rng.Float32()
		}
	}
	slices.SortFunc(v, func(a, b float32) int { return -cmpF(a, b) })
	if c1, c2 := Split3(v); c1 != 100 || c2 != 1000 {
		t.Errorf("cuts (%d, %d), want (100, 1000)", c1, c2)
	}
}

func TestClusterFeaturesDegenerate(t *testing.T) {
	// Sample 0: one distinct mean (all tokens equal); sample 1: two distinct means;
	// sample 2: only two tokens. None may panic; empty clusters copy cluster k-1.
	x := autograd.Zeros(3, 2, 2)
	copy(x.Data, []float32{1, 1, 1, 1, 3, 3, 1, 1, 5, 6, 1, 2})
	x.SetRequiresGrad(true)
	f0, f1, f2, info := ClusterFeatures(x)
	wantCounts := [][3]int{{2, 0, 0}, {1, 1, 0}, {1, 1, 0}}
	for b, w := range wantCounts {
		if info.Counts[b] != w {
			t.Errorf("sample %d counts %v, want %v", b, info.Counts[b], w)
		}
	}
	want := [][]float32{
		{1, 1, 3, 3, 5, 6}, // f0
		{1, 1, 1, 1, 1, 2}, // f1
		{1, 1, 1, 1, 1, 2}, // f2 = f1 (empty)
	}
	for k, f := range []*autograd.Tensor{f0, f1, f2} {
		if !slices.Equal(f.Data, want[k]) {
			t.Errorf("f%d = %v, want %v", k, f.Data, want[k])
		}
	}
	autograd.Backward([]*autograd.Tensor{f0, f1, f2}, [][]float32{{1, 1, 1, 1, 1, 1}, {0, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1}})
	// Sample 0: f0 and f2 both average the two tokens: each token gets 1/2 + 1/2.
	if !slices.Equal(x.Grad[:4], []float32{1, 1, 1, 1}) {
		t.Errorf("grad sample 0 = %v", x.Grad[:4])
	}
	// Sample 1: token 0 (mean 3) is cluster 0, token 1 cluster 1 which f2 copies.
	if !slices.Equal(x.Grad[4:8], []float32{1, 1, 1, 1}) {
		t.Errorf("grad sample 1 = %v", x.Grad[4:8])
	}
}

func TestClusterFeaturesGradCheck(t *testing.T) {
	const B, L, C = 2, 9, 3
	x := autograd.RandTensor(11, -1, 1, B, L, C)
	// The labels are constants: the reference reuses the clustering of the float32 run
	// (finite differences must not cross a cluster boundary).
	_, _, _, info := ClusterFeatures(x.Detach())
	autograd.GradCheck(t, []*autograd.Tensor{x},
		func(in []*autograd.Tensor) []*autograd.Tensor {
			f0, f1, f2, _ := ClusterFeatures(in[0])
			return []*autograd.Tensor{f0, f1, f2}
		},
		func(in [][]float64) [][]float64 {
			out := make([][]float64, NumClusters)
			for k := range out {
				out[k] = make([]float64, B*C)
			}
			for b := range B {
				for r, l := range info.Order[b] {
					k := info.Labels[b][r]
					for c := range C {
						out[k][b*C+c] += in[0][(b*L+l)*C+c] / float64(info.Counts[b][k])
					}
				}
			}
			return out
		})
	for b := range B {
		for k := range NumClusters {
			if info.Counts[b][k] == 0 {
				t.Fatalf("gradcheck input has an empty cluster in sample %d", b)
			}
		}
	}
}

// The whole-model cases record the official k-means inputs and labels (exact optimum)
// of the query (16 tokens) and satellite (256 tokens) maps; Split3 must reproduce them.
func TestSplit3WholeModelKMeans(t *testing.T) {
	for _, name := range golden.CasesOf(t, "HALO") {
		c := golden.Load(t, name)
		for _, side := range []string{"qry", "sat"} {
			pre := "aux.kmeans." + side + "."
			if !c.Has(pre + "input_sorted") {
				continue
			}
			in, s := c.F32(t, pre+"input_sorted")
			labels, _ := c.I64(t, pre+"labels_sorted")
			counts, _ := c.I64(t, pre+"counts")
			B, L := s[0], s[1]
			for b := range B {
				c1, c2 := Split3(in[b*L : (b+1)*L])
				got := [3]int64{int64(c1), int64(c2 - c1), int64(L - c2)}
				if got != [3]int64(counts[b*3:b*3+3]) {
					t.Errorf("%s %s sample %d: counts %v, golden %v", name, side, b, got, counts[b*3:b*3+3])
				}
				for r := range L {
					want := 0
					if r >= c1 {
						want = 1
					}
					if r >= c2 {
						want = 2
					}
					if int64(want) != labels[b*L+r] {
						t.Errorf("%s %s sample %d: label %d at rank %d differs from golden %d", name, side, b, want, r, labels[b*L+r])
						break
					}
				}
			}
		}
	}
}

// BenchmarkClusterFeaturesFullSize is the per-step satellite cost at paper size.
func BenchmarkClusterFeaturesFullSize(b *testing.B) {
	x := autograd.RandTensor(1, -1, 1, 16, 4096, 512)
	for b.Loop() {
		ClusterFeatures(x)
	}
}
