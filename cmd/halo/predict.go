package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/cvogl/halo/halo"
	"github.com/cvogl/halo/loader"
)

func init() {
	register(&command{
		name:    "predict",
		summary: "find the clicked object of a query image in a satellite image (box, confidence, map position, result.png)",
		run:     runPredict,
	})
}

// prediction is predict's result (the --json output).
type prediction struct {
	// Box is x1, y1, x2, y2 in pixels of the original satellite image, clipped to it;
	// BoxRaw is the decoded box before clipping.
	Box    [4]float64 `json:"box"`
	BoxRaw [4]float64 `json:"box_raw"`
	Center [2]float64 `json:"center"`
	// Confidence is the sigmoid of the winning confidence logit; Softmax is the
	// winner's share of a softmax over all anchor-cells (what the training loss's
	// cross-entropy calibrates).
	Confidence float64    `json:"confidence"`
	Logit      float64    `json:"logit"`
	Softmax    float64    `json:"softmax"`
	Anchor     int        `json:"anchor"`
	Cell       [2]int     `json:"cell"` // column gi, row gj of the G x G grid
	Grid       int        `json:"grid"`
	Satellite  [2]int     `json:"satellite_size"` // width, height of the original image
	ModelSize  int        `json:"model_size"`     // the satellite side the model ran at
	Geo        *geoResult `json:"geo,omitempty"`
	Out        string     `json:"out,omitempty"`
}

