package halo

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/loader"
	"github.com/cvogl/halo/nn"
	"github.com/cvogl/halo/simd"
)

// BenchOptions configures RunBench.
type BenchOptions struct {
	Preset, Set string // as for Preset
	Batch       int
	Train       bool // also time training steps (forward, loss, backward, RMSprop)
	Profile     bool // time the stages of the forward (and backward) pass
	Repeat      int  // timed runs (median reported)
	Warmup      int  // untimed runs first
	Seed        uint64
	// Recompute, RecomputeChunk: as Config's (training memory for time); not with
	// Profile, whose staged forward is the plain one.
	Recompute      bool
	RecomputeChunk int
	// PeakGFLOPS is the machine's float32 peak; 0 measures it (simd.MeasurePeak on
	// simd.Threads() threads).
	PeakGFLOPS float64
	Log        io.Writer // progress lines; nil for none
}

// BenchResult is what `halo bench` reports. Times are seconds per batch (medians
// over the timed runs); FLOP rates count a MAC as 2 FLOP and a training step as 3
// forward passes.
type BenchResult struct {
	Preset         string    `json:"preset"`
	Set            string    `json:"set"`
	Batch          int       `json:"batch"`
	Threads        int       `json:"threads"`
	SIMDPath       string    `json:"simd_path"`
	Params         int       `json:"params"`
	Repeat         int       `json:"repeat"`
	Warmup         int       `json:"warmup"`
	Recompute      bool      `json:"recompute"`
	RecomputeChunk int       `json:"recompute_chunk,omitempty"`
	ForwardGMAC    float64   `json:"forward_gmac"` // per batch
	ForwardS       float64   `json:"forward_s"`
	ForwardRuns    []float64 `json:"forward_runs_s"`
	ForwardMinS    float64   `json:"forward_min_s"`
	// ForwardCPUShare is the median of process CPU time / (wall time * threads) over
	// the runs: well below 1 when other processes held the cores (or code ran serially).
	ForwardCPUShare float64 `json:"forward_cpu_share"`
	SamplesPerS     float64 `json:"samples_per_s"`
	GFLOPS          float64 `json:"gflops"`
	PeakFraction    float64 `json:"peak_fraction"`
	// ForwardAllocBytes, ForwardPageFaults: medians per timed forward of the bytes the
	// Go heap handed out and the minor page faults taken (-1: cannot count here).
	ForwardAllocBytes float64 `json:"forward_alloc_bytes"`
	ForwardPageFaults float64 `json:"forward_page_faults"`

	TrainStepS        float64   `json:"train_step_s,omitempty"`
	TrainRuns         []float64 `json:"train_runs_s,omitempty"`
	TrainMinS         float64   `json:"train_step_min_s,omitempty"`
	TrainCPUShare     float64   `json:"train_cpu_share,omitempty"`
	TrainSamplesPerS  float64   `json:"train_samples_per_s,omitempty"`
	TrainGFLOPS       float64   `json:"train_gflops,omitempty"`
	TrainPeakFraction float64   `json:"train_peak_fraction,omitempty"`
	TrainAllocBytes   float64   `json:"train_step_alloc_bytes,omitempty"`
	TrainPageFaults   float64   `json:"train_step_page_faults,omitempty"`

	PeakGFLOPS   float64 `json:"peak_gflops"`
	PeakSource   string  `json:"peak_source"`
	PeakRSSBytes int64   `json:"peak_rss_bytes"`
	// LoadAvg1 is the 1-minute load average at the end of the run (-1 where unknown):
	// other processes on the cores make every figure above indicative only.
	LoadAvg1 float64 `json:"load_avg_1m"`

	Profile *BenchProfile `json:"profile,omitempty"`
}

// BenchProfile holds the per-stage medians of a profiled run.
type BenchProfile struct {
	// Forward: the stages of the eval forward pass.
	Forward []StageTime `json:"forward"`
	// Train: the stages of the training step, forward and backward; the loss's own
	// graph is the stage "loss".
	Train []StageTime `json:"train,omitempty"`
	// LSKParts, TrainLSKParts: the parts of the LSKNet blocks, summed over all blocks
	// (eval forward; training step forward and backward).
	LSKParts      []StageTime `json:"lsk_parts"`
	TrainLSKParts []StageTime `json:"train_lsk_parts,omitempty"`
	// BackwardOps: backward time per op kind of the training step.
	BackwardOps []OpTime `json:"backward_ops,omitempty"`
	// OptimizerS: the RMSprop step and zeroing the gradients.
	OptimizerS float64 `json:"optimizer_s,omitempty"`
}

