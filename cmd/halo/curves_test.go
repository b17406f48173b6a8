package main

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeMetrics(t *testing.T, dir, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

const metricsFixture = `{"kind":"step","epoch":0,"step":1,"loss":5}
{"kind":"step","epoch":0,"step":2,"loss":4}
{"kind":"epoch","epoch":0,"loss":4.5,"loss_geo":1,"loss_cls":3,"loss_infonce":0.5,"train_acc@0.5":0.1,"val_acc@0.25":0.4,"val_acc@0.5":0.5,"val_miou":0.3,"val_acc_center":0.2}
{"kind":"step","epoch":1,"step":1,"loss":9}
{"kind":"step","epoch":1,"step":1,"loss":3}
{"kind":"step","epoch":1,"step":2,"loss":2.5}
{"kind":"epoch","epoch":1,"loss":2.75,"loss_geo":0.5,"loss_cls":2,"loss_infonce":0.25,"train_acc@0.5":0.2,"val_acc@0.25":0.6,"val_acc@0.5":0.5,"val_miou":0.4,"val_acc_center":0.3}
{"kind":"step","epoch":2,"st`

func TestReadCurves(t *testing.T) {
	dir := t.TempDir()
	writeMetrics(t, dir, metricsFixture)
	d, err := readCurves(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	// The re-logged step (epoch 1 step 1, after a resume) keeps its last value; the
	// torn last line is skipped.
	want := curveData{
		StepX: []float64{0.5, 1, 1.5, 2}, StepLoss: []float64{5, 4, 3, 2.5},
		EpochX: []float64{1, 2}, Loss: []float64{4.5, 2.75}, Geo: []float64{1, 0.5}, Cls: []float64{3, 2}, NCE: []float64{0.5, 0.25},
		Acc25: []float64{0.4, 0.6}, Acc50: []float64{0.5, 0.5}, MIoU: []float64{0.3, 0.4}, Center: []float64{0.2, 0.3},
		TrainAcc50: []float64{0.1, 0.2},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("got  %+v\nwant %+v", d, want)
	}
}

func TestWriteCurves(t *testing.T) {
	dir := t.TempDir()
	writeMetrics(t, dir, metricsFixture)
	if err := writeCurves(dir); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("run directory holds %v, want metrics.jsonl and curves.png only (no temp files)", ents)
	}
	f, err := os.Open(filepath.Join(dir, "curves.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Size() != image.Pt(2*curvePanelW, curvePanelH) {
		t.Fatalf("curves.png is %v", img.Bounds().Size())
	}
	// The val acc@0.5 dots sit where the axes say: epoch 2 of 2, 0.5 on [0, 0.8]
	// (the largest accuracy is 0.6).
	px := curvePanelW + curveLeft + float64(curvePanelW-curveLeft-curveRight)*2/2
	py := float64(curvePanelH-curveBottom) - 0.5/0.8*float64(curvePanelH-curveBottom-curveTop)
	if c := color.RGBAModel.Convert(img.At(int(px)-1, int(py))).(color.RGBA); c != colSeries[1] {
		t.Errorf("val acc@0.5 at (%v,%v) is %v, want %v", px, py, c, colSeries[1])
	}
	// The loss panel's per-epoch total at epoch 1 (4.5 on the axis 0..5).
	lx := curveLeft + float64(curvePanelW-curveLeft-curveRight)*1/2
	ly := float64(curvePanelH-curveBottom) - 4.5/5*float64(curvePanelH-curveBottom-curveTop)
	if c := color.RGBAModel.Convert(img.At(int(lx), int(ly))).(color.RGBA); c != colSeries[0] {
		t.Errorf("loss at (%v,%v) is %v, want %v", lx, ly, c, colSeries[0])
	}

	empty := t.TempDir()
	writeMetrics(t, empty, "\n{\"kind\":\"other\"}\n")
	if err := writeCurves(empty); err == nil || !strings.Contains(err.Error(), "no step or epoch records") {
		t.Errorf("empty metrics: %v", err)
	}
	if err := writeCurves(t.TempDir()); err == nil || !os.IsNotExist(err) {
		t.Errorf("missing metrics: %v", err)
	}
}

func TestCurvesCommand(t *testing.T) {
	dir := t.TempDir()
	writeMetrics(t, dir, metricsFixture)
	if code, stdout, stderr := runCLI(t, "curves", dir); code != 0 || !strings.Contains(stdout, "curves.png") {
		t.Errorf("exit %d: %s%s", code, stdout, stderr)
	}
	if code, _, stderr := runCLI(t, "curves"); code != 2 || !strings.Contains(stderr, "want one run directory") {
		t.Errorf("no args: exit %d %q", code, stderr)
	}
	if code, _, _ := runCLI(t, "curves", t.TempDir()); code != 1 {
		t.Errorf("run without metrics: exit %d", code)
	}
}

func TestNiceTicks(t *testing.T) {
	cases := []struct {
		lo, hi float64
		n      int
		want   []float64
		labels string
	}{
		{0, 6.9, 6, []float64{0, 1, 2, 3, 4, 5, 6}, "0 1 2 3 4 5 6"},
		{0, 1, 6, []float64{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}, "0.0 0.2 0.4 0.6 0.8 1.0"},
		{-0.3, 0.3, 6, []float64{-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.30000000000000004}, "-0.3 -0.2 -0.1 0.0 0.1 0.2 0.3"},
		{0, 25, 10, []float64{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24}, "0 2 4 6 8 10 12 14 16 18 20 22 24"},
		{0, 40, 10, []float64{0, 5, 10, 15, 20, 25, 30, 35, 40}, "0 5 10 15 20 25 30 35 40"},
		{0, 0.012, 6, []float64{0, 0.002, 0.004, 0.006, 0.008, 0.01, 0.012}, "0.000 0.002 0.004 0.006 0.008 0.010 0.012"},
	}
	for _, c := range cases {
		got := niceTicks(c.lo, c.hi, c.n)
		if len(got) != len(c.want) {
			t.Errorf("niceTicks(%g, %g, %d) = %v, want %v", c.lo, c.hi, c.n, got, c.want)
			continue
		}
		var labels []string
		for i := range got {
			if math.Abs(got[i]-c.want[i]) > 1e-12 {
				t.Errorf("niceTicks(%g, %g, %d) = %v, want %v", c.lo, c.hi, c.n, got, c.want)
			}
			labels = append(labels, tickLabel(got[i], got))
		}
		if s := strings.Join(labels, " "); s != c.labels {
			t.Errorf("labels %q, want %q", s, c.labels)
		}
	}
}
