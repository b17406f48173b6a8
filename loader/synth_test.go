package loader

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

func TestSynthesizeCVOGLLayout(t *testing.T) {
	dir := t.TempDir()
	o := SynthOptions{Set: "drone", N: 8, Seed: 3, SatSize: 128, QueryH: 48, QueryW: 48}
	splits, err := Synthesize(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	satName := regexp.MustCompile(`^(\d{6})_(\d{7})_300_326\d\d\.jpg$`)
	total := 0
	ids := map[int64]bool{}
	for _, split := range Splits {
		d, err := Open(dir, "drone", split, Options{Strict: true, QueryH: 48, QueryW: 48, SatSize: 128})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Records) != len(splits[split]) || len(d.Records) == 0 {
			t.Fatalf("%s: %d records read, %d written", split, len(d.Records), len(splits[split]))
		}
		for i, r := range d.Records {
			if r != splits[split][i] {
				t.Fatalf("%s record %d read back as %+v, written %+v", split, i, r, splits[split][i])
			}
			if ids[r.ID] {
				t.Fatalf("duplicate id %d", r.ID)
			}
			ids[r.ID] = true
			if !satName.MatchString(r.Satellite) {
				t.Errorf("satellite name %q does not follow E_N_SIZE_EPSG.jpg", r.Satellite)
			}
			if !regexp.MustCompile(`^` + strconv.FormatInt(r.ID, 10) + `_\d+_\d+\.jpg$`).MatchString(r.Query) {
				t.Errorf("query name %q", r.Query)
			}
			if r.Click[0] != math.Trunc(r.ClickOrig[0]/2) || r.Click[1] != math.Trunc(r.ClickOrig[1]/2) {
				t.Errorf("click %v vs original %v", r.Click, r.ClickOrig)
			}
			if r.BBox[2]-r.BBox[0] < 2 || r.BBox[3]-r.BBox[1] < 2 {
				t.Errorf("tiny box %v", r.BBox)
			}
			for k := 0; k < 8; k += 2 { // the rotated box lies within the axis-aligned one
				if r.RBox[k] < r.BBox[0]-0.01 || r.RBox[k] > r.BBox[2]+0.01 || r.RBox[k+1] < r.BBox[1]-0.01 || r.RBox[k+1] > r.BBox[3]+0.01 {
					t.Errorf("rotated box %v outside box %v", r.RBox, r.BBox)
				}
			}
			if _, err := d.Sample(i); err != nil {
				t.Fatal(err)
			}
		}
		total += len(d.Records)
	}
	if total != 8 {
		t.Fatalf("%d records in all splits, want 8", total)
	}
	// Same seed, one worker instead of several: byte-identical files.
	dir2 := t.TempDir()
	o.Workers = 1
	if _, err := Synthesize(dir2, o); err != nil {
		t.Fatal(err)
	}
	for _, rs := range splits {
		for _, r := range rs {
			for _, p := range []string{filepath.Join("query", r.Query), filepath.Join("satellite", r.Satellite)} {
				a, _ := os.ReadFile(filepath.Join(dir, "CVOGL_DroneAerial", p))
				b, _ := os.ReadFile(filepath.Join(dir2, "CVOGL_DroneAerial", p))
				if len(a) == 0 || !bytes.Equal(a, b) {
					t.Fatalf("%s differs between runs", p)
				}
			}
		}
	}
}

func TestSynthesizeSVI(t *testing.T) {
	dir := t.TempDir()
	if _, err := Synthesize(dir, SynthOptions{Set: "svi", N: 3, Seed: 5, SatSize: 96, QueryH: 32, QueryW: 64}); err != nil {
		t.Fatal(err)
	}
	d, err := Open(dir, "svi", "train", Options{Strict: true, QueryH: 32, QueryW: 64, SatSize: 96})
	if err != nil {
		t.Fatal(err)
	}
	w, h, err := ImageSize(filepath.Join(d.QueryDir, d.Records[0].Query))
	if err != nil || w != 64 || h != 32 {
		t.Fatalf("street-view query is %dx%d (%v), want 64x32", w, h, err)
	}
	if _, err := Synthesize(dir, SynthOptions{Set: "moon", N: 3}); err == nil {
		t.Fatal("unknown set accepted")
	}
}

