package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

func init() {
	register(&command{
		name:    "curves",
		summary: "draw a run directory's training curves (loss, val accuracy per epoch) into its curves.png",
		run:     runCurves,
	})
}

func runCurves(fs *flag.FlagSet, args []string) error {
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: halo curves RUN_DIR\n  draw RUN_DIR/metrics.jsonl into RUN_DIR/curves.png (halo train does this at the end of a run)\n")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want one run directory")
	}
	if err := writeCurves(fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "wrote %s\n", filepath.Join(fs.Arg(0), "curves.png"))
	return nil
}

// curvesAfterTraining is writeCurves for the end of halo train: a failure to draw is
// reported but does not fail the finished run.
func curvesAfterTraining(runDir string) {
	if err := writeCurves(runDir); err != nil && !errors.Is(err, errNoCurves) && !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(os.Stderr, "halo train: curves.png: %v\n", err)
	}
}

// curveData is what metrics.jsonl holds for the plots.
type curveData struct {
	// Steps: per-step training loss at fractional epochs (epoch + step/steps).
	StepX, StepLoss []float64
	// Epochs: per-epoch means, plotted at the end of their epoch (x = epoch+1).
	EpochX                     []float64
	Loss, Geo, Cls, NCE        []float64
	Acc25, Acc50, MIoU, Center []float64
	TrainAcc50                 []float64
}

// readCurves reads metrics.jsonl. A run that was resumed may have logged steps of an
// interrupted epoch twice: the last record of every (epoch, step) and every epoch
// wins. Lines that are not JSON objects (a torn last line) are skipped.
func readCurves(path string) (curveData, error) {
	var d curveData
	f, err := os.Open(path)
	if err != nil {
		return d, err
	}
	defer f.Close()
	type stepKey struct{ epoch, step int }
	steps := map[stepKey]float64{}
	maxStep := map[int]int{}
	epochs := map[int]map[string]any{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) != nil {
			continue
		}
		ep, ok := num(rec, "epoch")
		if !ok || ep < 0 {
			continue
		}
		switch rec["kind"] {
		case "step":
			st, ok1 := num(rec, "step")
			loss, ok2 := num(rec, "loss")
			if ok1 && ok2 {
				steps[stepKey{int(ep), int(st)}] = loss
				maxStep[int(ep)] = max(maxStep[int(ep)], int(st))
			}
		case "epoch":
			epochs[int(ep)] = rec
		}
	}
	if err := sc.Err(); err != nil {
		return d, fmt.Errorf("%s: %w", path, err)
	}
	keys := make([]stepKey, 0, len(steps))
	for k := range steps {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].epoch != keys[j].epoch {
			return keys[i].epoch < keys[j].epoch
		}
		return keys[i].step < keys[j].step
	})
	for _, k := range keys {
		d.StepX = append(d.StepX, float64(k.epoch)+float64(k.step)/float64(max(1, maxStep[k.epoch])))
		d.StepLoss = append(d.StepLoss, steps[k])
	}
	eps := make([]int, 0, len(epochs))
	for e := range epochs {
		eps = append(eps, e)
	}
	sort.Ints(eps)
	for _, e := range eps {
		r := epochs[e]
		get := func(k string) float64 { v, _ := num(r, k); return v }
		d.EpochX = append(d.EpochX, float64(e+1))
		d.Loss = append(d.Loss, get("loss"))
		d.Geo = append(d.Geo, get("loss_geo"))
		d.Cls = append(d.Cls, get("loss_cls"))
		d.NCE = append(d.NCE, get("loss_infonce"))
		d.TrainAcc50 = append(d.TrainAcc50, get("train_acc@0.5"))
		d.Acc25 = append(d.Acc25, get("val_acc@0.25"))
		d.Acc50 = append(d.Acc50, get("val_acc@0.5"))
		d.MIoU = append(d.MIoU, get("val_miou"))
		d.Center = append(d.Center, get("val_acc_center"))
	}
	return d, nil
}

func num(rec map[string]any, k string) (float64, bool) {
	v, ok := rec[k].(float64)
	return v, ok && !math.IsNaN(v) && !math.IsInf(v, 0)
}

var errNoCurves = errors.New("no step or epoch records to plot")

