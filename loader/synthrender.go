package loader

import (
	"math"
	"math/rand/v2"
)

// look is how one view sees the world: sun (shadow direction and length per unit height),
// parallax of tall things (lean), and the camera's colour response.
type look struct {
	sun      vec     // shadow offset per unit of height
	lean     vec     // displacement of a point per unit of its height (off-nadir / oblique)
	gain     color3  // white balance
	bright   float64 // added after contrast
	contrast float64
	satur    float64
	gamma    float64
	haze     float64 // haze at the far edge (oblique and street views)
	hazeCol  color3
	noise    float64 // sensor noise sigma on the 0..255 scale
}

func randomLook(r *rand.Rand, strength float64) look {
	lk := look{
		sun:      unit(r.Float64() * 2 * math.Pi).mul(uniform(r, 0.3, 0.9)),
		contrast: 1 + uniform(r, -0.25, 0.25)*strength,
		bright:   uniform(r, -0.08, 0.08) * strength,
		satur:    1 + uniform(r, -0.35, 0.3)*strength,
		gamma:    1 + uniform(r, -0.25, 0.25)*strength,
		hazeCol:  color3{0.75, 0.80, 0.86},
		noise:    uniform(r, 1, 4),
	}
	for i := range lk.gain {
		lk.gain[i] = 1 + uniform(r, -0.12, 0.12)*strength
	}
	return lk
}

// canvas is a float RGB raster over a world window: pixel (x, y) covers world points
// origin + (x..x+1, y..y+1)/scale.
type canvas struct {
	w, h   int
	pix    []float32
	origin vec
	scale  float64
}

func newCanvas(w, h int, origin vec, scale float64) *canvas {
	return &canvas{w: w, h: h, pix: make([]float32, 3*w*h), origin: origin, scale: scale}
}

func (c *canvas) world(x, y int) vec {
	return c.origin.add(vec{(float64(x) + 0.5) / c.scale, (float64(y) + 0.5) / c.scale})
}

func (c *canvas) set(x, y int, col color3) {
	i := 3 * (y*c.w + x)
	c.pix[i], c.pix[i+1], c.pix[i+2] = float32(col[0]), float32(col[1]), float32(col[2])
}

// fillConvex calls fn for every pixel whose centre lies in the convex world polygon.
func (c *canvas) fillConvex(poly []vec, fn func(x, y int, p vec)) {
	if len(poly) < 3 {
		return
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	pts := make([]vec, len(poly))
	for i, p := range poly {
		q := p.sub(c.origin).mul(c.scale)
		pts[i] = q
		minX, minY = math.Min(minX, q.x), math.Min(minY, q.y)
		maxX, maxY = math.Max(maxX, q.x), math.Max(maxY, q.y)
	}
	area := 0.0
	for i := range pts {
		area += pts[i].cross(pts[(i+1)%len(pts)])
	}
	if area == 0 {
		return
	}
	x0, x1 := max(int(math.Floor(minX)), 0), min(int(math.Ceil(maxX)), c.w-1)
	y0, y1 := max(int(math.Floor(minY)), 0), min(int(math.Ceil(maxY)), c.h-1)
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			q := vec{float64(x) + 0.5, float64(y) + 0.5}
			in := true
			for i := range pts {
				e := pts[(i+1)%len(pts)].sub(pts[i])
				if e.cross(q.sub(pts[i]))*area < 0 {
					in = false
					break
				}
			}
			if in {
				fn(x, y, c.world(x, y))
			}
		}
	}
}

