package main

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvogl/halo/halo"
	"github.com/cvogl/halo/loader"
)

func TestEvalUsageErrors(t *testing.T) {
	w := tinyCheckpoint(t)
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"eval"}, "--weights is required"},
		{[]string{"eval", "--weights", w, "--set", "aerial"}, `unknown --set "aerial" (want drone or svi)`},
		{[]string{"eval", "--weights", w, "--split", "train"}, `unknown --split "train"`},
		{[]string{"eval", "--weights", w, "--split", "test"}, "the embedded synthetic set has no test split"},
		{[]string{"eval", "--weights", w, "--set", "svi"}, "--set svi, but the model takes 64x64 queries (drone)"},
		{[]string{"eval", "--weights", w, "--batch", "-1"}, "must not be negative"},
		{[]string{"eval", "--weights", w, "extra"}, `unexpected argument "extra"`},
		{[]string{"eval", "--weights", w, "--batch", "x"}, `invalid value "x" for flag -batch`},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.msg) || !strings.Contains(stderr, "usage: halo eval") {
			t.Errorf("%v: exit %d, stderr %q; want 2, %q and the usage", c.args[1:], code, stderr, c.msg)
		}
	}
	code, _, stderr := runCLI(t, "eval", "--weights", filepath.Join(t.TempDir(), "nothing"))
	if code != 1 || !strings.Contains(stderr, "--weights") || !strings.Contains(stderr, "nothing") {
		t.Errorf("missing weights: exit %d, %q", code, stderr)
	}
	code, _, stderr = runCLI(t, "eval", "--weights", w, "--data", filepath.Join(t.TempDir(), "nodata"))
	if code != 1 || !strings.Contains(stderr, "nodata") {
		t.Errorf("missing data root: exit %d, %q", code, stderr)
	}
	for _, args := range [][]string{{"help", "eval"}, {"eval", "-h"}} {
		code, _, stderr := runCLI(t, args...)
		if code != 0 || !strings.Contains(stderr, "-weights") || !strings.Contains(stderr, "-split") {
			t.Errorf("%v: exit %d\n%s", args, code, stderr)
		}
	}
}

// decodeOneObject parses stdout as exactly one JSON object.
func decodeOneObject(t *testing.T, stdout string) map[string]any {
	t.Helper()
	var r map[string]any
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("stdout is not a JSON object: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("more than one JSON value on stdout:\n%s", stdout)
	}
	return r
}

// TestEvalEmbeddedJSON evaluates the tiny model on the embedded val split through
// the CLI and checks the numbers against halo.Evaluate on the same data.
func TestEvalEmbeddedJSON(t *testing.T) {
	w := tinyCheckpoint(t)
	code, stdout, stderr := runCLI(t, "eval", "--weights", w, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r := decodeOneObject(t, stdout)
	for _, k := range []string{"acc@0.25", "acc@0.5", "miou", "acc_center"} {
		v, ok := r[k].(float64)
		if !ok || v < 0 || v > 1 {
			t.Errorf("%s = %v, want a fraction in [0,1]", k, r[k])
		}
	}
	if n, _ := r["n"].(float64); n != loader.EmbeddedVal {
		t.Errorf("n = %v, want %d", r["n"], loader.EmbeddedVal)
	}
	if nv := loader.EmbeddedVal; !strings.Contains(stderr, fmt.Sprintf("evaluating %d/%d", nv, nv)) {
		t.Errorf("no final progress line in %q", stderr)
	}
	a25, a50 := r["acc@0.25"].(float64), r["acc@0.5"].(float64)
	nv := float64(loader.EmbeddedVal)
	if a50 > a25 || math.Abs(a25*nv-math.Round(a25*nv)) > 1e-9 || math.Abs(a50*nv-math.Round(a50*nv)) > 1e-9 {
		t.Errorf("acc@0.25 %v, acc@0.5 %v: not counts out of %v with acc@0.5 <= acc@0.25", a25, a50, nv)
	}
	if testing.Short() {
		return // the cross-check below evaluates the split a second time
	}
	m, _, err := halo.LoadModel(w, halo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, val, err := loader.EmbeddedDefault("drone")
	if err != nil {
		t.Fatal(err)
	}
	met, err := halo.Evaluate(m, val, 8, 0, nil)
	var miou, ctr float64
	var n int
	if err != nil {
		t.Fatal(err)
	}
	a25, a50, miou, ctr, n = met.Summary()
	for k, want := range map[string]float64{"acc@0.25": a25, "acc@0.5": a50, "miou": miou, "acc_center": ctr, "n": float64(n)} {
		if math.Abs(r[k].(float64)-want) > 1e-12 {
			t.Errorf("%s = %v, halo.Evaluate says %v", k, r[k], want)
		}
	}
}

// TestEvalDataDir evaluates a small on-disk synthetic dataset's test split and
// prints the table.
func TestEvalDataDir(t *testing.T) {
	w := tinyCheckpoint(t)
	root := t.TempDir()
	recs, err := loader.Synthesize(root, loader.SynthOptions{Set: "drone", N: 20, Seed: 3, SatSize: 256, QueryH: 64, QueryW: 64, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "eval", "--weights", w, "--data", root, "--split", "test", "--batch", "2", "--workers", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"drone/test", "acc@0.25  acc@0.5   mIoU  centre      n", "%"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	fields := strings.Fields(lines[len(lines)-1])
	if len(fields) != 5 || fields[4] != itoa(len(recs["test"])) {
		t.Errorf("last table row %q, want n = %d", lines[len(lines)-1], len(recs["test"]))
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
