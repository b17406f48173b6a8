package loader

import (
	"errors"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Subsets of CVOGL and their directory names under the data root.
const (
	SetDrone = "drone" // CVOGL_DroneAerial: drone queries 256x256
	SetSVI   = "svi"   // CVOGL_SVI: street-view queries 256x512 (HxW)
)

// Splits of every subset.
var Splits = []string{"train", "val", "test"}

// SubsetDir maps a set name ("drone", "svi", or the directory name itself) to the
// directory name of the subset.
func SubsetDir(set string) (string, error) {
	switch strings.ToLower(set) {
	case SetDrone, "droneaerial", "cvogl_droneaerial":
		return "CVOGL_DroneAerial", nil
	case SetSVI, "streetview", "cvogl_svi":
		return "CVOGL_SVI", nil
	}
	return "", fmt.Errorf("unknown set %q (want drone or svi)", set)
}

// DefaultQuerySize is the stored query size (H, W) of a set at paper resolution.
func DefaultQuerySize(set string) (h, w int) {
	if d, _ := SubsetDir(set); d == "CVOGL_SVI" {
		return 256, 512
	}
	return 256, 256
}

// DefaultSatSize is the satellite tile size at paper resolution.
const DefaultSatSize = 1024

// Options controls how a split is opened.
type Options struct {
	// Strict makes any bad record an error instead of skipping it.
	Strict bool
	// QueryH, QueryW: the query size samples come out at (0: the set's default). The click
	// heatmap has this size. Images of another size are resized bilinearly.
	QueryH, QueryW int
	// SatSize: the satellite size samples come out at (0: 1024).
	SatSize int
	// FullDecode validates records by decoding every image completely instead of reading
	// only the image headers (slower: seconds per thousand satellite tiles).
	FullDecode bool
	// Logf receives the skip report and resize notices (nil: log.Printf).
	Logf func(format string, args ...any)
}

// Dataset is one split of one CVOGL subset: its valid records and where the images are.
type Dataset struct {
	Set, Split string
	Dir        string // <root>/CVOGL_DroneAerial or <root>/CVOGL_SVI
	QueryDir   string
	SatDir     string
	Records    []Record    // the valid records, in file order
	Skipped    []BadRecord // the records left out, with reasons
	// Sample sizes (every sample of the split comes out at these).
	QueryH, QueryW, SatSize int

	logf func(format string, args ...any)
	// mem, when set, holds the images in memory (the embedded default) keyed by the
	// file name under query/ or satellite/.
	mem map[string]*RGB
}

// Open reads and validates one split: <root>/<subset>/<subset>_<split>.pth plus its
// images. Bad records (missing or undecodable files, box outside the satellite image or
// without area, click outside the query) are skipped and reported through Logf, or make
// Open fail when opt.Strict is set.
func Open(root, set, split string, opt Options) (*Dataset, error) {
	sub, err := SubsetDir(set)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(root, sub)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("dataset directory %s not found (expected %s/{query,satellite}/ and %s_{train,val,test}.pth)", dir, dir, sub)
	}
	pth := filepath.Join(dir, fmt.Sprintf("%s_%s.pth", sub, split))
	if _, err := os.Stat(pth); err != nil {
		return nil, fmt.Errorf("split %q of %s: annotation file %s not found", split, sub, pth)
	}
	for _, d := range []string{"query", "satellite"} {
		if st, err := os.Stat(filepath.Join(dir, d)); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("image directory %s not found", filepath.Join(dir, d))
		}
	}
	recs, bad, err := ReadAnnotations(pth)
	if err != nil {
		return nil, err
	}
	d := newDataset(set, split, opt)
	d.Dir, d.QueryDir, d.SatDir = dir, filepath.Join(dir, "query"), filepath.Join(dir, "satellite")
	d.Records, d.Skipped = d.validate(recs, opt.FullDecode)
	if len(bad) > 0 {
		d.Skipped = append(bad, d.Skipped...)
		sort.SliceStable(d.Skipped, func(i, j int) bool { return d.Skipped[i].Index < d.Skipped[j].Index })
	}
	if err := d.report(pth, opt.Strict); err != nil {
		return nil, err
	}
	return d, nil
}