func runPredict(fs *flag.FlagSet, args []string) error {
	weights := fs.String("weights", "", "model: a run directory (its best checkpoint), a .safetensors checkpoint or an official .pth.tar (required)")
	queryPath := fs.String("query", "", "query image (drone or street view), JPEG or PNG (required)")
	clickArg := fs.String("click", "", "the clicked object in the query image: X,Y in its pixels (required)")
	satPath := fs.String("satellite", "", "satellite image, JPEG or PNG (required)")
	out := fs.String("out", "result.png", "picture of the result (satellite with box and attention, query with click); empty: none")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	originArg := fs.String("tile-origin", "center", "where E,N of a CVOGL name E_N_SIZE_EPSG lies in the tile: center or top-left")
	preset := fs.String("preset", "paper", "architecture of weights that carry no configuration (official .pth.tar): paper or tiny")
	epsg := fs.Int("epsg", 0, "CRS of a world file beside the satellite image: 326ZZ/327ZZ (WGS84 UTM) or 4326 (default: the name's EPSG code, else map coordinates only)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	for _, f := range []struct{ name, v string }{{"weights", *weights}, {"query", *queryPath}, {"click", *clickArg}, {"satellite", *satPath}} {
		if f.v == "" {
			return usagef("--%s is required", f.name)
		}
	}
	cx, cy, err := parseClick(*clickArg)
	if err != nil {
		return usagef("--click %q: %v", *clickArg, err)
	}
	origin, err := parseTileOrigin(*originArg)
	if err != nil {
		return usagef("--tile-origin: %v", err)
	}
	if _, _, utm := utmFromEPSG(*epsg); *epsg != 0 && *epsg != 4326 && !utm {
		return usagef("--epsg %d: want a WGS84 UTM code (32601-32660, 32701-32760) or 4326", *epsg)
	}
	if _, err := halo.Preset(*preset, "drone"); err != nil {
		return usagef("--preset: %v", err)
	}
	q, err := readImageFlag("query", *queryPath)
	if err != nil {
		return err
	}
	sat, err := readImageFlag("satellite", *satPath)
	if err != nil {
		return err
	}
	if !(cx >= 0 && cy >= 0 && cx < float64(q.W) && cy < float64(q.H)) {
		return usagef("--click %s is outside the %dx%d query image %s", *clickArg, q.W, q.H, *queryPath)
	}

	// A checkpoint without its own configuration (official) is the --preset model for
	// the subset whose query shape this is (street view 1:2, drone square).
	set := "drone"
	if q.W >= 3*q.H/2 {
		set = "svi"
	}
	fallback, err := halo.Preset(*preset, set)
	if err != nil {
		return usagef("--preset: %v", err)
	}
	m, info, err := halo.LoadModel(*weights, fallback)
	if err != nil {
		return fmt.Errorf("--weights %s: %w", *weights, err)
	}
	fmt.Fprintf(fs.Output(), "halo predict: %s (configuration from %s; %s preset, satellite %d, query %dx%d)\n",
		info.Path, info.ConfigSource, m.Cfg.Name, m.Cfg.SatSize, m.Cfg.QueryH, m.Cfg.QueryW)
	cfg := m.Cfg
	s, err := loader.LoadPair(*queryPath, *satPath, cx, cy, cfg.QueryH, cfg.QueryW, cfg.SatSize)
	if err != nil {
		return err
	}
	b := &loader.Batch{Size: 1, Query: s.Query, Click: s.Click, Satellite: s.Satellite,
		BBox: make([][4]float32, 1), Indices: []int{-1}, IDs: []int64{-1},
		QueryH: s.QueryH, QueryW: s.QueryW, SatH: s.SatH, SatW: s.SatW}
	o, dets, err := m.Predict(b)
	if err != nil {
		return err
	}
	d := dets[0]
	g := o.Boxes.Shape[3]
	p := prediction{Logit: float64(d.Conf), Anchor: d.Anchor, Cell: [2]int{d.GI, d.GJ}, Grid: g,
		Satellite: [2]int{sat.W, sat.H}, ModelSize: cfg.SatSize}
	p.Confidence = 1 / (1 + math.Exp(-p.Logit))
	p.Softmax = winnerSoftmax(o.Boxes.Data, len(m.Anchors()), g, p.Logit)
	kx, ky := float64(sat.W)/float64(cfg.SatSize), float64(sat.H)/float64(cfg.SatSize)
	for i, v := range d.Box {
		k, lim := kx, float64(sat.W)
		if i%2 == 1 {
			k, lim = ky, float64(sat.H)
		}
		p.BoxRaw[i] = float64(v) * k
		p.Box[i] = math.Max(0, math.Min(lim, p.BoxRaw[i]))
	}
	p.Center = [2]float64{(p.Box[0] + p.Box[2]) / 2, (p.Box[1] + p.Box[3]) / 2}
	geo, ok, err := locate(*satPath, sat.W, sat.H, p.Center[0], p.Center[1], p.Box[2]-p.Box[0], p.Box[3]-p.Box[1], origin, *epsg)
	if err != nil {
		return err
	}
	if ok {
		p.Geo = &geo
	}
	if *out != "" {
		img := renderResult(resultView{Sat: sat, Query: q, Attn: o.Attn.Data, G: o.Attn.Shape[1], Box: p.Box,
			Click: [2]float64{cx, cy}, Title: fmt.Sprintf("CONF %.3f  LOGIT %.2f", p.Confidence, p.Logit)})
		if err := writePNGAtomic(*out, img); err != nil {
			return fmt.Errorf("--out %s: %w", *out, err)
		}
		p.Out = *out
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	printPrediction(os.Stdout, p)
	return nil
}

// parseClick reads "X,Y" (pixels, finite, not negative).
func parseClick(s string) (x, y float64, err error) {
	xs, ys, ok := strings.Cut(s, ",")
	if !ok {
		return 0, 0, errors.New("want X,Y in query pixels, e.g. 128,140")
	}
	x, errX := strconv.ParseFloat(strings.TrimSpace(xs), 64)
	y, errY := strconv.ParseFloat(strings.TrimSpace(ys), 64)
	if errX != nil || errY != nil || math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
		return 0, 0, errors.New("want two numbers X,Y in query pixels, e.g. 128,140")
	}
	if x < 0 || y < 0 {
		return 0, 0, errors.New("coordinates must not be negative")
	}
	return x, y, nil
}

