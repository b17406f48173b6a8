package halo

import (
	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/nn"
)

// checkpointer returns the block runner for Config.Recompute, or nil when it is off.
func (m *Model) checkpointer() func(nn.Module, func(*autograd.Tensor) *autograd.Tensor, *autograd.Tensor) *autograd.Tensor {
	if !m.Cfg.Recompute {
		return nil
	}
	return m.checkpoint
}

// checkpoint runs f(x), the forward of module mod, through autograd.CheckpointState.
// The recomputation must not leave a trace: the dropout generator is rewound so it
// redraws the forward's masks (and put back afterwards), and so are mod's BatchNorm
// batch counters, which nn.BatchNorm2d.Forward bumps on every training-mode call
// (the running statistics themselves skip the update while autograd.Recomputing).
func (m *Model) checkpoint(mod nn.Module, f func(*autograd.Tensor) *autograd.Tensor, x *autograd.Tensor) *autograd.Tensor {
	var counts []*int64
	mod.Visit("", func(_ string, e *nn.Entry) {
		if e.Count != nil {
			counts = append(counts, e.Count)
		}
	})
	save := func() func() {
		st, err := m.dropSrc.MarshalBinary()
		if err != nil {
			panic("halo: saving the dropout generator: " + err.Error())
		}
		c := make([]int64, len(counts))
		for i, p := range counts {
			c[i] = *p
		}
		return func() {
			if err := m.dropSrc.UnmarshalBinary(st); err != nil {
				panic("halo: restoring the dropout generator: " + err.Error())
			}
			for i, p := range counts {
				*p = c[i]
			}
		}
	}
	return autograd.CheckpointState(save, func(in []*autograd.Tensor) *autograd.Tensor { return f(in[0]) }, x)
}
