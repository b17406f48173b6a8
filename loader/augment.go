package loader

import (
	"math"
	"math/rand/v2"
	"sync"
)

// The satellite augmentation of the paper's training (data_loader.py, an albumentations
// Compose with pascal_voc boxes), in the same order with the same probabilities and the
// same default parameter ranges of each albumentations transform:
//
//	RandomSizedBBoxSafeCrop(erosion 0.2)  p 0.2
//	RandomRotate90                        p 0.5
//	GaussNoise(var 10..50)                p 0.5
//	HueSaturationValue(20, 30, 20)        p 0.3
//	OneOf(Blur 0.4, MedianBlur 0.3)       p 0.5  (blur limit 7)
//	OneOf(BrightnessContrast 0.4, CLAHE 0.3) p 0.5
//	ToGray                                p 0.2
//	RandomGamma(80..120)                  p 0.3
//
// Random numbers come from the caller's *rand.Rand, so a sample's augmentation depends
// only on its seed, never on goroutine scheduling. Boxes are x1,y1,x2,y2 in pixels.

// satTransform is one entry of the list: apply is called with probability p.
type satTransform struct {
	name  string
	p     float64
	apply func(img *RGB, box [4]float64, r *rand.Rand) (*RGB, [4]float64)
}

var satTransforms = []satTransform{
	{"bbox_safe_crop", 0.2, augBBoxSafeCrop},
	{"rot90", 0.5, augRot90},
	{"gauss_noise", 0.5, augGaussNoise},
	{"hsv", 0.3, augHSV},
	{"blur_or_median", 0.5, oneOf(0.4, augBlur, 0.3, augMedianBlur)},
	{"brightness_contrast_or_clahe", 0.5, oneOf(0.4, augBrightnessContrast, 0.3, augCLAHE)},
	{"gray", 0.2, augGray},
	{"gamma", 0.3, augGamma},
}

// AugmentSatellite applies the paper's satellite augmentation to img and its box and
// returns the new image (img itself may be modified) and the box in its pixels. The
// output has the input's size: the crop is resized back, rot90 of a square stays square.
func AugmentSatellite(img *RGB, box [4]float64, r *rand.Rand) (*RGB, [4]float64) {
	for _, t := range satTransforms {
		if r.Float64() < t.p {
			img, box = t.apply(img, box, r)
		}
	}
	return img, box
}

type augFunc = func(*RGB, [4]float64, *rand.Rand) (*RGB, [4]float64)

// oneOf is albumentations' OneOf: pick one child with probability proportional to its p
// and apply it unconditionally.
func oneOf(pa float64, a augFunc, pb float64, b augFunc) augFunc {
	return func(img *RGB, box [4]float64, r *rand.Rand) (*RGB, [4]float64) {
		if r.Float64()*(pa+pb) < pa {
			return a(img, box, r)
		}
		return b(img, box, r)
	}
}

// augBBoxSafeCrop is RandomSizedBBoxSafeCrop(height=H, width=W, erosion_rate=0.2): a
// random crop that contains the box shrunk by 20% on each side, resized back to the input
// size. The box is clipped to the crop (it may lose up to 20% per side, like the original).
func augBBoxSafeCrop(img *RGB, box [4]float64, r *rand.Rand) (*RGB, [4]float64) {
	W, H := float64(img.W), float64(img.H)
	const erosion = 0.2
	// Normalised eroded box (union of one box).
	bw, bh := (box[2]-box[0])/W, (box[3]-box[1])/H
	x, y := box[0]/W+erosion*bw, box[1]/H+erosion*bh
	x2, y2 := box[2]/W-erosion*bw, box[3]/H-erosion*bh
	// A bigger region around it.
	bx, by := x*r.Float64(), y*r.Float64()
	bx2, by2 := x2+(1-x2)*r.Float64(), y2+(1-y2)*r.Float64()
	rw, rh := bx2-bx, by2-by
	cropH, cropW := img.H, img.W
	if rh < 1 {
		cropH = int(H * rh)
	}
	if rw < 1 {
		cropW = int(W * rw)
	}
	cropH, cropW = max(cropH, 1), max(cropW, 1)
	hStart, wStart := 0.0, 0.0
	if rh < 1 {
		hStart = clampF(by/(1-rh), 0, 1)
	}
	if rw < 1 {
		wStart = clampF(bx/(1-rw), 0, 1)
	}
	y1 := min(int(float64(img.H-cropH+1)*hStart), img.H-cropH)
	x1 := min(int(float64(img.W-cropW+1)*wStart), img.W-cropW)
	c := cropRGB(img, x1, y1, cropW, cropH)
	out := c.Resize(img.W, img.H)
	sx, sy := W/float64(cropW), H/float64(cropH)
	nb := [4]float64{
		clampF(box[0]-float64(x1), 0, float64(cropW)) * sx,
		clampF(box[1]-float64(y1), 0, float64(cropH)) * sy,
		clampF(box[2]-float64(x1), 0, float64(cropW)) * sx,
		clampF(box[3]-float64(y1), 0, float64(cropH)) * sy,
	}
	return out, nb
}

func cropRGB(img *RGB, x0, y0, w, h int) *RGB {
	out := NewRGB(w, h)
	for y := 0; y < h; y++ {
		copy(out.Pix[3*y*w:3*(y+1)*w], img.Pix[3*((y0+y)*img.W+x0):])
	}
	return out
}

// augRot90 is RandomRotate90: np.rot90 by a random factor 0..3 (counter-clockwise).
func augRot90(img *RGB, box [4]float64, r *rand.Rand) (*RGB, [4]float64) {
	for k := r.IntN(4); k > 0; k-- {
		img, box = rot90(img, box)
	}
	return img, box
}

// rot90 rotates counter-clockwise by 90 degrees: old (x, y) -> new (y, W-1-x).
func rot90(img *RGB, box [4]float64) (*RGB, [4]float64) {
	W, H := img.W, img.H
	out := NewRGB(H, W)
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			s, d := 3*(y*W+x), 3*((W-1-x)*H+y)
			out.Pix[d], out.Pix[d+1], out.Pix[d+2] = img.Pix[s], img.Pix[s+1], img.Pix[s+2]
		}
	}
	fw := float64(W)
	return out, [4]float64{box[1], fw - box[2], box[3], fw - box[0]}
}

// augGaussNoise is GaussNoise(var_limit=(10, 50), mean=0, per_channel=True): one normal
// draw per pixel and channel, added in float and truncated back to uint8 after clipping.
// The draws come from a 65536-entry table of normal quantiles indexed by 16 random bits
// (four draws per 64-bit random number): a 1024x1024 tile needs 3M draws, which
// NormFloat64 made the slowest step of the pipeline; the table's tails reach 4.3 sigma.
func augGaussNoise(img *RGB, box [4]float64, r *rand.Rand) (*RGB, [4]float64) {
	sigma := float32(math.Sqrt(10 + 40*r.Float64()))
	var tab [1 << 16]float32
	q := normalQuantiles()
	for i := range tab {
		tab[i] = sigma * q[i]
	}
	p := img.Pix
	for i := 0; i < len(p); i += 4 {
		bits := r.Uint64()
		for k := 0; k < 4 && i+k < len(p); k++ {
			v := float32(p[i+k]) + tab[uint16(bits>>(16*k))]
			switch {
			case v <= 0:
				p[i+k] = 0
			case v >= 255:
				p[i+k] = 255
			default:
				p[i+k] = uint8(v)
			}
		}
	}
	return img, box
}

var normalQuantiles = sync.OnceValue(func() []float32 {
	q := make([]float32, 1<<16)
	for i := range q {
		pr := (float64(i) + 0.5) / (1 << 16)
		q[i] = float32(math.Sqrt2 * math.Erfinv(2*pr-1))
	}
	return q
})

// augHSV is HueSaturationValue(20, 30, 20) on uint8: OpenCV's 8-bit HSV (H in 0..179),
// hue shifted modulo 180, saturation and value shifted and clipped, through lookup tables.
func augHSV(img *RGB, box [4]float64, r *rand.Rand) (*RGB, [4]float64) {
	hs := -20 + 40*r.Float64()
	ss := -30 + 60*r.Float64()
	vs := -20 + 40*r.Float64()
	var lh, ls, lv [256]uint8
	for i := range 256 {
		lh[i] = uint8(math.Mod(math.Mod(float64(i)+hs, 180)+180, 180))
		ls[i] = clampTrunc8(float64(i) + ss)
		lv[i] = clampTrunc8(float64(i) + vs)
	}
	p := img.Pix
	for i := 0; i+2 < len(p); i += 3 {
		h, s, v := rgbToHSV8(p[i], p[i+1], p[i+2])
		p[i], p[i+1], p[i+2] = hsv8ToRGB(lh[h], ls[s], lv[v])
	}
	return img, box
}

// rgbToHSV8 is OpenCV's COLOR_RGB2HSV for 8-bit images (H = degrees/2 in 0..179, S and
// V in 0..255), in integer arithmetic with rounding.
func rgbToHSV8(r, g, b uint8) (uint8, uint8, uint8) {
	R, G, B := int(r), int(g), int(b)
	v := max(R, G, B)
	diff := v - min(R, G, B)
	if diff == 0 {
		return 0, 0, uint8(v)
	}
	s := (diff*255 + v/2) / v
	// Hue in half-degrees: 30 per sextant.
	var num, off int
	switch v {
	case R:
		num, off = G-B, 0
	case G:
		num, off = B-R, 60
	default:
		num, off = R-G, 120
	}
	h := off + divRound(30*num, diff)
	if h < 0 {
		h += 180
	}
	if h >= 180 {
		h -= 180
	}
	return uint8(h), uint8(s), uint8(v)
}

// divRound is a/b rounded half away from zero (b > 0).
func divRound(a, b int) int {
	if a >= 0 {
		return (2*a + b) / (2 * b)
	}
	return -((-2*a + b) / (2 * b))
}

// hsv8ToRGB inverts rgbToHSV8 (OpenCV's COLOR_HSV2RGB for 8-bit images).
func hsv8ToRGB(h, s, v uint8) (uint8, uint8, uint8) {
	if s == 0 {
		return v, v, v
	}
	H, S, V := int(h)%180, int(s), int(v)
	sector, f := H/30, H%30 // f in 1/30ths of a sextant
	const d = 255 * 30
	p := uint8((V*(255-S)*30 + d/2) / d)
	q := uint8((V*(d-S*f) + d/2) / d)
	t := uint8((V*(d-S*(30-f)) + d/2) / d)
	vv := uint8(V)
	switch sector {
	case 0:
		return vv, t, p
	case 1:
		return q, vv, p
	case 2:
		return p, vv, t
	case 3:
		return p, q, vv
	case 4:
		return t, p, vv
	}
	return vv, p, q
}

// augBlur is Blur(blur_limit=7): a box filter of odd size 3, 5 or 7 with OpenCV's default
// border (reflect-101), rounded to nearest.
func augBlur(img *RGB, box [4]float64, r *rand.Rand) (*RGB, [4]float64) {
	k := 3 + 2*r.IntN(3)
	return boxBlur(img, k), box
}

func boxBlur(img *RGB, k int) *RGB {
	W, H, rad := img.W, img.H, k/2
	// Running sums: horizontal pass into tmp, vertical pass into the output. Indices are
	// mapped through reflect101 only where the window leaves the image.
	tmp := make([]int32, 3*W*H)
	for y := 0; y < H; y++ {
		row := img.Pix[3*y*W : 3*(y+1)*W]
		out := tmp[3*y*W : 3*(y+1)*W]
		var s [3]int32
		for d := -rad; d <= rad; d++ {
			xx := 3 * reflect101(d, W)
			s[0] += int32(row[xx])
			s[1] += int32(row[xx+1])
			s[2] += int32(row[xx+2])
		}
		for x := 0; x < W; x++ {
			out[3*x], out[3*x+1], out[3*x+2] = s[0], s[1], s[2]
			a, b := 3*reflect101(x-rad, W), 3*reflect101(x+rad+1, W)
			for c := 0; c < 3; c++ {
				s[c] += int32(row[b+c]) - int32(row[a+c])
			}
		}
	}
	out := NewRGB(W, H)
	area := int32(k * k)
	sum := make([]int32, 3*W)
	for d := -rad; d <= rad; d++ {
		r := tmp[3*reflect101(d, H)*W:]
		for i := range sum {
			sum[i] += r[i]
		}
	}
	for y := 0; y < H; y++ {
		o := out.Pix[3*y*W : 3*(y+1)*W]
		for i, v := range sum {
			o[i] = uint8((v + area/2) / area)
		}
		a, b := tmp[3*reflect101(y-rad, H)*W:], tmp[3*reflect101(y+rad+1, H)*W:]
		for i := range sum {
			sum[i] += b[i] - a[i]
		}
	}
	return out
}

// reflect101 is OpenCV's BORDER_REFLECT_101 index mapping (gfedcb|abcdefgh|gfedcba).
func reflect101(i, n int) int {
	if n == 1 {
		return 0
	}
	for i < 0 || i >= n {
		if i < 0 {
			i = -i
		} else {
			i = 2*(n-1) - i
		}
	}
	return i
}

// augMedianBlur is MedianBlur(blur_limit=7): a k x k median (k = 3, 5 or 7) with edge
// replication, per channel. A sliding histogram with a tracked median keeps it O(k) per
// pixel instead of sorting k*k values.
func augMedianBlur(img *RGB, box [4]float64, r *rand.Rand) (*RGB, [4]float64) {
	k := 3 + 2*r.IntN(3)
	return medianBlur(img, k), box
}

func medianBlur(img *RGB, k int) *RGB {
	W, H, rad := img.W, img.H, k/2
	out := NewRGB(W, H)
	half := (k*k)/2 + 1 // the median is the half-th smallest (1-based)
	// One channel at a time on a plane padded by rad with edge replication, so the
	// sliding window never needs bounds checks.
	PW, PH := W+2*rad, H+2*rad
	plane := make([]uint8, PW*PH)
	for c := 0; c < 3; c++ {
		for y := 0; y < PH; y++ {
			sy := min(max(y-rad, 0), H-1)
			src := img.Pix[3*sy*W:]
			row := plane[y*PW : (y+1)*PW]
			for x := range row {
				row[x] = src[3*min(max(x-rad, 0), W-1)+c]
			}
		}
		for y := 0; y < H; y++ {
			var hist [256]int32
			for dy := 0; dy < k; dy++ {
				for _, v := range plane[(y+dy)*PW : (y+dy)*PW+k] {
					hist[v]++
				}
			}
			// m is the current median, below the count of values < m.
			m, below := 0, int32(0)
			for below+hist[m] < int32(half) {
				below += hist[m]
				m++
			}
			o := out.Pix[3*y*W:]
			o[c] = uint8(m)
			for x := 1; x < W; x++ {
				for dy := 0; dy < k; dy++ {
					row := plane[(y+dy)*PW:]
					ov, nv := int(row[x-1]), int(row[x+k-1])
					hist[ov]--
					hist[nv]++
					if ov < m {
						below--
					}
					if nv < m {
						below++
					}
				}
				for below > int32(half-1) { // too many below: move down
					m--
					below -= hist[m]
				}
				for below+hist[m] < int32(half) { // too few at or below: move up
					below += hist[m]
					m++
				}
				o[3*x+c] = uint8(m)
			}
		}
	}
	return out
}

// augBrightnessContrast is RandomBrightnessContrast(0.2, 0.2, brightness_by_max=True):
// v*alpha + beta*255 through a lookup table, clipped and truncated.
func augBrightnessContrast(img *RGB, box [4]float64, r *rand.Rand) (*RGB, [4]float64) {
	alpha := 1 + (-0.2 + 0.4*r.Float64())
	beta := -0.2 + 0.4*r.Float64()
	var lut [256]uint8
	for i := range 256 {
		lut[i] = clampTrunc8(float64(float32(i)*float32(alpha) + float32(beta)*255))
	}
	applyLUT(img, &lut)
	return img, box
}

// augGamma is RandomGamma(gamma_limit=(80, 120)): v = 255*(v/255)^gamma, truncated.
func augGamma(img *RGB, box [4]float64, r *rand.Rand) (*RGB, [4]float64) {
	g := (80 + 40*r.Float64()) / 100
	var lut [256]uint8
	for i := range 256 {
		lut[i] = clampTrunc8(math.Pow(float64(i)/255, g) * 255)
	}
	applyLUT(img, &lut)
	return img, box
}

func applyLUT(img *RGB, lut *[256]uint8) {
	for i, v := range img.Pix {
		img.Pix[i] = lut[v]
	}
}

// augGray is ToGray: OpenCV's RGB2GRAY fixed-point luma copied to all three channels.
func augGray(img *RGB, box [4]float64, _ *rand.Rand) (*RGB, [4]float64) {
	p := img.Pix
	for i := 0; i+2 < len(p); i += 3 {
		g := gray8(p[i], p[i+1], p[i+2])
		p[i], p[i+1], p[i+2] = g, g, g
	}
	return img, box
}

func gray8(r, g, b uint8) uint8 {
	return uint8((int(r)*4899 + int(g)*9617 + int(b)*1868 + 8192) >> 14)
}

// augCLAHE is CLAHE(clip_limit=(1, 4), tile_grid_size=(8, 8)). albumentations equalises
// the L channel of Lab; this applies the same OpenCV CLAHE algorithm to the luma of
// YCbCr (chroma kept), which is the same operation on a lightness channel without the
// Lab round trip.
func augCLAHE(img *RGB, box [4]float64, r *rand.Rand) (*RGB, [4]float64) {
	clip := 1 + 3*r.Float64()
	n := img.W * img.H
	Y := make([]uint8, n)
	cb := make([]float64, n)
	cr := make([]float64, n)
	for i := 0; i < n; i++ {
		R, G, B := float64(img.Pix[3*i]), float64(img.Pix[3*i+1]), float64(img.Pix[3*i+2])
		y := 0.299*R + 0.587*G + 0.114*B
		Y[i] = clampRound8(y)
		cb[i] = B - y
		cr[i] = R - y
	}
	Yn := clahe(Y, img.W, img.H, clip, 8, 8)
	for i := 0; i < n; i++ {
		y := float64(Yn[i])
		R := y + cr[i]
		B := y + cb[i]
		G := (y - 0.299*R - 0.114*B) / 0.587
		img.Pix[3*i], img.Pix[3*i+1], img.Pix[3*i+2] = clampRound8(R), clampRound8(G), clampRound8(B)
	}
	return img, box
}

// clahe is OpenCV's contrast-limited adaptive histogram equalisation on one 8-bit plane:
// per-tile histograms clipped at clip*area/256 with the excess spread evenly, per-tile
// equalisation tables, bilinear blending of the four nearest tiles' tables.
func clahe(src []uint8, W, H int, clip float64, tx, ty int) []uint8 {
	// OpenCV pads the image to a multiple of the grid (reflect-101); tiles here take the
	// floor size and the last tile absorbs the remainder, which changes only the border
	// tiles' statistics slightly.
	tw, th := max(W/tx, 1), max(H/ty, 1)
	tx, ty = max(min(tx, W), 1), max(min(ty, H), 1)
	luts := make([][256]uint8, tx*ty)
	for j := 0; j < ty; j++ {
		for i := 0; i < tx; i++ {
			x0, y0 := i*tw, j*th
			x1, y1 := x0+tw, y0+th
			if i == tx-1 {
				x1 = W
			}
			if j == ty-1 {
				y1 = H
			}
			var hist [256]int
			for y := y0; y < y1; y++ {
				for _, v := range src[y*W+x0 : y*W+x1] {
					hist[v]++
				}
			}
			area := (x1 - x0) * (y1 - y0)
			limit := max(int(clip*float64(area)/256), 1)
			excess := 0
			for k := range hist {
				if hist[k] > limit {
					excess += hist[k] - limit
					hist[k] = limit
				}
			}
			batch, resid := excess/256, excess%256
			for k := range hist {
				hist[k] += batch
			}
			if resid > 0 {
				step := max(256/resid, 1)
				for k := 0; k < 256 && resid > 0; k += step {
					hist[k]++
					resid--
				}
			}
			scale := 255 / float64(area)
			sum := 0
			for k := range hist {
				sum += hist[k]
				luts[j*tx+i][k] = clampRound8(float64(sum) * scale)
			}
		}
	}
	out := make([]uint8, len(src))
	for y := 0; y < H; y++ {
		fy := (float64(y)+0.5)/float64(th) - 0.5
		j0 := int(math.Floor(fy))
		wy := fy - float64(j0)
		j1 := min(j0+1, ty-1)
		j0 = max(j0, 0)
		for x := 0; x < W; x++ {
			fx := (float64(x)+0.5)/float64(tw) - 0.5
			i0 := int(math.Floor(fx))
			wx := fx - float64(i0)
			i1 := min(i0+1, tx-1)
			i0 = max(i0, 0)
			v := src[y*W+x]
			top := (1-wx)*float64(luts[j0*tx+i0][v]) + wx*float64(luts[j0*tx+i1][v])
			bot := (1-wx)*float64(luts[j1*tx+i0][v]) + wx*float64(luts[j1*tx+i1][v])
			out[y*W+x] = clampRound8((1-wy)*top + wy*bot)
		}
	}
	return out
}

// clampTrunc8 clips to 0..255 and truncates (numpy astype(uint8) after np.clip).
func clampTrunc8(v float64) uint8 {
	if !(v > 0) {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v)
}

// clampRound8 clips to 0..255 and rounds to nearest (OpenCV saturate_cast).
func clampRound8(v float64) uint8 {
	if !(v > 0) {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v + 0.5)
}

func clampF(v, lo, hi float64) float64 {
	return math.Min(math.Max(v, lo), hi)
}
