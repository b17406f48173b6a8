package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/cvogl/halo/loader"
)

func init() {
	register(&command{
		name:    "data",
		summary: "inspect a CVOGL dataset: records, skipped records, classes and image sizes per split",
		run:     runData,
	})
}

func runData(fs *flag.FlagSet, args []string) error {
	dataDir := fs.String("data", "", "data root holding CVOGL_DroneAerial/ or CVOGL_SVI/ (required)")
	set := fs.String("set", "drone", "subset: drone or svi")
	split := fs.String("split", "", "train, val or test (default: all three)")
	asJSON := fs.Bool("json", false, "print one JSON object per split with every record as read")
	strict := fs.Bool("strict", false, "fail on the first bad record instead of skipping it")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	if *dataDir == "" {
		return usagef("--data is required")
	}
	if _, err := loader.SubsetDir(*set); err != nil {
		return usagef("%v", err)
	}
	splits := loader.Splits
	if *split != "" {
		switch *split {
		case "train", "val", "test":
			splits = []string{*split}
		default:
			return usagef("--split must be train, val or test, not %q", *split)
		}
	}
	for _, sp := range splits {
		d, err := loader.Open(*dataDir, *set, sp, loader.Options{Strict: *strict, Logf: func(string, ...any) {}})
		if err != nil {
			return err
		}
		rep := summarise(d)
		if *asJSON {
			if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
				return err
			}
			continue
		}
		printSummary(os.Stdout, rep)
	}
	return nil
}

type recordJSON struct {
	ID        int64      `json:"id"`
	Query     string     `json:"query"`
	Satellite string     `json:"satellite"`
	ClickOrig [2]float64 `json:"click_orig"`
	Click     [2]float64 `json:"click"`
	BBox      [4]float64 `json:"bbox"`
	RBox      [8]float64 `json:"rbox"`
	Class     string     `json:"class"`
}

type skippedJSON struct {
	Index  int    `json:"index"`
	ID     int64  `json:"id"`
	File   string `json:"file"`
	Reason string `json:"reason"`
}

type splitReport struct {
	Set            string         `json:"set"`
	Split          string         `json:"split"`
	Dir            string         `json:"dir"`
	Count          int            `json:"count"`
	Records        []recordJSON   `json:"records"`
	Skipped        []skippedJSON  `json:"skipped"`
	Classes        map[string]int `json:"classes"`
	QuerySizes     map[string]int `json:"query_sizes"`
	SatelliteSizes map[string]int `json:"satellite_sizes"`
}

func summarise(d *loader.Dataset) *splitReport {
	rep := &splitReport{Set: d.Set, Split: d.Split, Dir: d.Dir, Count: len(d.Records),
		Records: []recordJSON{}, Skipped: []skippedJSON{},
		Classes: map[string]int{}, QuerySizes: map[string]int{}, SatelliteSizes: map[string]int{}}
	seen := map[string]string{}
	size := func(path string) string {
		if s, ok := seen[path]; ok {
			return s
		}
		w, h, err := loader.ImageSize(path)
		s := fmt.Sprintf("%dx%d", w, h) // WxH
		if err != nil {
			s = "unreadable"
		}
		seen[path] = s
		return s
	}
	for _, r := range d.Records {
		rep.Records = append(rep.Records, recordJSON(r))
		rep.Classes[r.Class]++
		rep.QuerySizes[size(filepath.Join(d.QueryDir, r.Query))]++
		rep.SatelliteSizes[size(filepath.Join(d.SatDir, r.Satellite))]++
	}
	for _, b := range d.Skipped {
		rep.Skipped = append(rep.Skipped, skippedJSON{b.Index, b.ID, b.File, b.Reason})
	}
	return rep
}

func printSummary(w io.Writer, r *splitReport) {
	fmt.Fprintf(w, "%s %s (%s): %d records, %d skipped\n", r.Set, r.Split, r.Dir, r.Count, len(r.Skipped))
	const maxShown = 20
	for i, s := range r.Skipped {
		if i == maxShown {
			fmt.Fprintf(w, "  ... %d more skipped\n", len(r.Skipped)-maxShown)
			break
		}
		fmt.Fprintf(w, "  skipped record %d (id %d): %s: %s\n", s.Index, s.ID, s.File, s.Reason)
	}
	printHist(w, "classes", r.Classes)
	printHist(w, "query sizes (WxH)", r.QuerySizes)
	printHist(w, "satellite sizes (WxH)", r.SatelliteSizes)
}

// printHist lists a histogram by count, largest first (ties by name).
func printHist(w io.Writer, title string, h map[string]int) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if h[keys[i]] != h[keys[j]] {
			return h[keys[i]] > h[keys[j]]
		}
		return keys[i] < keys[j]
	})
	fmt.Fprintf(w, "  %s:\n", title)
	for _, k := range keys {
		fmt.Fprintf(w, "    %-28s %d\n", k, h[k])
	}
}
