package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestHelpAndUnknownCommand(t *testing.T) {
	code, out, _ := runCLI(t, "help")
	if code != 0 {
		t.Fatalf("halo help exited %d", code)
	}
	for _, c := range []string{"train", "eval", "predict", "synth", "data", "import", "bench", "version"} {
		if !strings.Contains(out, "  "+c) {
			t.Errorf("halo help does not list %s:\n%s", c, out)
		}
	}
	if code, _, errs := runCLI(t, "frobnicate"); code != 2 || !strings.Contains(errs, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, stderr %q", code, errs)
	}
	if code, _, _ := runCLI(t); code != 2 {
		t.Errorf("no command: exit %d, want 2", code)
	}
	if code, _, errs := runCLI(t, "help", "train"); code != 0 || !strings.Contains(errs, "-resume") {
		t.Errorf("halo help train: exit %d, stderr %q", code, errs)
	}
}

func TestTrainUsageErrors(t *testing.T) {
	cases := map[string][]string{
		"bad flag":       {"train", "--no-such-flag"},
		"stray argument": {"train", "extra"},
		"bad preset":     {"train", "--preset", "huge"},
		"paper embedded": {"train", "--preset", "paper"},
		"bad subset":     {"train", "--set", "boat"},
		"epochs not int": {"train", "--epochs", "x"},
	}
	for name, args := range cases {
		code, _, errs := runCLI(t, args...)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2 (stderr %q)", name, code, errs)
		}
	}
	code, _, errs := runCLI(t, "train", "--resume", filepath.Join(t.TempDir(), "missing"))
	if code != 1 || !strings.Contains(errs, "missing") {
		t.Errorf("resume of a missing run: exit %d, stderr %q", code, errs)
	}
	code, _, errs = runCLI(t, "train", "--data", filepath.Join(t.TempDir(), "nodata"))
	if code != 1 || !strings.Contains(errs, "nodata") {
		t.Errorf("missing dataset: exit %d, stderr %q", code, errs)
	}
}

// synth writes a CVOGL-layout dataset that data reads back, record for record.
func TestSynthThenData(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := runCLI(t, "synth", "--out", dir, "--set", "drone", "--n", "12", "--seed", "5", "--sat-size", "128")
	if code != 0 {
		t.Fatalf("synth exited %d: %s", code, errs)
	}
	for _, p := range []string{"CVOGL_DroneAerial/CVOGL_DroneAerial_train.pth", "CVOGL_DroneAerial/CVOGL_DroneAerial_val.pth",
		"CVOGL_DroneAerial/CVOGL_DroneAerial_test.pth", "CVOGL_DroneAerial/query", "CVOGL_DroneAerial/satellite"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("synth did not write %s: %v", p, err)
		}
	}
	code, out, errs := runCLI(t, "data", "--data", dir, "--set", "drone", "--split", "train", "--json")
	if code != 0 {
		t.Fatalf("data exited %d: %s", code, errs)
	}
	var rep struct {
		Records []struct {
			ID        int64      `json:"id"`
			Query     string     `json:"query"`
			Satellite string     `json:"satellite"`
			Click     [2]float64 `json:"click"`
			BBox      [4]float64 `json:"bbox"`
			Class     string     `json:"class"`
		} `json:"records"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(strings.TrimSpace(out), "\n", 2)[0]), &rep); err != nil {
		t.Fatalf("data --json: %v\n%s", err, out)
	}
	if len(rep.Records) == 0 {
		t.Fatal("data --json listed no records")
	}
	for _, r := range rep.Records {
		if r.Query == "" || r.Satellite == "" || r.Class == "" || r.BBox[2] <= r.BBox[0] || r.BBox[3] <= r.BBox[1] {
			t.Errorf("implausible record %+v", r)
		}
		if _, err := os.Stat(filepath.Join(dir, "CVOGL_DroneAerial", "satellite", r.Satellite)); err != nil {
			t.Errorf("record %d names a missing satellite image: %v", r.ID, err)
		}
	}
	if code, _, _ := runCLI(t, "data", "--data", filepath.Join(dir, "nope"), "--set", "drone"); code != 1 {
		t.Errorf("data on a missing directory: exit %d, want 1", code)
	}
	if code, _, _ := runCLI(t, "synth", "--set", "drone"); code != 2 {
		t.Errorf("synth without --out: exit %d, want 2", code)
	}
}

// --resume takes the model, data and recipe from the run's config.json; the flags
// that define the run cannot change.
func TestResumeReadsRunConfig(t *testing.T) {
	dir := t.TempDir()
	cfgJSON := `{"model":{"Name":"tiny","QueryH":64,"QueryW":64,"SatSize":256,"Emb":64,"Heads":8,"ProjDim":64,
"ResNetWidths":[16,16,32,64],"ResNetBlocks":[1,1,1,1],"LSKDims":[16,32,48,64],"LSKDepths":[1,1,1,1],"LSKMLPRatios":[4,4,4,4]},
"train":{"Epochs":9,"BatchSize":4,"Optimizer":"adam","LR":0.002},"set":"drone","data":"/some/where"}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfgJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "last.safetensors"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, "train", "--resume", dir, "--set", "svi"); code != 2 || !strings.Contains(errs, "--set cannot change") {
		t.Errorf("changing --set on resume: exit %d, stderr %q", code, errs)
	}
	// The recorded data root is used: it does not exist here, so the error names it.
	if code, _, errs := runCLI(t, "train", "--resume", dir); code != 1 || !strings.Contains(errs, "/some/where") {
		t.Errorf("resume with the recorded data root: exit %d, stderr %q", code, errs)
	}
}

// The built binary restarts itself once with lazily freed heap pages (reexec_linux.go)
// and then runs the command normally; an explicit GODEBUG setting is left alone.
func TestBinaryReexecsWithLazyFree(t *testing.T) {
	if testing.Short() || runtime.GOOS != "linux" {
		t.Skip("builds the binary; Linux only")
	}
	bin := filepath.Join(t.TempDir(), "halo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := func(env ...string) string {
		cmd := exec.Command(bin, "version")
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("halo version: %v\n%s", err, out)
		}
		return string(out)
	}
	if out := run("GODEBUG="); !strings.Contains(out, `GODEBUG "madvdontneed=0"`) {
		t.Errorf("no re-exec with madvdontneed=0:\n%s", out)
	}
	if out := run("GODEBUG=madvdontneed=1"); !strings.Contains(out, `GODEBUG "madvdontneed=1"`) {
		t.Errorf("an explicit GODEBUG was overridden:\n%s", out)
	}
}