// writeCurves draws runDir/metrics.jsonl into runDir/curves.png (atomically).
func writeCurves(runDir string) error {
	d, err := readCurves(filepath.Join(runDir, "metrics.jsonl"))
	if err != nil {
		return err
	}
	if len(d.StepX) == 0 && len(d.EpochX) == 0 {
		return fmt.Errorf("%s: %w", filepath.Join(runDir, "metrics.jsonl"), errNoCurves)
	}
	return writePNGAtomic(filepath.Join(runDir, "curves.png"), renderCurves(d))
}

// Layout of curves.png: two panels side by side.
const (
	curvePanelW, curvePanelH = 560, 420
	curveLeft, curveRight    = 64, 16 // plot area margins inside a panel
	curveTop, curveBottom    = 52, 44
)

var (
	colPaper = color.RGBA{255, 255, 255, 255}
	colAxis  = color.RGBA{40, 40, 40, 255}
	colGrid  = color.RGBA{225, 225, 225, 255}
	colSteps = color.RGBA{170, 190, 225, 255}
	// Series colours (a colour-blind-safe set).
	colSeries = []color.RGBA{{0, 90, 181, 255}, {220, 50, 32, 255}, {0, 150, 90, 255}, {230, 159, 0, 255}, {120, 70, 160, 255}}
)

type series struct {
	name string
	x, y []float64
	col  color.RGBA
	w    float64
	dots bool
}

// renderCurves draws the loss panel (per-step loss faint, per-epoch total, geo, cls
// and InfoNCE losses) and the accuracy panel (val acc@0.25, acc@0.5, mIoU, centre-cell
// accuracy and train acc@0.5 per epoch, from 0 to a round value above the largest).
func renderCurves(d curveData) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 2*curvePanelW, curvePanelH))
	fillRect(img, img.Rect, colPaper)
	xmax := 1.0
	for _, x := range append(append([]float64{}, d.StepX...), d.EpochX...) {
		xmax = math.Max(xmax, math.Ceil(x))
	}
	loss := []series{{name: "", x: d.StepX, y: d.StepLoss, col: colSteps, w: 1}}
	for i, s := range []struct {
		name string
		y    []float64
	}{{"LOSS", d.Loss}, {"GEO", d.Geo}, {"CLS", d.Cls}, {"NCE", d.NCE}} {
		w := 1.5
		if i == 0 {
			w = 2.5
		}
		loss = append(loss, series{name: s.name, x: d.EpochX, y: s.y, col: colSeries[i], w: w, dots: true})
	}
	// The loss axis ends at the largest per-epoch value or the 98th percentile of the
	// step losses, whichever is higher, so a few early spikes do not flatten the rest.
	ymax := 0.0
	for _, s := range loss[1:] {
		for _, v := range s.y {
			ymax = math.Max(ymax, v)
		}
	}
	if n := len(d.StepLoss); n > 0 {
		sorted := append([]float64{}, d.StepLoss...)
		sort.Float64s(sorted)
		ymax = math.Max(ymax, sorted[min(n-1, int(0.98*float64(n)))])
	}
	ymin := 0.0
	for _, s := range loss {
		for _, v := range s.y {
			ymin = math.Min(ymin, v)
		}
	}
	if ymax <= ymin {
		ymax = ymin + 1
	}
	// End the axis on a tick, so the top grid line is labelled.
	if t := niceTicks(ymin, ymax, 6); len(t) > 1 && t[len(t)-1] < ymax {
		ymax = t[len(t)-1] + (t[1] - t[0])
	}
	drawPanel(img.SubImage(image.Rect(0, 0, curvePanelW, curvePanelH)).(*image.RGBA), "TRAINING LOSS", loss, xmax, ymin, ymax)
	acc := []series{}
	for i, s := range []struct {
		name string
		y    []float64
	}{{"VAL ACC@0.25", d.Acc25}, {"VAL ACC@0.5", d.Acc50}, {"VAL MIOU", d.MIoU}, {"VAL CENTRE", d.Center}, {"TRAIN ACC@0.5", d.TrainAcc50}} {
		w := 1.5
		if i == 1 {
			w = 2.5
		}
		acc = append(acc, series{name: s.name, x: d.EpochX, y: s.y, col: colSeries[i], w: w, dots: true})
	}
	// Early in training accuracies are small: the axis ends at the first of a few round
	// values above the largest one, so they do not hug the bottom.
	amax := 0.0
	for _, s := range acc {
		for _, v := range s.y {
			amax = math.Max(amax, v)
		}
	}
	top := 1.0
	for _, v := range []float64{0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8} {
		if amax*1.05 <= v {
			top = v
			break
		}
	}
	drawPanel(img.SubImage(image.Rect(curvePanelW, 0, 2*curvePanelW, curvePanelH)).(*image.RGBA), "ACCURACY", acc, xmax, 0, top)
	return img
}