func newDataset(set, split string, opt Options) *Dataset {
	d := &Dataset{Set: set, Split: split, logf: opt.Logf}
	if d.logf == nil {
		d.logf = log.Printf
	}
	d.QueryH, d.QueryW = DefaultQuerySize(set)
	if opt.QueryH > 0 && opt.QueryW > 0 {
		d.QueryH, d.QueryW = opt.QueryH, opt.QueryW
	}
	d.SatSize = DefaultSatSize
	if opt.SatSize > 0 {
		d.SatSize = opt.SatSize
	}
	return d
}

// report logs the skipped records, or fails in strict mode.
func (d *Dataset) report(source string, strict bool) error {
	if len(d.Skipped) == 0 {
		return nil
	}
	msg := SkipSummary(d.Skipped, 5)
	if strict {
		return fmt.Errorf("%s: %s", source, msg)
	}
	d.logf("loader: %s: %s", source, msg)
	return nil
}

// SkipSummary is "N bad records skipped; first: ..." listing up to first reasons.
func SkipSummary(bad []BadRecord, first int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d bad record(s)", len(bad))
	for i, r := range bad {
		if i == first {
			fmt.Fprintf(&b, "; ... %d more", len(bad)-first)
			break
		}
		b.WriteString("; ")
		b.WriteString(r.String())
	}
	return b.String()
}

// validate checks every record against its images and returns the good and bad ones.
func (d *Dataset) validate(recs []Record, full bool) (good []Record, bad []BadRecord) {
	type size struct {
		w, h int
		err  error
	}
	var mu sync.Mutex
	cache := map[string]size{}
	sizeOf := func(path string) (int, int, error) {
		mu.Lock()
		s, ok := cache[path]
		mu.Unlock()
		if ok {
			return s.w, s.h, s.err
		}
		if full {
			m, err := d.readImage(path)
			if err == nil {
				s = size{m.W, m.H, nil}
			} else {
				s = size{err: err}
			}
		} else {
			s.w, s.h, s.err = d.imageSize(path)
		}
		mu.Lock()
		cache[path] = s
		mu.Unlock()
		return s.w, s.h, s.err
	}
	// Reading headers is I/O bound: a few goroutines hide the latency on cold disks.
	reasons := make([]*BadRecord, len(recs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(recs) {
					return
				}
				reasons[i] = d.check(i, &recs[i], sizeOf)
			}
		}()
	}
	wg.Wait()
	for i, r := range recs {
		if reasons[i] != nil {
			bad = append(bad, *reasons[i])
			continue
		}
		good = append(good, r)
	}
	return good, bad
}

// boxTolerance: boxes may overhang the image by up to a pixel (rounding in the dataset's
// own box conversion) and are clamped; beyond that the record is bad.
const boxTolerance = 1.0

