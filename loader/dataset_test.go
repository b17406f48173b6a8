package loader

import (
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvogl/halo/loader/torchfile"
)

func fixtureOpts(logs *[]string) Options {
	return Options{QueryH: fixQ, QueryW: fixQ, SatSize: fixS, Logf: func(f string, a ...any) {
		*logs = append(*logs, fmt.Sprintf(f, a...))
	}}
}

func TestOpenFixtureTrain(t *testing.T) {
	var logs []string
	d, err := Open(fixtureRoot, "drone", "train", fixtureOpts(&logs))
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{
		{1, "q1.jpg", "s1.jpg", [2]float64{60, 62}, [2]float64{30, 31}, [4]float64{10.5, 12.25, 40.75, 44}, [8]float64{10.5, 12.25, 40.75, 12.25, 40.75, 44, 10.5, 44}, "building_house"},
		{2, "q2.jpg", "s2.jpg", [2]float64{20, 10}, [2]float64{10, 5.5}, [4]float64{5, 6, 60, 50}, [8]float64{5, 6, 60, 6, 60, 50, 5, 50}, "building_retail"},
		{8, "q_big.jpg", "s1.jpg", [2]float64{94, 48}, [2]float64{47, 24}, [4]float64{20, 21, 50, 60}, [8]float64{20, 21, 50, 21, 50, 60, 20, 60}, "building_school"},
	}
	if len(d.Records) != len(want) {
		t.Fatalf("%d good records, want %d: %+v", len(d.Records), len(want), d.Records)
	}
	for i := range want {
		if d.Records[i] != want[i] {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, d.Records[i], want[i])
		}
	}
	// Every kind of bad record is reported with its file and reason, in file order.
	wantBad := []struct {
		idx       int
		file, why string
	}{
		{2, "s2.jpg", "outside the 64x64 satellite"},
		{3, "nope.jpg", "query image: no such file"},
		{4, "broken.jpg", "satellite image: unexpected EOF"},
		{5, "q3.jpg", "click (40, 3) outside the 32x32 query"},
		{6, "CVOGL_DroneAerial_train.pth", "has 5 fields"},
	}
	if len(d.Skipped) != len(wantBad) {
		t.Fatalf("skipped %v", d.Skipped)
	}
	for i, w := range wantBad {
		b := d.Skipped[i]
		if b.Index != w.idx || !strings.HasSuffix(b.File, w.file) || !strings.Contains(b.Reason, w.why) {
			t.Errorf("skipped %d = %v, want index %d file %s reason ~%q", i, b, w.idx, w.file, w.why)
		}
	}
	if len(logs) != 1 || !strings.Contains(logs[0], "5 bad record(s)") || !strings.Contains(logs[0], "nope.jpg") {
		t.Errorf("skip report %q", logs)
	}
	// Strict mode fails, naming the split file and the first reasons.
	_, err = Open(fixtureRoot, "drone", "train", Options{Strict: true, QueryH: fixQ, QueryW: fixQ, SatSize: fixS})
	if err == nil || !strings.Contains(err.Error(), "CVOGL_DroneAerial_train.pth") || !strings.Contains(err.Error(), "5 bad record(s)") {
		t.Fatalf("strict open: %v", err)
	}
}

// The legacy-format split with numpy scalars, numpy-free lists and int tuples.
func TestOpenFixtureLegacyVal(t *testing.T) {
	var logs []string
	d, err := Open(fixtureRoot, "drone", "val", fixtureOpts(&logs))
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{
		{11, "q3.jpg", "s1.jpg", [2]float64{16, 18}, [2]float64{8, 9}, [4]float64{3.5, 4, 20.25, 30.5}, [8]float64{3.5, 4, 20.25, 4, 20.25, 30.5, 3.5, 30.5}, "building_apartments"},
		{12, "q1.jpg", "s2.jpg", [2]float64{40, 41.5}, [2]float64{20, 20.75}, [4]float64{1, 2, 63, 64}, [8]float64{1, 2, 63, 2, 63, 64, 1, 64}, "building_industrial"},
	}
	if len(d.Records) != 2 || d.Records[0] != want[0] || d.Records[1] != want[1] {
		t.Fatalf("records %+v", d.Records)
	}
	if len(d.Skipped) != 1 || d.Skipped[0].ID != 13 || !strings.Contains(d.Skipped[0].Reason, "no area") {
		t.Fatalf("skipped %v", d.Skipped)
	}
}

