package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvogl/halo/halo"
)

// predictFixture writes a 90x70 query and a 300x300 satellite tile named like CVOGL's
// (300 m footprint: 1 m per pixel) and returns their paths.
func predictFixture(t *testing.T) (dir, query, sat string) {
	dir = t.TempDir()
	query = filepath.Join(dir, "q.jpg")
	sat = filepath.Join(dir, "539827_4880079_300_32615.jpg")
	writeTestJPEG(t, query, 90, 70, 1)
	writeTestJPEG(t, sat, 300, 300, 2)
	return dir, query, sat
}

func TestPredictUsageErrors(t *testing.T) {
	w := tinyCheckpoint(t)
	_, q, s := predictFixture(t)
	full := func(extra ...string) []string {
		return append([]string{"predict", "--weights", w, "--query", q, "--satellite", s, "--out", ""}, extra...)
	}
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"predict"}, "--weights is required"},
		{[]string{"predict", "--weights", w, "--click", "1,2", "--satellite", s}, "--query is required"},
		{[]string{"predict", "--weights", w, "--query", q, "--satellite", s}, "--click is required"},
		{[]string{"predict", "--weights", w, "--query", q, "--click", "1,2"}, "--satellite is required"},
		{full("--click", "12"), `--click "12": want X,Y`},
		{full("--click", "a,b"), `--click "a,b": want two numbers`},
		{full("--click", "1,2,3"), `want two numbers`},
		{full("--click", "-3,4"), "must not be negative"},
		{full("--click", "NaN,4"), "want two numbers"},
		{full("--click", "90,10"), "--click 90,10 is outside the 90x70 query image"},
		{full("--click", "10,70.5"), "outside the 90x70 query image"},
		{full("--click", "1,2", "--tile-origin", "middle"), `--tile-origin: unknown tile origin "middle"`},
		{full("--click", "1,2", "--epsg", "3857"), "--epsg 3857"},
		{full("--click", "1,2", "extra"), `unexpected argument "extra"`},
		{full("--click", "1,2", "--bogus"), "flag provided but not defined: -bogus"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args[1:], code, stderr, c.msg)
		}
		if code == 2 && !strings.Contains(stderr, "usage: halo predict") {
			t.Errorf("%v: no usage printed: %q", c.args[1:], stderr)
		}
	}
}

func TestPredictFileErrors(t *testing.T) {
	w := tinyCheckpoint(t)
	dir, q, s := predictFixture(t)
	garbage := filepath.Join(dir, "garbage.jpg")
	os.WriteFile(garbage, []byte("not an image at all"), 0o644)
	cases := []struct {
		args []string
		msg  []string
	}{
		{[]string{"--weights", w, "--query", filepath.Join(dir, "missing.jpg"), "--satellite", s}, []string{"--query", "missing.jpg", "no such file"}},
		{[]string{"--weights", w, "--query", q, "--satellite", filepath.Join(dir, "nope.png")}, []string{"--satellite", "nope.png", "no such file"}},
		{[]string{"--weights", w, "--query", q, "--satellite", garbage}, []string{"--satellite", "cannot read the image", "garbage.jpg"}},
		{[]string{"--weights", w, "--query", garbage, "--satellite", s}, []string{"--query", "garbage.jpg"}},
		{[]string{"--weights", w, "--query", q, "--satellite", dir}, []string{"--satellite", "is a directory"}},
		{[]string{"--weights", filepath.Join(dir, "none.safetensors"), "--query", q, "--satellite", s}, []string{"--weights", "none.safetensors"}},
		{[]string{"--weights", garbage, "--query", q, "--satellite", s}, []string{"--weights", "garbage.jpg"}},
	}
	for _, c := range cases {
		args := append([]string{"predict", "--click", "10,10", "--out", ""}, c.args...)
		code, _, stderr := runCLI(t, args...)
		ok := code == 1
		for _, m := range c.msg {
			ok = ok && strings.Contains(stderr, m)
		}
		if !ok || strings.Contains(stderr, "usage:") {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q without usage", c.args, code, stderr, c.msg)
		}
	}
}

