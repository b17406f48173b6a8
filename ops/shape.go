package ops

import (
	"fmt"

	"github.com/cvogl/halo/simd"
)

// Shape kernels view a tensor as [outer, n, inner] around one axis (see AxisSplit).
// Forward kernels overwrite dst; backward kernels accumulate into the gradient.

// Concat writes the concatenation of srcs along the middle axis: src j is
// [outer, sizes[j], inner] and dst is [outer, sum(sizes), inner].
func Concat(dst []float32, srcs [][]float32, sizes []int, outer, inner int) {
	total := 0
	for j, s := range sizes {
		checkLen(fmt.Sprintf("Concat src %d", j), len(srcs[j]), outer*s*inner)
		total += s
	}
	checkLen("Concat dst", len(dst), outer*total*inner)
	simd.ParallelFor(outer, max(1, elemGrain/max(total*inner, 1)), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			off := o * total * inner
			for j, s := range sizes {
				blk := s * inner
				copy(dst[off:off+blk], srcs[j][o*blk:(o+1)*blk])
				off += blk
			}
		}
	})
}

// ConcatBackward accumulates each part of g into its source's gradient; a nil entry in
// dsrcs is skipped.
func ConcatBackward(dsrcs [][]float32, g []float32, sizes []int, outer, inner int) {
	total := 0
	for _, s := range sizes {
		total += s
	}
	checkLen("ConcatBackward g", len(g), outer*total*inner)
	simd.ParallelFor(outer, max(1, elemGrain/max(total*inner, 1)), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			off := o * total * inner
			for j, s := range sizes {
				blk := s * inner
				if dsrcs[j] != nil {
					AddTo(dsrcs[j][o*blk:(o+1)*blk], g[off:off+blk])
				}
				off += blk
			}
		}
	})
}

// SliceAxis writes dst = x[:, start:end, :] for x viewed as [outer, n, inner].
func SliceAxis(dst, x []float32, outer, n, inner, start, end int) {
	if start < 0 || end > n || start > end {
		panic(fmt.Sprintf("ops.SliceAxis: range [%d, %d) outside an axis of %d", start, end, n))
	}
	checkLen("SliceAxis x", len(x), outer*n*inner)
	checkLen("SliceAxis dst", len(dst), outer*(end-start)*inner)
	blk := (end - start) * inner
	simd.ParallelFor(outer, max(1, elemGrain/max(blk, 1)), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			copy(dst[o*blk:(o+1)*blk], x[(o*n+start)*inner:])
		}
	})
}

// SliceAxisBackward accumulates g into dx[:, start:end, :].
func SliceAxisBackward(dx, g []float32, outer, n, inner, start, end int) {
	checkLen("SliceAxisBackward dx", len(dx), outer*n*inner)
	checkLen("SliceAxisBackward g", len(g), outer*(end-start)*inner)
	blk := (end - start) * inner
	simd.ParallelFor(outer, max(1, elemGrain/max(blk, 1)), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			AddTo(dx[(o*n+start)*inner:(o*n+start)*inner+blk], g[o*blk:(o+1)*blk])
		}
	})
}

// IndexSelect writes dst[o,j,i] = x[o,idx[j],i] for x viewed as [outer, n, inner].
func IndexSelect(dst, x []float32, outer, n, inner int, idx []int) {
	checkLen("IndexSelect x", len(x), outer*n*inner)
	checkLen("IndexSelect dst", len(dst), outer*len(idx)*inner)
	for j, k := range idx {
		if k < 0 || k >= n {
			panic(fmt.Sprintf("ops.IndexSelect: index %d (position %d) outside an axis of %d", k, j, n))
		}
	}
	m := len(idx)
	for o := range outer {
		for j, k := range idx {
			copy(dst[(o*m+j)*inner:(o*m+j+1)*inner], x[(o*n+k)*inner:])
		}
	}
}

// IndexSelectBackward accumulates dx[o,idx[j],i] += g[o,j,i]; repeated indices add up.
func IndexSelectBackward(dx, g []float32, outer, n, inner int, idx []int) {
	checkLen("IndexSelectBackward dx", len(dx), outer*n*inner)
	checkLen("IndexSelectBackward g", len(g), outer*len(idx)*inner)
	m := len(idx)
	for o := range outer {
		for j, k := range idx {
			AddTo(dx[(o*n+k)*inner:(o*n+k+1)*inner], g[(o*m+j)*inner:])
		}
	}
}

