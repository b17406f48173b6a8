package loader

import (
	"math"
	"math/rand/v2"
	"sort"
)

// The synthetic CVOGL world. Everything is laid out in "world units": one unit is one
// pixel of a 1024x1024 satellite tile (about 0.3 m), whatever size the tile is rendered
// at. A scene is a vector description (roads, fields, parking lots, trees, buildings)
// that is rendered three ways: straight down (satellite), oblique from a drone, and as a
// street-level panorama. Views differ in lighting, colour balance, shadows, parallax and
// texture noise, so matching a query to the satellite tile needs appearance and context.

const worldSize = 1024.0

type vec struct{ x, y float64 }

func (a vec) add(b vec) vec       { return vec{a.x + b.x, a.y + b.y} }
func (a vec) sub(b vec) vec       { return vec{a.x - b.x, a.y - b.y} }
func (a vec) mul(k float64) vec   { return vec{a.x * k, a.y * k} }
func (a vec) dot(b vec) float64   { return a.x*b.x + a.y*b.y }
func (a vec) cross(b vec) float64 { return a.x*b.y - a.y*b.x }
func (a vec) len() float64        { return math.Hypot(a.x, a.y) }
func (a vec) perp() vec           { return vec{-a.y, a.x} }
func unit(theta float64) vec      { return vec{math.Cos(theta), math.Sin(theta)} }

type color3 [3]float64

func (c color3) scale(k float64) color3 { return color3{c[0] * k, c[1] * k, c[2] * k} }
func mix(a, b color3, t float64) color3 {
	return color3{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t, a[2] + (b[2]-a[2])*t}
}

// Building classes, named like CVOGL's OpenStreetMap tags. Each has its own footprint
// sizes, height, roof and facade style, so several buildings of one class in a tile are
// real distractors.
var synthClasses = []struct {
	name           string
	hw, hl         [2]float64 // half sizes along the long (u) and short (v) axes
	height         [2]float64
	roof, wall     color3
	roofJit, wallJ float64
}{
	{"building_house", [2]float64{13, 20}, [2]float64{10, 15}, [2]float64{14, 22}, color3{0.62, 0.27, 0.20}, color3{0.85, 0.80, 0.70}, 0.12, 0.10},
	{"building_apartments", [2]float64{34, 55}, [2]float64{12, 18}, [2]float64{40, 70}, color3{0.60, 0.60, 0.62}, color3{0.78, 0.72, 0.62}, 0.08, 0.12},
	{"building_retail", [2]float64{30, 46}, [2]float64{22, 34}, [2]float64{14, 24}, color3{0.82, 0.82, 0.80}, color3{0.70, 0.66, 0.60}, 0.06, 0.10},
	{"building_industrial", [2]float64{45, 70}, [2]float64{28, 42}, [2]float64{18, 30}, color3{0.52, 0.60, 0.68}, color3{0.62, 0.64, 0.66}, 0.08, 0.06},
	{"building_garages", [2]float64{14, 26}, [2]float64{6, 9}, [2]float64{7, 10}, color3{0.34, 0.34, 0.36}, color3{0.60, 0.58, 0.56}, 0.08, 0.08},
}

type building struct {
	class      int
	c          vec
	u, v       vec     // unit axes (u long side, v short side); v points away from the road
	hw, hl     float64 // half extents along u and v
	h          float64 // height
	roof, wall color3
	accent     color3 // shop sign / door colour
	front      vec    // unit vector toward the road the building faces
	seed       uint64
}

func (b *building) corners() [4]vec {
	a, c := b.u.mul(b.hw), b.v.mul(b.hl)
	return [4]vec{b.c.sub(a).sub(c), b.c.add(a).sub(c), b.c.add(a).add(c), b.c.sub(a).add(c)}
}

// local returns p in the building frame, normalised to [-1, 1] inside the footprint.
func (b *building) local(p vec) (float64, float64) {
	d := p.sub(b.c)
	return d.dot(b.u) / b.hw, d.dot(b.v) / b.hl
}

type road struct {
	p, d vec // a point and the unit direction
	hw   float64
	dirt bool
}

func (r *road) dist(p vec) (along, across float64) {
	q := p.sub(r.p)
	return q.dot(r.d), q.dot(r.d.perp())
}

type rect struct {
	c, u, v vec
	hw, hl  float64
}

func (r *rect) inside(p vec) (float64, float64, bool) {
	d := p.sub(r.c)
	a, b := d.dot(r.u), d.dot(r.v)
	return a, b, math.Abs(a) <= r.hw && math.Abs(b) <= r.hl
}

type field struct {
	rect
	col1, col2 color3
	period     float64
}

type tree struct {
	c    vec
	r, h float64
	col  color3
}

type scene struct {
	grass     color3
	roads     []road
	fields    []field
	lots      []rect
	trees     []tree
	buildings []building
	target    int
	noiseSeed uint64
}