func TestPredictEndToEnd(t *testing.T) {
	w := tinyCheckpoint(t)
	dir, q, s := predictFixture(t)
	out := filepath.Join(dir, "result.png")
	code, stdout, stderr := runCLI(t, "predict", "--weights", w, "--query", q, "--click", "40.5,30", "--satellite", s, "--out", out, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(&raw); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("more than one JSON value on stdout:\n%s", stdout)
	}
	for _, k := range []string{"box", "box_raw", "center", "confidence", "logit", "softmax", "anchor", "cell", "grid", "satellite_size", "model_size", "geo", "out"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("key %q missing from %s", k, stdout)
		}
	}
	var p prediction
	if err := json.Unmarshal([]byte(stdout), &p); err != nil {
		t.Fatal(err)
	}
	if p.Satellite != [2]int{300, 300} || p.ModelSize != 256 || p.Grid != 16 || p.Out != out {
		t.Errorf("sizes: %+v", p)
	}
	b := p.Box
	if !(0 <= b[0] && b[0] < b[2] && b[2] <= 300 && 0 <= b[1] && b[1] < b[3] && b[3] <= 300) {
		t.Errorf("box %v not inside the 300x300 image", b)
	}
	for i := range 4 {
		if b[i] != math.Max(0, math.Min(300, p.BoxRaw[i])) {
			t.Errorf("box %v is not box_raw %v clipped", b, p.BoxRaw)
		}
	}
	if math.Abs(p.Confidence-1/(1+math.Exp(-p.Logit))) > 1e-12 || !(p.Softmax > 0 && p.Softmax <= 1) {
		t.Errorf("confidence %v logit %v softmax %v", p.Confidence, p.Logit, p.Softmax)
	}
	// 300 m over 300 pixels, E,N at the centre: 1 m per pixel from (150, 150).
	g := p.Geo
	wantE, wantN := 539827+p.Center[0]-150, 4880079-(p.Center[1]-150)
	if g == nil || g.EPSG != 32615 || g.Source != "filename" || math.Abs(g.X-wantE) > 1e-6 || math.Abs(g.Y-wantN) > 1e-6 || g.Lat == nil {
		t.Fatalf("geo %+v, want E %f N %f", g, wantE, wantN)
	}
	if lat, lon := utmToLatLon(wantE, wantN, 15, true); math.Abs(*g.Lat-lat) > 1e-12 || math.Abs(*g.Lon-lon) > 1e-12 ||
		math.Abs(lat-44.0728) > 0.002 || math.Abs(lon+92.5026) > 0.003 {
		t.Errorf("lat/lon %v %v, want %v %v", *g.Lat, *g.Lon, lat, lon)
	}

	// result.png: satellite panel 512x512 (300 enlarged), query at the same height.
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// 8 + 512 + 8 + round(90*512/70)=658 + 8 wide; 8+14+8 header + 512 + 8 high.
	if sz := img.Bounds().Size(); sz != image.Pt(1194, 550) {
		t.Fatalf("result.png is %v, want 1194x550", sz)
	}
	// The box's left edge is drawn in green at its scaled place (panel at (8, 30)).
	k := 512.0 / 300
	x := 8 + int(math.Round(b[0]*k)) + 1
	y := 30 + int(math.Round((b[1]+b[3])/2*k))
	if c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA); c != colBox {
		t.Errorf("pixel (%d,%d) on the box edge is %v, want %v", x, y, c, colBox)
	}
	// The click marker's ring is red at the scaled click (query panel at x 528).
	qk := 512.0 / 70
	cx, cy := 528+40.5*qk, 30+30*qk
	rad := 512.0 / 40
	if c := color.RGBAModel.Convert(img.At(int(cx+rad), int(cy))).(color.RGBA); c.R < 200 || c.G > 120 {
		t.Errorf("click ring at (%d,%d) is %v, want red", int(cx+rad), int(cy), c)
	}

	// The text form says where the object is and how the name was read.
	code, stdout, stderr = runCLI(t, "predict", "--weights", w, "--query", q, "--click", "40.5,30", "--satellite", s, "--out", "")
	for _, want := range []string{"box (x1, y1, x2, y2)", "confidence", "EPSG:32615, WGS84 / UTM zone 15N", "WGS84: 44.07", " N, 92.50", " W", "CENTRE", "assumed"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("exit %d, text output lacks %q:\n%s%s", code, want, stdout, stderr)
		}
	}
	if strings.Contains(stdout, "wrote") {
		t.Errorf("--out \"\" wrote a picture:\n%s", stdout)
	}
	// A world file beside a plainly named copy, with --epsg naming its CRS.
	plain := filepath.Join(dir, "plain.jpg")
	data, _ := os.ReadFile(s)
	os.WriteFile(plain, data, 0o644)
	os.WriteFile(filepath.Join(dir, "plain.jgw"), []byte("0.5\n0\n0\n-0.5\n400000.25\n5000000.75\n"), 0o644)
	_, stdout, stderr = runCLI(t, "predict", "--weights", w, "--query", q, "--click", "40.5,30", "--satellite", plain, "--out", "", "--json", "--epsg", "32633")
	var pw prediction
	if err := json.Unmarshal([]byte(stdout), &pw); err != nil || pw.Geo == nil {
		t.Fatalf("world file: %v %s %s", err, stdout, stderr)
	}
	wx, wy := 400000.25+0.5*(pw.Center[0]-0.5), 5000000.75-0.5*(pw.Center[1]-0.5)
	if gw := pw.Geo; gw.Source != filepath.Join(dir, "plain.jgw") || gw.EPSG != 32633 || math.Abs(gw.X-wx) > 1e-6 || math.Abs(gw.Y-wy) > 1e-6 || gw.Lat == nil {
		t.Errorf("world file geo %+v, want x %f y %f", gw, wx, wy)
	} else if lat, lon := utmToLatLon(wx, wy, 33, true); math.Abs(*gw.Lat-lat) > 1e-12 || math.Abs(*gw.Lon-lon) > 1e-12 {
		t.Errorf("world file lat/lon %v %v, want %v %v", *gw.Lat, *gw.Lon, lat, lon)
	}
	// --tile-origin top-left moves the point by half the tile.
	_, stdout, _ = runCLI(t, "predict", "--weights", w, "--query", q, "--click", "40.5,30", "--satellite", s, "--out", "", "--json", "--tile-origin", "top-left")
	var p2 prediction
	if err := json.Unmarshal([]byte(stdout), &p2); err != nil || p2.Geo == nil ||
		math.Abs(p2.Geo.X-(g.X+150)) > 1e-6 || math.Abs(p2.Geo.Y-(g.Y-150)) > 1e-6 || !strings.Contains(p2.Geo.Convention, "TOP-LEFT") {
		t.Errorf("top-left: %v %+v", err, p2.Geo)
	}
}

