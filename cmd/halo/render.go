package main

import (
	"image"
	"image/color"
	"math"

	"github.com/cvogl/halo/loader"
)

// resultView is what result.png shows.
type resultView struct {
	Sat, Query *loader.RGB // the original images
	Attn       []float32   // the G x G cross-view attention map, row-major, in [0, 1]
	G          int
	Box        [4]float64 // the predicted box, x1 y1 x2 y2 in pixels of Sat
	Click      [2]float64 // the click, in pixels of Query
	Title      string     // drawn above the satellite panel
}

// Layout of result.png.
const (
	resultPad      = 8
	resultText     = 2 // font scale of the titles
	resultMaxPanel = 1024
	resultMinPanel = 512
	heatAlpha      = 0.45
)

var (
	colBox    = color.RGBA{0, 255, 0, 255}
	colShadow = color.RGBA{0, 0, 0, 255}
	colClick  = color.RGBA{255, 40, 40, 255}
	colWhite  = color.RGBA{255, 255, 255, 255}
	colBack   = color.RGBA{32, 32, 32, 255}
)

// resultPanelSize is the displayed size of the satellite image: its long side is
// brought into [resultMinPanel, resultMaxPanel] (small images are enlarged so the box
// and the attention cells stay visible), keeping the aspect ratio.
func resultPanelSize(w, h int) (int, int) {
	long := max(w, h)
	s := 1.0
	switch {
	case long > resultMaxPanel:
		s = float64(resultMaxPanel) / float64(long)
	case long < resultMinPanel:
		s = float64(resultMinPanel) / float64(long)
	}
	return max(1, int(math.Round(float64(w)*s))), max(1, int(math.Round(float64(h)*s)))
}

// resultLayout gives the sizes of the picture: the satellite panel sw x sh, the
// query panel qw x sh, and the whole image.
func resultLayout(satW, satH, qW, qH int) (sw, sh, qw int, size image.Point) {
	sw, sh = resultPanelSize(satW, satH)
	qw = max(1, int(math.Round(float64(qW)*float64(sh)/float64(qH))))
	header := textHeight(resultText) + 2*resultPad
	return sw, sh, qw, image.Pt(resultPad+sw+resultPad+qw+resultPad, header+sh+resultPad)
}

