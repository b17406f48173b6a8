package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// runBenchCLI runs `halo bench args...` and returns its stdout.
func runBenchCLI(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	old := benchStdout
	benchStdout = &out
	defer func() { benchStdout = old }()
	if rc := runMain(append([]string{"bench"}, args...), &out, &errb); rc != 0 {
		t.Fatalf("halo bench %v: exit %d\nstderr: %s", args, rc, errb.String())
	}
	return out.String()
}

func TestBenchJSON(t *testing.T) {
	s := runBenchCLI(t, "--preset", "tiny", "--batch", "2", "--train", "--profile", "--repeat", "1", "--warmup", "0", "--json")
	var r map[string]any
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, s)
	}
	for _, k := range []string{"forward_s", "train_step_s", "batch", "gflops", "peak_fraction", "peak_rss_bytes",
		"preset", "set", "simd_path", "threads", "peak_gflops", "samples_per_s", "train_gflops", "profile",
		"forward_min_s", "forward_cpu_share", "train_step_min_s", "load_avg_1m"} {
		if _, ok := r[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	pos := func(k string) float64 {
		v, ok := r[k].(float64)
		if !ok || !(v > 0) {
			t.Errorf("%s = %v, want a positive number", k, r[k])
		}
		return v
	}
	fwd, gf, peak := pos("forward_s"), pos("gflops"), pos("peak_gflops")
	pos("train_step_s")
	pos("peak_rss_bytes")
	if r["preset"] != "tiny" || r["set"] != "drone" || r["batch"] != 2.0 {
		t.Errorf("preset/set/batch = %v/%v/%v", r["preset"], r["set"], r["batch"])
	}
	// gflops is the forward's 2*MACs over its time; peak_fraction its share of the peak.
	if gmac := pos("forward_gmac"); abs(gf-2*gmac/fwd) > 1e-9*gf {
		t.Errorf("gflops %v != 2*%v/%v", gf, gmac, fwd)
	}
	if f := pos("peak_fraction"); abs(f-gf/peak) > 1e-9 {
		t.Errorf("peak_fraction %v != %v/%v", f, gf, peak)
	}
}

func TestBenchText(t *testing.T) {
	s := runBenchCLI(t, "--preset", "tiny", "--repeat", "1", "--warmup", "0", "--profile", "--peak", "100")
	for _, want := range []string{"forward (eval):", "peak:            100.0 GFLOP/s (given)", "lsknet.block1.0", "head_conv"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestBenchUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"--preset", "huge"}, {"--set", "moon"}, {"--batch", "0"}, {"--repeat", "0"}, {"extra"},
		{"--recompute", "--profile"}, {"--recompute-chunk", "-1"}} {
		var out, errb bytes.Buffer
		if rc := runMain(append([]string{"bench"}, args...), &out, &errb); rc != 2 {
			t.Errorf("halo bench %v: exit %d, want 2 (usage)", args, rc)
		}
	}
}

func TestBenchRecompute(t *testing.T) {
	s := runBenchCLI(t, "--preset", "tiny", "--batch", "2", "--train", "--recompute", "--repeat", "1", "--warmup", "0", "--peak", "100", "--json")
	var r struct {
		Recompute  bool    `json:"recompute"`
		TrainStepS float64 `json:"train_step_s"`
	}
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatal(err)
	}
	if !r.Recompute || !(r.TrainStepS > 0) {
		t.Errorf("recompute %v, train_step_s %v", r.Recompute, r.TrainStepS)
	}
}