func TestOpenMissingPaths(t *testing.T) {
	_, err := Open("/nonexistent/data", "svi", "train", Options{})
	if err == nil || !strings.Contains(err.Error(), filepath.Join("/nonexistent/data", "CVOGL_SVI")) {
		t.Fatalf("missing dir: %v", err)
	}
	_, err = Open(fixtureRoot, "drone", "bogus", Options{})
	if err == nil || !strings.Contains(err.Error(), "CVOGL_DroneAerial_bogus.pth") {
		t.Fatalf("missing split: %v", err)
	}
	if _, err := Open(fixtureRoot, "satellite", "train", Options{}); err == nil {
		t.Fatal("unknown set accepted")
	}
}

func TestSampleMatchesComputation(t *testing.T) {
	var logs []string
	d, err := Open(fixtureRoot, "drone", "train", fixtureOpts(&logs))
	if err != nil {
		t.Fatal(err)
	}
	s, err := d.Sample(0)
	if err != nil {
		t.Fatal(err)
	}
	q, _ := ReadRGB(filepath.Join(fixtureRoot, "CVOGL_DroneAerial", "query", "q1.jpg"))
	wantQ := make([]float32, 3*fixQ*fixQ)
	q.Normalize(wantQ)
	for i := range wantQ {
		if s.Query[i] != wantQ[i] {
			t.Fatalf("query value %d differs", i)
		}
	}
	hm := ClickHeatmap(fixQ, fixQ, 30, 31)
	for i := range hm {
		if s.Click[i] != hm[i] {
			t.Fatalf("heatmap value %d differs", i)
		}
	}
	// Box truncated to integers like the official loader.
	if s.BBox != [4]float32{10, 12, 40, 44} || s.ID != 1 || s.SatH != fixS {
		t.Fatalf("sample %+v", s.BBox)
	}
	// The 48x48 query is resized to 32x32 and its click scaled (47,24) -> (31.33, 16).
	logs = nil
	s, err = d.Sample(2)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(s.ClickXY[0]-47*32.0/48) > 1e-9 || s.ClickXY[1] != 16 {
		t.Fatalf("scaled click %v", s.ClickXY)
	}
	if s.Click[16*fixQ+31] != 1 {
		t.Fatal("heatmap peak not at the scaled click")
	}
}

func TestParseAnnotationTypes(t *testing.T) {
	ten := func(v ...float32) *torchfile.Tensor {
		x, err := torchfile.NewFloat32Tensor([]int{len(v)}, v)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	ten2d, _ := torchfile.NewFloat32Tensor([]int{1, 4}, []float32{1, 2, 3, 4})
	scalarT, _ := torchfile.NewInt64Tensor([]int{}, []int64{7})
	nd := &torchfile.NDArray{DType: "f4", Shape: []int{2}, Data: []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0x40}} // 1, 2
	root := []any{
		torchfile.Tuple{int64(1), "a.jpg", "b.jpg", ten(3, 4), nd, ten2d, ten(1, 2, 3, 4, 5, 6, 7, 8), "c"},
		torchfile.List{big.NewInt(2), []byte("a.jpg"), "b.jpg", []any{scalarT, 1.5}, torchfile.List{torchfile.List{9.0, 8.0}}, [4]float64{1, 2, 3, 4}, make(torchfile.List, 8), "c"},
		torchfile.Tuple{"3", "a.jpg", "b.jpg", torchfile.Tuple{1, 2}, torchfile.Tuple{1, 2}, torchfile.Tuple{1, 2, 3}, make(torchfile.List, 8), "c"},
		torchfile.Tuple{int64(4), "a.jpg", nil, torchfile.Tuple{1, 2}, torchfile.Tuple{1, 2}, torchfile.Tuple{1, 2, 3, 4}, make(torchfile.List, 8), "c"},
		torchfile.Tuple{int64(5), "a.jpg", "b.jpg", torchfile.Tuple{1, 2}, torchfile.Tuple{true, 2}, torchfile.Tuple{1, 2, 3, 4}, make(torchfile.List, 8), "c"},
		&torchfile.Object{Module: "x", Name: "Y"},
	}
	// make(List, 8) holds nils: the rotated box is not a number list.
	recs, bad, err := ParseAnnotations(root, "mem")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || len(bad) != 5 {
		t.Fatalf("recs %+v bad %v", recs, bad)
	}
	r := recs[0]
	if r.ID != 1 || r.ClickOrig != [2]float64{3, 4} || r.Click != [2]float64{1, 2} || r.BBox != [4]float64{1, 2, 3, 4} || r.RBox[7] != 8 {
		t.Fatalf("tensor/ndarray record %+v", r)
	}
	wantWhy := []string{"rotated box", "bbox: want 4 numbers, found 3", "satellite file name", "click: element 0: want a number, found bool", "want an 8-tuple"}
	for i, w := range wantWhy {
		if !strings.Contains(bad[i].Reason, w) {
			t.Errorf("bad %d: %q, want ~%q", i, bad[i].Reason, w)
		}
	}
	// Fix the nil rotated boxes: the 2nd record then reads every mixed type.
	root[1].(torchfile.List)[6] = torchfile.List{1, 2, 3, 4, 5, 6, 7, 8}
	recs, _, _ = ParseAnnotations(root, "mem")
	if len(recs) != 2 || recs[1].ID != 2 || recs[1].Query != "a.jpg" || recs[1].ClickOrig != [2]float64{7, 1.5} || recs[1].Click != [2]float64{9, 8} {
		t.Fatalf("mixed record %+v", recs)
	}
	if _, _, err := ParseAnnotations(torchfile.NewDict(), "mem"); err == nil || !strings.Contains(err.Error(), "mem") {
		t.Fatalf("dict root: %v", err)
	}
}