// renderResult draws result.png: on the left the satellite image with the attention
// map as a semi-transparent heat overlay (blue low, red high) and the predicted box in
// green; on the right the query image at the same height with the click as a red
// circled cross; titles above each panel.
func renderResult(v resultView) *image.RGBA {
	sw, sh, qw, size := resultLayout(v.Sat.W, v.Sat.H, v.Query.W, v.Query.H)
	img := image.NewRGBA(image.Rectangle{Max: size})
	fillRect(img, img.Rect, colBack)
	top := textHeight(resultText) + 2*resultPad
	drawText(img, resultPad, resultPad, v.Title, resultText, colWhite)
	qx := resultPad + sw + resultPad
	drawText(img, qx, resultPad, "QUERY", resultText, colWhite)
	// Colour key of the heat overlay, right-aligned above the satellite panel.
	const barW, barH = 80, 10
	x := resultPad + sw - 8 - textWidth("HIGH", 1) - 4 - barW - 4 - textWidth("ATTENTION LOW", 1)
	drawText(img, x, resultPad+4, "ATTENTION LOW", 1, colWhite)
	x += textWidth("ATTENTION LOW", 1) + 4
	for i := range barW {
		fillRect(img, image.Rect(x+i, resultPad+2, x+i+1, resultPad+2+barH), jet(float64(i)/(barW-1)))
	}
	drawText(img, x+barW+4, resultPad+4, "HIGH", 1, colWhite)

	// Satellite panel with the heat overlay.
	sat := v.Sat
	if sat.W != sw || sat.H != sh {
		sat = sat.Resize(sw, sh)
	}
	heat := upsampleGrid(v.Attn, v.G, sw, sh)
	for y := range sh {
		for x := range sw {
			i := 3 * (y*sw + x)
			img.SetRGBA(resultPad+x, top+y, color.RGBA{sat.Pix[i], sat.Pix[i+1], sat.Pix[i+2], 255})
			if heat != nil {
				blend(img, resultPad+x, top+y, jet(heat[y*sw+x]), heatAlpha)
			}
		}
	}
	// The box, scaled to the panel and clipped to it, with a dark outline for contrast
	// on bright ground.
	kx, ky := float64(sw)/float64(v.Sat.W), float64(sh)/float64(v.Sat.H)
	clip := func(v float64, hi int) int { return int(math.Round(math.Max(0, math.Min(float64(hi), v)))) }
	r := image.Rect(clip(v.Box[0]*kx, sw), clip(v.Box[1]*ky, sh), clip(v.Box[2]*kx, sw), clip(v.Box[3]*ky, sh)).
		Add(image.Pt(resultPad, top))
	panel := image.Rect(resultPad, top, resultPad+sw, top+sh)
	sub := img.SubImage(panel).(*image.RGBA)
	if !r.Empty() {
		strokeRect(sub, r.Inset(-1), 5, colShadow)
		strokeRect(sub, r, 3, colBox)
		if r.Dx() > 30 && r.Dy() > 30 { // a centre mark only where it does not fill the box
			cx, cy := float64(r.Min.X+r.Max.X)/2, float64(r.Min.Y+r.Max.Y)/2
			drawLine(sub, cx-6, cy, cx+6, cy, 2, colBox)
			drawLine(sub, cx, cy-6, cx, cy+6, 2, colBox)
		}
	}

	// Query panel with the click marker.
	q := v.Query
	if q.W != qw || q.H != sh {
		q = q.Resize(qw, sh)
	}
	for y := range sh {
		for x := range qw {
			i := 3 * (y*qw + x)
			img.SetRGBA(qx+x, top+y, color.RGBA{q.Pix[i], q.Pix[i+1], q.Pix[i+2], 255})
		}
	}
	qsub := img.SubImage(image.Rect(qx, top, qx+qw, top+sh)).(*image.RGBA)
	cx := float64(qx) + v.Click[0]*float64(qw)/float64(v.Query.W)
	cy := float64(top) + v.Click[1]*float64(sh)/float64(v.Query.H)
	rad := math.Max(6, float64(sh)/40)
	for _, s := range []struct {
		w float64
		c color.RGBA
	}{{5, colWhite}, {2.5, colClick}} {
		drawCircle(qsub, cx, cy, rad, s.w, s.c)
		drawLine(qsub, cx-2*rad, cy, cx-rad/2, cy, s.w, s.c)
		drawLine(qsub, cx+rad/2, cy, cx+2*rad, cy, s.w, s.c)
		drawLine(qsub, cx, cy-2*rad, cx, cy-rad/2, s.w, s.c)
		drawLine(qsub, cx, cy+rad/2, cx, cy+2*rad, s.w, s.c)
	}
	return img
}

// upsampleGrid resizes a g x g map to w x h bilinearly on cell centres (like
// align_corners=False), clamping values to [0, 1]. nil for an empty map.
func upsampleGrid(m []float32, g, w, h int) []float64 {
	if g <= 0 || len(m) != g*g {
		return nil
	}
	coord := func(i, n int) (int, int, float64) {
		s := (float64(i)+0.5)*float64(g)/float64(n) - 0.5
		s = math.Max(0, math.Min(float64(g-1), s))
		i0 := int(s)
		i1 := min(i0+1, g-1)
		return i0, i1, s - float64(i0)
	}
	out := make([]float64, w*h)
	for y := range h {
		y0, y1, fy := coord(y, h)
		for x := range w {
			x0, x1, fx := coord(x, w)
			v := (1-fy)*((1-fx)*float64(m[y0*g+x0])+fx*float64(m[y0*g+x1])) +
				fy*((1-fx)*float64(m[y1*g+x0])+fx*float64(m[y1*g+x1]))
			out[y*w+x] = math.Max(0, math.Min(1, v))
		}
	}
	return out
}

// jet maps [0, 1] to the classic blue-cyan-green-yellow-red heat colours.
func jet(v float64) color.RGBA {
	c := func(x float64) uint8 { return uint8(255*math.Max(0, math.Min(1, x)) + 0.5) }
	return color.RGBA{c(1.5 - math.Abs(4*v-3)), c(1.5 - math.Abs(4*v-2)), c(1.5 - math.Abs(4*v-1)), 255}
}
