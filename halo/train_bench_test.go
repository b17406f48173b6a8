package halo

import (
	"io"
	"testing"

	"github.com/cvogl/halo/loader"
)

// BenchmarkTrainStepTiny measures one training step of the tiny preset on a batch of
// 8 from the embedded dataset (samples/s reported).
func BenchmarkTrainStepTiny(b *testing.B) {
	cfg, err := Preset("tiny", "drone")
	if err != nil {
		b.Fatal(err)
	}
	m, err := NewModel(cfg, 1)
	if err != nil {
		b.Fatal(err)
	}
	train, _, err := loader.EmbeddedDefault("drone")
	if err != nil {
		b.Fatal(err)
	}
	it, err := train.Batches(nil, loader.BatchOptions{BatchSize: 8})
	if err != nil {
		b.Fatal(err)
	}
	batch, err := it.Next()
	if err != nil && err != io.EOF {
		b.Fatal(err)
	}
	it.Close()
	b.ResetTimer()
	for range b.N {
		if _, _, err := m.TrainStep(batch, 1, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(8*b.N)/b.Elapsed().Seconds(), "samples/s")
}
