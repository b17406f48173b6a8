package loader

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png" // the dataset's images are JPEG; PNG is accepted for hand-made data
	"io"
	"math"
	"os"
	"path/filepath"
)

// RGB is an 8-bit RGB image, row-major and interleaved (3 bytes per pixel). Augmentation
// works on it because the official pipeline (OpenCV + albumentations) works on uint8 HWC
// arrays: clipping and rounding happen at the same places.
type RGB struct {
	W, H int
	Pix  []uint8 // len 3*W*H; pixel (x, y) starts at 3*(y*W+x)
}

// NewRGB returns a black w x h image.
func NewRGB(w, h int) *RGB {
	return &RGB{W: w, H: h, Pix: make([]uint8, 3*w*h)}
}

// Clone returns a deep copy.
func (m *RGB) Clone() *RGB {
	return &RGB{W: m.W, H: m.H, Pix: append([]uint8(nil), m.Pix...)}
}

// maxImagePixels bounds what a decoder may allocate, so a forged header cannot make us
// allocate gigabytes (the dataset's largest images are 1024x1024).
const maxImagePixels = 1 << 26

// DecodeRGB decodes a JPEG or PNG stream into an RGB image.
func DecodeRGB(r io.Reader) (*RGB, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return DecodeRGBBytes(b)
}

// DecodeRGBBytes decodes a JPEG or PNG image held in memory. The header is checked first
// so a forged size cannot make the decoder allocate gigabytes.
func DecodeRGBBytes(b []byte) (*RGB, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return nil, fmt.Errorf("image size %dx%d out of range", cfg.Width, cfg.Height)
	}
	m, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return FromImage(m), nil
}

// ReadRGB reads and decodes an image file. Errors name the file.
func ReadRGB(path string) (*RGB, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := DecodeRGBBytes(b)
	if err != nil {
		return nil, fmt.Errorf("%s: decoding image: %w", path, err)
	}
	return m, nil
}

// ImageSize reads only the header of an image file and returns its width and height.
func ImageSize(path string) (w, h int, err error) {
	w, h, err = imageHeader(path)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: reading image header: %w", path, unwrapPath(err))
	}
	return w, h, nil
}

// imageHeader is ImageSize with the bare error, for messages that name the file already.
func imageHeader(path string) (w, h int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(bufio.NewReader(f))
	if err != nil {
		return 0, 0, err
	}
	return cfg.Width, cfg.Height, nil
}

// FromImage converts any image to RGB. The common decoder outputs are converted straight
// from their planes; At() per pixel (an interface call and an allocation-prone colour
// conversion) is only the fallback for rare types.
func FromImage(src image.Image) *RGB {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	m := NewRGB(w, h)
	switch s := src.(type) {
	case *image.YCbCr:
		fromYCbCr(m, s)
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := s.Pix[(y)*s.Stride:]
			out := m.Pix[3*y*w:]
			for x := 0; x < w; x++ {
				out[3*x], out[3*x+1], out[3*x+2] = row[4*x], row[4*x+1], row[4*x+2]
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := s.Pix[y*s.Stride:]
			out := m.Pix[3*y*w:]
			for x := 0; x < w; x++ {
				a := uint32(row[4*x+3])
				if a == 255 {
					out[3*x], out[3*x+1], out[3*x+2] = row[4*x], row[4*x+1], row[4*x+2]
					continue
				}
				// Premultiply like color.NRGBA.RGBA does, so transparent pixels come out
				// the same as through At() (black behind).
				for c := 0; c < 3; c++ {
					v := uint32(row[4*x+c]) * 0x101 * (a * 0x101) / 0xffff
					out[3*x+c] = uint8(v >> 8)
				}
			}
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := s.Pix[y*s.Stride:]
			out := m.Pix[3*y*w:]
			for x := 0; x < w; x++ {
				v := row[x]
				out[3*x], out[3*x+1], out[3*x+2] = v, v, v
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := color.RGBAModel.Convert(src.At(b.Min.X+x, b.Min.Y+y)).(color.RGBA)
				i := 3 * (y*w + x)
				m.Pix[i], m.Pix[i+1], m.Pix[i+2] = c.R, c.G, c.B
			}
		}
	}
	return m
}

// fromYCbCr converts JPEG planes with the same integer arithmetic as color.YCbCrToRGB,
// so results are identical to At(), only faster.
func fromYCbCr(m *RGB, s *image.YCbCr) {
	b := s.Rect
	w, h := b.Dx(), b.Dy()
	for y := 0; y < h; y++ {
		yrow := s.Y[(y)*s.YStride:]
		out := m.Pix[3*y*w:]
		cy := b.Min.Y + y
		for x := 0; x < w; x++ {
			ci := s.COffset(b.Min.X+x, cy)
			out[3*x], out[3*x+1], out[3*x+2] = ycbcrToRGB(yrow[x], s.Cb[ci], s.Cr[ci])
		}
	}
}

