package halo

import (
	"fmt"
	"math"

	"github.com/cvogl/halo/autograd"
)

// YoloLoss is yolo_loss of model/loss.py on the head output pred [B, A*5, G, G]
// (viewed as [B, A, 5, G, G]: channel = anchor*5 + field, fields tx, ty, tw, th, conf)
// and the batch's target from BuildTarget. It returns two scalars:
//
//   - geo = MSE(sigmoid tx, t0) + MSE(sigmoid ty, t1) + MSE(tw, t2) + MSE(th, t3), each
//     MSE a mean over the batch of the prediction at [b, best, :, gj, gi];
//   - cls = cross-entropy of one softmax over all A*G*G confidence logits of a sample
//     (flat index anchor*G*G + gj*G + gi) with target best*G*G + gj*G + gi, mean over B.
//
// Both are differentiable with respect to pred; the target is a constant. A target
// cell outside the grid panics with the offending sample.
func YoloLoss(pred *autograd.Tensor, tgt Target) (geo, cls *autograd.Tensor) {
	if len(pred.Shape) != 4 || pred.Shape[1]%5 != 0 || pred.Shape[2] != pred.Shape[3] {
		panic(fmt.Sprintf("halo.YoloLoss: pred shape %v, want [B, A*5, G, G]", pred.Shape))
	}
	B, A, G := pred.Shape[0], pred.Shape[1]/5, pred.Shape[2]
	if len(tgt.Box) != B || len(tgt.Best) != B || len(tgt.GI) != B || len(tgt.GJ) != B {
		panic(fmt.Sprintf("halo.YoloLoss: target for %d samples, pred batch %d", len(tgt.Box), B))
	}
	GG := G * G
	// at returns the flat index of field f of anchor a at cell (gj, gi) of sample b.
	at := func(b, a, f, gj, gi int) int { return ((b*A+a)*5+f)*GG + gj*G + gi }
	for b := range B {
		if tgt.Best[b] < 0 || tgt.Best[b] >= A || tgt.GI[b] < 0 || tgt.GI[b] >= G || tgt.GJ[b] < 0 || tgt.GJ[b] >= G {
			panic(fmt.Sprintf("halo.YoloLoss: sample %d: anchor %d cell (gi %d, gj %d) outside %d anchors, grid %d",
				b, tgt.Best[b], tgt.GI[b], tgt.GJ[b], A, G))
		}
	}
	x := pred.Data
	invB := 1 / float64(B)

	// Geometry: sum over fields of mean over samples of the squared error.
	var sq [4]float64
	sel := make([][4]float32, B) // prediction after sigmoid on tx, ty
	for b := range B {
		for f := range 4 {
			v := x[at(b, tgt.Best[b], f, tgt.GJ[b], tgt.GI[b])]
			if f < 2 {
				v = sigmoid32(v)
			}
			sel[b][f] = v
			d := float64(v - tgt.Box[b][f])
			sq[f] += d * d
		}
	}
	var geoV float32
	for f := range 4 {
		geoV += float32(sq[f] * invB)
	}
	geo = autograd.Record("yolo_loss_geo", autograd.Scalar(geoV), func(g []float32) {
		if !pred.RequiresGrad() {
			return
		}
		dx := pred.GradBuf()
		s := 2 * float64(g[0]) * invB
		for b := range B {
			for f := range 4 {
				v := sel[b][f]
				d := s * float64(v-tgt.Box[b][f])
				if f < 2 {
					d *= float64(v) * (1 - float64(v))
				}
				dx[at(b, tgt.Best[b], f, tgt.GJ[b], tgt.GI[b])] += float32(d)
			}
		}
	}, pred)

	// Confidence: log-sum-exp over the A*G*G logits of each sample.
	n := A * GG
	lse := make([]float64, B)
	logit := func(b, k int) float64 { return float64(x[at(b, k/GG, 4, 0, 0)+k%GG]) }
	var clsSum float64
	for b := range B {
		m := math.Inf(-1)
		for k := range n {
			m = max(m, logit(b, k))
		}
		var s float64
		for k := range n {
			s += math.Exp(logit(b, k) - m)
		}
		lse[b] = m + math.Log(s)
		tk := tgt.Best[b]*GG + tgt.GJ[b]*G + tgt.GI[b]
		clsSum += lse[b] - logit(b, tk)
	}
	cls = autograd.Record("yolo_loss_cls", autograd.Scalar(float32(clsSum*invB)), func(g []float32) {
		if !pred.RequiresGrad() {
			return
		}
		dx := pred.GradBuf()
		s := float64(g[0]) * invB
		for b := range B {
			tk := tgt.Best[b]*GG + tgt.GJ[b]*G + tgt.GI[b]
			for k := range n {
				p := math.Exp(logit(b, k) - lse[b])
				if k == tk {
					p--
				}
				dx[at(b, k/GG, 4, 0, 0)+k%GG] += float32(s * p)
			}
		}
	}, pred)
	return geo, cls
}
