package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cvogl/halo/halo"
	"github.com/cvogl/halo/loader"
	"github.com/cvogl/halo/nn"
)

func init() {
	register(&command{
		name:    "train",
		summary: "train HALO (default: tiny preset on the embedded synthetic dataset)",
		run:     runTrain,
	})
}

func runTrain(fs *flag.FlagSet, args []string) error {
	def := halo.DefaultTrainOptions()
	data := fs.String("data", "", "dataset root holding CVOGL_DroneAerial/ or CVOGL_SVI/ (default: the embedded synthetic set)")
	set := fs.String("set", "drone", "dataset subset: drone or svi")
	preset := fs.String("preset", "", "model preset: paper or tiny (default: tiny on the embedded set, paper with --data)")
	epochs := fs.Int("epochs", 0, "epochs (default: 25 with --data, 6 on the embedded set)")
	batch := fs.Int("batch", 0, "batch size (default: 16 with --data, 8 on the embedded set)")
	lr := fs.Float64("lr", 0, "learning rate (default: 1e-4 with --data, 1e-3 on the embedded set)")
	optimizer := fs.String("optimizer", def.Optimizer, "optimizer: rmsprop, sgd, adam or adamw")
	wd := fs.Float64("weight-decay", def.WeightDecay, "weight decay (L2, decoupled for adamw)")
	schedule := fs.String("schedule", def.Schedule, "learning-rate schedule: step (x0.1 every --step-epochs) or cosine")
	stepEpochs := fs.Int("step-epochs", def.StepEpochs, "epochs between x0.1 decays of the step schedule")
	clip := fs.Float64("clip", 0, "clip the gradient 2-norm to this value (0: off)")
	accum := fs.Int("accum", 1, "accumulate gradients over this many batches per optimiser step")
	mining := fs.Bool("mining", true, "hard-sample mining (neighbour lists recomputed at epochs 5, 10, ...)")
	augment := fs.Bool("augment", true, "satellite augmentation")
	seed := fs.Uint64("seed", 1, "seed for initialisation, order, augmentation and dropout")
	workers := fs.Int("workers", 0, "image decode workers (0: number of CPUs)")
	qb := fs.String("query-backbone", "", "torchvision resnet18 .pth to initialise the query backbone")
	rb := fs.String("reference-backbone", "", "LSKNet-S .pth (lsk_s_backbone) to initialise the satellite backbone")
	out := fs.String("out", "", "run directory (default: runs/<time>)")
	resume := fs.String("resume", "", "continue the run in this directory")
	recompute := fs.Bool("recompute", false, "recompute the LSKNet activations in the backward pass, one sample at a time (far less memory, about one more forward of time)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	var resumed *halo.RunConfig
	if *resume != "" {
		*out = *resume
		rc, err := resumeConfig(fs, *resume)
		if err != nil {
			return err
		}
		resumed = &rc
		*data, *set = rc.Data, rc.Set
	}
	embedded := *data == ""
	if *preset == "" {
		*preset = "paper"
		if embedded {
			*preset = "tiny"
		}
	}
	o := def
	if resumed != nil {
		o = resumed.Train
	}
	// Flags override the defaults, and on --resume only when given explicitly.
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	set1 := func(name string, apply func()) {
		if resumed == nil || given[name] {
			apply()
		}
	}
	set1("optimizer", func() { o.Optimizer = *optimizer })
	set1("weight-decay", func() { o.WeightDecay = *wd })
	set1("schedule", func() { o.Schedule = *schedule })
	set1("step-epochs", func() { o.StepEpochs = *stepEpochs })
	set1("clip", func() { o.ClipNorm = *clip })
	set1("accum", func() { o.AccumSteps = *accum })
	set1("mining", func() { o.Mining = *mining })
	set1("augment", func() { o.Augment = *augment })
	set1("seed", func() { o.Seed = *seed })
	set1("workers", func() { o.Workers = *workers })
	set1("epochs", func() { o.Epochs = pick(*epochs, 25, 6, embedded) })
	set1("batch", func() { o.BatchSize = pick(*batch, 16, 8, embedded) })
	set1("lr", func() { o.LR = *lr })
	if o.LR == 0 {
		o.LR = 1e-4
		if embedded {
			// The tiny preset trains from scratch on a small set in minutes; the paper's
			// 1e-4 is tuned for ImageNet-initialised backbones over 25 long epochs.
			o.LR = 1e-3
		}
	}
	cfg, err := halo.Preset(*preset, *set)
	if err != nil {
		return usagef("%v", err)
	}
	if resumed != nil {
		cfg = resumed.Model
	}
	cfg.Recompute = *recompute
	var train, val *loader.Dataset
	if embedded {
		if *preset != "tiny" {
			return usagef("the embedded dataset is for --preset tiny; pass --data for %s", *preset)
		}
		fmt.Fprintln(os.Stderr, "halo train: no --data given: training the tiny preset on the embedded synthetic dataset")
		train, val, err = loader.EmbeddedDefault(*set)
	} else {
		lo := loader.Options{QueryH: cfg.QueryH, QueryW: cfg.QueryW, SatSize: cfg.SatSize}
		train, err = loader.Open(*data, *set, "train", lo)
		if err == nil {
			val, err = loader.Open(*data, *set, "val", lo)
		}
	}
	if err != nil {
		return err
	}
	if train.QueryH != cfg.QueryH || train.QueryW != cfg.QueryW || train.SatSize != cfg.SatSize {
		return fmt.Errorf("dataset samples are %dx%d / %d but the %s preset expects %dx%d / %d",
			train.QueryH, train.QueryW, train.SatSize, cfg.Name, cfg.QueryH, cfg.QueryW, cfg.SatSize)
	}
	m, err := halo.NewModel(cfg, o.Seed)
	if err != nil {
		return err
	}
	if err := loadBackbones(m, *qb, *rb); err != nil {
		return err
	}
	if *out == "" {
		*out = filepath.Join("runs", time.Now().Format("20060102-150405"))
	}
	t, err := halo.NewTrainer(m, train, val, o, *out)
	if err != nil {
		return err
	}
	t.DataRoot = *data
	if *resume != "" {
		if err := t.Resume(*resume); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "halo train: resumed %s at epoch %d of %d\n", *resume, t.Epoch(), o.Epochs)
	}
	fmt.Fprintf(os.Stderr, "halo train: preset %s (%s parameters), %d train / %d val samples, batch %d, %d epochs, %s lr %g -> %s\n",
		cfg.Name, commas(nn.NumParams(m)), train.Len(), val.Len(), o.BatchSize, o.Epochs, o.Optimizer, o.LR, *out)
	pr := newProgress(os.Stderr)
	t.Progress = pr.event
	// An untrained model's score, so the summary shows what training bought.
	if t.Epoch() == 0 && val.Len() > 0 {
		vm, err := halo.Evaluate(m, val, o.BatchSize, o.Workers, nil)
		if err != nil {
			return err
		}
		a25, a50, miou, _, _ := vm.Summary()
		fmt.Fprintf(os.Stderr, "untrained model on val: acc@0.25 %.3f  acc@0.5 %.3f  mIoU %.3f\n", a25, a50, miou)
	}
	defer curvesAfterTraining(*out) // also after a failed run: the curves show what went wrong
	start := time.Now()
	if err := t.Run(); err != nil {
		pr.finish()
		return err
	}
	pr.finish()
	printEpochTable(os.Stdout, t.History())
	fmt.Fprintf(os.Stdout, "best val acc@0.5 %.4f; run directory %s (took %s)\n", t.Best(), *out, time.Since(start).Round(time.Second))
	return nil
}

