package halo

import (
	"bufio"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cvogl/halo/loader"
	"github.com/cvogl/halo/nn"
)

// procStatusKiB reads a "Vm..." line of /proc/self/status in KiB (-1 if absent).
func procStatusKiB(key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			v, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

// randomBatch is a batch of random images of the model's sizes with one box each.
func randomBatch(cfg Config, b int, seed uint64) *loader.Batch {
	rng := rand.New(rand.NewPCG(seed, 1))
	fill := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	bt := &loader.Batch{Size: b, QueryH: cfg.QueryH, QueryW: cfg.QueryW, SatH: cfg.SatSize, SatW: cfg.SatSize,
		Query: fill(b * 3 * cfg.QueryH * cfg.QueryW), Click: fill(b * cfg.QueryH * cfg.QueryW),
		Satellite: fill(b * 3 * cfg.SatSize * cfg.SatSize)}
	s := float32(cfg.SatSize)
	for range b {
		x, y := s*(0.1+0.6*rng.Float32()), s*(0.1+0.6*rng.Float32())
		bt.BBox = append(bt.BBox, [4]float32{x, y, x + s*0.1, y + s*0.15})
	}
	return bt
}

// TestFullSizeMemory measures the peak resident set (VmHWM) of one paper-size pass in
// this process. It runs only with HALO_FULLSIZE=1 and measures one case per process,
// chosen by HALO_MEM_CASE: "infer" (NoGrad forward, eval mode) or "train" (forward,
// backward and an RMSprop step); HALO_MEM_BATCH sets the batch (default 1) and
// HALO_RECOMPUTE=1 turns on Config.Recompute. Example:
//
//	HALO_FULLSIZE=1 HALO_MEM_CASE=train HALO_MEM_BATCH=2 go test -run FullSizeMemory -v -timeout 2h ./halo
func TestFullSizeMemory(t *testing.T) {
	if os.Getenv("HALO_FULLSIZE") != "1" {
		t.Skip("paper-size memory measurement: set HALO_FULLSIZE=1")
	}
	kind := os.Getenv("HALO_MEM_CASE")
	b := 1
	if s := os.Getenv("HALO_MEM_BATCH"); s != "" {
		var err error
		if b, err = strconv.Atoi(s); err != nil || b < 1 {
			t.Fatalf("HALO_MEM_BATCH=%q", s)
		}
	}
	cfg, err := Preset("paper", "drone")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Recompute = os.Getenv("HALO_RECOMPUTE") == "1"
	m, err := NewModel(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	batch := randomBatch(cfg, b, 7)
	runtime.GC()
	base := procStatusKiB("VmRSS")
	start := time.Now()
	switch kind {
	case "infer":
		_, _, err = m.Predict(batch)
	case "train":
		opt := nn.NewRMSprop(nn.Params(m), 1e-4, 0.99, 1e-8, 5e-4, 0, false)
		var l Losses
		l, _, err = m.TrainStep(batch, 1, 1)
		if err == nil {
			opt.Step()
			t.Logf("loss %.4f", l.Total)
		}
	default:
		t.Fatalf("HALO_MEM_CASE=%q: want infer or train", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	hwm := procStatusKiB("VmHWM")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gcCPU := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/total:cpu-seconds"}}
	metrics.Read(gcCPU)
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("MEM case=%s batch=%d recompute=%v: peak RSS (VmHWM) %.2f GiB, RSS before the pass %.2f GiB, %.1f s, GC cycles %d using %.1f of %.1f CPU s, GOGC=%q GOMEMLIMIT=%q, loadavg %s",
		kind, b, cfg.Recompute, float64(hwm)/(1<<20), float64(base)/(1<<20), el.Seconds(), ms.NumGC,
		gcCPU[0].Value.Float64(), gcCPU[1].Value.Float64(),
		os.Getenv("GOGC"), os.Getenv("GOMEMLIMIT"), strings.TrimSpace(string(load)))
}
