package main

import (
	"image"
	"image/color"
	"strings"
	"testing"
)

func TestDrawText(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 40, 20))
	drawText(img, 1, 2, "1-", 2, colWhite)
	// Cell (col, row) of glyph k is the 2x2 square at (1+12k+2col, 2+2row).
	set := func(k, col, row int) bool { return img.RGBAAt(1+12*k+2*col, 2+2*row) == colWhite }
	var got strings.Builder
	for row := range 7 {
		for col := range 5 {
			if set(0, col, row) {
				got.WriteByte('#')
			} else {
				got.WriteByte('.')
			}
		}
	}
	if got.String() != font5x7['1'] {
		t.Errorf("drew %q, want the glyph %q", got.String(), font5x7['1'])
	}
	if !set(1, 1, 3) || !set(1, 3, 3) || set(1, 0, 3) || set(1, 2, 2) {
		t.Error("minus sign not where expected")
	}
	if textWidth("1-", 2) != 22 || textWidth("", 1) != 0 || textHeight(3) != 21 {
		t.Error("text metrics")
	}
	for r := range font5x7 {
		if len(font5x7[r]) != 35 {
			t.Errorf("glyph %q", r)
		}
	}
	for _, r := range "0123456789.-+:%/@()=ABCDEFGHIJKLMNOPQRSTUVWXYZ x" {
		if _, ok := font5x7[r]; !ok {
			t.Errorf("no glyph for %q", r)
		}
	}
}

func TestUpsampleGridAndJet(t *testing.T) {
	// A 2x2 map on 4x4 pixels: the corner pixels take the corner cells' values and
	// the middle interpolates.
	m := []float32{0, 1, 1, 0}
	up := upsampleGrid(m, 2, 4, 4)
	want := []float64{
		0, 0.25, 0.75, 1,
		0.25, 0.375, 0.625, 0.75,
		0.75, 0.625, 0.375, 0.25,
		1, 0.75, 0.25, 0,
	}
	for i := range want {
		if d := up[i] - want[i]; d > 1e-12 || d < -1e-12 {
			t.Fatalf("upsampled %v, want %v", up, want)
		}
	}
	if upsampleGrid(m, 3, 4, 4) != nil {
		t.Error("a map of the wrong size was upsampled")
	}
	for v, want := range map[float64]color.RGBA{0: {0, 0, 128, 255}, 0.5: {128, 255, 128, 255}, 1: {128, 0, 0, 255}} {
		if c := jet(v); c != want {
			t.Errorf("jet(%v) = %v, want %v", v, c, want)
		}
	}
}

func TestResultLayout(t *testing.T) {
	for _, c := range []struct {
		sw, sh, qw, qh int
		panel          [3]int
		size           image.Point
	}{
		{1024, 1024, 256, 256, [3]int{1024, 1024, 1024}, image.Pt(8+1024+8+1024+8, 30+1024+8)},
		{2048, 1024, 512, 256, [3]int{1024, 512, 1024}, image.Pt(8+1024+8+1024+8, 30+512+8)},
		{256, 256, 64, 128, [3]int{512, 512, 256}, image.Pt(8+512+8+256+8, 30+512+8)},
		{700, 700, 90, 70, [3]int{700, 700, 900}, image.Pt(8+700+8+900+8, 30+700+8)},
	} {
		sw, sh, qw, size := resultLayout(c.sw, c.sh, c.qw, c.qh)
		if [3]int{sw, sh, qw} != c.panel || size != c.size {
			t.Errorf("%+v: panels %d %d %d size %v", c, sw, sh, qw, size)
		}
	}
}
