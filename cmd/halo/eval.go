package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/cvogl/halo/halo"
	"github.com/cvogl/halo/loader"
)

func init() {
	register(&command{
		name:    "eval",
		summary: "evaluate a model: acc@0.25, acc@0.5, mean IoU, centre-cell accuracy (default: the embedded synthetic val split)",
		run:     runEval,
	})
}

// evalReport is eval's --json output: fractions in [0, 1] and the sample count.
type evalReport struct {
	Acc25     float64 `json:"acc@0.25"`
	Acc50     float64 `json:"acc@0.5"`
	MIoU      float64 `json:"miou"`
	AccCenter float64 `json:"acc_center"`
	N         int     `json:"n"`
	Set       string  `json:"set"`
	Split     string  `json:"split"`
}

func runEval(fs *flag.FlagSet, args []string) error {
	weights := fs.String("weights", "", "model: a run directory (its best checkpoint), a .safetensors checkpoint or an official .pth.tar (required)")
	data := fs.String("data", "", "dataset root holding CVOGL_DroneAerial/ or CVOGL_SVI/ (default: the embedded synthetic set, val split)")
	set := fs.String("set", "", "dataset subset: drone or svi (default: the one the model's query shape is for)")
	split := fs.String("split", "val", "split: val or test (the embedded set has val only)")
	batch := fs.Int("batch", 0, "batch size (default: 16 with --data, 8 on the embedded set)")
	workers := fs.Int("workers", 0, "image decode workers (0: number of CPUs)")
	preset := fs.String("preset", "paper", "architecture of weights that carry no configuration (official .pth.tar): paper or tiny")
	asJSON := fs.Bool("json", false, "print the metrics as one JSON object (fractions in [0,1])")
	if err := parse(fs, args); err != nil {
		return err
	}
	stderr := fs.Output()
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *weights == "" {
		return usagef("--weights is required")
	}
	switch *set {
	case "", "drone", "svi":
	default:
		return usagef("unknown --set %q (want drone or svi)", *set)
	}
	switch *split {
	case "val", "test":
	default:
		return usagef("unknown --split %q (want val or test)", *split)
	}
	embedded := *data == ""
	if embedded && *split != "val" {
		return usagef("the embedded synthetic set has no %s split; pass --data for it", *split)
	}
	if *batch < 0 || *workers < 0 {
		return usagef("--batch and --workers must not be negative")
	}
	if *batch == 0 {
		*batch = 16
		if embedded {
			*batch = 8
		}
	}
	fbSet := *set
	if fbSet == "" {
		fbSet = "drone"
	}
	fallback, err := halo.Preset(*preset, fbSet)
	if err != nil {
		return usagef("--preset: %v", err)
	}
	m, info, err := halo.LoadModel(*weights, fallback)
	if err != nil {
		return fmt.Errorf("--weights %s: %w", *weights, err)
	}
	fmt.Fprintf(stderr, "halo eval: %s (configuration from %s; %s preset, satellite %d, query %dx%d)\n",
		info.Path, info.ConfigSource, m.Cfg.Name, m.Cfg.SatSize, m.Cfg.QueryH, m.Cfg.QueryW)
	cfg := m.Cfg
	modelSet := "drone"
	if cfg.QueryW == 2*cfg.QueryH {
		modelSet = "svi"
	}
	if *set == "" {
		*set = modelSet
	} else if *set != modelSet {
		return usagef("--set %s, but the model takes %dx%d queries (%s)", *set, cfg.QueryH, cfg.QueryW, modelSet)
	}

	var ds *loader.Dataset
	if embedded {
		if cfg.SatSize != loader.EmbeddedSatSize || cfg.QueryH != loader.EmbeddedQueryH {
			return fmt.Errorf("the embedded synthetic set is %d-pixel satellites with %d-pixel queries but the %s model takes %d and %dx%d; pass --data",
				loader.EmbeddedSatSize, loader.EmbeddedQueryH, cfg.Name, cfg.SatSize, cfg.QueryH, cfg.QueryW)
		}
		fmt.Fprintf(stderr, "halo eval: no --data given: the embedded synthetic %s val split\n", *set)
		_, ds, err = loader.EmbeddedDefault(*set)
	} else {
		ds, err = loader.Open(*data, *set, *split, loader.Options{QueryH: cfg.QueryH, QueryW: cfg.QueryW, SatSize: cfg.SatSize})
	}
	if err != nil {
		return err
	}
	if ds.Len() == 0 {
		return fmt.Errorf("the %s %s split has no usable samples", *set, *split)
	}
	pr := evalProgress(stderr)
	start := time.Now()
	met, err := halo.Evaluate(m, ds, *batch, *workers, func(done, total int) {
		if done != total && time.Since(pr.last) < pr.interval {
			return
		}
		pr.last = time.Now()
		el := time.Since(start).Seconds()
		pr.line(fmt.Sprintf("evaluating %d/%d  %.1f samples/s", done, total, float64(done)/el))
	})
	pr.finish()
	if err != nil {
		return err
	}
	r := evalReport{Set: *set, Split: *split}
	r.Acc25, r.Acc50, r.MIoU, r.AccCenter, r.N = met.Summary()
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(r)
	}
	printEvalTable(os.Stdout, r, *weights, time.Since(start))
	return nil
}

// evalProgress writes the progress line to w: redrawn in place on a terminal, a
// line every few seconds otherwise.
func evalProgress(w io.Writer) *progress {
	if f, ok := w.(*os.File); ok {
		return newProgress(f)
	}
	return &progress{w: w, interval: 10 * time.Second}
}

func printEvalTable(w io.Writer, r evalReport, weights string, took time.Duration) {
	fmt.Fprintf(w, "%s on %s/%s (%d samples, %s)\n\n", weights, r.Set, r.Split, r.N, took.Round(time.Millisecond))
	fmt.Fprintln(w, "  acc@0.25  acc@0.5   mIoU  centre      n")
	fmt.Fprintf(w, "  %7.2f%%  %6.2f%%  %5.2f%%  %5.2f%%  %5d\n", 100*r.Acc25, 100*r.Acc50, 100*r.MIoU, 100*r.AccCenter, r.N)
}