// StageTime is one stage's MACs and median times.
type StageTime struct {
	Name      string  `json:"name"`
	GMAC      float64 `json:"gmac"`
	ForwardS  float64 `json:"forward_s"`
	BackwardS float64 `json:"backward_s,omitempty"`
}

// OpTime is the median backward time of one op kind per step.
type OpTime struct {
	Op        string  `json:"op"`
	Calls     int     `json:"calls"`
	BackwardS float64 `json:"backward_s"`
}

// RunBench builds a randomly initialised model of the preset, feeds it a synthetic
// batch of the preset's input sizes, and times eval forward passes (NoGrad) and, with
// Train, full training steps.
func RunBench(o BenchOptions) (*BenchResult, error) {
	if o.Batch <= 0 || o.Repeat <= 0 || o.Warmup < 0 {
		return nil, fmt.Errorf("halo bench: batch (%d) and repeat (%d) must be positive, warmup (%d) not negative", o.Batch, o.Repeat, o.Warmup)
	}
	cfg, err := Preset(o.Preset, o.Set)
	if err != nil {
		return nil, err
	}
	if o.Recompute && o.Profile {
		return nil, fmt.Errorf("halo bench: the profile times the plain forward; it cannot be combined with recomputation")
	}
	cfg.Recompute, cfg.RecomputeChunk = o.Recompute, o.RecomputeChunk
	logf := func(format string, a ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", a...)
		}
	}
	r := &BenchResult{Preset: cfg.Name, Set: o.Set, Batch: o.Batch, Threads: simd.Threads(), SIMDPath: simd.Path(),
		Repeat: o.Repeat, Warmup: o.Warmup, Recompute: o.Recompute, RecomputeChunk: o.RecomputeChunk, ForwardGMAC: ForwardMACs(cfg, o.Batch) / 1e9, PeakGFLOPS: o.PeakGFLOPS, PeakSource: "given"}
	if r.Set == "" {
		r.Set = "drone"
	}
	if r.PeakGFLOPS <= 0 {
		// Measured first, while this process is not yet holding gigabytes.
		p := simd.MeasurePeak(r.Threads, 100*time.Millisecond)
		r.PeakGFLOPS = p.GFLOPS
		r.PeakSource = fmt.Sprintf("measured: %s loop on %d threads (%.1f per thread)", p.Loop, p.Threads, p.PerCore)
	}
	m, err := NewModel(cfg, o.Seed)
	if err != nil {
		return nil, err
	}
	for _, p := range nn.Params(m) {
		r.Params += p.Numel()
	}
	b := SyntheticBatch(cfg, o.Batch, o.Seed)
	q, click, sat := batchTensors(b)
	logf("halo bench: %s/%s batch %d, %.1f GMAC per forward, %d threads, simd %s, peak %.0f GFLOP/s (%s)",
		r.Preset, r.Set, o.Batch, r.ForwardGMAC, r.Threads, r.SIMDPath, r.PeakGFLOPS, r.PeakSource)

	stages := ForwardStages(cfg, o.Batch, false)
	var fwdRuns []stageTimes
	m.SetTraining(false)
	var shares, allocs, faults []float64
	for i := range o.Warmup + o.Repeat {
		var d time.Duration
		var st stageTimes
		cpu0 := processCPUTime()
		mark := markAlloc()
		autograd.NoGrad(func() {
			if o.Profile {
				st, err = timeStages(m, q, click, sat, stages, nil)
				d = sum(st.stage)
			} else {
				t0 := time.Now()
				_, err = m.Forward(q, click, sat, ForwardOpts{})
				d = time.Since(t0)
			}
		})
		if err != nil {
			return nil, err
		}
		ab, pf := mark.since()
		pr, ph := mark.poolSince()
		logf("forward %s: %.3f s  (%.0f MB allocated, %.0f page faults; %.0f MB reused from the buffer pool, %.0f MB held)",
			runLabel(i, o.Warmup), d.Seconds(), ab/1e6, pf, pr/1e6, ph/1e6)
		if i >= o.Warmup {
			allocs, faults = append(allocs, ab), append(faults, pf)
			r.ForwardRuns = append(r.ForwardRuns, d.Seconds())
			shares = append(shares, cpuShare(cpu0, d, r.Threads))
			fwdRuns = append(fwdRuns, st)
		}
	}
	r.ForwardS = median(r.ForwardRuns)
	r.ForwardMinS = slices.Min(r.ForwardRuns)
	r.ForwardCPUShare = median(shares)
	r.ForwardAllocBytes, r.ForwardPageFaults = median(allocs), median(faults)
	r.SamplesPerS = float64(o.Batch) / r.ForwardS
	r.GFLOPS = 2 * r.ForwardGMAC / r.ForwardS
	r.PeakFraction = r.GFLOPS / r.PeakGFLOPS
	if o.Profile {
		r.Profile = &BenchProfile{}
		for i, s := range stages {
			r.Profile.Forward = append(r.Profile.Forward, StageTime{Name: s.Name, GMAC: s.MACs / 1e9,
				ForwardS: medianOf(fwdRuns, func(t stageTimes) time.Duration { return t.stage[i] })})
		}
		for _, c := range LSKPartCosts(cfg, o.Batch) {
			r.Profile.LSKParts = append(r.Profile.LSKParts, StageTime{Name: c.Name, GMAC: c.MACs / 1e9,
				ForwardS: medianOf(fwdRuns, func(t stageTimes) time.Duration { return t.parts[c.Name] })})
		}
	}

	if o.Train {
		if err := benchTrain(m, b, o, r, logf); err != nil {
			return nil, err
		}
	}
	r.PeakRSSBytes = PeakRSS()
	r.LoadAvg1 = loadAvg1()
	return r, nil
}

