package loader

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
)

func randomImage(w, h int, seed uint64) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, 1))
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = uint8(r.IntN(256))
		if i%4 == 3 {
			m.Pix[i] = 255
		}
	}
	return m
}

// viaAt converts with the slow generic path, the reference for the plane fast paths.
func viaAt(src image.Image) *RGB {
	b := src.Bounds()
	m := NewRGB(b.Dx(), b.Dy())
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			c := color.RGBAModel.Convert(src.At(b.Min.X+x, b.Min.Y+y)).(color.RGBA)
			i := 3 * (y*b.Dx() + x)
			m.Pix[i], m.Pix[i+1], m.Pix[i+2] = c.R, c.G, c.B
		}
	}
	return m
}

func TestFromImageMatchesAt(t *testing.T) {
	src := randomImage(37, 21, 1)
	var imgs []image.Image
	imgs = append(imgs, src)
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411} {
		y := image.NewYCbCr(image.Rect(0, 0, 37, 21), ratio)
		r := rand.New(rand.NewPCG(2, uint64(ratio)))
		for _, p := range [][]uint8{y.Y, y.Cb, y.Cr} {
			for i := range p {
				p[i] = uint8(r.IntN(256))
			}
		}
		imgs = append(imgs, y)
		// A sub-image has a non-zero origin: offsets must follow the rectangle.
		imgs = append(imgs, y.SubImage(image.Rect(3, 5, 30, 20)))
	}
	n := image.NewNRGBA(image.Rect(0, 0, 9, 7))
	for i := range n.Pix {
		n.Pix[i] = uint8(i * 37)
	}
	imgs = append(imgs, n)
	g := image.NewGray(image.Rect(0, 0, 9, 7))
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 11)
	}
	imgs = append(imgs, g, image.NewGray16(image.Rect(0, 0, 3, 3)))
	for k, m := range imgs {
		got, want := FromImage(m), viaAt(m)
		if got.W != want.W || got.H != want.H || !bytes.Equal(got.Pix, want.Pix) {
			t.Errorf("image %d (%T): fast path differs from At()", k, m)
		}
	}
}

func TestDecodeJPEGAndPNG(t *testing.T) {
	src := randomImage(40, 24, 3)
	var jb, pb bytes.Buffer
	if err := jpeg.Encode(&jb, src, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&pb, src); err != nil {
		t.Fatal(err)
	}
	pm, err := DecodeRGBBytes(pb.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pm.Pix, viaAt(src).Pix) {
		t.Fatal("PNG round trip changed pixels")
	}
	jbytes := append([]byte(nil), jb.Bytes()...)
	jm, err := DecodeRGB(&jb)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := jpeg.Decode(bytes.NewReader(jbytes))
	if !bytes.Equal(jm.Pix, viaAt(ref).Pix) {
		t.Fatal("JPEG decode differs from the standard library's At()")
	}
	if _, err := DecodeRGBBytes([]byte("not an image")); err == nil {
		t.Fatal("garbage decoded")
	}
}

func TestNormalize(t *testing.T) {
	m := NewRGB(2, 1)
	copy(m.Pix, []uint8{0, 128, 255, 10, 20, 30})
	out := make([]float32, 6)
	m.Normalize(out)
	want := []float32{
		(0 - 0.485) / 0.229, (float32(10)/255 - 0.485) / 0.229,
		(float32(128)/255 - 0.456) / 0.224, (float32(20)/255 - 0.456) / 0.224,
		(1 - 0.406) / 0.225, (float32(30)/255 - 0.406) / 0.225,
	}
	for i := range want {
		if out[i] != want[i] {
			t.Fatalf("value %d = %v, want %v (CHW order, float32 ToTensor+Normalize)", i, out[i], want[i])
		}
	}
}

func TestResizeBilinear(t *testing.T) {
	// 2x1 -> 4x1 with half-pixel centres: 0, 64, 191, 255 (OpenCV INTER_LINEAR).
	m := NewRGB(2, 1)
	copy(m.Pix, []uint8{0, 0, 0, 255, 255, 255})
	r := m.Resize(4, 1)
	want := []uint8{0, 64, 191, 255}
	for x, v := range want {
		if r.Pix[3*x] != v {
			t.Fatalf("pixel %d = %d, want %d (got %v)", x, r.Pix[3*x], v, r.Pix)
		}
	}
	// Downscale by 2 of a constant image stays constant; identity keeps pixels.
	src := viaAt(randomImage(16, 8, 4))
	if !bytes.Equal(src.Resize(16, 8).Pix, src.Pix) {
		t.Fatal("identity resize changed pixels")
	}
	half := src.Resize(8, 4)
	// Exact 2x downscale samples the mean of a 2x2 block.
	for y := 0; y < 4; y++ {
		for x := 0; x < 8; x++ {
			s := 0
			for _, o := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				s += int(src.Pix[3*((2*y+o[1])*16+2*x+o[0])])
			}
			if d := int(half.Pix[3*(y*8+x)]) - (s+2)/4; d < -1 || d > 1 {
				t.Fatalf("2x downscale at %d,%d = %d, want about %d", x, y, half.Pix[3*(y*8+x)], s/4)
			}
		}
	}
}
