package loader

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
)

// SynthOptions describes a synthetic CVOGL dataset.
type SynthOptions struct {
	Set     string // SetDrone or SetSVI
	N       int    // records over all splits (70% train, 15% val, 15% test)
	Seed    uint64
	SatSize int // satellite tile size (0: 1024)
	// QueryH, QueryW: stored query size (0: the set's 256x256 or 256x512).
	QueryH, QueryW int
	Workers        int // render goroutines (0: GOMAXPROCS)
	Quality        int // JPEG quality (0: 90)
	// Easy lays out sparser tiles: 6-9 buildings instead of 14-23, and 1-2 buildings of
	// the target's class besides it instead of 2-4. Still cross-view (the query is an
	// oblique or street-level rendering) and still with same-class distractors, but
	// learnable by a small model from scratch in minutes: the embedded default uses it.
	Easy bool
}

func (o *SynthOptions) defaults() error {
	if _, err := SubsetDir(o.Set); err != nil {
		return err
	}
	if o.N < 1 {
		return fmt.Errorf("synthetic dataset needs at least 1 record, got %d", o.N)
	}
	if o.SatSize == 0 {
		o.SatSize = DefaultSatSize
	}
	if o.QueryH == 0 || o.QueryW == 0 {
		o.QueryH, o.QueryW = DefaultQuerySize(o.Set)
	}
	if o.SatSize < 32 || o.QueryH < 16 || o.QueryW < 16 {
		return fmt.Errorf("synthetic image sizes too small (satellite %d, query %dx%d)", o.SatSize, o.QueryH, o.QueryW)
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Quality <= 0 {
		o.Quality = 90
	}
	return nil
}

// synthSample is one rendered record.
type synthSample struct {
	rec        Record
	query, sat *RGB
}

// origScale is the factor between the "original" query resolution of the synthetic
// records and the stored query images (the real drone set stores 256-pixel queries of
// 512-pixel originals).
const origScale = 2

// synthOne renders record i; it depends only on (seed, i), never on worker scheduling.
func synthOne(o *SynthOptions, i int) synthSample {
	r := rand.New(rand.NewPCG(o.Seed, mixSeed(uint64(i), 0x5157)))
	sc := newScene(r, o.Easy)
	sat, box, rbox := sc.renderSatellite(r, o.SatSize)
	var q *RGB
	var click [2]float64
	if d, _ := SubsetDir(o.Set); d == "CVOGL_SVI" {
		q, click = sc.renderStreet(r, o.QueryH, o.QueryW)
	} else {
		q, click = sc.renderDrone(r, o.QueryH, o.QueryW)
	}
	// Like CVOGL: integer clicks at the original resolution, the stored click their
	// truncated half.
	orig := [2]float64{math.Floor(click[0] * origScale), math.Floor(click[1] * origScale)}
	stored := [2]float64{math.Trunc(orig[0] / origScale), math.Trunc(orig[1] / origScale)}
	// Plausible UTM names: easting/northing of the tile centre, 300 m tiles, a WGS84/UTM
	// EPSG code. Northing grows with i so names never collide.
	e := 300000 + r.IntN(400000)
	n := 4000000 + i*131 + r.IntN(100)
	epsg := 32610 + r.IntN(50)
	id := int64(100000 + i)
	const mPerPx = 300.0 / worldSize
	b := &sc.buildings[sc.target]
	qe := e + int((b.c.x-worldSize/2)*mPerPx)
	qn := n - int((b.c.y-worldSize/2)*mPerPx)
	rec := Record{
		ID:        id,
		Query:     fmt.Sprintf("%d_%d_%d.jpg", id, qe, qn),
		Satellite: fmt.Sprintf("%d_%d_300_%d.jpg", e, n, epsg),
		ClickOrig: orig,
		Click:     stored,
		BBox:      box,
		RBox:      rbox,
		Class:     synthClasses[b.class].name,
	}
	return synthSample{rec: rec, query: q, sat: sat}
}

// synthSplits assigns record indices 0..n-1 to train/val/test (70/15/15, at least one
// val and test record when n >= 3), each split in index order.
func synthSplits(n int, seed uint64) map[string][]int {
	perm := rand.New(rand.NewPCG(seed, 0x59117)).Perm(n)
	nv, nt := n*15/100, n*15/100
	if n >= 3 {
		nv, nt = max(nv, 1), max(nt, 1)
	}
	out := map[string][]int{
		"val":   append([]int(nil), perm[:nv]...),
		"test":  append([]int(nil), perm[nv:nv+nt]...),
		"train": append([]int(nil), perm[nv+nt:]...),
	}
	for _, s := range out {
		sort.Ints(s)
	}
	return out
}

// renderAll renders records 0..n-1 with o.Workers goroutines, calling emit for each
// (from the worker goroutines) and returning the records in index order.
func renderAll(o *SynthOptions, emit func(i int, s synthSample) error) ([]Record, error) {
	recs := make([]Record, o.N)
	errs := make([]error, o.N)
	var wg sync.WaitGroup
	jobs := make(chan int)
	for range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				s := synthOne(o, i)
				recs[i] = s.rec
				errs[i] = emit(i, s)
			}
		}()
	}
	for i := range o.N {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return recs, nil
}

