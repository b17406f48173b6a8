package ops

import (
	"fmt"

	"github.com/cvogl/halo/simd"
)

// Scaled residual: the end of each LSKNet block half, x + DropPath(layer_scale * a).
// Composed, that is a broadcast Mul, a drop-path mask pass and an Add, each a trip
// over the activation both ways; fused it is one pass forward and one backward.

// ResidualGeom views x and a as [N, C, Inner]: N samples (each with its drop-path
// factor), C channels (each with its scale), Inner values per channel.
type ResidualGeom struct {
	N, C, Inner int
}

// split returns how many pieces each (n, c) plane is cut into: one unless there are
// too few planes to keep the workers busy.
func (g ResidualGeom) split() int {
	if t, planes := simd.Threads(), g.N*g.C; planes < 4*t && g.Inner >= 2*elemGrain {
		return min((4*t+planes-1)/planes, g.Inner/elemGrain)
	}
	return 1
}

// forPlanes runs fn(u, n, c, i0, i1) over the pieces [i0, i1) of every (n, c) plane cut
// into parts, in parallel; u = (n*C + c)*parts + piece numbers the work items.
func (g ResidualGeom) forPlanes(parts int, fn func(u, n, c, i0, i1 int)) {
	piece := (g.Inner + parts - 1) / parts
	simd.ParallelFor(g.N*g.C*parts, max(1, elemGrain/max(piece, 1)), func(lo, hi int) {
		for u := lo; u < hi; u++ {
			p, k := u/parts, u%parts
			if i0, i1 := k*piece, min((k+1)*piece, g.Inner); i0 < i1 {
				fn(u, p/g.C, p%g.C, i0, i1)
			}
		}
	})
}

func (g ResidualGeom) check(op string, scale, keep []float32) {
	if g.N < 0 || g.C < 0 || g.Inner < 0 {
		panic(fmt.Sprintf("ops.%s: bad geometry %+v", op, g))
	}
	checkLen(op+" scale", len(scale), g.C)
	if keep != nil {
		checkLen(op+" keep", len(keep), g.N)
	}
}

// ScaleResidual computes out = x + (scale[c] * a) * keep[n] over [N, C, Inner]; keep
// nil means 1 (no drop-path; multiplying by 1 changes nothing). The product and the
// factor are rounded in that order, as Mul followed by DropPath rounds them, so out
// equals Add(x, DropPath(Mul(scale, a))) (or Add(x, Mul(scale, a))) to the bit. out
// may alias x.
func ScaleResidual(out, x, a, scale, keep []float32, g ResidualGeom) {
	g.check("ScaleResidual", scale, keep)
	n := g.N * g.C * g.Inner
	checkLen("ScaleResidual out", len(out), n)
	checkLen("ScaleResidual x", len(x), n)
	checkLen("ScaleResidual a", len(a), n)
	g.forPlanes(g.split(), func(_, n, c, i0, i1 int) {
		at := (n*g.C + c) * g.Inner
		o, xs, as := out[at+i0:at+i1], x[at+i0:at+i1], a[at+i0:at+i1]
		xs, as = xs[:len(o)], as[:len(o)]
		s, k := scale[c], float32(1) // exact: p*1 == p, so no keep gives x + s*a
		if keep != nil {
			k = keep[n]
		}
		for i, v := range as {
			o[i] = xs[i] + float32(float32(s*v)*k) // no FMA: Mul, DropPath, Add each round
		}
	})
}

// resChunk is how many values ScaleResidualBackward takes through its passes at a time.
const resChunk = 2048

// residualGradAS accumulates da += (g*k)*s (da nil: skipped) and returns
// sum a*(g*k), in float64 with four partial sums, so the sum is not one long chain of
// dependent additions.
func residualGradAS(da, g, a []float32, k, s float32) float64 {
	a = a[:len(g)]
	var s0, s1, s2, s3 float64
	i := 0
	if da != nil {
		da = da[:len(g)]
		for ; i+4 <= len(g); i += 4 {
			t0, t1, t2, t3 := float32(g[i]*k), float32(g[i+1]*k), float32(g[i+2]*k), float32(g[i+3]*k)
			da[i] += float32(t0 * s)
			da[i+1] += float32(t1 * s)
			da[i+2] += float32(t2 * s)
			da[i+3] += float32(t3 * s)
			s0 += float64(a[i] * t0)
			s1 += float64(a[i+1] * t1)
			s2 += float64(a[i+2] * t2)
			s3 += float64(a[i+3] * t3)
		}
	} else {
		for ; i+4 <= len(g); i += 4 {
			s0 += float64(a[i] * float32(g[i]*k))
			s1 += float64(a[i+1] * float32(g[i+1]*k))
			s2 += float64(a[i+2] * float32(g[i+2]*k))
			s3 += float64(a[i+3] * float32(g[i+3]*k))
		}
	}
	for ; i < len(g); i++ {
		t := float32(g[i] * k)
		if da != nil {
			da[i] += float32(t * s)
		}
		s0 += float64(a[i] * t)
	}
	return (s0 + s1) + (s2 + s3)
}

// ScaleResidualBackward accumulates the gradients of ScaleResidual's output g:
// dx += g, da += (g*keep[n])*scale[c] and dscale[c] += sum a*(g*keep[n]) (summed in
// float64, partial sums per work item added in a fixed order); any of dx, da, dscale
// may be nil. dx may alias da (x and a the same tensor).
func ScaleResidualBackward(dx, da, dscale, g, a, scale, keep []float32, geo ResidualGeom) {
	geo.check("ScaleResidualBackward", scale, keep)
	n := geo.N * geo.C * geo.Inner
	checkLen("ScaleResidualBackward g", len(g), n)
	checkLen("ScaleResidualBackward a", len(a), n)
	for _, d := range []struct {
		name string
		s    []float32
		n    int
	}{{"dx", dx, n}, {"da", da, n}, {"dscale", dscale, geo.C}} {
		if d.s != nil {
			checkLen("ScaleResidualBackward "+d.name, len(d.s), d.n)
		}
	}
	parts := geo.split()
	var partial []float64
	if dscale != nil {
		partial = make([]float64, geo.N*geo.C*parts)
	}
	geo.forPlanes(parts, func(u, n, c, i0, i1 int) {
		k := float32(1) // exact: v*1 == v, so no keep gives the plain products
		if keep != nil {
			k = keep[n]
		}
		s := scale[c]
		var sum float64
		// Chunks small enough that the passes after dx's find g in L1.
		for c0 := i0; c0 < i1; c0 += resChunk {
			c1 := min(c0+resChunk, i1)
			at := (n*geo.C+c)*geo.Inner + c0
			gs, as := g[at:at+c1-c0], a[at:at+c1-c0]
			if dx != nil {
				d := dx[at : at+len(gs)]
				simd.Add(d, d, gs)
			}
			switch {
			case da != nil && dscale != nil:
				sum += residualGradAS(da[at:at+len(gs)], gs, as, k, s)
			case da != nil:
				d := da[at : at+len(gs)]
				for i, v := range gs {
					d[i] += float32(float32(v*k) * s)
				}
			case dscale != nil:
				sum += residualGradAS(nil, gs, as, k, s)
			}
		}
		if dscale != nil {
			partial[u] = sum
		}
	})
	if dscale != nil {
		for c := range geo.C {
			var sum float64
			for n := range geo.N {
				for _, v := range partial[(n*geo.C+c)*parts : (n*geo.C+c+1)*parts] {
					sum += v
				}
			}
			dscale[c] += float32(sum)
		}
	}
}