// TestPredictScalesBoxToOriginal: a satellite image twice the model's size whose
// pixels are 2x2 copies of a model-size image resizes back to exactly that image, so
// the prediction must be the same box, doubled.
func TestPredictScalesBoxToOriginal(t *testing.T) {
	w := tinyCheckpoint(t)
	dir := t.TempDir()
	q := filepath.Join(dir, "q.jpg")
	writeTestJPEG(t, q, 64, 64, 3)
	r := rand.New(rand.NewPCG(4, 4))
	small := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for i := range small.Pix {
		small.Pix[i] = uint8(r.IntN(256))
		if i%4 == 3 {
			small.Pix[i] = 255
		}
	}
	big := image.NewRGBA(image.Rect(0, 0, 512, 512))
	for y := range 512 {
		for x := range 512 {
			big.SetRGBA(x, y, small.RGBAAt(x/2, y/2))
		}
	}
	paths := []string{filepath.Join(dir, "s256.png"), filepath.Join(dir, "s512.png")}
	for i, im := range []image.Image{small, big} {
		var buf bytes.Buffer
		png.Encode(&buf, im)
		os.WriteFile(paths[i], buf.Bytes(), 0o644)
	}
	var ps [2]prediction
	for i, s := range paths {
		code, stdout, stderr := runCLI(t, "predict", "--weights", w, "--query", q, "--click", "20,30", "--satellite", s, "--out", "", "--json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if err := json.Unmarshal([]byte(stdout), &ps[i]); err != nil {
			t.Fatal(err)
		}
	}
	if ps[0].Logit != ps[1].Logit || ps[0].Cell != ps[1].Cell || ps[0].Anchor != ps[1].Anchor {
		t.Fatalf("different predictions: %+v vs %+v", ps[0], ps[1])
	}
	for i := range 4 {
		if math.Abs(ps[1].BoxRaw[i]-2*ps[0].BoxRaw[i]) > 1e-9 {
			t.Errorf("box at 512 %v is not twice the box at 256 %v", ps[1].BoxRaw, ps[0].BoxRaw)
		}
	}
	if ps[0].Geo != nil || ps[1].Geo != nil {
		t.Errorf("plain names got coordinates: %+v %+v", ps[0].Geo, ps[1].Geo)
	}
}