// benchTrain times training steps: forward in training mode, the official loss,
// backward and an RMSprop step (the paper's hyper-parameters).
func benchTrain(m *Model, b *loader.Batch, o BenchOptions, r *BenchResult, logf func(string, ...any)) error {
	cfg := m.Cfg
	opt := nn.NewRMSprop(nn.Params(m), 1e-4, 0.99, 1e-8, 5e-4, 0, false)
	nn.ZeroGrad(m)
	stages := append(ForwardStages(cfg, o.Batch, true), StageCost{Name: "loss"})
	var runs []trainTimes
	var shares, allocs, faults []float64
	for i := range o.Warmup + o.Repeat {
		var tt trainTimes
		cpu0 := processCPUTime()
		mark := markAlloc()
		if o.Profile {
			var err error
			if tt, _, err = profiledTrainStep(m, b, opt.Step, stages); err != nil {
				return err
			}
		} else {
			t0 := time.Now()
			if _, _, err := m.TrainStep(b, 1, 1); err != nil {
				return err
			}
			opt.Step()
			nn.ZeroGrad(m)
			tt.total = time.Since(t0)
		}
		ab, pf := mark.since()
		pr, ph := mark.poolSince()
		logf("train step %s: %.3f s  (%.0f MB allocated, %.0f page faults; %.0f MB reused from the buffer pool, %.0f MB held)",
			runLabel(i, o.Warmup), tt.total.Seconds(), ab/1e6, pf, pr/1e6, ph/1e6)
		if i >= o.Warmup {
			allocs, faults = append(allocs, ab), append(faults, pf)
			runs = append(runs, tt)
			r.TrainRuns = append(r.TrainRuns, tt.total.Seconds())
			shares = append(shares, cpuShare(cpu0, tt.total, r.Threads))
		}
	}
	m.SetTraining(false)
	r.TrainStepS = median(r.TrainRuns)
	r.TrainMinS = slices.Min(r.TrainRuns)
	r.TrainCPUShare = median(shares)
	r.TrainAllocBytes, r.TrainPageFaults = median(allocs), median(faults)
	r.TrainSamplesPerS = float64(o.Batch) / r.TrainStepS
	r.TrainGFLOPS = 3 * 2 * r.ForwardGMAC / r.TrainStepS
	r.TrainPeakFraction = r.TrainGFLOPS / r.PeakGFLOPS
	if !o.Profile {
		return nil
	}
	col := func(f func(trainTimes) time.Duration) float64 { return medianOf(runs, f) }
	for i, s := range stages {
		r.Profile.Train = append(r.Profile.Train, StageTime{Name: s.Name, GMAC: s.MACs / 1e9,
			ForwardS:  col(func(t trainTimes) time.Duration { return t.fwd.stage[i] }),
			BackwardS: col(func(t trainTimes) time.Duration { return t.bwd.stage[i] })})
	}
	if rest := col(func(t trainTimes) time.Duration { return t.untagged }); rest > 0 {
		r.Profile.Train = append(r.Profile.Train, StageTime{Name: "(untagged)", BackwardS: rest})
	}
	for _, c := range LSKPartCosts(cfg, o.Batch) {
		r.Profile.TrainLSKParts = append(r.Profile.TrainLSKParts, StageTime{Name: c.Name, GMAC: c.MACs / 1e9,
			ForwardS:  col(func(t trainTimes) time.Duration { return t.fwd.parts[c.Name] }),
			BackwardS: col(func(t trainTimes) time.Duration { return t.bwd.parts[c.Name] })})
	}
	for _, e := range runs[len(runs)-1].bwdOps {
		r.Profile.BackwardOps = append(r.Profile.BackwardOps, OpTime{Op: e.Name, Calls: e.Calls,
			BackwardS: col(func(t trainTimes) time.Duration { return t.opTime(e.Name) })})
	}
	slices.SortStableFunc(r.Profile.BackwardOps, func(a, b OpTime) int {
		switch {
		case a.BackwardS > b.BackwardS:
			return -1
		case a.BackwardS < b.BackwardS:
			return 1
		}
		return 0
	})
	r.Profile.OptimizerS = col(func(t trainTimes) time.Duration { return t.opt })
	return nil
}

