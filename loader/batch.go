package loader

import (
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
)

// Batch is B samples stacked NCHW.
type Batch struct {
	Size      int          // B (the last batch may be smaller than BatchSize)
	Query     []float32    // B x 3 x QueryH x QueryW
	Click     []float32    // B x 1 x QueryH x QueryW
	Satellite []float32    // B x 3 x SatH x SatW
	BBox      [][4]float32 // per sample x1,y1,x2,y2 in pixels of the returned satellite image
	Indices   []int        // positions in Dataset.Records
	IDs       []int64      // record ids
	QueryH    int
	QueryW    int
	SatH      int
	SatW      int
}

// BatchOptions controls a pass over a dataset.
type BatchOptions struct {
	BatchSize int  // samples per batch (required)
	Workers   int  // decode goroutines (0: GOMAXPROCS)
	Prefetch  int  // batches decoded ahead of the consumer (0: 2)
	Augment   bool // apply the satellite training augmentation
	// Seed drives the augmentation. Each sample's random stream is derived from (Seed,
	// position in the order, record index) only, so batches are identical whatever the
	// worker count. Pass a different seed per epoch for fresh augmentation.
	Seed uint64
}

// BatchIter yields batches in order. Not safe for concurrent use by several consumers.
type BatchIter struct {
	d     *Dataset
	opt   BatchOptions
	order []int
	ready chan *pending
	jobs  chan job
	quit  chan struct{}
	free  chan *Batch // released full-size batches, reused instead of allocating
	once  sync.Once
	wg    sync.WaitGroup
	done  bool
}

type pending struct {
	b      *Batch
	left   atomic.Int32
	fin    chan struct{}
	errMu  sync.Mutex
	err    error
	errPos int
}

type job struct {
	p   *pending
	k   int // slot in the batch
	pos int // position in the order
}

// Batches starts decoding the samples order[0], order[1], ... (indices into Records) in
// batches of opt.BatchSize; nil order means 0..Len()-1. The last batch holds the
// remainder. Call Close when stopping early.
func (d *Dataset) Batches(order []int, opt BatchOptions) (*BatchIter, error) {
	if opt.BatchSize <= 0 {
		return nil, fmt.Errorf("batch size %d must be positive", opt.BatchSize)
	}
	if order == nil {
		order = make([]int, d.Len())
		for i := range order {
			order[i] = i
		}
	}
	for _, i := range order {
		if i < 0 || i >= d.Len() {
			return nil, fmt.Errorf("sample order holds index %d, dataset has %d records", i, d.Len())
		}
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.Prefetch <= 0 {
		opt.Prefetch = 2
	}
	it := &BatchIter{
		d: d, opt: opt, order: append([]int(nil), order...),
		ready: make(chan *pending, opt.Prefetch),
		jobs:  make(chan job, opt.BatchSize),
		quit:  make(chan struct{}),
		free:  make(chan *Batch, opt.Prefetch+1),
	}
	it.wg.Add(1 + opt.Workers)
	go it.dispatch()
	for range opt.Workers {
		go it.work()
	}
	return it, nil
}

// NumBatches is the number of batches the iterator yields in total.
func (it *BatchIter) NumBatches() int {
	return (len(it.order) + it.opt.BatchSize - 1) / it.opt.BatchSize
}

// dispatch queues batches in order; the ready channel's capacity bounds how many are
// decoded ahead.
func (it *BatchIter) dispatch() {
	defer it.wg.Done()
	defer close(it.ready)
	defer close(it.jobs)
	bs := it.opt.BatchSize
	for start := 0; start < len(it.order); start += bs {
		n := min(bs, len(it.order)-start)
		var b *Batch
		select {
		case b = <-it.free:
			if b.Size != n {
				b = nil
			}
		default:
		}
		if b == nil {
			b = it.d.newBatch(n)
		}
		p := &pending{b: b, fin: make(chan struct{}), errPos: -1}
		p.left.Store(int32(n))
		select {
		case it.ready <- p:
		case <-it.quit:
			return
		}
		for k := range n {
			select {
			case it.jobs <- job{p, k, start + k}:
			case <-it.quit:
				return
			}
		}
	}
}

func (it *BatchIter) work() {
	defer it.wg.Done()
	d := it.d
	s := d.newSample() // per-worker scratch, copied into the batch
	for j := range it.jobs {
		idx := it.order[j.pos]
		var r *rand.Rand
		if it.opt.Augment {
			r = rand.New(rand.NewPCG(it.opt.Seed, mixSeed(uint64(j.pos), uint64(idx))))
		}
		err := d.loadInto(idx, r, s)
		b := j.p.b
		if err == nil {
			q, c, sat := d.QueryH*d.QueryW, d.QueryH*d.QueryW, d.SatSize*d.SatSize
			copy(b.Query[j.k*3*q:], s.Query)
			copy(b.Click[j.k*c:], s.Click)
			copy(b.Satellite[j.k*3*sat:], s.Satellite)
			b.BBox[j.k] = s.BBox
			b.Indices[j.k], b.IDs[j.k] = idx, s.ID
		} else {
			j.p.errMu.Lock()
			if j.p.errPos < 0 || j.pos < j.p.errPos {
				j.p.err, j.p.errPos = fmt.Errorf("sample %d (record %d): %w", j.pos, idx, err), j.pos
			}
			j.p.errMu.Unlock()
		}
		if j.p.left.Add(-1) == 0 {
			close(j.p.fin)
		}
	}
}

// mixSeed combines two values into a well-spread stream selector (splitmix64 finaliser).
func mixSeed(a, b uint64) uint64 {
	z := a*0x9e3779b97f4a7c15 ^ (b + 0x632be59bd9b4e019)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (d *Dataset) newBatch(n int) *Batch {
	q := d.QueryH * d.QueryW
	s := d.SatSize * d.SatSize
	return &Batch{
		Size: n, Query: make([]float32, n*3*q), Click: make([]float32, n*q), Satellite: make([]float32, n*3*s),
		BBox: make([][4]float32, n), Indices: make([]int, n), IDs: make([]int64, n),
		QueryH: d.QueryH, QueryW: d.QueryW, SatH: d.SatSize, SatW: d.SatSize,
	}
}

// Next returns the next batch, or io.EOF after the last one. A decoding error names the
// sample and ends the pass.
func (it *BatchIter) Next() (*Batch, error) {
	if it.done {
		return nil, io.EOF
	}
	p, ok := <-it.ready
	if !ok {
		it.done = true
		return nil, io.EOF
	}
	<-p.fin
	if p.err != nil {
		it.Close()
		return nil, p.err
	}
	return p.b, nil
}

// Release hands a batch back once the caller is done with its data, so a later batch
// reuses its buffers (at paper resolution a batch of 16 is about 200 MB). Optional; the
// batch must not be used afterwards.
func (it *BatchIter) Release(b *Batch) {
	if b == nil || b.Size != it.opt.BatchSize {
		return
	}
	select {
	case it.free <- b:
	default:
	}
}

// Close stops the workers and waits for them. Safe to call more than once.
func (it *BatchIter) Close() {
	it.once.Do(func() {
		close(it.quit)
		// Drain so the dispatcher and workers can finish.
		go func() {
			for range it.ready {
			}
		}()
		it.wg.Wait()
		it.done = true
	})
}