// drawPanel draws axes, grid, ticks with labels, a title, a legend and the series.
func drawPanel(img *image.RGBA, title string, ss []series, xmax, ymin, ymax float64) {
	b := img.Rect
	plot := image.Rect(b.Min.X+curveLeft, b.Min.Y+curveTop, b.Max.X-curveRight, b.Max.Y-curveBottom)
	px := func(x float64) float64 { return float64(plot.Min.X) + x/xmax*float64(plot.Dx()) }
	py := func(y float64) float64 { return float64(plot.Max.Y) - (y-ymin)/(ymax-ymin)*float64(plot.Dy()) }
	drawText(img, b.Min.X+curveLeft, b.Min.Y+8, title, 2, colAxis)
	// Legend: coloured names in one row under the title.
	lx := b.Min.X + curveLeft
	for _, s := range ss {
		if s.name == "" {
			continue
		}
		fillRect(img, image.Rect(lx, b.Min.Y+30, lx+12, b.Min.Y+33), s.col)
		drawText(img, lx+16, b.Min.Y+28, s.name, 1, s.col)
		lx += 16 + textWidth(s.name, 1) + 14
	}
	yt := niceTicks(ymin, ymax, 6)
	for _, v := range yt {
		y := int(math.Round(py(v)))
		fillRect(img, image.Rect(plot.Min.X, y, plot.Max.X, y+1), colGrid)
		fillRect(img, image.Rect(plot.Min.X-5, y, plot.Min.X, y+1), colAxis)
		lab := tickLabel(v, yt)
		drawText(img, plot.Min.X-8-textWidth(lab, 1), y-3, lab, 1, colAxis)
	}
	for _, v := range niceTicks(0, xmax, 10) {
		if v != math.Trunc(v) {
			continue // whole epochs only
		}
		x := int(math.Round(px(v)))
		fillRect(img, image.Rect(x, plot.Min.Y, x+1, plot.Max.Y), colGrid)
		fillRect(img, image.Rect(x, plot.Max.Y, x+1, plot.Max.Y+5), colAxis)
		lab := strconv.Itoa(int(v))
		drawText(img, x-textWidth(lab, 1)/2, plot.Max.Y+9, lab, 1, colAxis)
	}
	drawText(img, (plot.Min.X+plot.Max.X-textWidth("EPOCH", 1))/2, plot.Max.Y+24, "EPOCH", 1, colAxis)
	// Axes last but before the data, so lines stay on top of the grid.
	fillRect(img, image.Rect(plot.Min.X-1, plot.Min.Y, plot.Min.X, plot.Max.Y+1), colAxis)
	fillRect(img, image.Rect(plot.Min.X-1, plot.Max.Y, plot.Max.X, plot.Max.Y+1), colAxis)
	area := img.SubImage(plot.Inset(-3)).(*image.RGBA)
	for _, s := range ss {
		for i := range s.y {
			if i > 0 {
				drawLine(area, px(s.x[i-1]), py(s.y[i-1]), px(s.x[i]), py(s.y[i]), s.w, s.col)
			}
			if s.dots {
				drawCircle(area, px(s.x[i]), py(s.y[i]), 1.5, 3, s.col)
			}
		}
	}
}

// niceTicks returns round values (1, 2 or 5 times a power of ten apart) covering
// [lo, hi], the spacing the one closest to (hi-lo)/n by ratio.
func niceTicks(lo, hi float64, n int) []float64 {
	if !(hi > lo) || n < 1 {
		return []float64{lo}
	}
	raw := (hi - lo) / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	step := p
	for _, m := range []float64{2, 5, 10} {
		if math.Abs(math.Log(m*p/raw)) < math.Abs(math.Log(step/raw)) {
			step = m * p
		}
	}
	var out []float64
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+1e-9*step; k++ {
		out = append(out, k*step)
	}
	return out
}

// tickLabel formats v with as many decimals as the tick spacing needs.
func tickLabel(v float64, ticks []float64) string {
	dec := 0
	if len(ticks) > 1 {
		step := ticks[1] - ticks[0]
		dec = max(0, int(-math.Floor(math.Log10(step)+1e-9)))
	}
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}
