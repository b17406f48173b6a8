package loader

import (
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func fixtureTrainSet(t testing.TB) *Dataset {
	var logs []string
	d, err := Open(fixtureRoot, "drone", "train", fixtureOpts(&logs))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func collect(t *testing.T, d *Dataset, order []int, opt BatchOptions) []*Batch {
	t.Helper()
	it, err := d.Batches(order, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var out []*Batch
	for {
		b, err := it.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	if len(out) != it.NumBatches() {
		t.Fatalf("%d batches, NumBatches says %d", len(out), it.NumBatches())
	}
	return out
}

func TestBatchesDeterministicAcrossWorkers(t *testing.T) {
	d := fixtureTrainSet(t)
	order := []int{2, 0, 1, 1, 0, 2, 2} // 7 samples, batch 3: 3 + 3 + 1
	a := collect(t, d, order, BatchOptions{BatchSize: 3, Workers: 1, Augment: true, Seed: 42})
	b := collect(t, d, order, BatchOptions{BatchSize: 3, Workers: 4, Prefetch: 1, Augment: true, Seed: 42})
	if len(a) != 3 || a[2].Size != 1 || len(a[2].Query) != 3*fixQ*fixQ {
		t.Fatalf("batch sizes %d / last %d", len(a), a[len(a)-1].Size)
	}
	var idx []int
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) {
			t.Fatalf("batch %d differs between 1 and 4 workers", i)
		}
		idx = append(idx, a[i].Indices...)
	}
	if !slices.Equal(idx, order) {
		t.Fatalf("indices %v, want the order %v", idx, order)
	}
	// Augmented: the same record at two positions gets two different augmentations
	// (positions 0, 5, 6 are all record 2), and another seed changes the batches.
	c := collect(t, d, order, BatchOptions{BatchSize: 3, Workers: 2, Augment: true, Seed: 43})
	if reflect.DeepEqual(a, c) {
		t.Fatal("seed has no effect")
	}
	n := 3 * fixS * fixS
	if slices.Equal(a[0].Satellite[:n], a[2].Satellite[:n]) && slices.Equal(a[1].Satellite[2*n:], a[2].Satellite[:n]) {
		t.Fatal("all copies of one record augmented identically")
	}
}

// Released batches are reused and fully overwritten.
func TestBatchesRelease(t *testing.T) {
	d := fixtureTrainSet(t)
	order := []int{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2}
	want := collect(t, d, order, BatchOptions{BatchSize: 3, Workers: 2, Augment: true, Seed: 9})
	it, err := d.Batches(order, BatchOptions{BatchSize: 3, Workers: 2, Prefetch: 1, Augment: true, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	seen := map[*Batch]bool{}
	for i := 0; ; i++ {
		b, err := it.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(b, want[i]) {
			t.Fatalf("batch %d differs when buffers are recycled", i)
		}
		seen[b] = true
		for j := range b.Satellite { // scribble: the next use must overwrite everything
			b.Satellite[j] = -99
		}
		it.Release(b)
	}
	if len(seen) == len(want) {
		t.Log("no batch was reused (timing); reuse is optional")
	}
}

func TestBatchesMatchSamples(t *testing.T) {
	d := fixtureTrainSet(t)
	bs := collect(t, d, nil, BatchOptions{BatchSize: 2, Workers: 3})
	k := 0
	for _, b := range bs {
		for j := 0; j < b.Size; j++ {
			s, err := d.Sample(k)
			if err != nil {
				t.Fatal(err)
			}
			q, sat := 3*b.QueryH*b.QueryW, 3*b.SatH*b.SatW
			if !slices.Equal(b.Query[j*q:(j+1)*q], s.Query) || !slices.Equal(b.Satellite[j*sat:(j+1)*sat], s.Satellite) ||
				!slices.Equal(b.Click[j*q/3:(j+1)*q/3], s.Click) || b.BBox[j] != s.BBox || b.IDs[j] != s.ID || b.Indices[j] != k {
				t.Fatalf("batch sample %d differs from Sample(%d)", j, k)
			}
			k++
		}
	}
	if k != d.Len() {
		t.Fatalf("%d samples, want %d", k, d.Len())
	}
}

func TestBatchesEarlyCloseAndErrors(t *testing.T) {
	d := fixtureTrainSet(t)
	order := make([]int, 60)
	it, err := d.Batches(order, BatchOptions{BatchSize: 2, Workers: 2, Prefetch: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := it.Next(); err != nil {
		t.Fatal(err)
	}
	it.Close() // must not deadlock with batches in flight
	it.Close()
	if _, err := it.Next(); err != io.EOF {
		t.Fatalf("after Close: %v", err)
	}
	if _, err := d.Batches([]int{0, 99}, BatchOptions{BatchSize: 2}); err == nil {
		t.Fatal("out-of-range order accepted")
	}
	if _, err := d.Batches(nil, BatchOptions{}); err == nil {
		t.Fatal("zero batch size accepted")
	}
	// A record whose image disappeared makes the pass fail, naming the file.
	bad := *d
	bad.Records = slices.Clone(d.Records)
	bad.Records[1].Satellite = "gone.jpg"
	it, _ = bad.Batches(nil, BatchOptions{BatchSize: 2, Workers: 2})
	defer it.Close()
	_, err = it.Next()
	if err == nil || !strings.Contains(err.Error(), "gone.jpg") {
		t.Fatalf("missing image: %v", err)
	}
}