func (d *Dataset) check(i int, r *Record, sizeOf func(string) (int, int, error)) *BadRecord {
	bad := func(file, format string, a ...any) *BadRecord {
		return &BadRecord{Index: i, ID: r.ID, File: file, Reason: fmt.Sprintf(format, a...)}
	}
	qp, sp := d.queryPath(r.Query), d.satPath(r.Satellite)
	for _, name := range []string{r.Query, r.Satellite} {
		if filepath.IsAbs(name) || strings.Contains(filepath.ToSlash(name), "..") {
			return bad(name, "file name leaves the image directory")
		}
	}
	qw, qh, err := sizeOf(qp)
	if err != nil {
		return bad(qp, "query image: %v", unwrapPath(err))
	}
	sw, sh, err := sizeOf(sp)
	if err != nil {
		return bad(sp, "satellite image: %v", unwrapPath(err))
	}
	b := &r.BBox
	for _, v := range b {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return bad(sp, "box %v is not finite", *b)
		}
	}
	if b[0] < -boxTolerance || b[1] < -boxTolerance || b[2] > float64(sw)+boxTolerance || b[3] > float64(sh)+boxTolerance {
		return bad(sp, "box %v outside the %dx%d satellite image", *b, sw, sh)
	}
	b[0], b[1] = math.Max(b[0], 0), math.Max(b[1], 0)
	b[2], b[3] = math.Min(b[2], float64(sw)), math.Min(b[3], float64(sh))
	// The official loader truncates the box to int before use; the area must survive that.
	if math.Trunc(b[2])-math.Trunc(b[0]) <= 0 || math.Trunc(b[3])-math.Trunc(b[1]) <= 0 {
		return bad(sp, "box %v has no area", *b)
	}
	cx, cy := r.Click[0], r.Click[1]
	if !(cx >= 0 && cy >= 0 && cx < float64(qw) && cy < float64(qh)) {
		return bad(qp, "click (%g, %g) outside the %dx%d query image", cx, cy, qw, qh)
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (d *Dataset) queryPath(name string) string { return filepath.Join(d.QueryDir, name) }
func (d *Dataset) satPath(name string) string   { return filepath.Join(d.SatDir, name) }

func (d *Dataset) readImage(path string) (*RGB, error) {
	if d.mem != nil {
		if m, ok := d.mem[path]; ok {
			return m, nil
		}
		return nil, fmt.Errorf("%s: %w", path, os.ErrNotExist)
	}
	return ReadRGB(path)
}

func (d *Dataset) imageSize(path string) (int, int, error) {
	if d.mem != nil {
		m, err := d.readImage(path)
		if err != nil {
			return 0, 0, err
		}
		return m.W, m.H, nil
	}
	return imageHeader(path)
}

// Len is the number of valid records.
func (d *Dataset) Len() int { return len(d.Records) }

// Sample is one decoded training/evaluation example.
type Sample struct {
	Index     int       // position in Dataset.Records
	ID        int64     // record id
	Query     []float32 // 3 x QueryH x QueryW, normalised
	Click     []float32 // 1 x QueryH x QueryW heatmap
	Satellite []float32 // 3 x SatSize x SatSize, normalised
	// BBox is x1, y1, x2, y2 in pixels of the returned satellite image: truncated to
	// integers like the official loader, then scaled and augmented.
	BBox       [4]float32
	ClickXY    [2]float64 // the click in the returned query image
	Class      string
	QueryH     int
	QueryW     int
	SatH, SatW int
}

// Sample loads record i without augmentation (evaluation and prediction).
func (d *Dataset) Sample(i int) (*Sample, error) {
	s := d.newSample()
	if err := d.loadInto(i, nil, s); err != nil {
		return nil, err
	}
	return s, nil
}

// AugmentedSample loads record i with the training augmentation driven by r.
func (d *Dataset) AugmentedSample(i int, r *rand.Rand) (*Sample, error) {
	s := d.newSample()
	if err := d.loadInto(i, r, s); err != nil {
		return nil, err
	}
	return s, nil
}

func (d *Dataset) newSample() *Sample {
	q := d.QueryH * d.QueryW
	s := d.SatSize * d.SatSize
	return &Sample{Query: make([]float32, 3*q), Click: make([]float32, q), Satellite: make([]float32, 3*s)}
}

// Resizes of unexpected image sizes are logged once per run (per kind), not per image.
var resizeLogged [2]atomic.Bool

func (d *Dataset) noteResize(kind int, path string, w, h, tw, th int) {
	if resizeLogged[kind].CompareAndSwap(false, true) {
		what := [2]string{"query", "satellite"}[kind]
		d.logf("loader: %s image %s is %dx%d, resizing to %dx%d (click and box scaled to match; further resizes are not logged)", what, path, w, h, tw, th)
	}
}

// loadInto decodes record i into s's buffers (which have the dataset's sizes); r nil
// means no augmentation.
func (d *Dataset) loadInto(i int, r *rand.Rand, s *Sample) error {
	if i < 0 || i >= len(d.Records) {
		return fmt.Errorf("sample index %d out of range [0, %d)", i, len(d.Records))
	}
	rec := &d.Records[i]
	qp, sp := d.queryPath(rec.Query), d.satPath(rec.Satellite)
	q, err := d.readImage(qp)
	if err != nil {
		return err
	}
	sat, err := d.readImage(sp)
	if err != nil {
		return err
	}
	// The official loader truncates the box to int first (np.array(bbox, dtype=int)).
	box := [4]float64{math.Trunc(rec.BBox[0]), math.Trunc(rec.BBox[1]), math.Trunc(rec.BBox[2]), math.Trunc(rec.BBox[3])}
	click := rec.Click
	shared := d.mem != nil // in-memory images are shared between samples and workers
	if q.W != d.QueryW || q.H != d.QueryH {
		d.noteResize(0, qp, q.W, q.H, d.QueryW, d.QueryH)
		click[0] *= float64(d.QueryW) / float64(q.W)
		click[1] *= float64(d.QueryH) / float64(q.H)
		q = q.Resize(d.QueryW, d.QueryH)
	}
	if sat.W != d.SatSize || sat.H != d.SatSize {
		d.noteResize(1, sp, sat.W, sat.H, d.SatSize, d.SatSize)
		fx, fy := float64(d.SatSize)/float64(sat.W), float64(d.SatSize)/float64(sat.H)
		box = [4]float64{box[0] * fx, box[1] * fy, box[2] * fx, box[3] * fy}
		sat = sat.Resize(d.SatSize, d.SatSize)
		shared = false
	}
	if r != nil {
		if shared {
			sat = sat.Clone() // augmentation works in place
		}
		sat, box = AugmentSatellite(sat, box, r)
	}
	q.Normalize(s.Query)
	sat.Normalize(s.Satellite)
	FillClickHeatmap(s.Click, d.QueryH, d.QueryW, click[0], click[1])
	s.Index, s.ID, s.Class = i, rec.ID, rec.Class
	s.BBox = [4]float32{float32(box[0]), float32(box[1]), float32(box[2]), float32(box[3])}
	s.ClickXY = click
	s.QueryH, s.QueryW, s.SatH, s.SatW = d.QueryH, d.QueryW, sat.H, sat.W
	return nil
}

// LoadPair loads a query image, its click and a satellite image outside any dataset (for
// prediction): resized to qh x qw and sat x sat, click scaled to match. The returned
// sample has no box.
func LoadPair(queryPath, satPath string, clickX, clickY float64, qh, qw, sat int) (*Sample, error) {
	q, err := ReadRGB(queryPath)
	if err != nil {
		return nil, err
	}
	s, err := ReadRGB(satPath)
	if err != nil {
		return nil, err
	}
	if !(clickX >= 0 && clickY >= 0 && clickX < float64(q.W) && clickY < float64(q.H)) {
		return nil, fmt.Errorf("%s: click (%g, %g) outside the %dx%d query image", queryPath, clickX, clickY, q.W, q.H)
	}
	clickX *= float64(qw) / float64(q.W)
	clickY *= float64(qh) / float64(q.H)
	if q.W != qw || q.H != qh {
		q = q.Resize(qw, qh)
	}
	if s.W != sat || s.H != sat {
		s = s.Resize(sat, sat)
	}
	out := &Sample{Index: -1, Query: make([]float32, 3*qh*qw), Click: ClickHeatmap(qh, qw, clickX, clickY),
		Satellite: make([]float32, 3*sat*sat), ClickXY: [2]float64{clickX, clickY}, QueryH: qh, QueryW: qw, SatH: sat, SatW: sat}
	q.Normalize(out.Query)
	s.Normalize(out.Satellite)
	return out, nil
}
