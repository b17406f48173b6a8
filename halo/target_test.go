package halo

import (
	"testing"

	"github.com/cvogl/halo/loader/golden"
)

func boxesOf(data []float32) [][4]float32 {
	out := make([][4]float32, len(data)/4)
	for b := range out {
		copy(out[b][:], data[4*b:])
	}
	return out
}

func flatBoxes(bs [][4]float32) []float32 {
	var out []float32
	for _, b := range bs {
		out = append(out, b[:]...)
	}
	return out
}

// BuildTarget (and ClampBoxes) against every build_target+yolo_loss case: discrete
// outputs exactly, floats within the README tolerance.
func TestBuildTargetGolden(t *testing.T) {
	for _, name := range golden.CasesOf(t, "build_target+yolo_loss") {
		t.Run(name, func(t *testing.T) {
			c := golden.Load(t, name)
			imageWH, grid := int(c.Hparam(t, "image_wh")), int(c.Hparam(t, "grid"))
			raw, _ := c.F32(t, "in.ori_gt_bbox")
			clamped := ClampBoxes(boxesOf(raw), imageWH)
			c.Check(t, "out.clamped_gt_bbox", flatBoxes(clamped))
			tg := BuildTarget(clamped, Anchors(), imageWH, grid)
			c.Check(t, "out.new_gt_bbox", flatBoxes(tg.Box))
			var ious []float32
			for _, r := range tg.AnchorIoU {
				ious = append(ious, r...)
			}
			c.Check(t, "out.anchor_ious", ious)
			want, _ := c.I64(t, "out.best_anchor_gi_gj")
			for b := range tg.Best {
				got := [3]int64{int64(tg.Best[b]), int64(tg.GI[b]), int64(tg.GJ[b])}
				if got != [3]int64(want[3*b:3*b+3]) {
					t.Errorf("sample %d: best, gi, gj = %v, golden %v", b, got, want[3*b:3*b+3])
				}
			}
		})
	}
}

// Hand-checked case: a 1024 image, grid 16 (stride 64). Box (100,200)-(164,328): centre
// (132, 264) -> (2.0625, 4.125) cells, size 1x2 cells; the (96,215) anchor is 1.5x3.36
// cells and has the highest IoU with a 1x2 box among the nine.
func TestBuildTargetByHand(t *testing.T) {
	tg := BuildTarget([][4]float32{{100, 200, 164, 328}}, Anchors(), 1024, 16)
	if tg.GI[0] != 2 || tg.GJ[0] != 4 {
		t.Fatalf("cell (%d, %d), want (2, 4)", tg.GI[0], tg.GJ[0])
	}
	best, bestIoU := -1, float32(-1)
	for a, an := range Anchors() {
		w, h := an[0]/64, an[1]/64
		inter := min(w, 1) * min(h, 2)
		iou := inter / (w*h + 2 - inter)
		if iou > bestIoU {
			best, bestIoU = a, iou
		}
	}
	if tg.Best[0] != best {
		t.Fatalf("best anchor %d, want %d", tg.Best[0], best)
	}
	if tg.Box[0][0] != 0.0625 || tg.Box[0][1] != 0.125 {
		t.Errorf("offsets %v, want 0.0625, 0.125", tg.Box[0][:2])
	}
	an := Anchors()[best]
	if d := tg.Box[0][2] - log32(1/(an[0]/64)); d > 1e-6 || d < -1e-6 {
		t.Errorf("tw %v", tg.Box[0][2])
	}
}

func TestClampBoxes(t *testing.T) {
	got := ClampBoxes([][4]float32{{-5, 3, 300, 255.5}}, 256)
	if got[0] != [4]float32{0, 3, 255, 255} {
		t.Errorf("ClampBoxes = %v", got[0])
	}
}
