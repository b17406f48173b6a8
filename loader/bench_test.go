package loader

import (
	"io"
	"testing"
)

// BenchmarkLoadPaperResolution measures the input pipeline at paper resolution (drone
// query 256x256, satellite 1024x1024 JPEGs): decode, augmentation (the training path),
// normalisation, heatmap and batching with 2 workers, in samples/s. Run on 2 cores:
//
//	go test ./loader -run XXX -bench LoadPaperResolution -cpu 2
func BenchmarkLoadPaperResolution(b *testing.B) {
	for _, aug := range []bool{true, false} {
		name := "augment"
		if !aug {
			name = "plain"
		}
		b.Run(name, func(b *testing.B) { benchLoad(b, aug) })
	}
}

func benchLoad(b *testing.B, augment bool) {
	dir := b.TempDir()
	const n = 8
	if _, err := Synthesize(dir, SynthOptions{Set: SetDrone, N: n, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	d, err := Open(dir, SetDrone, "train", Options{Strict: true})
	if err != nil {
		b.Fatal(err)
	}
	samples := 0
	epoch := uint64(0)
	for b.Loop() {
		it, err := d.Batches(nil, BatchOptions{BatchSize: 4, Workers: 2, Augment: augment, Seed: epoch})
		if err != nil {
			b.Fatal(err)
		}
		for {
			bt, err := it.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			samples += bt.Size
		}
		epoch++
	}
	b.ReportMetric(float64(samples)/b.Elapsed().Seconds(), "samples/s")
}
