package halo

import (
	"fmt"
	"math"
)

// Detection is the decoded prediction of one sample: the box of its highest-confidence
// anchor-cell.
type Detection struct {
	Box            [4]float32 // x1, y1, x2, y2 in pixels of the imageWH image
	Conf           float32    // the winning confidence logit
	Anchor, GI, GJ int        // the winning anchor and cell (column gi, row gj)
}

// Decode is the box decoding of eval_iou_acc (utils/utils.py): pred is the head output
// [B, A*5, G, G] as flat data (channel = anchor*5 + field). Per sample the winner is the
// first maximum of the confidence over the flat (anchor, gj, gi) order (torch.where(...)[0]),
// and its box is ((sigmoid tx + gi), (sigmoid ty + gj), exp(tw)*aw/stride,
// exp(th)*ah/stride) * stride, converted to x1y1x2y2, all in float32. A NaN confidence
// never wins (the official comparison max == conf is false for NaN); a sample whose
// confidences are all NaN decodes to anchor 0, cell (0, 0).
func Decode(pred []float32, B, G int, anchors [][2]float32, imageWH int) []Detection {
	A := len(anchors)
	if len(pred) != B*A*5*G*G {
		panic(fmt.Sprintf("halo.Decode: %d values, want B %d x %d anchors x 5 x %d x %d", len(pred), B, A, G, G))
	}
	stride := float32(Stride(imageWH, G))
	GG := G * G
	out := make([]Detection, B)
	for b := range B {
		best, bestV := 0, float32(math.NaN())
		for k := range A * GG {
			v := pred[((b*A+k/GG)*5+4)*GG+k%GG]
			if !(v <= bestV) && !math.IsNaN(float64(v)) { // first strict maximum
				best, bestV = k, v
			}
		}
		a, gj, gi := best/GG, best%GG/G, best%G
		field := func(f int) float32 { return pred[((b*A+a)*5+f)*GG+gj*G+gi] }
		xywh := [4]float32{
			sigmoid32(field(0)) + float32(gi),
			sigmoid32(field(1)) + float32(gj),
			exp32(field(2)) * (anchors[a][0] / stride),
			exp32(field(3)) * (anchors[a][1] / stride),
		}
		for k := range xywh {
			xywh[k] *= stride
		}
		out[b] = Detection{Box: xywhToXYXY(xywh), Conf: bestV, Anchor: a, GI: gi, GJ: gj}
	}
	return out
}

// EvalResult holds eval_iou_acc's outputs for one batch.
type EvalResult struct {
	Det            []Detection
	IoU            []float32 // per-sample IoU of the decoded box with the target
	Acc50, Acc25   []bool    // IoU > 0.5, IoU > 0.25 (strict)
	CenterHit      []bool    // predicted cell == target cell
	Accu50, Accu25 float32   // batch means of the above
	AccuCenter     float32
	MeanIoU        float32
	NormDist       float32   // mean centre distance / (imageWH*sqrt 2)
	NormDists      []float32 // per-sample centre distance / (imageWH*sqrt 2)
}

// EvalIoUAcc is eval_iou_acc of utils/utils.py with iou_threshold_list [0.5, 0.25]:
// decode pred (see Decode), then compare with the target boxes (x1y1x2y2, clamped like
// the official loops do) and the target cells (Target.GI/GJ from BuildTarget).
func EvalIoUAcc(pred []float32, B, G int, anchors [][2]float32, imageWH int, boxes [][4]float32, targetGI, targetGJ []int) EvalResult {
	if len(boxes) != B || len(targetGI) != B || len(targetGJ) != B {
		panic(fmt.Sprintf("halo.EvalIoUAcc: %d boxes, %d gi, %d gj for batch %d", len(boxes), len(targetGI), len(targetGJ), B))
	}
	r := EvalResult{
		Det: Decode(pred, B, G, anchors, imageWH),
		IoU: make([]float32, B), Acc50: make([]bool, B), Acc25: make([]bool, B),
		CenterHit: make([]bool, B), NormDists: make([]float32, B),
	}
	norm := float32(math.Sqrt(float64(imageWH)*float64(imageWH) + float64(imageWH)*float64(imageWH)))
	var iouSum, distSum float32
	var n50, n25, nc int
	for b := range B {
		p, g := r.Det[b].Box, boxes[b]
		dx := (p[0]+p[2])/2 - (g[0]+g[2])/2
		dy := (p[1]+p[3])/2 - (g[1]+g[3])/2
		r.NormDists[b] = float32(math.Sqrt(float64(float32(dx*dx)+float32(dy*dy)))) / norm
		distSum += r.NormDists[b]
		r.IoU[b] = boxIoU(p, g)
		iouSum += r.IoU[b]
		r.Acc50[b], r.Acc25[b] = r.IoU[b] > 0.5, r.IoU[b] > 0.25
		r.CenterHit[b] = r.Det[b].GI == targetGI[b] && r.Det[b].GJ == targetGJ[b]
		n50 += b2i(r.Acc50[b])
		n25 += b2i(r.Acc25[b])
		nc += b2i(r.CenterHit[b])
	}
	fb := float32(B)
	r.Accu50, r.Accu25, r.AccuCenter = float32(n50)/fb, float32(n25)/fb, float32(nc)/fb
	r.MeanIoU, r.NormDist = iouSum/fb, distSum/fb
	return r
}

func b2i(v bool) int {
	if v {
		return 1
	}
	return 0
}

// Metrics accumulates evaluation results over batches the way the official AverageMeter
// does (batch mean weighted by the batch size), i.e. per-sample sums and a count.
type Metrics struct {
	Acc25, Acc50, Center int     // samples with IoU > 0.25, IoU > 0.5, a centre-cell hit
	IoUSum, NormDistSum  float64 // sums of per-sample IoU and normalised centre distance
	N                    int     // samples seen
}

// Add accumulates one batch.
func (m *Metrics) Add(r EvalResult) {
	for b := range r.IoU {
		m.Acc25 += b2i(r.Acc25[b])
		m.Acc50 += b2i(r.Acc50[b])
		m.Center += b2i(r.CenterHit[b])
		m.IoUSum += float64(r.IoU[b])
		m.NormDistSum += float64(r.NormDists[b])
	}
	m.N += len(r.IoU)
}

// Merge adds another accumulator (e.g. from a parallel worker).
func (m *Metrics) Merge(o Metrics) {
	m.Acc25 += o.Acc25
	m.Acc50 += o.Acc50
	m.Center += o.Center
	m.IoUSum += o.IoUSum
	m.NormDistSum += o.NormDistSum
	m.N += o.N
}

// Summary returns accuracy at IoU > 0.25 and > 0.5, mean IoU and centre-cell accuracy
// over every sample added, and the sample count (all zero when nothing was added).
func (m *Metrics) Summary() (acc25, acc50, miou, accCenter float64, n int) {
	if m.N == 0 {
		return 0, 0, 0, 0, 0
	}
	f := float64(m.N)
	return float64(m.Acc25) / f, float64(m.Acc50) / f, m.IoUSum / f, float64(m.Center) / f, m.N
}

// MeanNormDist returns the mean normalised centre distance (0 when empty).
func (m *Metrics) MeanNormDist() float64 {
	if m.N == 0 {
		return 0
	}
	return m.NormDistSum / float64(m.N)
}
