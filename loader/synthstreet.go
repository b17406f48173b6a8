package loader

import (
	"math"
	"math/rand/v2"
	"sort"
)

// The street-view query: a 360-degree equirectangular panorama from a camera standing on
// a road near the target, ray-cast column by column (buildings as boxes, trees as
// spheres, ground from the same layout as the satellite tile), with a tilted, wavy
// horizon. Buildings appear as facades (walls, windows, shop signs, roof bands) that the
// satellite view never shows, so the match has to come from class, colour, size and the
// arrangement of neighbours.

type streetHit struct {
	t       float64 // distance along the ray
	bld     int     // building index or -1
	tree    int     // tree index or -1
	s, wall float64 // position along the hit wall and its length
	light   float64
	front   bool
	dp      float64 // tree: distance of the ray from the trunk
	n       vec     // building: outward normal of the hit wall
}

// rayBuilding intersects the ray C + t*d with a building's footprint (slab method).
func rayBuilding(b *building, c, d vec) (streetHit, bool) {
	o := c.sub(b.c)
	ox, oy := o.dot(b.u), o.dot(b.v)
	dx, dy := d.dot(b.u), d.dot(b.v)
	tmin, tmax := math.Inf(-1), math.Inf(1)
	axis := -1
	for k, sl := range [2][3]float64{{ox, dx, b.hw}, {oy, dy, b.hl}} {
		if math.Abs(sl[1]) < 1e-12 {
			if math.Abs(sl[0]) > sl[2] {
				return streetHit{}, false
			}
			continue
		}
		t1, t2 := (-sl[2]-sl[0])/sl[1], (sl[2]-sl[0])/sl[1]
		if t1 > t2 {
			t1, t2 = t2, t1
		}
		if t1 > tmin {
			tmin, axis = t1, k
		}
		tmax = math.Min(tmax, t2)
	}
	if tmin > tmax || tmin <= 0 || axis < 0 {
		return streetHit{}, false
	}
	h := streetHit{t: tmin, tree: -1}
	px, py := ox+dx*tmin, oy+dy*tmin
	var n vec
	if axis == 0 {
		h.s, h.wall = py+b.hl, 2*b.hl
		n = b.u.mul(sign(px))
	} else {
		h.s, h.wall = px+b.hw, 2*b.hw
		n = b.v.mul(sign(py))
	}
	h.front = n.dot(b.front) > 0.7
	h.n = n
	return h, true
}

// streetCamera picks a camera position on a road near the target from which the target
// is not hidden by another building; failing that, any nearby point with occluders
// listed for removal.
func (s *scene) streetCamera(r *rand.Rand) (vec, map[int]bool) {
	b := &s.buildings[s.target]
	for range 80 {
		rd := &s.roads[r.IntN(len(s.roads))]
		t0 := b.c.sub(rd.p).dot(rd.d)
		c := rd.p.add(rd.d.mul(t0 + uniform(r, -100, 100))).add(rd.d.perp().mul(uniform(r, -0.6, 0.6) * rd.hw))
		dist := c.sub(b.c).len()
		if dist < 40 || dist > 180 {
			continue
		}
		if occ := s.occluders(c); len(occ) == 0 {
			return c, nil
		}
	}
	c := b.c.add(unit(r.Float64() * 2 * math.Pi).mul(math.Hypot(b.hw, b.hl) + uniform(r, 30, 70)))
	occ := s.occluders(c)
	m := map[int]bool{}
	for _, i := range occ {
		m[i] = true
	}
	return c, m
}

