package halo

import (
	"math"
	"testing"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/loader/golden"
)

func TestYoloLossGolden(t *testing.T) {
	for _, name := range golden.CasesOf(t, "build_target+yolo_loss") {
		t.Run(name, func(t *testing.T) {
			c := golden.Load(t, name)
			imageWH, grid := int(c.Hparam(t, "image_wh")), int(c.Hparam(t, "grid"))
			raw, _ := c.F32(t, "in.ori_gt_bbox")
			pd, ps := c.F32(t, "in.pred")
			pred := autograd.Param(pd, ps...)
			tg := BuildTarget(ClampBoxes(boxesOf(raw), imageWH), Anchors(), imageWH, grid)
			geo, cls := YoloLoss(pred, tg)
			c.Check(t, "out.loss_geo", geo.Data)
			c.Check(t, "out.loss_cls", cls.Data)
			c.Check(t, "out.loss_total_geo_plus_cls", []float32{geo.Item() + cls.Item()})
			cot, _ := c.F32(t, "cot.loss_total_geo_plus_cls")
			autograd.Backward([]*autograd.Tensor{geo, cls}, [][]float32{cot, cot})
			c.Check(t, "grad.in.pred", pred.Grad)
		})
	}
}

// yoloLossRef is the float64 reference of both losses on flat [B, A*5, G, G] data.
func yoloLossRef(x []float64, B, A, G int, tg Target) (geo, cls float64) {
	GG := G * G
	at := func(b, a, f, gj, gi int) int { return ((b*A+a)*5+f)*GG + gj*G + gi }
	for b := range B {
		for f := range 4 {
			v := x[at(b, tg.Best[b], f, tg.GJ[b], tg.GI[b])]
			if f < 2 {
				v = 1 / (1 + math.Exp(-v))
			}
			d := v - float64(tg.Box[b][f])
			geo += d * d / float64(B)
		}
		var s float64
		for a := range A {
			for k := range GG {
				s += math.Exp(x[at(b, a, 4, 0, 0)+k])
			}
		}
		cls += (math.Log(s) - x[at(b, tg.Best[b], 4, tg.GJ[b], tg.GI[b])]) / float64(B)
	}
	return geo, cls
}

func TestYoloLossGradCheck(t *testing.T) {
	const B, G, imageWH = 3, 4, 128
	boxes := [][4]float32{{10, 20, 60, 90}, {70, 5, 127, 40}, {40, 40, 47, 52}}
	tg := BuildTarget(boxes, Anchors(), imageWH, G)
	A := NumAnchors
	x := autograd.RandTensor(7, -2, 2, B, A*5, G, G)
	autograd.GradCheck(t, []*autograd.Tensor{x},
		func(in []*autograd.Tensor) []*autograd.Tensor {
			geo, cls := YoloLoss(in[0], tg)
			return []*autograd.Tensor{geo, cls}
		},
		func(in [][]float64) [][]float64 {
			geo, cls := yoloLossRef(in[0], B, A, G, tg)
			return [][]float64{{geo}, {cls}}
		})
}

func TestYoloLossNoGrad(t *testing.T) {
	tg := BuildTarget([][4]float32{{10, 20, 60, 90}}, Anchors(), 128, 4)
	x := autograd.RandTensor(1, -1, 1, 1, 45, 4, 4)
	autograd.NoGrad(func() {
		geo, cls := YoloLoss(x, tg)
		if !(geo.Item() > 0) || !(cls.Item() > 0) {
			t.Errorf("losses %v %v", geo.Item(), cls.Item())
		}
	})
}

// The whole-model cases store the head output and the loss terms of the official
// training step at image 256, grid 16: the targets and losses must follow from them.
func TestYoloLossOnWholeModelOutput(t *testing.T) {
	for _, name := range golden.CasesOf(t, "HALO") {
		c := golden.Load(t, name)
		if !c.Has("out.loss_geo") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			imageWH := int(c.Hparam(t, "image_wh_for_targets"))
			raw, _ := c.F32(t, "in.ori_gt_bbox")
			od, oshape := c.F32(t, "out.outbox")
			clamped := ClampBoxes(boxesOf(raw), imageWH)
			c.Check(t, "out.clamped_gt", flatBoxes(clamped))
			tg := BuildTarget(clamped, Anchors(), imageWH, oshape[3])
			c.Check(t, "out.new_gt_bbox", flatBoxes(tg.Box))
			want, _ := c.I64(t, "out.best_anchor_gi_gj")
			for b := range tg.Best {
				if got := [3]int64{int64(tg.Best[b]), int64(tg.GI[b]), int64(tg.GJ[b])}; got != [3]int64(want[3*b:3*b+3]) {
					t.Errorf("sample %d: best, gi, gj = %v, golden %v", b, got, want[3*b:3*b+3])
				}
			}
			geo, cls := YoloLoss(autograd.New(od, oshape...), tg)
			c.Check(t, "out.loss_geo", geo.Data)
			c.Check(t, "out.loss_cls", cls.Data)
		})
	}
}
