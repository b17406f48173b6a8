package halo

import (
	"fmt"
	"math"
)

// Target is what build_target of the official model/loss.py derives from the ground-truth
// boxes of a batch: the regression targets and the responsible anchor and cell.
type Target struct {
	// Box is new_gt_bbox per sample: (gx-gi, gy-gj, log(gw/aw+1e-16), log(gh/ah+1e-16))
	// in grid units, with (aw, ah) the best anchor divided by the stride.
	Box [][4]float32
	// Best is the anchor index (into the reversed list of Anchors) with the highest
	// shape IoU; GI and GJ are the grid column and row of the box centre.
	Best, GI, GJ []int
	// AnchorIoU[b][a] is the IoU of the box shape with anchor a, both put at the origin.
	AnchorIoU [][]float32
	// Grid is the grid size G the target was built for.
	Grid int
}

// ClampBoxes returns x1y1x2y2 boxes clamped to [0, imageWH-1], as the training and test
// loops do before build_target (torch.clamp(ori_gt_bbox, 0, img_size-1)).
func ClampBoxes(boxes [][4]float32, imageWH int) [][4]float32 {
	hi := float32(imageWH - 1)
	out := make([][4]float32, len(boxes))
	for b, box := range boxes {
		for k, v := range box {
			// NaN passes through like torch.clamp.
			if v < 0 {
				v = 0
			} else if v > hi {
				v = hi
			}
			out[b][k] = v
		}
	}
	return out
}

// Stride returns the grid stride image_wh // grid of the official code (integer division).
func Stride(imageWH, grid int) int {
	if grid <= 0 || imageWH < grid {
		panic(fmt.Sprintf("halo: image size %d and grid %d give no positive stride", imageWH, grid))
	}
	return imageWH / grid
}

// BuildTarget is build_target of model/loss.py. boxes are x1y1x2y2 pixel boxes (the caller
// clamps them with ClampBoxes first, as the official loops do), anchors the (w, h) list
// in the units of imageWH (Anchors()), grid the head's G. Everything is computed in
// float32 in the official order: centre = (x1+x2)/2, size = x2-x1, both /imageWH*grid;
// gi, gj = truncation toward zero of the centre (int64 cast); the best anchor is the first
// maximum of the IoU between (0,0,gw,gh) and (0,0,aw/stride,ah/stride), stride =
// imageWH/grid with integer division. Like the official code nothing keeps gi, gj inside
// the grid: a centre at exactly imageWH would give gi = grid (impossible after clamping).
func BuildTarget(boxes [][4]float32, anchors [][2]float32, imageWH, grid int) Target {
	stride := float32(Stride(imageWH, grid))
	scaled := make([][2]float32, len(anchors))
	for a, an := range anchors {
		scaled[a] = [2]float32{an[0] / stride, an[1] / stride}
	}
	n := len(boxes)
	t := Target{
		Box: make([][4]float32, n), Best: make([]int, n), GI: make([]int, n), GJ: make([]int, n),
		AnchorIoU: make([][]float32, n), Grid: grid,
	}
	fw, fg := float32(imageWH), float32(grid)
	for b, box := range boxes {
		xywh := xyxyToXYWH(box)
		var g [4]float32
		for k := range g {
			g[k] = (xywh[k] / fw) * fg
		}
		gi, gj := int(int64(g[0])), int(int64(g[1]))
		ious := make([]float32, len(anchors))
		best := 0
		for a, s := range scaled {
			ious[a] = boxIoU([4]float32{0, 0, g[2], g[3]}, [4]float32{0, 0, s[0], s[1]})
			if ious[a] > ious[best] {
				best = a
			}
		}
		t.Best[b], t.GI[b], t.GJ[b], t.AnchorIoU[b] = best, gi, gj, ious
		t.Box[b] = [4]float32{
			g[0] - float32(gi),
			g[1] - float32(gj),
			log32(g[2]/scaled[best][0] + 1e-16),
			log32(g[3]/scaled[best][1] + 1e-16),
		}
	}
	return t
}

// xyxyToXYWH is utils.xyxy2xywh for one box, in float32.
func xyxyToXYWH(x [4]float32) [4]float32 {
	return [4]float32{(x[0] + x[2]) / 2, (x[1] + x[3]) / 2, x[2] - x[0], x[3] - x[1]}
}

// xywhToXYXY is utils.xywh2xyxy for one box, in float32.
func xywhToXYXY(x [4]float32) [4]float32 {
	return [4]float32{x[0] - x[2]/2, x[1] - x[3]/2, x[0] + x[2]/2, x[1] + x[3]/2}
}

// boxIoU is utils.bbox_iou (x1y1x2y2) for one pair in float32, with the official
// +1e-16 in the denominator and negative overlaps clamped to 0.
func boxIoU(a, b [4]float32) float32 {
	iw := min(a[2], b[2]) - max(a[0], b[0])
	ih := min(a[3], b[3]) - max(a[1], b[1])
	// The float32 conversions keep products rounded on their own, as in PyTorch: Go may
	// otherwise fuse them into the sums (FMA on arm64).
	inter := float32(max(iw, 0) * max(ih, 0))
	areaA := float32((a[2] - a[0]) * (a[3] - a[1]))
	areaB := float32((b[2] - b[0]) * (b[3] - b[1]))
	return inter / (areaA + areaB - inter + 1e-16)
}

func log32(x float32) float32     { return float32(math.Log(float64(x))) }
func exp32(x float32) float32     { return float32(math.Exp(float64(x))) }
func sigmoid32(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }
