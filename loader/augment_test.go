package loader

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// rectImage draws a bright rectangle (pixel span [x1,x2) x [y1,y2)) on a dark textured
// background, so the transformed rectangle can be found again by thresholding.
func rectImage(w, h int, box [4]float64, seed uint64) *RGB {
	r := rand.New(rand.NewPCG(seed, 9))
	m := NewRGB(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := 3 * (y*w + x)
			if float64(x) >= box[0] && float64(x) < box[2] && float64(y) >= box[1] && float64(y) < box[3] {
				m.Pix[i], m.Pix[i+1], m.Pix[i+2] = uint8(215+r.IntN(10)), uint8(190+r.IntN(10)), uint8(160+r.IntN(10))
			} else {
				m.Pix[i], m.Pix[i+1], m.Pix[i+2] = uint8(30+r.IntN(10)), uint8(55+r.IntN(10)), uint8(35+r.IntN(10))
			}
		}
	}
	return m
}

// brightBox finds the bounding box (continuous pixel-edge coordinates) of the pixels
// brighter than the midpoint between the 5th and 95th luma percentiles.
func brightBox(m *RGB) [4]float64 {
	n := m.W * m.H
	l := make([]int, n)
	for i := range l {
		l[i] = int(gray8(m.Pix[3*i], m.Pix[3*i+1], m.Pix[3*i+2]))
	}
	s := slices.Clone(l)
	sort.Ints(s)
	thr := (s[n*5/100] + s[n*95/100]) / 2
	b := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for y := 0; y < m.H; y++ {
		for x := 0; x < m.W; x++ {
			if l[y*m.W+x] > thr {
				b[0] = math.Min(b[0], float64(x))
				b[1] = math.Min(b[1], float64(y))
				b[2] = math.Max(b[2], float64(x+1))
				b[3] = math.Max(b[3], float64(y+1))
			}
		}
	}
	return b
}

func checkFrames(t *testing.T, what string, m *RGB, box [4]float64, tol float64) {
	t.Helper()
	got := brightBox(m)
	for k := range 4 {
		if math.Abs(got[k]-box[k]) > tol {
			t.Fatalf("%s: returned box %.1f does not frame the rectangle found at %.1f", what, box, got)
		}
	}
	if box[2]-box[0] <= 0 || box[3]-box[1] <= 0 {
		t.Fatalf("%s: empty box %v", what, box)
	}
}

func TestEachAugmentationKeepsBox(t *testing.T) {
	boxes := [][4]float64{{20, 30, 62, 58}, {4, 50, 40, 90}, {60, 5, 92, 33}}
	for _, tr := range satTransforms {
		for seed := uint64(0); seed < 12; seed++ {
			box := boxes[seed%3]
			img := rectImage(96, 96, box, seed)
			orig := img.Clone()
			r := rand.New(rand.NewPCG(seed, 77))
			out, nb := tr.apply(img, box, r)
			if out.W != 96 || out.H != 96 {
				t.Fatalf("%s changed the size to %dx%d", tr.name, out.W, out.H)
			}
			checkFrames(t, tr.name, out, nb, 2)
			if tr.name != "rot90" && tr.name != "bbox_safe_crop" && nb != box {
				t.Fatalf("%s moved the box: %v -> %v", tr.name, box, nb)
			}
			_ = orig
		}
	}
}

func TestAugmentSatelliteComposite(t *testing.T) {
	changed := 0
	for seed := uint64(0); seed < 30; seed++ {
		box := [4]float64{18, 26, 60, 70}
		img := rectImage(96, 96, box, seed)
		orig := img.Clone()
		out, nb := AugmentSatellite(img, box, rand.New(rand.NewPCG(seed, 5)))
		checkFrames(t, "composite", out, nb, 2.5)
		if !bytes.Equal(out.Pix, orig.Pix) {
			changed++
		}
		// Same seed, same result.
		out2, nb2 := AugmentSatellite(orig.Clone(), box, rand.New(rand.NewPCG(seed, 5)))
		if nb2 != nb || !bytes.Equal(out.Pix, out2.Pix) {
			t.Fatal("augmentation not deterministic for a seed")
		}
	}
	if changed < 25 {
		t.Fatalf("only %d of 30 augmentations changed the image", changed)
	}
}

// Every transform must fire at its own probability (DESIGN.md's list).
func TestAugmentationProbabilities(t *testing.T) {
	want := map[string]float64{"bbox_safe_crop": 0.2, "rot90": 0.5, "gauss_noise": 0.5, "hsv": 0.3,
		"blur_or_median": 0.5, "brightness_contrast_or_clahe": 0.5, "gray": 0.2, "gamma": 0.3}
	if len(satTransforms) != len(want) {
		t.Fatalf("%d transforms, want %d", len(satTransforms), len(want))
	}
	for _, tr := range satTransforms {
		if want[tr.name] != tr.p {
			t.Errorf("%s: p = %v, want %v", tr.name, tr.p, want[tr.name])
		}
	}
}

func TestRot90Pixels(t *testing.T) {
	img := viaAt(randomImage(5, 3, 8))
	out, b := rot90(img, [4]float64{1, 0, 3, 2})
	if out.W != 3 || out.H != 5 {
		t.Fatalf("size %dx%d", out.W, out.H)
	}
	// old (x, y) -> new (y, W-1-x)
	for y := 0; y < 3; y++ {
		for x := 0; x < 5; x++ {
			if out.Pix[3*((4-x)*3+y)] != img.Pix[3*(y*5+x)] {
				t.Fatal("rot90 moved a pixel to the wrong place")
			}
		}
	}
	if b != [4]float64{0, 2, 2, 4} {
		t.Fatalf("box %v", b)
	}
	back := out
	bb := b
	for range 3 {
		back, bb = rot90(back, bb)
	}
	if !bytes.Equal(back.Pix, img.Pix) || bb != [4]float64{1, 0, 3, 2} {
		t.Fatal("four rotations are not the identity")
	}
}

func TestBlursAgainstBruteForce(t *testing.T) {
	img := viaAt(randomImage(13, 11, 6))
	for _, k := range []int{3, 5, 7} {
		bl, md := boxBlur(img, k), medianBlur(img, k)
		for y := 0; y < img.H; y++ {
			for x := 0; x < img.W; x++ {
				for c := 0; c < 3; c++ {
					var vals []int
					sum := 0
					for dy := -k / 2; dy <= k/2; dy++ {
						for dx := -k / 2; dx <= k/2; dx++ {
							sum += int(img.Pix[3*(reflect101(y+dy, img.H)*img.W+reflect101(x+dx, img.W))+c])
							xx, yy := min(max(x+dx, 0), img.W-1), min(max(y+dy, 0), img.H-1)
							vals = append(vals, int(img.Pix[3*(yy*img.W+xx)+c]))
						}
					}
					sort.Ints(vals)
					i := 3*(y*img.W+x) + c
					if int(md.Pix[i]) != vals[len(vals)/2] {
						t.Fatalf("median k=%d at %d,%d: %d want %d", k, x, y, md.Pix[i], vals[len(vals)/2])
					}
					if want := (sum + k*k/2) / (k * k); int(bl.Pix[i]) != want {
						t.Fatalf("blur k=%d at %d,%d: %d want %d", k, x, y, bl.Pix[i], want)
					}
				}
			}
		}
	}
}

func TestHSVRoundTrip(t *testing.T) {
	for r := 0; r < 256; r += 5 {
		for g := 0; g < 256; g += 7 {
			for b := 0; b < 256; b += 11 {
				h, s, v := rgbToHSV8(uint8(r), uint8(g), uint8(b))
				R, G, B := hsv8ToRGB(h, s, v)
				// 8-bit HSV quantises hue to 2 degrees: a few levels of error are inherent.
				if d := max(absI(int(R)-r), absI(int(G)-g), absI(int(B)-b)); d > 6 {
					t.Fatalf("rgb %d,%d,%d -> hsv %d,%d,%d -> %d,%d,%d", r, g, b, h, s, v, R, G, B)
				}
			}
		}
	}
}

func absI(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func newTestRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 3)) }

// GaussNoise draws from N(0, var) with var in [10, 50]: the measured spread must match.
func TestGaussNoiseSpread(t *testing.T) {
	for seed := range uint64(5) {
		img := NewRGB(128, 128)
		for i := range img.Pix {
			img.Pix[i] = 128
		}
		out, _ := augGaussNoise(img, [4]float64{}, rand.New(rand.NewPCG(seed, 1)))
		var s, s2 float64
		for _, v := range out.Pix {
			d := float64(v) - 128
			s += d
			s2 += d * d
		}
		n := float64(len(out.Pix))
		mean := s / n
		sd := math.Sqrt(s2/n - mean*mean)
		// Truncation toward zero after adding shifts the mean by about -0.5.
		if sd < math.Sqrt(10)-0.1 || sd > math.Sqrt(50)+0.1 || mean > 0 || mean < -1 {
			t.Fatalf("seed %d: noise mean %.3f sd %.3f", seed, mean, sd)
		}
	}
}