// PermuteShape returns the shape of a tensor of shape shape permuted by perm
// (output axis i is input axis perm[i]), checking that perm is a permutation.
func PermuteShape(shape, perm []int) ([]int, error) {
	if len(perm) != len(shape) {
		return nil, fmt.Errorf("permutation %v for a shape %v of %d axes", perm, shape, len(shape))
	}
	seen := make([]bool, len(shape))
	out := make([]int, len(shape))
	for i, p := range perm {
		if p < 0 || p >= len(shape) || seen[p] {
			return nil, fmt.Errorf("%v is not a permutation of %d axes", perm, len(shape))
		}
		seen[p] = true
		out[i] = shape[p]
	}
	return out, nil
}

// Permute writes (or, with accumulate, adds) into dst the tensor x of shape shape with
// its axes reordered by perm. Axes that stay neighbours are merged first; a transpose of
// the last two merged axes goes through cache-sized tiles.
func Permute(dst, x []float32, shape, perm []int, accumulate bool) {
	outShape, err := PermuteShape(shape, perm)
	if err != nil {
		panic("ops.Permute: " + err.Error())
	}
	n := numel(shape)
	checkLen("Permute x", len(x), n)
	checkLen("Permute dst", len(dst), n)
	if n == 0 {
		return
	}
	inStride := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		inStride[i] = acc
		acc *= shape[i]
	}
	// Merged output axes with their input strides.
	var dims, st []int
	for i, p := range perm {
		if outShape[i] == 1 {
			continue
		}
		k := len(dims) - 1
		if k >= 0 && st[k] == inStride[p]*outShape[i] {
			dims[k] *= outShape[i]
			st[k] = inStride[p]
			continue
		}
		dims = append(dims, outShape[i])
		st = append(st, inStride[p])
	}
	if len(dims) == 0 {
		dims, st = []int{1}, []int{1}
	}
	k := len(dims)
	if st[k-1] == 1 {
		// Innermost axis contiguous in x: copy runs.
		run := dims[k-1]
		simd.ParallelFor(numel(dims[:k-1]), max(1, elemGrain/run), func(lo, hi int) {
			outerIter(dims[:k-1], st[:k-1], lo, hi, func(o, off int) {
				d := dst[o*run : (o+1)*run]
				if accumulate {
					AddTo(d, x[off:off+run])
				} else {
					copy(d, x[off:off+run])
				}
			})
		})
		return
	}
	if k == 1 {
		s := st[0]
		parallelElems(dims[0], func(lo, hi int) {
			for i := lo; i < hi; i++ {
				if accumulate {
					dst[i] += x[i*s]
				} else {
					dst[i] = x[i*s]
				}
			}
		})
		return
	}
	// Tiled 2-D transpose over the last two merged axes; a work unit is one band of
	// tile rows of one outer entry.
	r, c := dims[k-2], dims[k-1]
	sr, sc := st[k-2], st[k-1]
	const tile = 8 // 8x8 tiles: power-of-two strides alias in the L1 sets beyond that
	bands := (r + tile - 1) / tile
	simd.ParallelFor(numel(dims[:k-2])*bands, max(1, elemGrain/(tile*c)), func(lo, hi int) {
		for u := lo; u < hi; u++ {
			o, i0 := u/bands, (u%bands)*tile
			i1 := min(i0+tile, r)
			off := 0
			for d, rem := k-3, o; d >= 0; d-- {
				off += (rem % dims[d]) * st[d]
				rem /= dims[d]
			}
			base := o * r * c
			for j0 := 0; j0 < c; j0 += tile {
				j1 := min(j0+tile, c)
				for i := i0; i < i1; i++ {
					drow := dst[base+i*c : base+i*c+c]
					src := off + i*sr
					if accumulate {
						for j := j0; j < j1; j++ {
							drow[j] += x[src+j*sc]
						}
					} else {
						for j := j0; j < j1; j++ {
							drow[j] = x[src+j*sc]
						}
					}
				}
			}
		}
	})
}

// outerIter calls fn(o, off) for the multi-indices number lo to hi-1 over dims in
// row-major order, with off the matching offset under strides st.
func outerIter(dims, st []int, lo, hi int, fn func(o, off int)) {
	idx := make([]int, len(dims))
	off := 0
	for d, rem := len(dims)-1, lo; d >= 0; d-- {
		idx[d] = rem % dims[d]
		rem /= dims[d]
		off += idx[d] * st[d]
	}
	for o := lo; o < hi; o++ {
		fn(o, off)
		for d := len(dims) - 1; d >= 0; d-- {
			idx[d]++
			off += st[d]
			if idx[d] < dims[d] {
				break
			}
			off -= st[d] * dims[d]
			idx[d] = 0
		}
	}
}
