package halo

import (
	"fmt"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/loader"
	"github.com/cvogl/halo/nn"
)

// Losses are the parts of one training step's loss.
type Losses struct {
	Total, Geo, Cls, InfoNCE float64
}

// batchTensors wraps a loader batch as input tensors.
func batchTensors(b *loader.Batch) (q, click, sat *autograd.Tensor) {
	q = autograd.New(b.Query, b.Size, 3, b.QueryH, b.QueryW)
	click = autograd.New(b.Click, b.Size, 1, b.QueryH, b.QueryW)
	sat = autograd.New(b.Satellite, b.Size, 3, b.SatH, b.SatW)
	return
}

// TrainStep runs forward and backward for one batch in training mode and leaves the
// gradients (scaled by gradScale, for accumulation over micro-batches) in the
// parameters. It returns the loss parts and the batch's evaluation on its own
// predictions. The loss is the official one: cls + geo + infonceWeight * InfoNCE.
//
// A non-finite loss or gradient stops the step with an error naming the step and the
// first tensor at fault; the parameters are not touched (the caller has not stepped
// the optimiser yet).
func (m *Model) TrainStep(b *loader.Batch, infonceWeight float32, gradScale float32) (Losses, EvalResult, error) {
	m.SetTraining(true)
	q, click, sat := batchTensors(b)
	out, err := m.Forward(q, click, sat, ForwardOpts{})
	if err != nil {
		return Losses{}, EvalResult{}, err
	}
	if i := autograd.FirstNonFinite(out.Boxes.Data); i >= 0 {
		return Losses{}, EvalResult{}, fmt.Errorf("non-finite head output at element %d (%v)", i, out.Boxes.Data[i])
	}
	s := m.Cfg.SatSize
	boxes := ClampBoxes(b.BBox, s)
	anchors := m.Anchors()
	tgt := BuildTarget(boxes, anchors, s, out.Boxes.Shape[3])
	geo, cls := YoloLoss(out.Boxes, tgt)
	loss := autograd.Add(cls, geo)
	if out.InfoNCE != nil && infonceWeight != 0 {
		loss = autograd.Add(loss, autograd.MulScalar(out.InfoNCE, infonceWeight))
	}
	l := Losses{Total: float64(loss.Item()), Geo: float64(geo.Item()), Cls: float64(cls.Item())}
	if out.InfoNCE != nil {
		l.InfoNCE = float64(out.InfoNCE.Item())
	}
	ev := EvalIoUAcc(out.Boxes.Data, b.Size, out.Boxes.Shape[3], anchors, s, boxes, tgt.GI, tgt.GJ)
	for name, v := range map[string]float64{"loss": l.Total, "geo": l.Geo, "cls": l.Cls, "infonce": l.InfoNCE} {
		if v != v || v > 1e30 || v < -1e30 {
			return l, ev, fmt.Errorf("non-finite %s loss (%v)", name, v)
		}
	}
	if gradScale != 1 {
		loss = autograd.MulScalar(loss, gradScale)
	}
	loss.Backward()
	names, params := nn.NamedParams(m)
	for i, p := range params {
		if p.Grad == nil {
			continue
		}
		if j := autograd.FirstNonFinite(p.Grad); j >= 0 {
			return l, ev, fmt.Errorf("non-finite gradient in %s at element %d (%v)", names[i], j, p.Grad[j])
		}
	}
	return l, ev, nil
}

// Predict runs inference on a batch and returns the raw head output, the attention
// maps and the decoded detections (in pixels of the satellite image).
func (m *Model) Predict(b *loader.Batch) (*Output, []Detection, error) {
	m.SetTraining(false)
	q, click, sat := batchTensors(b)
	var out *Output
	var err error
	autograd.NoGrad(func() { out, err = m.Forward(q, click, sat, ForwardOpts{}) })
	if err != nil {
		return nil, nil, err
	}
	dets := Decode(out.Boxes.Data, b.Size, out.Boxes.Shape[3], m.Anchors(), m.Cfg.SatSize)
	return out, dets, nil
}