// Synthesize writes a synthetic dataset in the CVOGL layout under dir:
// dir/<subset>/{query,satellite}/*.jpg and dir/<subset>/<subset>_{train,val,test}.pth
// (zip-format torch.save files of 8-tuples, like the real ones). It returns the records
// of each split. Every file is written atomically.
func Synthesize(dir string, o SynthOptions) (map[string][]Record, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	sub, _ := SubsetDir(o.Set)
	base := filepath.Join(dir, sub)
	for _, d := range []string{"query", "satellite"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			return nil, err
		}
	}
	recs, err := renderAll(&o, func(i int, s synthSample) error {
		if err := s.query.WriteJPEG(filepath.Join(base, "query", s.rec.Query), o.Quality); err != nil {
			return err
		}
		return s.sat.WriteJPEG(filepath.Join(base, "satellite", s.rec.Satellite), o.Quality)
	})
	if err != nil {
		return nil, err
	}
	out := map[string][]Record{}
	for split, idx := range synthSplits(o.N, o.Seed) {
		sr := make([]Record, len(idx))
		for k, i := range idx {
			sr[k] = recs[i]
		}
		path := filepath.Join(base, fmt.Sprintf("%s_%s.pth", sub, split))
		if err := WriteAnnotations(path, sr); err != nil {
			return nil, fmt.Errorf("writing %s: %w", path, err)
		}
		out[split] = sr
	}
	return out, nil
}

// synthMemory renders a synthetic set into memory and returns datasets for the given
// splits, with images served from memory.
func synthMemory(o SynthOptions, splitSizes map[string]int) (map[string]*Dataset, error) {
	total := 0
	for _, n := range splitSizes {
		total += n
	}
	o.N = total
	if err := o.defaults(); err != nil {
		return nil, err
	}
	sub, _ := SubsetDir(o.Set)
	mem := make(map[string]*RGB, 2*total)
	var mu sync.Mutex
	recs, err := renderAll(&o, func(i int, s synthSample) error {
		mu.Lock()
		defer mu.Unlock()
		mem[filepath.Join("query", s.rec.Query)] = s.query
		mem[filepath.Join("satellite", s.rec.Satellite)] = s.sat
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[string]*Dataset{}
	start := 0
	for _, split := range Splits {
		n, ok := splitSizes[split]
		if !ok {
			continue
		}
		d := newDataset(o.Set, split, Options{QueryH: o.QueryH, QueryW: o.QueryW, SatSize: o.SatSize})
		d.Dir, d.QueryDir, d.SatDir, d.mem = "embedded:"+sub, "query", "satellite", mem
		d.Records, d.Skipped = d.validate(recs[start:start+n], false)
		if len(d.Skipped) > 0 {
			return nil, fmt.Errorf("embedded %s set: %s", o.Set, SkipSummary(d.Skipped, 3))
		}
		out[split] = d
		start += n
	}
	return out, nil
}

// Sizes of the embedded default dataset (the "tiny" resolution of the trainer: the
// whole-model golden case uses query 64x64 and satellite 256x256).
const (
	EmbeddedTrain   = 960
	EmbeddedVal     = 192
	EmbeddedSatSize = 256
	EmbeddedQueryH  = 64
	EmbeddedQueryW  = 64 // drone; street view is 64x128 to keep its 1:2 aspect
	embeddedSeed    = 20240805
)

var embedded struct {
	mu    sync.Mutex
	cache map[string][2]*Dataset
}

// EmbeddedDefault returns the built-in synthetic training and validation splits used
// when no --data is given: EmbeddedTrain and EmbeddedVal records, satellite 256x256,
// query 64x64 (drone) or 64x128 (svi), generated deterministically in memory on first
// use (about a second on two cores) and cached.
func EmbeddedDefault(set string) (train, val *Dataset, err error) {
	sub, err := SubsetDir(set)
	if err != nil {
		return nil, nil, err
	}
	embedded.mu.Lock()
	defer embedded.mu.Unlock()
	if d, ok := embedded.cache[sub]; ok {
		return d[0], d[1], nil
	}
	qw := EmbeddedQueryW
	if sub == "CVOGL_SVI" {
		qw = 2 * EmbeddedQueryH
	}
	ds, err := synthMemory(SynthOptions{Set: set, Seed: embeddedSeed, SatSize: EmbeddedSatSize, QueryH: EmbeddedQueryH, QueryW: qw, Easy: true},
		map[string]int{"train": EmbeddedTrain, "val": EmbeddedVal})
	if err != nil {
		return nil, nil, err
	}
	if embedded.cache == nil {
		embedded.cache = map[string][2]*Dataset{}
	}
	embedded.cache[sub] = [2]*Dataset{ds["train"], ds["val"]}
	return ds["train"], ds["val"], nil
}