// trainTimes are the parts of one profiled training step.
type trainTimes struct {
	total    time.Duration
	fwd, bwd stageTimes // the loss is the last stage
	untagged time.Duration
	bwdOps   []autograd.ProfileEntry
	opt      time.Duration
}

// stageTimes are one pass's times per stage (in ForwardStages order) and per LSKNet
// block part (summed over the blocks).
type stageTimes struct {
	stage []time.Duration
	parts map[string]time.Duration
}

// stageIndex maps "<stage>" or "<stage>/<part>" names to stages and parts.
type stageIndex map[string]int

func newStageIndex(stages []StageCost) stageIndex {
	ix := stageIndex{}
	for i, s := range stages {
		ix[s.Name] = i
	}
	return ix
}

func (ix stageIndex) times() stageTimes {
	return stageTimes{stage: make([]time.Duration, len(ix)), parts: map[string]time.Duration{}}
}

// add books d under name; it reports false for a stage not in the index.
func (ix stageIndex) add(t stageTimes, name string, d time.Duration) bool {
	stage, part, _ := strings.Cut(name, "/")
	i, ok := ix[stage]
	if !ok {
		return false
	}
	t.stage[i] += d
	if part != "" {
		t.parts[part] += d
	}
	return true
}

func (t trainTimes) opTime(op string) time.Duration {
	for _, e := range t.bwdOps {
		if e.Name == op {
			return e.Time
		}
	}
	return 0
}