func pick(v, data, embedded int, isEmbedded bool) int {
	switch {
	case v != 0:
		return v
	case isEmbedded:
		return embedded
	}
	return data
}

func commas(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// progress renders training events: a line redrawn in place on a terminal, plain
// lines at most every few seconds otherwise (logs, CI).
type progress struct {
	w        io.Writer
	tty      bool
	last     time.Time
	drawn    bool
	interval time.Duration
}

func newProgress(f *os.File) *progress {
	p := &progress{w: f, interval: 10 * time.Second}
	if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
		p.tty, p.interval = true, 200*time.Millisecond
	}
	return p
}

func (p *progress) line(s string) {
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", s)
		p.drawn = true
	} else {
		fmt.Fprintln(p.w, s)
	}
}

func (p *progress) finish() {
	if p.tty && p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

func (p *progress) event(e halo.Event) {
	switch e.Kind {
	case "step":
		if e.Step != e.Steps && time.Since(p.last) < p.interval {
			return
		}
		p.last = time.Now()
		p.line(fmt.Sprintf("epoch %d/%d  step %d/%d  loss %.4f (geo %.4f cls %.4f nce %.4f)  acc@0.5 %.3f  %.1f samples/s  ETA %s",
			e.Epoch+1, e.Epochs, e.Step, e.Steps, e.Loss.Total, e.Loss.Geo, e.Loss.Cls, e.Loss.InfoNCE,
			e.TrainAcc50, e.SamplesPerSec, e.ETA.Round(time.Second)))
	case "mine":
		p.finish()
		fmt.Fprintf(p.w, "epoch %d: recomputed hard-sample neighbours over %d training samples\n", e.Epoch+1, e.Total)
	case "eval":
		if e.Done != e.Total && time.Since(p.last) < p.interval {
			return
		}
		p.last = time.Now()
		p.line(fmt.Sprintf("epoch %d/%d  validating %d/%d", e.Epoch+1, e.Epochs, e.Done, e.Total))
	case "epoch":
		p.finish()
		r := e.Val
		mark := ""
		if r.Best {
			mark = "  (best)"
		}
		fmt.Fprintf(p.w, "epoch %d/%d  loss %.4f  val acc@0.25 %.3f  acc@0.5 %.3f  mIoU %.3f  %.1f samples/s%s\n",
			r.Epoch+1, e.Epochs, r.Loss, r.ValAcc25, r.ValAcc50, r.ValMIoU, r.SamplesPerS, mark)
	}
}

func printEpochTable(w io.Writer, h []halo.EpochRecord) {
	fmt.Fprintln(w, "\nepoch      lr     loss   geo    cls    nce   train@.5  val@.25  val@.5   mIoU  centre")
	for _, r := range h {
		mark := ""
		if r.Best {
			mark = " *"
		}
		fmt.Fprintf(w, "%5d  %7.1e  %6.3f %6.3f %6.3f %6.3f  %7.3f  %7.3f  %6.3f  %5.3f  %6.3f%s\n", r.Epoch+1, r.LR, r.Loss,
			r.LossGeo, r.LossCls, r.LossInfoNCE, r.TrainAcc50, r.ValAcc25, r.ValAcc50, r.ValMIoU, r.ValAccCenter, mark)
	}
}

// resumeConfig reads the run's config.json so that a resumed run keeps its model,
// data and recipe without the user repeating every flag.
func resumeConfig(fs *flag.FlagSet, dir string) (halo.RunConfig, error) {
	if _, err := os.Stat(filepath.Join(dir, "last.safetensors")); err != nil {
		return halo.RunConfig{}, fmt.Errorf("--resume %s: no checkpoint to resume from: %w", dir, err)
	}
	rc, err := halo.ReadRunConfig(dir)
	if err != nil {
		return rc, fmt.Errorf("--resume %s: %w", dir, err)
	}
	var clash error
	fs.Visit(func(g *flag.Flag) {
		if clash == nil && (g.Name == "data" || g.Name == "set" || g.Name == "preset") {
			clash = usagef("--%s cannot change on --resume (the run keeps its own; see %s)", g.Name, filepath.Join(dir, "config.json"))
		}
	})
	if clash != nil {
		return rc, clash
	}
	return rc, nil
}
