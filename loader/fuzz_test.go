package loader

import (
	"bytes"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadAnnotations feeds arbitrary bytes through the whole annotation path (torch.save
// zip / legacy / pickle decoding, then record parsing): errors are fine, panics are not.
// The seed corpus (the fixture splits, truncations and byte flips of them) runs in every
// go test.
func FuzzReadAnnotations(f *testing.F) {
	for _, split := range Splits {
		b, err := os.ReadFile(filepath.Join(fixtureRoot, "CVOGL_DroneAerial", "CVOGL_DroneAerial_"+split+".pth"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
		flipped := bytes.Clone(b)
		for i := 7; i < len(flipped); i += 97 {
			flipped[i] ^= 0x5a
		}
		f.Add(flipped)
	}
	f.Add([]byte{})
	f.Add([]byte("\x80\x02]q\x00(K\x01X\x01\x00\x00\x00aq\x01e."))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.pth")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		recs, bad, err := ReadAnnotations(path)
		if err != nil && (recs != nil || bad != nil) {
			t.Fatal("records returned with an error")
		}
		for _, r := range recs {
			// Validation-style use of parsed numbers must not panic either.
			_ = ClickHeatmap(4, 4, r.Click[0], r.Click[1])
		}
	})
}

// FuzzDecodeImage feeds arbitrary bytes to the image decoding path, then normalises,
// resizes and augments whatever decodes.
func FuzzDecodeImage(f *testing.F) {
	src := randomImage(9, 7, 1)
	var jb, pb bytes.Buffer
	jpeg.Encode(&jb, src, &jpeg.Options{Quality: 80})
	png.Encode(&pb, src)
	f.Add(jb.Bytes())
	f.Add(pb.Bytes())
	f.Add(jb.Bytes()[:jb.Len()/2])
	for _, name := range []string{"query/q1.jpg", "satellite/s1.jpg", "satellite/broken.jpg"} {
		b, err := os.ReadFile(filepath.Join(fixtureRoot, "CVOGL_DroneAerial", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeRGBBytes(data)
		if err != nil {
			return
		}
		if m.W*m.H > 1<<16 {
			return // decoding a big image is fine; skip the slower checks
		}
		out := make([]float32, 3*m.W*m.H)
		m.Normalize(out)
		_ = m.Resize(max(m.W/2, 1), max(m.H/2, 1))
		if m.W >= 8 && m.H >= 8 {
			box := [4]float64{1, 1, float64(m.W - 1), float64(m.H - 1)}
			for _, tr := range satTransforms {
				tr.apply(m.Clone(), box, newTestRand(uint64(len(data))))
			}
		}
	})
}