func TestAnnotationsRoundTrip(t *testing.T) {
	recs := []Record{
		{131425, "131425_539733_4880095.jpg", "539827_4880079_300_32615.jpg", [2]float64{383, 380}, [2]float64{191, 190},
			[4]float64{258.56, 325.97, 592.76, 657.03}, [8]float64{495.99, 325.97, 592.76, 558.05, 355.29, 657.03, 258.56, 424.96}, "building_retail"},
		{2, "a.jpg", "b.jpg", [2]float64{1.5, 2}, [2]float64{0.75, 1}, [4]float64{1, 2, 3, 4}, [8]float64{}, "x"},
	}
	path := filepath.Join(t.TempDir(), "x.pth")
	if err := WriteAnnotations(path, recs); err != nil {
		t.Fatal(err)
	}
	got, bad, err := ReadAnnotations(path)
	if err != nil || len(bad) != 0 || len(got) != 2 || got[0] != recs[0] || got[1] != recs[1] {
		t.Fatalf("round trip: %v %v %+v", err, bad, got)
	}
	if _, _, err := ReadAnnotations(filepath.Join(t.TempDir(), "missing.pth")); err == nil {
		t.Fatal("missing file read")
	}
	garbage := filepath.Join(t.TempDir(), "g.pth")
	os.WriteFile(garbage, []byte("garbage"), 0o644)
	if _, _, err := ReadAnnotations(garbage); err == nil || !strings.Contains(err.Error(), "g.pth") {
		t.Fatalf("garbage: %v", err)
	}
}

// A satellite of an unexpected size is resized with the box scaled to match (here the
// 64x64 fixture tiles are asked for at 32x32), and the resize is logged at most once.
func TestSatelliteResizeScalesBox(t *testing.T) {
	var logs []string
	o := fixtureOpts(&logs)
	o.SatSize = 32
	d, err := Open(fixtureRoot, "drone", "train", o)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		s, err := d.Sample(i)
		if err != nil {
			t.Fatal(err)
		}
		want := d.Records[i].BBox
		for k := range want {
			want[k] = math.Trunc(want[k]) / 2
		}
		if s.BBox != [4]float32{float32(want[0]), float32(want[1]), float32(want[2]), float32(want[3])} || s.SatW != 32 || len(s.Satellite) != 3*32*32 {
			t.Fatalf("sample %d: box %v, want %v (sat %dx%d)", i, s.BBox, want, s.SatW, s.SatH)
		}
	}
	n := 0
	for _, l := range logs {
		if strings.Contains(l, "satellite image") && strings.Contains(l, "resizing to 32x32") {
			n++
		}
	}
	if n > 1 {
		t.Fatalf("resize logged %d times", n)
	}
}

func TestLoadPair(t *testing.T) {
	base := filepath.Join(fixtureRoot, "CVOGL_DroneAerial")
	s, err := LoadPair(filepath.Join(base, "query", "q_big.jpg"), filepath.Join(base, "satellite", "s1.jpg"), 24, 12, 32, 32, 64)
	if err != nil {
		t.Fatal(err)
	}
	if s.ClickXY != [2]float64{16, 8} || s.Click[8*32+16] != 1 || len(s.Satellite) != 3*64*64 || len(s.Query) != 3*32*32 {
		t.Fatalf("pair: click %v", s.ClickXY)
	}
	if _, err := LoadPair(filepath.Join(base, "query", "q1.jpg"), filepath.Join(base, "satellite", "s1.jpg"), 40, 1, 32, 32, 64); err == nil || !strings.Contains(err.Error(), "q1.jpg") {
		t.Fatalf("click outside accepted: %v", err)
	}
	if _, err := LoadPair(filepath.Join(base, "query", "q1.jpg"), filepath.Join(base, "satellite", "broken.jpg"), 1, 1, 32, 32, 64); err == nil || !strings.Contains(err.Error(), "broken.jpg") {
		t.Fatalf("broken satellite: %v", err)
	}
}