// TestPredictWeightForms: a run directory, a checkpoint file and an official
// .pth.tar of the same weights predict the same box.
func TestPredictWeightForms(t *testing.T) {
	dir, q, s := predictFixture(t)
	cfg, err := halo.Preset("tiny", "drone")
	if err != nil {
		t.Fatal(err)
	}
	cfg.OfficialExtras = true // official checkpoints carry the unused modules too
	m, err := halo.NewModel(cfg, 11)
	if err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	os.Mkdir(run, 0o755)
	if err := halo.SaveModel(filepath.Join(run, "best.safetensors"), m, nil); err != nil {
		t.Fatal(err)
	}
	official := filepath.Join(dir, "drone_model_best.pth.tar")
	writeOfficialCheckpoint(t, official, m)
	var ps []prediction
	for _, w := range [][]string{{run}, {filepath.Join(run, "best.safetensors")}, {official, "--preset", "tiny"}} {
		args := append([]string{"predict", "--query", q, "--click", "33,44", "--satellite", s, "--out", "", "--json", "--weights"}, w...)
		code, stdout, stderr := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", w, code, stderr)
		}
		var p prediction
		if err := json.Unmarshal([]byte(stdout), &p); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	for i := 1; i < len(ps); i++ {
		if ps[i].BoxRaw != ps[0].BoxRaw || ps[i].Logit != ps[0].Logit {
			t.Errorf("weights form %d: box %v logit %v, run directory: %v %v", i, ps[i].BoxRaw, ps[i].Logit, ps[0].BoxRaw, ps[0].Logit)
		}
	}
	// Without --preset tiny the official file is read as the paper model: a clear
	// error, not a crash.
	code, _, stderr := runCLI(t, "predict", "--query", q, "--click", "33,44", "--satellite", s, "--out", "", "--weights", official)
	if code != 1 || !strings.Contains(stderr, "--weights "+official) {
		t.Errorf("official tiny as paper: exit %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "predict", "--query", q, "--click", "33,44", "--satellite", s, "--weights", official, "--preset", "huge"); code != 2 || !strings.Contains(stderr, "--preset") {
		t.Errorf("bad preset: exit %d %q", code, stderr)
	}
}

func TestPredictHelp(t *testing.T) {
	for _, args := range [][]string{{"help", "predict"}, {"predict", "-h"}} {
		code, _, stderr := runCLI(t, args...)
		if code != 0 || !strings.Contains(stderr, "-click") || !strings.Contains(stderr, "-satellite") || !strings.Contains(stderr, "-tile-origin") {
			t.Errorf("%v: exit %d\n%s", args, code, stderr)
		}
	}
}
