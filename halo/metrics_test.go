package halo

import (
	"testing"

	"github.com/cvogl/halo/loader/golden"
)

func TestEvalIoUAccGolden(t *testing.T) {
	for _, name := range golden.CasesOf(t, "eval_iou_acc") {
		t.Run(name, func(t *testing.T) {
			c := golden.Load(t, name)
			imageWH, grid := int(c.Hparam(t, "image_wh")), int(c.Hparam(t, "grid"))
			pred, ps := c.F32(t, "in.pred_anchor")
			if ps[3] != grid || ps[4] != grid {
				t.Fatalf("pred shape %v, grid %d", ps, grid)
			}
			ad, _ := c.F32(t, "in.anchors_full")
			anchors := make([][2]float32, len(ad)/2)
			for i := range anchors {
				anchors[i] = [2]float32{ad[2*i], ad[2*i+1]}
			}
			tb, _ := c.F32(t, "in.target_bbox")
			gi64, _ := c.I64(t, "in.target_gi")
			gj64, _ := c.I64(t, "in.target_gj")
			gi, gj := make([]int, len(gi64)), make([]int, len(gj64))
			for i := range gi {
				gi[i], gj[i] = int(gi64[i]), int(gj64[i])
			}
			B := ps[0]
			r := EvalIoUAcc(pred, B, grid, anchors, imageWH, boxesOf(tb), gi, gj)
			var boxes []float32
			for _, d := range r.Det {
				boxes = append(boxes, d.Box[:]...)
			}
			c.Check(t, "out.pred_bbox", boxes)
			c.Check(t, "aux.per_sample_iou", r.IoU)
			// Discrete results exactly.
			for _, k := range []struct {
				name string
				got  []bool
			}{{"out.each_acc50", r.Acc50}, {"out.each_acc25", r.Acc25}} {
				want, _ := c.I64(t, k.name)
				for b := range want {
					if k.got[b] != (want[b] != 0) {
						t.Errorf("%s[%d] = %v, golden %d", k.name, b, k.got[b], want[b])
					}
				}
			}
			for _, k := range []struct {
				name string
				got  float32
			}{{"out.accu50", r.Accu50}, {"out.accu25", r.Accu25}, {"out.accu_center", r.AccuCenter}} {
				want, _ := c.F32(t, k.name)
				if k.got != want[0] {
					t.Errorf("%s = %v, golden %v", k.name, k.got, want[0])
				}
			}
			c.Check(t, "out.mean_iou", []float32{r.MeanIoU})
			c.Check(t, "out.norm_dist", []float32{r.NormDist})

			// The notes promise an exact confidence tie in sample 3 between anchors 2 and 7
			// (first wins); make sure the data still has it so the test keeps meaning it.
			if B > 3 {
				d := r.Det[3]
				G2 := grid * grid
				var tied []int
				for k := range len(anchors) * G2 {
					if pred[((3*len(anchors)+k/G2)*5+4)*G2+k%G2] == d.Conf {
						tied = append(tied, k/G2)
					}
				}
				if d.Anchor != 2 || len(tied) < 2 || tied[0] != 2 || tied[len(tied)-1] != 7 {
					t.Errorf("sample 3: winner anchor %d, anchors holding the max %v; want a tie 2..7 won by 2", d.Anchor, tied)
				}
			}
		})
	}
}

func TestDecodeFirstMaxAndNaN(t *testing.T) {
	const G = 2
	anchors := Anchors()
	A := len(anchors)
	pred := make([]float32, A*5*G*G)
	conf := func(a, gj, gi int) *float32 { return &pred[(a*5+4)*G*G+gj*G+gi] }
	*conf(0, 0, 0) = float32(nan32())
	*conf(3, 1, 0) = 5
	*conf(6, 0, 1) = 5
	d := Decode(pred, 1, G, anchors, 64)[0]
	if d.Anchor != 3 || d.GJ != 1 || d.GI != 0 || d.Conf != 5 {
		t.Fatalf("winner %+v, want anchor 3 cell (gi 0, gj 1)", d)
	}
	// tx = ty = tw = th = 0: centre (0.5+gi, 0.5+gj) cells, size = anchor, stride 32.
	an := anchors[3]
	want := [4]float32{16 - an[0]/2, 48 - an[1]/2, 16 + an[0]/2, 48 + an[1]/2}
	if d.Box != want {
		t.Errorf("box %v, want %v", d.Box, want)
	}
}

func nan32() float64 {
	var z float64
	return z / z
}

func TestMetricsAccumulate(t *testing.T) {
	var m Metrics
	m.Add(EvalResult{IoU: []float32{0.6, 0.3}, Acc50: []bool{true, false}, Acc25: []bool{true, true},
		CenterHit: []bool{true, false}, NormDists: []float32{0.1, 0.2}})
	var m2 Metrics
	m2.Add(EvalResult{IoU: []float32{0.1}, Acc50: []bool{false}, Acc25: []bool{false},
		CenterHit: []bool{true}, NormDists: []float32{0.3}})
	m.Merge(m2)
	a25, a50, miou, ac, n := m.Summary()
	if n != 3 || a25 != 2.0/3 || a50 != 1.0/3 || ac != 2.0/3 {
		t.Errorf("summary %v %v %v %v %v", a25, a50, miou, ac, n)
	}
	if d := miou - (0.6+0.3+0.1)/3; d > 1e-7 || d < -1e-7 {
		t.Errorf("miou %v", miou)
	}
	var empty Metrics
	if _, _, _, _, n := empty.Summary(); n != 0 {
		t.Error("empty summary")
	}
}

// halo_model_eval stores the decoded boxes and metrics of its own head output.
func TestEvalIoUAccOnWholeModelOutput(t *testing.T) {
	for _, name := range golden.CasesOf(t, "HALO") {
		c := golden.Load(t, name)
		if !c.Has("out.pred_bbox") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			imageWH := int(c.Hparam(t, "image_wh_for_targets"))
			raw, _ := c.F32(t, "in.ori_gt_bbox")
			od, oshape := c.F32(t, "out.outbox")
			B, G := oshape[0], oshape[3]
			clamped := ClampBoxes(boxesOf(raw), imageWH)
			tg := BuildTarget(clamped, Anchors(), imageWH, G)
			r := EvalIoUAcc(od, B, G, Anchors(), imageWH, clamped, tg.GI, tg.GJ)
			var boxes []float32
			for _, d := range r.Det {
				boxes = append(boxes, d.Box[:]...)
			}
			c.Check(t, "out.pred_bbox", boxes)
			for _, k := range []struct {
				name string
				got  float32
			}{{"out.accu50", r.Accu50}, {"out.accu25", r.Accu25}, {"out.accu_center", r.AccuCenter}} {
				if want, _ := c.F32(t, k.name); k.got != want[0] {
					t.Errorf("%s = %v, golden %v", k.name, k.got, want[0])
				}
			}
			c.Check(t, "out.mean_iou", []float32{r.MeanIoU})
			c.Check(t, "out.norm_dist", []float32{r.NormDist})
		})
	}
}
