package halo

import (
	"io"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/loader"
)

// Evaluate runs the model in inference mode over a whole split and returns the
// paper's metrics (acc@0.25, acc@0.5, mean IoU, centre-cell accuracy), computed like
// the official test_epoch: boxes clamped to the image, the target cell from
// build_target, the first maximum of the confidence on ties. progress, if set, is
// called after every batch with the number of samples done.
func Evaluate(m *Model, ds *loader.Dataset, batchSize, workers int, progress func(done, total int)) (Metrics, error) {
	var met Metrics
	it, err := ds.Batches(nil, loader.BatchOptions{BatchSize: batchSize, Workers: workers})
	if err != nil {
		return met, err
	}
	defer it.Close()
	for {
		b, err := it.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return met, err
		}
		out, _, err := m.Predict(b)
		if err != nil {
			return met, err
		}
		s := m.Cfg.SatSize
		boxes := ClampBoxes(b.BBox, s)
		g := out.Boxes.Shape[3]
		tgt := BuildTarget(boxes, m.Anchors(), s, g)
		met.Add(EvalIoUAcc(out.Boxes.Data, b.Size, g, m.Anchors(), s, boxes, tgt.GI, tgt.GJ))
		if progress != nil {
			progress(met.N, ds.Len())
		}
	}
	return met, nil
}

// Descriptors computes the InfoNCE descriptors of every sample of ds in inference
// mode (no augmentation), for hard-sample mining: q and r are [N, dim] row-major.
func Descriptors(m *Model, ds *loader.Dataset, batchSize, workers int) (q, r []float32, dim int, err error) {
	it, err := ds.Batches(nil, loader.BatchOptions{BatchSize: batchSize, Workers: workers})
	if err != nil {
		return nil, nil, 0, err
	}
	defer it.Close()
	m.SetTraining(false)
	for {
		b, err := it.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, 0, err
		}
		qt, click, sat := batchTensors(b)
		var out *Output
		var ferr error
		autograd.NoGrad(func() { out, ferr = m.Forward(qt, click, sat, ForwardOpts{Descriptors: true}) })
		if ferr != nil {
			return nil, nil, 0, ferr
		}
		dim = out.QueryDesc.Shape[1]
		q = append(q, out.QueryDesc.Data...)
		r = append(r, out.SatDesc.Data...)
	}
	return q, r, dim, nil
}
