package main

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cvogl/halo/halo"
	"github.com/cvogl/halo/loader/torchfile"
	"github.com/cvogl/halo/nn"
)

// runCLI drives the CLI like main does and returns the exit status and what went to
// stdout (the commands write there directly) and stderr.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	old := os.Stdout
	os.Stdout = f
	var out, errb bytes.Buffer
	code = runMain(args, &out, &errb)
	os.Stdout = old
	f.Seek(0, io.SeekStart)
	b, _ := io.ReadAll(f)
	return code, out.String() + string(b), errb.String()
}

var tinyOnce struct {
	sync.Once
	m   *halo.Model
	err error
}

// tinyCheckpoint saves a freshly initialised tiny-preset model (built once per test
// binary) into the test's temporary directory as best.safetensors, the way the
// trainer does, and returns its path.
func tinyCheckpoint(t *testing.T) string {
	t.Helper()
	tinyOnce.Do(func() {
		cfg, err := halo.Preset("tiny", "drone")
		if err == nil {
			tinyOnce.m, err = halo.NewModel(cfg, 7)
		}
		tinyOnce.err = err
	})
	if tinyOnce.err != nil {
		t.Fatal(tinyOnce.err)
	}
	path := filepath.Join(t.TempDir(), "best.safetensors")
	if err := halo.SaveModel(path, tinyOnce.m, nil); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeOfficialCheckpoint writes m the way the official training script saves
// checkpoints: a torch.save'd dict with the DataParallel state_dict ("module." keys).
func writeOfficialCheckpoint(t *testing.T, path string, m *halo.Model) {
	t.Helper()
	sd := torchfile.NewOrderedDict()
	m.Visit("", func(name string, e *nn.Entry) {
		var tt *torchfile.Tensor
		if e.Count != nil {
			tt, _ = torchfile.NewInt64Tensor([]int{}, []int64{*e.Count})
		} else {
			tt, _ = torchfile.NewFloat32Tensor(e.T.Shape, e.T.Data)
		}
		sd.Set("module."+name, tt)
	})
	root := torchfile.NewDict()
	root.Set("epoch", int64(3))
	root.Set("state_dict", sd)
	if err := torchfile.WriteFile(path, root); err != nil {
		t.Fatal(err)
	}
}

// writeTestJPEG writes a w x h image of smooth colour blobs (so JPEG keeps it close).
func writeTestJPEG(t *testing.T, path string, w, h int, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	base := color.RGBA{uint8(r.IntN(200)), uint8(r.IntN(200)), uint8(r.IntN(200)), 255}
	fillRect(img, img.Rect, base)
	for range 6 {
		x, y := r.IntN(w), r.IntN(h)
		fillRect(img, image.Rect(x, y, x+w/4, y+h/5), color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255})
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
}