// convexHull returns the hull of pts (monotone chain), counter-clockwise.
func convexHull(pts []vec) []vec {
	p := append([]vec(nil), pts...)
	for i := 1; i < len(p); i++ { // insertion sort: at most 8 points
		for j := i; j > 0 && (p[j].x < p[j-1].x || (p[j].x == p[j-1].x && p[j].y < p[j-1].y)); j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
	var h []vec
	for pass := 0; pass < 2; pass++ {
		start := len(h)
		for _, q := range p {
			for len(h) >= start+2 && h[len(h)-1].sub(h[len(h)-2]).cross(q.sub(h[len(h)-2])) <= 0 {
				h = h[:len(h)-1]
			}
			h = append(h, q)
		}
		h = h[:len(h)-1]
		for i, j := 0, len(p)-1; i < j; i, j = i+1, j-1 {
			p[i], p[j] = p[j], p[i]
		}
	}
	return h
}

// renderTop draws the scene looking down: ground, shadows, then trees and buildings
// (front walls and roofs displaced by lean) from far to near.
func (s *scene) renderTop(c *canvas, lk look) {
	for y := 0; y < c.h; y++ {
		for x := 0; x < c.w; x++ {
			c.set(x, y, s.groundAt(c.world(x, y)))
		}
	}
	shadow := make([]bool, c.w*c.h)
	mark := func(x, y int, _ vec) { shadow[y*c.w+x] = true }
	for i := range s.buildings {
		b := &s.buildings[i]
		cs := b.corners()
		pts := cs[:]
		for _, p := range cs {
			pts = append(pts, p.add(lk.sun.mul(b.h)))
		}
		c.fillConvex(convexHull(pts), mark)
	}
	for i := range s.trees {
		t := &s.trees[i]
		c.fillConvex(discPoly(t.c.add(lk.sun.mul(t.h*0.6)), t.r), mark)
	}
	for i, m := range shadow {
		if m {
			c.pix[3*i] *= 0.5
			c.pix[3*i+1] *= 0.52
			c.pix[3*i+2] *= 0.58
		}
	}
	sunDir := lk.sun.mul(-1 / math.Max(lk.sun.len(), 1e-9)) // toward the sun
	leanDir := lk.lean
	if leanDir.len() < 1e-9 {
		leanDir = vec{0, -1}
	}
	// Far to near: things farther along the lean direction are farther from the camera.
	type item struct {
		key  float64
		tree int
		bld  int
	}
	items := make([]item, 0, len(s.trees)+len(s.buildings))
	for i := range s.trees {
		items = append(items, item{s.trees[i].c.dot(leanDir), i, -1})
	}
	for i := range s.buildings {
		items = append(items, item{s.buildings[i].c.dot(leanDir), -1, i})
	}
	sortItems(items, func(a, b item) bool { return a.key > b.key })
	for _, it := range items {
		if it.tree >= 0 {
			t := &s.trees[it.tree]
			ctr := t.c.add(lk.lean.mul(t.h - t.r))
			c.fillConvex(discPoly(ctr, t.r), func(x, y int, p vec) {
				d := p.sub(ctr).mul(1 / t.r)
				lit := 0.8 + 0.35*d.dot(sunDir) - 0.2*d.dot(d)
				n := valueNoise(s.noiseSeed+7, p.x/2.5, p.y/2.5)
				c.set(x, y, t.col.scale(lit*(0.85+0.3*n)))
			})
			continue
		}
		b := &s.buildings[it.bld]
		cs := b.corners()
		top := lk.lean.mul(b.h)
		for k := range 4 {
			p0, p1 := cs[k], cs[(k+1)%4]
			e := p1.sub(p0)
			wl := e.len()
			nrm := e.perp().mul(-1 / wl) // outward for counter-clockwise corners
			if b.c.sub(p0).dot(nrm) > 0 {
				nrm = nrm.mul(-1)
			}
			if top.len() < 0.5 || nrm.dot(lk.lean) >= 0 {
				continue // wall faces away from the camera (or is too thin to see)
			}
			light := 0.65 + 0.3*nrm.dot(sunDir)
			eu := e.mul(1 / wl)
			front := nrm.dot(b.front) > 0.7
			det := eu.cross(top)
			c.fillConvex([]vec{p0, p1, p1.add(top), p0.add(top)}, func(x, y int, p vec) {
				q := p.sub(p0)
				// Solve q = sl*eu + z*top/h for the wall coordinates.
				sl := q.cross(top) / det
				z := eu.cross(q) / det * b.h
				c.set(x, y, b.facadeAt(sl, z, wl, front).scale(light))
			})
		}
		roof := []vec{cs[0].add(top), cs[1].add(top), cs[2].add(top), cs[3].add(top)}
		c.fillConvex(roof, func(x, y int, p vec) {
			a, bb := b.local(p.sub(top))
			c.set(x, y, b.roofAt(a, bb, sunDir))
		})
	}
}

func sortItems[T any](s []T, less func(a, b T) bool) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && less(s[j], s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func discPoly(c vec, r float64) []vec {
	const n = 16
	p := make([]vec, n)
	for i := range p {
		p[i] = c.add(unit(2 * math.Pi * float64(i) / n).mul(r))
	}
	return p
}

// gammaSteps is the resolution of the gamma lookup table (finer than 8-bit output).
const gammaSteps = 4096

// grade applies a view's colour response to a colour in 0..1, with haze amount h. gamma
// is the table of x^lk.gamma at gammaSteps+1 points (math.Pow per pixel dominated the
// rendering time).
func (lk *look) grade(c color3, h float64, gamma []float64) color3 {
	l := 0.299*c[0] + 0.587*c[1] + 0.114*c[2]
	var out color3
	for i := range c {
		v := l + (c[i]-l)*lk.satur
		v *= lk.gain[i]
		v = (v-0.5)*lk.contrast + 0.5 + lk.bright
		v = gamma[int(clampF(v, 0, 1)*gammaSteps+0.5)]
		out[i] = v + (lk.hazeCol[i]-v)*h
	}
	return out
}

func (lk *look) gammaTable() []float64 {
	t := make([]float64, gammaSteps+1)
	for i := range t {
		t[i] = math.Pow(float64(i)/gammaSteps, lk.gamma)
	}
	return t
}

// toRGB grades a canvas into an 8-bit image; hazeAt gives the haze per row.
func (c *canvas) toRGB(lk look, r *rand.Rand, hazeAt func(y int) float64) *RGB {
	out := NewRGB(c.w, c.h)
	gt := lk.gammaTable()
	for y := 0; y < c.h; y++ {
		hz := 0.0
		if hazeAt != nil {
			hz = hazeAt(y)
		}
		for x := 0; x < c.w; x++ {
			i := 3 * (y*c.w + x)
			g := lk.grade(color3{float64(c.pix[i]), float64(c.pix[i+1]), float64(c.pix[i+2])}, hz, gt)
			for k := range 3 {
				out.Pix[i+k] = clampRound8(g[k]*255 + r.NormFloat64()*lk.noise)
			}
		}
	}
	return out
}

// renderSatellite draws the whole tile at size x size pixels. It returns the image and
// the target's box (bounds of its footprint and displaced roof) and rotated box
// (footprint corners), both in pixels.
func (s *scene) renderSatellite(r *rand.Rand, size int) (*RGB, [4]float64, [8]float64) {
	lk := randomLook(r, 0.5)
	lk.lean = unit(r.Float64() * 2 * math.Pi).mul(uniform(r, 0, 0.15)) // off-nadir
	lk.noise = uniform(r, 1, 3)
	k := float64(size) / worldSize
	c := newCanvas(size, size, vec{}, k)
	s.renderTop(c, lk)
	img := c.toRGB(lk, r, nil)
	b := &s.buildings[s.target]
	cs := b.corners()
	box := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	var rbox [8]float64
	for i, p := range cs {
		for _, q := range []vec{p, p.add(lk.lean.mul(b.h))} {
			box[0], box[1] = math.Min(box[0], q.x*k), math.Min(box[1], q.y*k)
			box[2], box[3] = math.Max(box[2], q.x*k), math.Max(box[3], q.y*k)
		}
		rbox[2*i], rbox[2*i+1] = round2(p.x*k), round2(p.y*k)
	}
	for i := range box {
		box[i] = round2(clampF(box[i], 0, float64(size)))
	}
	return img, box, rbox
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// homography maps (u, v) to (x, y) projectively: h is row-major 3x3 with h[8] = 1.
type homography [9]float64

func (h *homography) apply(u, v float64) (float64, float64) {
	w := h[6]*u + h[7]*v + h[8]
	return (h[0]*u + h[1]*v + h[2]) / w, (h[3]*u + h[4]*v + h[5]) / w
}

// homographyFrom solves the homography taking src[i] to dst[i] (4 point pairs).
func homographyFrom(src, dst [4]vec) homography {
	var a [8][9]float64
	for i := range 4 {
		u, v, x, y := src[i].x, src[i].y, dst[i].x, dst[i].y
		a[2*i] = [9]float64{u, v, 1, 0, 0, 0, -u * x, -v * x, x}
		a[2*i+1] = [9]float64{0, 0, 0, u, v, 1, -u * y, -v * y, y}
	}
	for col := range 8 { // Gauss-Jordan with partial pivoting
		piv := col
		for rr := col + 1; rr < 8; rr++ {
			if math.Abs(a[rr][col]) > math.Abs(a[piv][col]) {
				piv = rr
			}
		}
		a[col], a[piv] = a[piv], a[col]
		for rr := range 8 {
			if rr != col && a[col][col] != 0 {
				f := a[rr][col] / a[col][col]
				for k := col; k < 9; k++ {
					a[rr][k] -= f * a[col][k]
				}
			}
		}
	}
	var h homography
	for i := range 8 {
		h[i] = a[i][8] / a[i][i]
	}
	h[8] = 1
	return h
}

// renderDrone renders an oblique drone photo of the target's surroundings at qh x qw:
// the camera looks along a random heading with perspective (the far edge of the ground
// footprint is wider than the near edge), at a random scale, under its own lighting with
// buildings leaning away. It returns the image and the click (the target's roof centre).
func (s *scene) renderDrone(r *rand.Rand, qh, qw int) (*RGB, [2]float64) {
	b := &s.buildings[s.target]
	lk := randomLook(r, 1)
	heading := r.Float64() * 2 * math.Pi
	f := unit(heading) // forward on the ground (up in the image)
	rt := f.perp()     // right in the image
	lk.lean = f.mul(uniform(r, 0.35, 0.8))
	lk.haze = uniform(r, 0.05, 0.3)
	size := math.Hypot(b.hw, b.hl) * 2
	wn := size * uniform(r, 1.8, 3.2) * float64(qw) / float64(max(qw, qh)) // near-edge width
	wf := wn * uniform(r, 1.3, 1.9)                                        // far-edge width
	depth := wn * float64(qh) / float64(qw) * uniform(r, 1.1, 1.5)
	// Query -> world with the footprint centred on the origin, then shifted so the click
	// lands at a random point of the central part of the image.
	quad := [4]vec{
		f.mul(depth / 2).sub(rt.mul(wf / 2)), f.mul(depth / 2).add(rt.mul(wf / 2)),
		f.mul(-depth / 2).add(rt.mul(wn / 2)), f.mul(-depth / 2).sub(rt.mul(wn / 2)),
	}
	corners := [4]vec{{0, 0}, {float64(qw), 0}, {float64(qw), float64(qh)}, {0, float64(qh)}}
	h0 := homographyFrom(corners, quad)
	click := [2]float64{uniform(r, 0.3, 0.7) * float64(qw), uniform(r, 0.3, 0.7) * float64(qh)}
	ox, oy := h0.apply(click[0], click[1])
	roofC := b.c.add(lk.lean.mul(b.h))
	shift := roofC.sub(vec{ox, oy})
	// Canvas over the footprint's bounding box at the near edge's resolution.
	minP, maxP := vec{math.Inf(1), math.Inf(1)}, vec{math.Inf(-1), math.Inf(-1)}
	for i := range quad {
		quad[i] = quad[i].add(shift)
		minP = vec{math.Min(minP.x, quad[i].x), math.Min(minP.y, quad[i].y)}
		maxP = vec{math.Max(maxP.x, quad[i].x), math.Max(maxP.y, quad[i].y)}
	}
	scale := float64(qw) / wn
	minP = minP.sub(vec{2, 2})
	cw, ch := int((maxP.x-minP.x)*scale)+4, int((maxP.y-minP.y)*scale)+4
	cv := newCanvas(cw, ch, minP, scale)
	s.renderTop(cv, lk)
	hq := homographyFrom(corners, quad)
	// Sample the canvas through the homography, 2x2 supersampled against aliasing at the
	// far edge, then grade with haze growing toward the top.
	warped := newCanvas(qw, qh, vec{}, 1)
	for y := 0; y < qh; y++ {
		for x := 0; x < qw; x++ {
			var acc color3
			for _, o := range [4][2]float64{{0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}} {
				wx, wy := hq.apply(float64(x)+o[0], float64(y)+o[1])
				acc = acc.add3(cv.sample((wx-minP.x)*scale-0.5, (wy-minP.y)*scale-0.5))
			}
			warped.set(x, y, acc.scale(0.25))
		}
	}
	img := warped.toRGB(lk, r, func(y int) float64 {
		t := 1 - float64(y)/float64(qh)
		return lk.haze * t * t
	})
	return img, click
}

// sample reads the canvas bilinearly at continuous pixel coordinates (clamped).
func (c *canvas) sample(x, y float64) color3 {
	x = clampF(x, 0, float64(c.w-1))
	y = clampF(y, 0, float64(c.h-1))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, c.w-1), min(y0+1, c.h-1)
	fx, fy := x-float64(x0), y-float64(y0)
	var out color3
	for k := range 3 {
		a := float64(c.pix[3*(y0*c.w+x0)+k])*(1-fx) + float64(c.pix[3*(y0*c.w+x1)+k])*fx
		b := float64(c.pix[3*(y1*c.w+x0)+k])*(1-fx) + float64(c.pix[3*(y1*c.w+x1)+k])*fx
		out[k] = a + (b-a)*fy
	}
	return out
}
