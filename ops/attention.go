package ops

import "github.com/cvogl/halo/simd"

// LinearAttentionDims gives the shapes of LoFTR's linear attention: queries
// [N, L, H, D], keys [N, S, H, D], values [N, S, H, Dv], output [N, L, H, Dv].
type LinearAttentionDims struct{ N, L, S, H, D, Dv int }

// LinearAttentionState keeps what the backward pass needs from the forward:
// the feature maps Qf = elu(q)+1 [N,L,H,D] and Kf = elu(k)+1 [N,S,H,D], and per
// (n, h) head KV = Kf^T v [D,Dv], ksum = sum_s Kf [D], and per (n, l, h) Z.
type LinearAttentionState struct {
	Qf, Kf, KV, KSum, Z []float32
}

// eluPlusOne is the attention's feature map phi(x) = elu(x) + 1, positive everywhere.
// Computed as elu then +1, like the official code, so small values round as PyTorch's.
func eluPlusOne(dst, src []float32) {
	simd.ParallelFor(len(src), 1<<14, func(lo, hi int) {
		simd.ELU(dst[lo:hi], src[lo:hi])
		simd.AddScalar(dst[lo:hi], dst[lo:hi], 1)
	})
}

// LinearAttentionForward computes, per batch element n and head h,
//
//	out[l] = Qf[l]·KV / (Qf[l]·ksum + eps)
//
// with KV = sum_s Kf[s]^T v[s] and ksum = sum_s Kf[s]. The official code divides v by
// S before forming KV and multiplies the result by S again, a float16 overflow guard
// that cancels exactly in real arithmetic; in float32 it only perturbs rounding, so
// it is left out.
func LinearAttentionForward(out, q, k, v []float32, d LinearAttentionDims, eps float32) *LinearAttentionState {
	st := &LinearAttentionState{
		Qf:   make([]float32, len(q)),
		Kf:   make([]float32, len(k)),
		KV:   make([]float32, d.N*d.H*d.D*d.Dv),
		KSum: make([]float32, d.N*d.H*d.D),
		Z:    make([]float32, d.N*d.L*d.H),
	}
	eluPlusOne(st.Qf, q)
	eluPlusOne(st.Kf, k)
	hd, hdv := d.H*d.D, d.H*d.Dv
	simd.ParallelFor(d.N*d.H, 1, func(lo, hi int) {
		for nh := lo; nh < hi; nh++ {
			n, h := nh/d.H, nh%d.H
			qf := st.Qf[n*d.L*hd+h*d.D:]
			kf := st.Kf[n*d.S*hd+h*d.D:]
			vs := v[n*d.S*hdv+h*d.Dv:]
			os := out[n*d.L*hdv+h*d.Dv:]
			kv := st.KV[nh*d.D*d.Dv : (nh+1)*d.D*d.Dv]
			ksum := st.KSum[nh*d.D : (nh+1)*d.D]
			simd.Sgemm(true, false, d.D, d.Dv, d.S, 1, kf, hd, vs, hdv, 0, kv, d.Dv)
			sumRows(ksum, kf, d.S, d.D, hd)
			simd.Sgemm(false, false, d.L, d.Dv, d.D, 1, qf, hd, kv, d.Dv, 0, os, hdv)
			for l := 0; l < d.L; l++ {
				z := 1 / (simd.Dot(qf[l*hd:l*hd+d.D], ksum) + eps)
				st.Z[(n*d.L+l)*d.H+h] = z
				simd.Scale(z, os[l*hdv:l*hdv+d.Dv])
			}
		}
	})
	return st
}

// sumRows sets dst[j] = sum over r < rows of src[r*ld + j], in float64.
func sumRows(dst, src []float32, rows, cols, ld int) {
	acc := make([]float64, cols)
	for r := 0; r < rows; r++ {
		for j, v := range src[r*ld : r*ld+cols] {
			acc[j] += float64(v)
		}
	}
	for j, a := range acc {
		dst[j] = float32(a)
	}
}