// Scenes hold distractors: at least two other buildings of the target's class, the target
// well inside the tile, nothing overlapping a road.
func TestSynthSceneDistractors(t *testing.T) {
	for seed := range uint64(20) {
		easy := seed%2 == 0
		s := newScene(rand.New(rand.NewPCG(seed, 1)), easy)
		tc := s.buildings[s.target].class
		same := 0
		for _, b := range s.buildings {
			if b.class == tc {
				same++
			}
			for _, c := range b.corners() {
				for _, rd := range s.roads {
					if _, a := rd.dist(c); math.Abs(a) < rd.hw {
						t.Fatalf("seed %d: building corner on a road", seed)
					}
				}
			}
		}
		minSame, minAll := 3, 8
		if easy {
			minSame, minAll = 2, 6
		}
		if same < minSame || len(s.buildings) < minAll {
			t.Fatalf("seed %d (easy %v): %d buildings, %d of the target class", seed, easy, len(s.buildings), same)
		}
	}
}

// The drone view really shows the target where the click is: render the scene with the
// target's roof painted a unique colour and check the click lands on it.
func TestSynthClickOnTarget(t *testing.T) {
	for seed := range uint64(40) {
		for _, svi := range []bool{false, true} {
			r := rand.New(rand.NewPCG(seed, 2))
			s := newScene(r, false)
			b := &s.buildings[s.target]
			b.class = 99 // no class pattern: plain roof and walls, painted magenta
			b.roof, b.wall, b.accent = color3{1, 0, 1}, color3{1, 0, 1}, color3{1, 0, 1}
			var img *RGB
			var c [2]float64
			if svi {
				img, c = s.renderStreet(r, 64, 128)
			} else {
				img, c = s.renderDrone(r, 64, 64)
			}
			hits := 0
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					x, y := min(max(int(c[0])+dx, 0), img.W-1), min(max(int(c[1])+dy, 0), img.H-1)
					p := img.Pix[3*(y*img.W+x):]
					if int(p[0])-int(p[1]) > 60 && int(p[2])-int(p[1]) > 60 {
						hits++
					}
				}
			}
			if hits < 4 {
				t.Errorf("seed %d svi=%v: click %v not on the target (%d of 9 pixels)", seed, svi, c, hits)
			}
		}
	}
}

func TestEmbeddedDefault(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 416 samples")
	}
	tr, va, err := EmbeddedDefault("drone")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != EmbeddedTrain || va.Len() != EmbeddedVal || tr.QueryH != 64 || tr.QueryW != 64 || tr.SatSize != 256 {
		t.Fatalf("embedded: %d/%d records, query %dx%d sat %d", tr.Len(), va.Len(), tr.QueryH, tr.QueryW, tr.SatSize)
	}
	s, err := va.Sample(0)
	if err != nil || len(s.Query) != 3*64*64 || len(s.Satellite) != 3*256*256 {
		t.Fatalf("sample: %v", err)
	}
	tr2, _, _ := EmbeddedDefault("drone")
	if tr2 != tr {
		t.Fatal("embedded set not cached")
	}
	// The augmented copy must not change the shared in-memory image.
	before := slices32(t, tr, 0)
	if _, err := tr.AugmentedSample(0, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	if after := slices32(t, tr, 0); !bytes.Equal(before, after) {
		t.Fatal("augmentation modified the embedded image")
	}
}

func slices32(t *testing.T, d *Dataset, i int) []byte {
	m, err := d.readImage(d.satPath(d.Records[i].Satellite))
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), m.Pix...)
}