// occluders lists the buildings that cut the sight lines from c to the target's centre
// and to its corners, or that contain c.
func (s *scene) occluders(c vec) []int {
	b := &s.buildings[s.target]
	var out []int
	targets := []vec{b.c}
	cs := b.corners()
	for _, p := range cs {
		targets = append(targets, b.c.add(p.sub(b.c).mul(0.6)))
	}
	for i := range s.buildings {
		if i == s.target {
			continue
		}
		o := &s.buildings[i]
		if lx, ly := o.local(c); math.Abs(lx) <= 1 && math.Abs(ly) <= 1 {
			out = append(out, i)
			continue
		}
		for _, tp := range targets {
			d := tp.sub(c)
			dist := d.len()
			d = d.mul(1 / dist)
			th, ok := rayBuilding(b, c, d)
			lim := dist
			if ok {
				lim = th.t
			}
			if h, ok := rayBuilding(o, c, d); ok && h.t < lim {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// renderStreet renders the panorama at qh x qw and returns it with the click (the middle
// of the target's facade).
func (s *scene) renderStreet(r *rand.Rand, qh, qw int) (*RGB, [2]float64) {
	b := &s.buildings[s.target]
	lk := randomLook(r, 1)
	sunDir := lk.sun.mul(-1 / lk.sun.len())
	cam, skip := s.streetCamera(r)
	camH := uniform(r, 6, 9)
	// Put the target at a random column of the middle 70% of the panorama.
	toT := b.c.sub(cam)
	bearT := math.Atan2(toT.y, toT.x)
	uT := uniform(r, 0.15, 0.85)
	theta0 := bearT - uT*2*math.Pi
	pitch := uniform(r, -0.08, 0.08) * float64(qh)
	roll := uniform(r, 0.02, 0.1) * float64(qh)
	rollPhase := r.Float64() * 2 * math.Pi
	vscale := float64(qh) / math.Pi // rows per radian of elevation
	horizon := func(phi float64) float64 {
		return float64(qh)/2 + pitch + roll*math.Sin(phi-rollPhase)
	}
	sky0, sky1 := jitter(r, color3{0.80, 0.85, 0.90}, 0.08), jitter(r, color3{0.35, 0.55, 0.85}, 0.12)
	const hazeDist = 700.0
	cv := newCanvas(qw, qh, vec{}, 1)
	var hits []streetHit
	for u := 0; u < qw; u++ {
		phi := theta0 + (float64(u)+0.5)/float64(qw)*2*math.Pi
		d := unit(phi)
		hz := horizon(phi)
		for v := 0; v < qh; v++ {
			e := (hz - (float64(v) + 0.5)) / vscale
			var c color3
			if e >= 0 {
				c = mix(sky0, sky1, math.Min(e/(math.Pi/2)*1.6, 1))
			} else {
				dist := camH / math.Tan(-e)
				if dist > 3000 {
					c = lk.hazeCol
				} else {
					c = s.groundAt(cam.add(d.mul(dist)))
					c = mix(c, lk.hazeCol, 1-math.Exp(-dist/hazeDist))
				}
			}
			cv.set(u, v, c)
		}
		hits = hits[:0]
		for i := range s.buildings {
			if skip[i] {
				continue
			}
			if h, ok := rayBuilding(&s.buildings[i], cam, d); ok && h.t < 1500 {
				h.bld = i
				h.light = 0.7 + 0.3*h.n.dot(sunDir)
				hits = append(hits, h)
			}
		}
		for i := range s.trees {
			t := &s.trees[i]
			q := t.c.sub(cam)
			along := q.dot(d)
			dp := math.Abs(d.cross(q))
			if along > 0 && dp < t.r {
				hits = append(hits, streetHit{t: along - math.Sqrt(t.r*t.r-dp*dp), bld: -1, tree: i, dp: dp})
			}
		}
		sort.Slice(hits, func(a, b int) bool { return hits[a].t > hits[b].t })
		for _, h := range hits {
			fog := 1 - math.Exp(-h.t/hazeDist)
			if h.bld >= 0 {
				o := &s.buildings[h.bld]
				vTop := hz - math.Atan((o.h-camH)/h.t)*vscale
				vBot := hz + math.Atan(camH/h.t)*vscale
				for v := max(int(vTop), 0); v < min(int(math.Ceil(vBot)), qh); v++ {
					z := camH + h.t*math.Tan((hz-(float64(v)+0.5))/vscale)
					if z < 0 || z > o.h {
						continue
					}
					c := o.facadeAt(h.s, z, h.wall, h.front).scale(h.light)
					cv.set(u, v, mix(c, lk.hazeCol, fog))
				}
				continue
			}
			t := &s.trees[h.tree]
			half := math.Sqrt(t.r*t.r - h.dp*h.dp)
			zc := t.h - t.r
			tc := h.t + half // distance to the trunk plane
			vTop := hz - math.Atan((zc+half-camH)/tc)*vscale
			vBot := hz + math.Atan(camH/tc)*vscale
			for v := max(int(vTop), 0); v < min(int(math.Ceil(vBot)), qh); v++ {
				z := camH + tc*math.Tan((hz-(float64(v)+0.5))/vscale)
				var c color3
				switch {
				case z >= zc-half && z <= zc+half:
					n := valueNoise(s.noiseSeed+9, float64(u)/3, float64(v)/3)
					c = t.col.scale(0.75 + 0.4*n)
				case z < zc-half && h.dp < t.r*0.15:
					c = color3{0.30, 0.22, 0.15}
				default:
					continue
				}
				cv.set(u, v, mix(c, lk.hazeCol, fog))
			}
		}
	}
	img := cv.toRGB(lk, r, nil)
	// The click: the middle of the target's facade straight along its bearing.
	d := toT.mul(1 / toT.len())
	th, ok := rayBuilding(b, cam, d)
	dist := toT.len()
	if ok {
		dist = th.t
	}
	uc := uT * float64(qw)
	vc := horizon(bearT) - math.Atan((b.h/2-camH)/dist)*vscale
	return img, [2]float64{uc, clampF(vc, 0, float64(qh)-1)}
}
