package main

import (
	"image"
	"image/color"
	"image/png"
	"io"
	"math"

	"github.com/cvogl/halo/loader"
)

// Raster drawing on *image.RGBA with the standard library only: filled and stroked
// rectangles, thick lines, alpha blending and a 5x7 bitmap font for labels. Enough
// for result.png and curves.png without a font or vector package.

func fillRect(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

// blend mixes c into the pixel at (x, y) with opacity a in [0, 1].
func blend(img *image.RGBA, x, y int, c color.RGBA, a float64) {
	if !(image.Point{x, y}.In(img.Rect)) || a <= 0 {
		return
	}
	if a > 1 {
		a = 1
	}
	i := img.PixOffset(x, y)
	p := img.Pix[i : i+4 : i+4]
	p[0] = uint8(float64(p[0])*(1-a) + float64(c.R)*a + 0.5)
	p[1] = uint8(float64(p[1])*(1-a) + float64(c.G)*a + 0.5)
	p[2] = uint8(float64(p[2])*(1-a) + float64(c.B)*a + 0.5)
	p[3] = 255
}

// strokeRect draws the outline of r with the given thickness inside r.
func strokeRect(img *image.RGBA, r image.Rectangle, t int, c color.RGBA) {
	fillRect(img, image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+t), c)
	fillRect(img, image.Rect(r.Min.X, r.Max.Y-t, r.Max.X, r.Max.Y), c)
	fillRect(img, image.Rect(r.Min.X, r.Min.Y, r.Min.X+t, r.Max.Y), c)
	fillRect(img, image.Rect(r.Max.X-t, r.Min.Y, r.Max.X, r.Max.Y), c)
}

// drawLine draws a line of width w with soft (coverage-blended) edges: every pixel
// near the segment is blended by how far its centre is from it.
func drawLine(img *image.RGBA, x0, y0, x1, y1, w float64, c color.RGBA) {
	h := w / 2
	minX, maxX := int(math.Floor(math.Min(x0, x1)-h-1)), int(math.Ceil(math.Max(x0, x1)+h+1))
	minY, maxY := int(math.Floor(math.Min(y0, y1)-h-1)), int(math.Ceil(math.Max(y0, y1)+h+1))
	b := img.Rect
	minX, minY = max(minX, b.Min.X), max(minY, b.Min.Y)
	maxX, maxY = min(maxX, b.Max.X-1), min(maxY, b.Max.Y-1)
	dx, dy := x1-x0, y1-y0
	l2 := dx*dx + dy*dy
	for y := minY; y <= maxY; y++ {
		for x := minX; x <= maxX; x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			t := 0.0
			if l2 > 0 {
				t = math.Max(0, math.Min(1, ((px-x0)*dx+(py-y0)*dy)/l2))
			}
			d := math.Hypot(px-(x0+t*dx), py-(y0+t*dy))
			if cov := h + 0.5 - d; cov > 0 {
				blend(img, x, y, c, math.Min(cov, 1))
			}
		}
	}
}

// drawCircle strokes a circle of radius r and line width w.
func drawCircle(img *image.RGBA, cx, cy, r, w float64, c color.RGBA) {
	ext := int(math.Ceil(r + w + 1))
	for y := int(cy) - ext; y <= int(cy)+ext; y++ {
		for x := int(cx) - ext; x <= int(cx)+ext; x++ {
			d := math.Abs(math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy) - r)
			if cov := w/2 + 0.5 - d; cov > 0 {
				blend(img, x, y, c, math.Min(cov, 1))
			}
		}
	}
}

// font5x7 holds the glyphs of the label font, 35 cells (7 rows of 5, '#' set), built
// from glyphRows. Lower-case letters are drawn with the upper-case glyphs.
var font5x7 = map[rune]string{}

func init() {
	// Glyphs are easier to check as 7 rows; pad and validate the table once.
	rows := map[rune][7]string{
		'0': {".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."},
		'1': {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."},
		'2': {".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"},
		'3': {"#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."},
		'4': {"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."},
		'5': {"#####", "#....", "####.", "....#", "....#", "#...#", ".###."},
		'6': {"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."},
		'7': {"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."},
		'8': {".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."},
		'9': {".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."},
		'.': {".....", ".....", ".....", ".....", ".....", ".##..", ".##.."},
		'-': {".....", ".....", ".....", ".###.", ".....", ".....", "....."},
		'+': {".....", "..#..", "..#..", "#####", "..#..", "..#..", "....."},
		':': {".....", ".##..", ".##..", ".....", ".##..", ".##..", "....."},
		'%': {"##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##"},
		'/': {".....", "....#", "...#.", "..#..", ".#...", "#....", "....."},
		'@': {".###.", "#...#", "#.###", "#.#.#", "#.###", "#....", ".###."},
		'(': {"...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#."},
		')': {".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#..."},
		',': {".....", ".....", ".....", ".....", ".##..", "..#..", ".#..."},
		'=': {".....", ".....", "#####", ".....", "#####", ".....", "....."},
		'x': {".....", ".....", "#...#", ".#.#.", "..#..", ".#.#.", "#...#"},
		' ': {".....", ".....", ".....", ".....", ".....", ".....", "....."},
		'A': {".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"},
		'B': {"####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."},
		'C': {".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."},
		'D': {"####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."},
		'E': {"#####", "#....", "#....", "####.", "#....", "#....", "#####"},
		'F': {"#####", "#....", "#....", "####.", "#....", "#....", "#...."},
		'G': {".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"},
		'H': {"#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"},
		'I': {".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."},
		'J': {"..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."},
		'K': {"#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"},
		'L': {"#....", "#....", "#....", "#....", "#....", "#....", "#####"},
		'M': {"#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"},
		'N': {"#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"},
		'O': {".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."},
		'P': {"####.", "#...#", "#...#", "####.", "#....", "#....", "#...."},
		'Q': {".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"},
		'R': {"####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"},
		'S': {".####", "#....", "#....", ".###.", "....#", "....#", "####."},
		'T': {"#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."},
		'U': {"#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."},
		'V': {"#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."},
		'W': {"#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."},
		'X': {"#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"},
		'Y': {"#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."},
		'Z': {"#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"},
	}
	for r, g := range rows {
		s := ""
		for _, row := range g {
			if len(row) != 5 {
				panic("font5x7: bad row for " + string(r))
			}
			s += row
		}
		font5x7[r] = s
	}
}

// textWidth is the width in pixels of s drawn at the given scale.
func textWidth(s string, scale int) int {
	n := len([]rune(s))
	if n == 0 {
		return 0
	}
	return (6*n - 1) * scale
}

// textHeight is the height of a line of text at the given scale.
func textHeight(scale int) int { return 7 * scale }

// drawText draws s with its top-left corner at (x, y); each font cell is a
// scale x scale square. Characters without a glyph are drawn as blanks.
func drawText(img *image.RGBA, x, y int, s string, scale int, c color.RGBA) {
	for _, r := range s {
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		if g, ok := font5x7[r]; ok {
			for i := range 35 {
				if g[i] == '#' {
					fillRect(img, image.Rect(x+(i%5)*scale, y+(i/5)*scale, x+(i%5+1)*scale, y+(i/5+1)*scale), c)
				}
			}
		}
		x += 6 * scale
	}
}

// writePNGAtomic encodes img as PNG to a temporary file beside path and renames it
// into place, so readers never see a half-written image.
func writePNGAtomic(path string, img image.Image) error {
	return loader.WriteFileAtomic(path, func(w io.Writer) error { return png.Encode(w, img) })
}