func uniform(r *rand.Rand, a, b float64) float64 { return a + (b-a)*r.Float64() }

func jitter(r *rand.Rand, c color3, amount float64) color3 {
	k := 1 + uniform(r, -amount, amount)
	var out color3
	for i := range c {
		out[i] = clampF(c[i]*k*(1+uniform(r, -amount, amount)*0.6), 0, 1)
	}
	return out
}

// newScene lays out a tile: roads first, then fields, buildings along the roads, parking
// next to shops, trees in clusters. One building of the target's class (with at least two
// same-class distractors) well inside the tile is the target.
func newScene(r *rand.Rand, easy bool) *scene {
	for {
		if s := tryScene(r, easy); s != nil {
			return s
		}
	}
}

func tryScene(r *rand.Rand, easy bool) *scene {
	s := &scene{noiseSeed: r.Uint64()}
	s.grass = jitter(r, color3{0.36, 0.47, 0.24}, 0.15)
	// Roads: 2-4 straight roads crossing the tile near its centre.
	nr := 2 + r.IntN(3)
	base := r.Float64() * math.Pi
	for i := range nr {
		ang := base + float64(i)*math.Pi/float64(nr) + uniform(r, -0.25, 0.25)
		p := vec{uniform(r, 250, 774), uniform(r, 250, 774)}
		s.roads = append(s.roads, road{p: p, d: unit(ang), hw: uniform(r, 6, 11), dirt: r.IntN(6) == 0})
	}
	for range 2 + r.IntN(4) {
		ang := r.Float64() * math.Pi
		f := field{rect: rect{c: vec{uniform(r, 0, worldSize), uniform(r, 0, worldSize)}, u: unit(ang), v: unit(ang).perp(),
			hw: uniform(r, 80, 220), hl: uniform(r, 60, 160)}, period: uniform(r, 5, 12)}
		palette := []color3{{0.55, 0.55, 0.25}, {0.45, 0.36, 0.22}, {0.30, 0.45, 0.18}, {0.62, 0.58, 0.36}}
		f.col1 = jitter(r, palette[r.IntN(len(palette))], 0.1)
		f.col2 = f.col1.scale(uniform(r, 0.75, 0.9))
		s.fields = append(s.fields, f)
	}
	// Buildings.
	targetClass := r.IntN(len(synthClasses))
	want := 14 + r.IntN(10)
	sameLeft := 3 + r.IntN(3) // the target plus 2-4 distractors of its class
	if easy {
		want = 6 + r.IntN(4)
		sameLeft = 2 + r.IntN(2) // the target plus 1-2 distractors
	}
	for tries := 0; len(s.buildings) < want && tries < 900; tries++ {
		cls := r.IntN(len(synthClasses))
		if sameLeft > 0 {
			cls = targetClass
		}
		if b, ok := s.placeBuilding(r, cls); ok {
			s.buildings = append(s.buildings, b)
			if cls == targetClass && sameLeft > 0 {
				sameLeft--
			}
			if cls == 2 { // shops get a parking lot beside them
				side := 1.0
				if r.IntN(2) == 0 {
					side = -1
				}
				lw := uniform(r, 18, 30)
				s.lots = append(s.lots, rect{c: b.c.add(b.u.mul(side * (b.hw + lw + 2))), u: b.u, v: b.v, hw: lw, hl: b.hl})
			}
		}
	}
	if sameLeft > 0 {
		return nil
	}
	var cands []int
	for i, b := range s.buildings {
		if b.class != targetClass {
			continue
		}
		ok := true
		for _, c := range b.corners() {
			if c.x < 80 || c.y < 80 || c.x > worldSize-80 || c.y > worldSize-80 {
				ok = false
			}
		}
		if ok {
			cands = append(cands, i)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	s.target = cands[r.IntN(len(cands))]
	// Trees in a few clusters, kept off roads and buildings.
	for range 4 + r.IntN(6) {
		cc := vec{uniform(r, 0, worldSize), uniform(r, 0, worldSize)}
		spread := uniform(r, 20, 90)
		for range 6 + r.IntN(20) {
			t := tree{c: cc.add(vec{r.NormFloat64() * spread, r.NormFloat64() * spread}), r: uniform(r, 6, 13)}
			t.h = t.r*2 + uniform(r, 4, 14)
			t.col = jitter(r, color3{0.16, 0.30, 0.12}, 0.2)
			if s.free(t.c, t.r+2) {
				s.trees = append(s.trees, t)
			}
		}
	}
	return s
}

// free reports whether a disc touches no road and no building.
func (s *scene) free(p vec, rad float64) bool {
	for i := range s.roads {
		if _, a := s.roads[i].dist(p); math.Abs(a) < s.roads[i].hw+rad {
			return false
		}
	}
	for i := range s.buildings {
		b := &s.buildings[i]
		if p.sub(b.c).len() < math.Hypot(b.hw, b.hl)+rad {
			return false
		}
	}
	return true
}

func (s *scene) placeBuilding(r *rand.Rand, cls int) (building, bool) {
	k := synthClasses[cls]
	rd := &s.roads[r.IntN(len(s.roads))]
	b := building{class: cls, seed: r.Uint64()}
	b.hw, b.hl = uniform(r, k.hw[0], k.hw[1]), uniform(r, k.hl[0], k.hl[1])
	b.h = uniform(r, k.height[0], k.height[1])
	side := 1.0
	if r.IntN(2) == 0 {
		side = -1
	}
	b.u = rd.d
	b.v = rd.d.perp().mul(side)
	b.front = b.v.mul(-1)
	if r.IntN(5) == 0 { // some buildings stand gable-end to the road: long axis across it
		b.u, b.v = rd.d.perp().mul(side), rd.d.mul(side)
	}
	// Depth from the road edge to the building centre along the road normal.
	depth := math.Abs(b.v.dot(rd.d.perp()))*b.hl + math.Abs(b.u.dot(rd.d.perp()))*b.hw
	t := uniform(r, -700, 700)
	b.c = rd.p.add(rd.d.mul(t)).add(rd.d.perp().mul(side * (rd.hw + uniform(r, 5, 16) + depth)))
	b.roof = jitter(r, k.roof, k.roofJit)
	b.wall = jitter(r, k.wall, k.wallJ)
	accents := []color3{{0.75, 0.15, 0.12}, {0.15, 0.30, 0.70}, {0.85, 0.70, 0.15}, {0.15, 0.55, 0.25}}
	b.accent = accents[r.IntN(len(accents))]
	if b.c.x < -50 || b.c.y < -50 || b.c.x > worldSize+50 || b.c.y > worldSize+50 {
		return b, false
	}
	// Keep clear of every road and every other building.
	corners := b.corners()
	for _, c := range append(corners[:], b.c) {
		for i := range s.roads {
			if _, a := s.roads[i].dist(c); math.Abs(a) < s.roads[i].hw+3 {
				return b, false
			}
		}
	}
	rb := math.Hypot(b.hw, b.hl)
	for i := range s.buildings {
		o := &s.buildings[i]
		if b.c.sub(o.c).len() < (rb+math.Hypot(o.hw, o.hl))*0.85+4 {
			return b, false
		}
	}
	return b, true
}

// groundAt is the ground colour (before view lighting) at world point p: grass with
// low-frequency variation, fields with crop rows, parking lots, roads with markings.
func (s *scene) groundAt(p vec) color3 {
	n := valueNoise(s.noiseSeed, p.x/70, p.y/70)*0.6 + valueNoise(s.noiseSeed+1, p.x/17, p.y/17)*0.4
	c := s.grass.scale(0.82 + 0.36*n)
	for i := range s.fields {
		f := &s.fields[i]
		if a, _, in := f.inside(p); in {
			if math.Sin(2*math.Pi*a/f.period) > 0 {
				c = f.col1
			} else {
				c = f.col2
			}
			c = c.scale(0.9 + 0.2*n)
		}
	}
	for i := range s.lots {
		l := &s.lots[i]
		if a, b, in := l.inside(p); in {
			c = color3{0.33, 0.33, 0.34}.scale(0.95 + 0.1*n)
			// Bay markings every 6 units, except an aisle through the middle.
			if math.Mod(a+1000, 6) < 0.8 && math.Abs(b) > l.hl*0.25 {
				c = color3{0.85, 0.85, 0.82}
			}
		}
	}
	for i := range s.roads {
		rd := &s.roads[i]
		along, across := rd.dist(p)
		if math.Abs(across) <= rd.hw {
			if rd.dirt {
				c = color3{0.55, 0.47, 0.36}.scale(0.9 + 0.2*n)
			} else {
				c = color3{0.30, 0.30, 0.31}.scale(0.94 + 0.12*n)
				if math.Abs(across) < 0.7 && math.Mod(along+2000, 14) < 7 {
					c = color3{0.88, 0.86, 0.70}
				}
				if math.Abs(math.Abs(across)-rd.hw+1) < 0.5 {
					c = color3{0.75, 0.75, 0.72}
				}
			}
		}
	}
	return c
}

// roofAt is the roof colour at normalised roof coordinates (a along u, b along v), with
// light the sun's direction for the gable sides.
func (b *building) roofAt(a, bb float64, sun vec) color3 {
	c := b.roof
	switch b.class {
	case 0: // house: gable roof, ridge along u, tile rows
		lit := 0.8 + 0.2*sign(bb)*b.v.dot(sun)/math.Max(sun.len(), 1e-9)
		c = c.scale(lit * (0.94 + 0.06*math.Sin(bb*b.hl*1.3)))
		if math.Abs(bb) < 0.07 {
			c = c.scale(0.7)
		}
	case 1: // apartments: flat, parapet, vents on a grid
		if math.Abs(a) > 0.95 || math.Abs(bb) > 0.88 {
			c = c.scale(0.75)
		} else if math.Mod((a+1)*b.hw, 14) < 3 && math.Mod((bb+1)*b.hl, 9) < 3 {
			c = c.scale(0.6)
		}
	case 2: // retail: flat, light, a few AC units
		if math.Abs(a) > 0.96 || math.Abs(bb) > 0.94 {
			c = c.scale(0.8)
		}
		for k := range 3 {
			ca := hashUnit(b.seed, uint64(2*k))*1.4 - 0.7
			cb := hashUnit(b.seed, uint64(2*k+1))*1.2 - 0.6
			if math.Abs((a-ca)*b.hw) < 3.5 && math.Abs((bb-cb)*b.hl) < 2.5 {
				c = color3{0.55, 0.56, 0.58}
			}
		}
	case 3: // industrial: corrugated metal, skylight strips
		c = c.scale(0.9 + 0.1*math.Sin(a*b.hw*1.6))
		if math.Mod((a+1)*b.hw, 24) < 3 {
			c = color3{0.80, 0.85, 0.88}
		}
	case 4: // garages: a row of units
		if math.Mod((a+1)*b.hw, 6) < 0.6 {
			c = c.scale(0.6)
		}
	}
	return c
}

// facadeAt is a wall's colour at position s along the wall (units) and height z, for the
// oblique and street views: floors of windows in a class-specific pattern.
func (b *building) facadeAt(s, z, wallLen float64, front bool) color3 {
	c := b.wall
	glass := color3{0.20, 0.25, 0.32}
	floorH := 10.0
	switch b.class {
	case 0: // house: two floors, a roof band on top, a door on the front
		if z > b.h*0.72 {
			return b.roof.scale(0.85)
		}
		if front && math.Abs(s-wallLen/2) < 2.5 && z < 7 {
			return b.accent.scale(0.7)
		}
		if math.Mod(s, 9) > 5 && math.Mod(z, floorH) > 3.5 && math.Mod(z, floorH) < 7.5 {
			return glass
		}
	case 1: // apartments: a dense grid, balconies
		if math.Mod(s, 7) > 3 && math.Mod(z, 8) > 2.5 && math.Mod(z, 8) < 6 {
			return glass
		}
		if math.Mod(z, 8) < 0.8 {
			return c.scale(0.8)
		}
	case 2: // retail: glass shop front with a coloured sign band
		if z < b.h*0.45 && front {
			if math.Mod(s, 12) < 0.8 {
				return c.scale(0.6)
			}
			return glass.scale(1.2)
		}
		if front && z < b.h*0.7 {
			return b.accent
		}
	case 3: // industrial: vertical cladding, high window strip, loading doors
		c = c.scale(0.92 + 0.08*math.Sin(s*1.5))
		if z > b.h*0.75 && z < b.h*0.88 {
			return glass
		}
		if front && math.Mod(s, 30) < 12 && z < 12 {
			return color3{0.45, 0.47, 0.5}
		}
	case 4: // garages: doors side by side
		if front && math.Mod(s, 6) > 0.6 && z < 6 {
			return b.accent.scale(0.5).add3(color3{0.3, 0.3, 0.3})
		}
	}
	return c
}

func (c color3) add3(d color3) color3 { return color3{c[0] + d[0], c[1] + d[1], c[2] + d[2]} }

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

// hashUnit is a deterministic value in [0, 1) from a seed and a key.
func hashUnit(seed, k uint64) float64 {
	return float64(mixSeed(seed, k)>>11) / (1 << 53)
}

// valueNoise is smooth lattice noise in [0, 1].
func valueNoise(seed uint64, x, y float64) float64 {
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := x-x0, y-y0
	fx, fy = fx*fx*(3-2*fx), fy*fy*(3-2*fy)
	ix, iy := int64(x0), int64(y0)
	h := func(i, j int64) float64 { return hashUnit(seed, uint64(i)*0x9e3779b1^uint64(j)*0x85ebca77) }
	a := h(ix, iy) + fx*(h(ix+1, iy)-h(ix, iy))
	b := h(ix, iy+1) + fx*(h(ix+1, iy+1)-h(ix, iy+1))
	return a + fy*(b-a)
}

// sortBuildingsBy returns building indices sorted by key descending.
func sortBuildingsBy(s *scene, key func(b *building) float64) []int {
	idx := make([]int, len(s.buildings))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return key(&s.buildings[idx[a]]) > key(&s.buildings[idx[b]]) })
	return idx
}