// profiledTrainStep is TrainStep (infonceWeight 1, gradScale 1) plus the optimiser
// step (step, then zeroing the gradients), with the forward run stage by stage and the backward pass profiled per stage
// and op kind. It returns the loss, which a test holds equal to TrainStep's.
func profiledTrainStep(m *Model, b *loader.Batch, step func(), stages []StageCost) (trainTimes, float32, error) {
	m.SetTraining(true)
	q, click, sat := batchTensors(b)
	prof := autograd.StartBackwardProfile()
	defer prof.Stop()
	var out *Output
	n := len(stages) - 1 // the last stage is the loss
	fwd, err := timeStages(m, q, click, sat, stages[:n], func(o *Output) { out = o }, prof)
	if err != nil {
		return trainTimes{}, 0, err
	}
	t0 := time.Now()
	s := m.Cfg.SatSize
	tgt := BuildTarget(ClampBoxes(b.BBox, s), m.Anchors(), s, out.Boxes.Shape[3])
	geo, cls := YoloLoss(out.Boxes, tgt)
	loss := autograd.Add(autograd.Add(cls, geo), out.InfoNCE)
	fwd.stage = append(fwd.stage, time.Since(t0))
	prof.Tag(stages[n].Name, loss)
	lv := loss.Item()
	if lv != lv || lv > 1e30 || lv < -1e30 {
		return trainTimes{}, lv, fmt.Errorf("halo bench: non-finite loss %v", lv)
	}
	t0 = time.Now()
	loss.Backward()
	bwd := time.Since(t0)
	t0 = time.Now()
	step()
	nn.ZeroGrad(m)
	ix := newStageIndex(stages)
	tt := trainTimes{fwd: fwd, bwd: ix.times(), opt: time.Since(t0), bwdOps: prof.ByOp()}
	for _, e := range prof.ByTag() {
		if !ix.add(tt.bwd, e.Name, e.Time) {
			tt.untagged += e.Time
		}
	}
	tt.total = sum(fwd.stage) + bwd + tt.opt
	return tt, lv, nil
}

// timeStages runs the staged forward and returns the time of each of stages and of
// the LSKNet block parts. With a profile, each stage's (or part's) graph is tagged
// with its name, outside the timed spans.
func timeStages(m *Model, q, click, sat *autograd.Tensor, stages []StageCost, keep func(*Output), prof ...*autograd.BackwardProfile) (stageTimes, error) {
	ix := newStageIndex(stages)
	st := ix.times()
	var bad []string
	prev := time.Now()
	out, err := m.forwardStaged(q, click, sat, func(stage string, outs ...*autograd.Tensor) {
		if !ix.add(st, stage, time.Since(prev)) {
			bad = append(bad, stage)
		}
		for _, p := range prof {
			p.Tag(stage, outs...)
		}
		prev = time.Now()
	})
	if err != nil {
		return stageTimes{}, err
	}
	if len(bad) > 0 {
		return stageTimes{}, fmt.Errorf("halo bench: the staged forward ran stages %v that ForwardStages does not list", bad)
	}
	if keep != nil {
		keep(out)
	}
	return st, nil
}

// SyntheticBatch returns a batch of the preset's input sizes: ImageNet-normalised
// random images, the click heatmap of a random click and a random box.
func SyntheticBatch(cfg Config, n int, seed uint64) *loader.Batch {
	rng := rand.New(rand.NewPCG(seed, 0xbe9c4))
	hq, wq, s := cfg.QueryH, cfg.QueryW, cfg.SatSize
	b := &loader.Batch{Size: n, QueryH: hq, QueryW: wq, SatH: s, SatW: s,
		Query: make([]float32, n*3*hq*wq), Click: make([]float32, n*hq*wq), Satellite: make([]float32, n*3*s*s),
		BBox: make([][4]float32, n), Indices: make([]int, n), IDs: make([]int64, n)}
	mean := [3]float32{0.485, 0.456, 0.406}
	std := [3]float32{0.229, 0.224, 0.225}
	fill := func(dst []float32, plane int) {
		for i := range dst {
			c := i / plane % 3
			dst[i] = (rng.Float32() - mean[c]) / std[c]
		}
	}
	fill(b.Query, hq*wq)
	fill(b.Satellite, s*s)
	for i := range n {
		loader.FillClickHeatmap(b.Click[i*hq*wq:(i+1)*hq*wq], hq, wq, rng.Float64()*float64(wq), rng.Float64()*float64(hq))
		w := float32(s) * (0.03 + 0.2*rng.Float32())
		h := float32(s) * (0.03 + 0.2*rng.Float32())
		x := rng.Float32() * (float32(s) - w)
		y := rng.Float32() * (float32(s) - h)
		b.BBox[i] = [4]float32{x, y, x + w, y + h}
		b.Indices[i], b.IDs[i] = i, int64(i)
	}
	return b
}

