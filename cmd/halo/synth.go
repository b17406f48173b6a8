package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cvogl/halo/loader"
)

func init() {
	register(&command{
		name:    "synth",
		summary: "write a synthetic dataset in the CVOGL layout (JPEGs + torch.save .pth splits)",
		run:     runSynth,
	})
}

func runSynth(fs *flag.FlagSet, args []string) error {
	out := fs.String("out", "", "output data root (required); the set goes to OUT/CVOGL_DroneAerial or OUT/CVOGL_SVI")
	set := fs.String("set", "drone", "subset: drone (256x256 queries) or svi (256x512 street-view panoramas)")
	n := fs.Int("n", 100, "number of records over all splits (70% train, 15% val, 15% test)")
	seed := fs.Uint64("seed", 1, "random seed (same seed, same files)")
	satSize := fs.Int("sat-size", loader.DefaultSatSize, "satellite tile size in pixels")
	workers := fs.Int("workers", 0, "render goroutines (0: all cores)")
	easy := fs.Bool("easy", false, "sparser tiles with fewer same-class distractors (what the embedded default uses)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	if *out == "" {
		return usagef("--out is required")
	}
	if _, err := loader.SubsetDir(*set); err != nil {
		return usagef("%v", err)
	}
	if *n < 1 {
		return usagef("--n must be at least 1")
	}
	if *satSize < 32 {
		return usagef("--sat-size must be at least 32")
	}
	start := time.Now()
	splits, err := loader.Synthesize(*out, loader.SynthOptions{Set: *set, N: *n, Seed: *seed, SatSize: *satSize, Workers: *workers, Easy: *easy})
	if err != nil {
		return err
	}
	sub, _ := loader.SubsetDir(*set)
	fmt.Fprintf(os.Stdout, "wrote %d records to %s in %.1fs (train %d, val %d, test %d)\n", *n, filepath.Join(*out, sub),
		time.Since(start).Seconds(), len(splits["train"]), len(splits["val"]), len(splits["test"]))
	return nil
}