// readImageFlag reads the image named by a flag; errors name the flag and the file.
func readImageFlag(flagName, path string) (*loader.RGB, error) {
	if st, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("--%s %s: no such file", flagName, path)
		}
		return nil, fmt.Errorf("--%s: %w", flagName, err)
	} else if st.IsDir() {
		return nil, fmt.Errorf("--%s %s: is a directory, not an image", flagName, path)
	}
	img, err := loader.ReadRGB(path)
	if err != nil {
		return nil, fmt.Errorf("--%s: cannot read the image: %w", flagName, err)
	}
	return img, nil
}

// winnerSoftmax is exp(logit) over the sum of exp of every anchor-cell's confidence
// logit (channel a*5+4 of the [1, A*5, G, G] head output).
func winnerSoftmax(pred []float32, anchors, g int, logit float64) float64 {
	gg := g * g
	var sum float64
	for a := range anchors {
		for _, v := range pred[(a*5+4)*gg : (a*5+5)*gg] {
			sum += math.Exp(float64(v) - logit)
		}
	}
	return 1 / sum
}

func printPrediction(w io.Writer, p prediction) {
	fmt.Fprintf(w, "box (x1, y1, x2, y2): %.1f %.1f %.1f %.1f  in pixels of the %dx%d satellite image (model input %d)\n",
		p.Box[0], p.Box[1], p.Box[2], p.Box[3], p.Satellite[0], p.Satellite[1], p.ModelSize)
	if p.Box != p.BoxRaw {
		fmt.Fprintf(w, "  decoded box before clipping to the image: %.1f %.1f %.1f %.1f\n", p.BoxRaw[0], p.BoxRaw[1], p.BoxRaw[2], p.BoxRaw[3])
	}
	fmt.Fprintf(w, "centre %.1f %.1f, size %.1f x %.1f px (anchor %d, cell %d,%d of %dx%d)\n",
		p.Center[0], p.Center[1], p.Box[2]-p.Box[0], p.Box[3]-p.Box[1], p.Anchor, p.Cell[0], p.Cell[1], p.Grid, p.Grid)
	fmt.Fprintf(w, "confidence %.4f (sigmoid of logit %.4f; softmax over all anchor-cells %.4f)\n", p.Confidence, p.Logit, p.Softmax)
	if g := p.Geo; g != nil {
		crs := "CRS unknown (pass --epsg)"
		if zone, north, ok := utmFromEPSG(g.EPSG); ok {
			hemi := "N"
			if !north {
				hemi = "S"
			}
			crs = fmt.Sprintf("EPSG:%d, WGS84 / UTM zone %d%s", g.EPSG, zone, hemi)
		} else if g.EPSG == 4326 {
			crs = "EPSG:4326"
		}
		if g.EPSG == 4326 {
			fmt.Fprintf(w, "map: lon %.7f lat %.7f (%s)\n", g.X, g.Y, crs)
		} else {
			fmt.Fprintf(w, "map: E %.2f N %.2f (%s); box %.1f x %.1f m\n", g.X, g.Y, crs, g.WidthM, g.HeightM)
		}
		if g.Lat != nil {
			ns, ew := "N", "E"
			if *g.Lat < 0 {
				ns = "S"
			}
			if *g.Lon < 0 {
				ew = "W"
			}
			fmt.Fprintf(w, "WGS84: %.7f %s, %.7f %s  (lat %.7f, lon %.7f)\n", math.Abs(*g.Lat), ns, math.Abs(*g.Lon), ew, *g.Lat, *g.Lon)
		}
		fmt.Fprintf(w, "georeference: %s\n", g.Convention)
		if g.Source != "filename" {
			fmt.Fprintf(w, "  from %s\n", g.Source)
		}
	} else {
		fmt.Fprintln(w, "no georeference: the satellite file name is not E_N_SIZE_EPSG and no world file (.jgw/.pgw/.tfw/.wld) lies beside it")
	}
	if p.Out != "" {
		fmt.Fprintf(w, "wrote %s\n", p.Out)
	}
}