// PeakRSS returns the process's peak resident set in bytes (VmHWM on Linux, the
// getrusage maximum elsewhere), or -1 where neither is available.
func PeakRSS() int64 {
	if data, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range strings.Lines(string(data)) {
			if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				f := strings.Fields(rest)
				if len(f) == 2 && f[1] == "kB" {
					if v, err := strconv.ParseInt(f[0], 10, 64); err == nil {
						return v << 10
					}
				}
			}
		}
	}
	return rusageMaxRSS()
}

// loadAvg1 returns the 1-minute load average, or -1.
func loadAvg1() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}

// cpuShare is the process CPU time since cpu0 over wall * threads (0 where unknown).
func cpuShare(cpu0, wall time.Duration, threads int) float64 {
	cpu1 := processCPUTime()
	if cpu0 < 0 || cpu1 < 0 || wall <= 0 {
		return 0
	}
	return float64(cpu1-cpu0) / (float64(wall) * float64(threads))
}

func runLabel(i, warmup int) string {
	if i < warmup {
		return "warm-up " + strconv.Itoa(i+1)
	}
	return "run " + strconv.Itoa(i-warmup+1)
}

func sum(ds []time.Duration) time.Duration {
	var s time.Duration
	for _, d := range ds {
		s += d
	}
	return s
}

// median of v (the mean of the middle two for an even count); 0 for none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// medianOf is the median over runs of f(run), in seconds.
func medianOf[T any](runs []T, f func(T) time.Duration) float64 {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = f(r).Seconds()
	}
	return median(v)
}

// WriteTable prints the profile: per stage MACs, times, GFLOP/s and share of the
// total; backward FLOPs are taken as twice the forward's.
func (p *BenchProfile) WriteTable(w io.Writer) {
	// opt > 0 adds the optimiser's row (and time) to a training table.
	table := func(title, col string, rows []StageTime, train bool, opt float64) {
		total := opt
		for _, r := range rows {
			total += r.ForwardS + r.BackwardS
		}
		fmt.Fprintf(w, "\n%s (medians, total %.3f s)\n", title, total)
		if train {
			fmt.Fprintf(w, "%-18s %8s %9s %8s %9s %8s %6s\n", col, "GMAC", "fwd s", "GFLOP/s", "bwd s", "GFLOP/s", "share")
		} else {
			fmt.Fprintf(w, "%-18s %8s %9s %8s %6s\n", col, "GMAC", "s", "GFLOP/s", "share")
		}
		for _, r := range rows {
			share := 100 * (r.ForwardS + r.BackwardS) / total
			if train {
				fmt.Fprintf(w, "%-18s %8.3f %9.4f %8s %9.4f %8s %5.1f%%\n", r.Name, r.GMAC, r.ForwardS, rate(2*r.GMAC, r.ForwardS),
					r.BackwardS, rate(4*r.GMAC, r.BackwardS), share)
			} else {
				fmt.Fprintf(w, "%-18s %8.3f %9.4f %8s %5.1f%%\n", r.Name, r.GMAC, r.ForwardS, rate(2*r.GMAC, r.ForwardS), share)
			}
		}
		if opt > 0 {
			fmt.Fprintf(w, "%-18s %8s %9.4f %8s %9s %8s %5.1f%%\n", "optimizer", "", opt, "", "", "", 100*opt/total)
		}
	}
	table("forward, eval mode", "stage", p.Forward, false, 0)
	table("LSKNet blocks by part (all blocks), forward, eval mode", "part", p.LSKParts, false, 0)
	if len(p.Train) > 0 {
		table("training step", "stage", p.Train, true, p.OptimizerS)
		table("LSKNet blocks by part (all blocks), training step", "part", p.TrainLSKParts, true, 0)
		var total float64
		for _, o := range p.BackwardOps {
			total += o.BackwardS
		}
		fmt.Fprintf(w, "\nbackward by op (medians, total %.3f s)\n%-24s %6s %9s %6s\n", total, "op", "calls", "s", "share")
		for _, o := range p.BackwardOps {
			fmt.Fprintf(w, "%-24s %6d %9.4f %5.1f%%\n", o.Op, o.Calls, o.BackwardS, 100*o.BackwardS/total)
		}
	}
}

// rate formats GFLOP per seconds, blank where there is no work.
func rate(gflop, s float64) string {
	if gflop == 0 || s == 0 {
		return ""
	}
	return strconv.FormatFloat(gflop/s, 'f', 1, 64)
}
