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
// nil means 1 (no drop-path: the product is then not taken). The product and the
// factor are rounded in that order, as Mul followed by DropPath rounds them, so out
// equals Add(x, DropPath(Mul(scale, a))) to the bit. out may alias x.
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
		s := scale[c]
		if keep == nil {
			for i, v := range as {
				o[i] = xs[i] + float32(s*v) // no FMA: Mul then Add round twice
			}
			return
		}
		k := keep[n]
		for i, v := range as {
			o[i] = xs[i] + float32(s*v)*k
		}
	})
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
		at := (n*geo.C + c) * geo.Inner
		gs, as := g[at+i0:at+i1], a[at+i0:at+i1]
		as = as[:len(gs)]
		if dx != nil {
			d := dx[at+i0 : at+i1]
			simd.Add(d, d, gs)
		}
		k := float32(1)
		if keep != nil {
			k = keep[n]
		}
		s := scale[c]
		if da != nil {
			d := da[at+i0 : at+i1]
			d = d[:len(gs)]
			if keep == nil {
				for i, v := range gs {
					d[i] += float32(v * s)
				}
			} else {
				for i, v := range gs {
					d[i] += float32(float32(v*k) * s)
				}
			}
		}
		if dscale != nil {
			var sum float64
			for i, v := range gs {
				sum += float64(as[i] * float32(v*k))
			}
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
