package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"github.com/cvogl/halo/halo"
	"github.com/cvogl/halo/simd"
)

func init() {
	register(&command{
		name:    "bench",
		summary: "time forward passes (and training steps) of a randomly initialised model on synthetic inputs",
		run:     runBench,
	})
}

func runBench(fs *flag.FlagSet, args []string) error {
	preset := fs.String("preset", "paper", "model preset: paper or tiny")
	set := fs.String("set", "drone", "dataset subset (input sizes): drone or svi")
	batch := fs.Int("batch", 1, "batch size")
	train := fs.Bool("train", false, "also time training steps (forward, loss, backward, RMSprop step)")
	profile := fs.Bool("profile", false, "print per-stage times (forward; with --train also backward per stage and op)")
	repeat := fs.Int("repeat", 3, "timed runs (the median is reported)")
	warmup := fs.Int("warmup", 1, "untimed runs before the timed ones")
	threads := fs.Int("threads", 0, "compute threads (0: all CPUs)")
	peak := fs.Float64("peak", 0, "the machine's float32 peak in GFLOP/s (0: measure it)")
	seed := fs.Uint64("seed", 1, "seed for the initialisation and the synthetic inputs")
	recompute := fs.Bool("recompute", false, "training: recompute the LSKNet blocks in the backward pass (less memory, more time; not with --profile)")
	chunk := fs.Int("recompute-chunk", 0, "with --recompute: run the LSKNet branches this many samples at a time (0: 1)")
	asJSON := fs.Bool("json", false, "print one JSON object instead of text")
	cpuProfile := fs.String("cpuprofile", "", "write a Go CPU profile of the whole run to this file (go tool pprof)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *batch <= 0 || *repeat <= 0 || *warmup < 0 || *threads < 0 || *chunk < 0 {
		return usagef("--batch and --repeat must be positive, --warmup, --threads and --recompute-chunk not negative")
	}
	if *recompute && *profile {
		return usagef("--profile times the plain forward; drop --recompute")
	}
	if _, err := halo.Preset(*preset, *set); err != nil {
		return usagef("%v", err)
	}
	if *threads > 0 {
		simd.SetThreads(*threads)
	}
	out := fs.Output()
	o := halo.BenchOptions{Preset: *preset, Set: *set, Batch: *batch, Train: *train, Profile: *profile,
		Repeat: *repeat, Warmup: *warmup, Seed: *seed, PeakGFLOPS: *peak, Recompute: *recompute, RecomputeChunk: *chunk}
	if !*asJSON {
		o.Log = out
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	r, err := halo.RunBench(o)
	if err != nil {
		return err
	}
	w := benchStdout
	if *asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	fmt.Fprintf(w, "halo bench %s/%s, batch %d, %d threads, simd %s, %d parameters", r.Preset, r.Set, r.Batch, r.Threads, r.SIMDPath, r.Params)
	if r.Recompute {
		fmt.Fprintf(w, ", LSKNet recomputed in backward (chunk %d)", max(1, r.RecomputeChunk))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "forward (eval):  %.3f s/batch (best %.3f)  %.2f samples/s  %.1f GFLOP/s  %.1f%% of peak  (%.2f GMAC per batch; CPU share %.2f)\n",
		r.ForwardS, r.ForwardMinS, r.SamplesPerS, r.GFLOPS, 100*r.PeakFraction, r.ForwardGMAC, r.ForwardCPUShare)
	if *train {
		fmt.Fprintf(w, "training step:   %.3f s/batch (best %.3f)  %.2f samples/s  %.1f GFLOP/s  %.1f%% of peak  (3x forward FLOPs; CPU share %.2f)\n",
			r.TrainStepS, r.TrainMinS, r.TrainSamplesPerS, r.TrainGFLOPS, 100*r.TrainPeakFraction, r.TrainCPUShare)
	}
	fmt.Fprintf(w, "allocation:      forward %.0f MB, %.0f page faults", r.ForwardAllocBytes/1e6, r.ForwardPageFaults)
	if *train {
		fmt.Fprintf(w, "; training step %.0f MB, %.0f page faults", r.TrainAllocBytes/1e6, r.TrainPageFaults)
	}
	fmt.Fprintln(w, " (medians per batch)")
	fmt.Fprintf(w, "peak:            %.1f GFLOP/s (%s)\n", r.PeakGFLOPS, r.PeakSource)
	fmt.Fprintf(w, "peak RSS:        %.2f GiB\n", float64(r.PeakRSSBytes)/(1<<30))
	fmt.Fprintf(w, "load average:    %.2f (other processes on these cores make the figures indicative only)\n", r.LoadAvg1)
	if r.Profile != nil {
		r.Profile.WriteTable(w)
	}
	return nil
}

// startCPUProfile starts Go's CPU profiler writing to path; stop ends it and closes
// the file.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile %s: %w", path, err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "halo bench: --cpuprofile %s: %v\n", path, err)
		}
	}, nil
}

// benchStdout is where bench writes its report (progress goes to stderr); tests
// replace it.
var benchStdout io.Writer = os.Stdout