// ycbcrToRGB is color.YCbCrToRGB's fixed-point formula (JFIF full range).
func ycbcrToRGB(y, cb, cr uint8) (uint8, uint8, uint8) {
	yy1 := int32(y) * 0x10101
	cb1 := int32(cb) - 128
	cr1 := int32(cr) - 128
	r := yy1 + 91881*cr1
	if uint32(r)&0xff000000 == 0 {
		r >>= 16
	} else {
		r = ^(r >> 31)
	}
	g := yy1 - 22554*cb1 - 46802*cr1
	if uint32(g)&0xff000000 == 0 {
		g >>= 16
	} else {
		g = ^(g >> 31)
	}
	bb := yy1 + 116130*cb1
	if uint32(bb)&0xff000000 == 0 {
		bb >>= 16
	} else {
		bb = ^(bb >> 31)
	}
	return uint8(r), uint8(g), uint8(bb)
}

// ToImage returns the image as *image.RGBA (for encoding).
func (m *RGB) ToImage() *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, m.W, m.H))
	for i := 0; i < m.W*m.H; i++ {
		out.Pix[4*i], out.Pix[4*i+1], out.Pix[4*i+2], out.Pix[4*i+3] = m.Pix[3*i], m.Pix[3*i+1], m.Pix[3*i+2], 255
	}
	return out
}

// WriteJPEG writes the image as a JPEG file atomically (temp file + rename).
func (m *RGB) WriteJPEG(path string, quality int) error {
	return WriteFileAtomic(path, func(w io.Writer) error {
		return jpeg.Encode(w, m.ToImage(), &jpeg.Options{Quality: quality})
	})
}

// WriteFileAtomic writes a file through write via a temp file in the same directory and
// renames it into place, so a crash never leaves a half-written file under the final
// name. The file gets mode 0644; errors name the path.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	bw := bufio.NewWriterSize(f, 1<<16)
	err = f.Chmod(0o644) // CreateTemp makes 0600; data files are meant to be shared
	if err == nil {
		err = write(bw)
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// ImageNet statistics used by torchvision's Normalize in the official pipeline.
var (
	imagenetMean = [3]float32{0.485, 0.456, 0.406}
	imagenetStd  = [3]float32{0.229, 0.224, 0.225}
	// normLUT[c][v] = (float32(v)/255 - mean[c]) / std[c], computed in float32 in the
	// same order as ToTensor + Normalize, so each value is bit-identical to PyTorch's.
	normLUT = func() (t [3][256]float32) {
		for c := 0; c < 3; c++ {
			for v := 0; v < 256; v++ {
				x := float32(v) / 255
				t[c][v] = (x - imagenetMean[c]) / imagenetStd[c]
			}
		}
		return t
	}()
)

// Normalize writes the image as normalised float32 CHW (3 x H x W) into dst, which must
// hold 3*W*H values.
func (m *RGB) Normalize(dst []float32) {
	n := m.W * m.H
	if len(dst) < 3*n {
		panic(fmt.Sprintf("loader: Normalize: dst has %d values, need %d", len(dst), 3*n))
	}
	r, g, b := dst[:n], dst[n:2*n], dst[2*n:3*n]
	lr, lg, lb := &normLUT[0], &normLUT[1], &normLUT[2]
	pix := m.Pix[:3*n]
	for i := 0; i < n; i++ {
		r[i] = lr[pix[3*i]]
		g[i] = lg[pix[3*i+1]]
		b[i] = lb[pix[3*i+2]]
	}
}

// Resize returns the image resized to w x h with bilinear interpolation on half-pixel
// centres (OpenCV INTER_LINEAR / align_corners=False), rounded to nearest.
func (m *RGB) Resize(w, h int) *RGB {
	if w == m.W && h == m.H {
		return m.Clone()
	}
	out := NewRGB(w, h)
	xs := bilinearTaps(m.W, w)
	ys := bilinearTaps(m.H, h)
	for y := 0; y < h; y++ {
		ty := ys[y]
		r0 := m.Pix[3*ty.i0*m.W:]
		r1 := m.Pix[3*ty.i1*m.W:]
		o := out.Pix[3*y*w:]
		for x := 0; x < w; x++ {
			tx := xs[x]
			a, b := 3*tx.i0, 3*tx.i1
			for c := 0; c < 3; c++ {
				top := float32(r0[a+c]) + tx.f*(float32(r0[b+c])-float32(r0[a+c]))
				bot := float32(r1[a+c]) + tx.f*(float32(r1[b+c])-float32(r1[a+c]))
				o[3*x+c] = clamp8(top + ty.f*(bot-top))
			}
		}
	}
	return out
}

type tap struct {
	i0, i1 int
	f      float32
}

// bilinearTaps gives, for every destination index, the two source indices and the weight
// of the second, with OpenCV's edge clamping.
func bilinearTaps(src, dst int) []tap {
	t := make([]tap, dst)
	scale := float64(src) / float64(dst)
	for d := range t {
		s := (float64(d)+0.5)*scale - 0.5
		if s < 0 {
			s = 0
		}
		i0 := int(math.Floor(s))
		f := s - float64(i0)
		if i0 >= src-1 {
			i0, f = src-1, 0
		}
		i1 := min(i0+1, src-1)
		t[d] = tap{i0, i1, float32(f)}
	}
	return t
}

// clamp8 rounds to nearest and saturates to 0..255 (cv2.saturate_cast).
func clamp8(v float32) uint8 {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v + 0.5)
}