// LinearAttentionBackward accumulates dq, dk, dv (each may be nil) given the output
// gradient g and the forward's out and state. Per head, with A = Qf·KV and
// out = Z*A, Z = 1/den, den = Qf·ksum + eps:
//
//	dA = Z*g, dden[l] = -Z[l] * sum_v g[l,v]*out[l,v]
//	dQf = dA·KV^T + dden ksum^T,   dKV = Qf^T·dA,   dksum = Qf^T dden
//	dKf = v·dKV^T + 1 dksum^T,     dv = Kf·dKV
//
// and phi'(x) = 1 for x > 0, exp(x) = phi(x) otherwise.
func LinearAttentionBackward(dq, dk, dv, g, out, q, k, v []float32, st *LinearAttentionState, d LinearAttentionDims) {
	hd, hdv := d.H*d.D, d.H*d.Dv
	simd.ParallelFor(d.N*d.H, 1, func(lo, hi int) {
		dA := make([]float32, d.L*d.Dv)
		dden := make([]float32, d.L)
		dKV := make([]float32, d.D*d.Dv)
		dksum := make([]float32, d.D)
		scratch := make([]float32, d.D)
		var tmpQ, tmpK []float32
		if dq != nil {
			tmpQ = make([]float32, d.L*d.D)
		}
		if dk != nil {
			tmpK = make([]float32, d.S*d.D)
		}
		for nh := lo; nh < hi; nh++ {
			n, h := nh/d.H, nh%d.H
			qOff, kOff := n*d.L*hd+h*d.D, n*d.S*hd+h*d.D
			vOff, oOff := n*d.S*hdv+h*d.Dv, n*d.L*hdv+h*d.Dv
			qf, kf, vs := st.Qf[qOff:], st.Kf[kOff:], v[vOff:]
			kv := st.KV[nh*d.D*d.Dv : (nh+1)*d.D*d.Dv]
			ksum := st.KSum[nh*d.D : (nh+1)*d.D]
			for l := 0; l < d.L; l++ {
				z := st.Z[(n*d.L+l)*d.H+h]
				gl := g[oOff+l*hdv : oOff+l*hdv+d.Dv]
				ol := out[oOff+l*hdv : oOff+l*hdv+d.Dv]
				dden[l] = -z * simd.Dot(gl, ol)
				for j, gv := range gl {
					dA[l*d.Dv+j] = z * gv
				}
			}
			if dq != nil {
				simd.Sgemm(false, true, d.L, d.D, d.Dv, 1, dA, d.Dv, kv, d.Dv, 0, tmpQ, d.D)
				for l := 0; l < d.L; l++ {
					row := tmpQ[l*d.D : (l+1)*d.D]
					simd.Axpy(dden[l], ksum, row)
					phiGrad(dq[qOff+l*hd:qOff+l*hd+d.D], row, q[qOff+l*hd:], scratch)
				}
			}
			if dk == nil && dv == nil {
				continue
			}
			simd.Sgemm(true, false, d.D, d.Dv, d.L, 1, qf, hd, dA, d.Dv, 0, dKV, d.Dv)
			if dv != nil {
				simd.Sgemm(false, false, d.S, d.Dv, d.D, 1, kf, hd, dKV, d.Dv, 1, dv[vOff:], hdv)
			}
			if dk != nil {
				clear(dksum)
				for l := 0; l < d.L; l++ {
					simd.Axpy(dden[l], qf[l*hd:l*hd+d.D], dksum)
				}
				simd.Sgemm(false, true, d.S, d.D, d.Dv, 1, vs, hdv, dKV, d.Dv, 0, tmpK, d.D)
				for s := 0; s < d.S; s++ {
					row := tmpK[s*d.D : (s+1)*d.D]
					simd.Axpy(1, dksum, row)
					phiGrad(dk[kOff+s*hd:kOff+s*hd+d.D], row, k[kOff+s*hd:], scratch)
				}
			}
		}
	})
}

// phiGrad accumulates dx += gphi * phi'(x), where phi(x) = elu(x)+1 has derivative 1
// for x > 0 and exp(x) otherwise. exp(x) is computed afresh into scratch rather than
// read back from phi, which lost its relative precision for very negative x in the +1.
func phiGrad(dx, gphi, x, scratch []float32) {
	n := len(gphi)
	x, dx, e := x[:n], dx[:n], scratch[:n]
	simd.Exp(e, x)
	for i, gv := range gphi {
		d := e[i]
		if x[i] > 0 {
			d = 1 // a conditional move: signs are random, a branch would mispredict
		}
		dx[i] += gv * d
	}
}
