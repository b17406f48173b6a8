package halo

import (
	"math/rand/v2"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/nn"
)

type moduleRunner = func(nn.Module, func(*autograd.Tensor) *autograd.Tensor, *autograd.Tensor) *autograd.Tensor

// checkpointer returns the LSKNet hooks for Config.Recompute (block halves, branch
// chunks), or nils when it is off.
func (m *Model) checkpointer() (halves, branches moduleRunner) {
	if !m.Cfg.Recompute {
		return nil, nil
	}
	return m.checkpoint, m.samplewise
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
		st := pcgState(m.dropSrc)
		c := make([]int64, len(counts))
		for i, p := range counts {
			c[i] = *p
		}
		return func() {
			m.dropSrc.Seed(st[0], st[1])
			for i, p := range counts {
				*p = c[i]
			}
		}
	}
	return autograd.CheckpointState(save, func(in []*autograd.Tensor) *autograd.Tensor { return f(in[0]) }, x)
}

// samplewise runs a block branch (LSKAttention or LSKMlp) through
// autograd.CheckpointChunks. The MLP's dropout draws, for the whole batch, one number
// per element after the GELU (hidden channels) and then one per element after fc2;
// each chunk gets a generator positioned at its samples' places in those two runs, and
// the model's generator then advances past both, exactly as a whole-batch pass would.
func (m *Model) samplewise(mod nn.Module, f func(*autograd.Tensor) *autograd.Tensor, x *autograd.Tensor) *autograd.Tensor {
	fn := func(in []*autograd.Tensor) *autograd.Tensor { return f(in[0]) }
	chunk := m.Cfg.RecomputeChunk
	mlp, ok := mod.(*LSKMlp)
	if !ok || !mlp.Drop.Training || mlp.Drop.P == 0 {
		return autograd.CheckpointChunks(chunk, nil, fn, x)
	}
	b, hw := x.Shape[0], x.Shape[2]*x.Shape[3]
	per1 := uint64(mlp.FC1.Weight.Shape[0] * hw)
	per2 := uint64(x.Shape[1] * hw)
	base := pcgState(m.dropSrc)
	shared := mlp.Drop.Rng
	prepare := func(s, e int) func() {
		src := &segmentSource{n: 0, switchAt: uint64(e-s) * per1,
			second: pcgJump(base, uint64(b)*per1+uint64(s)*per2)}
		first := pcgJump(base, uint64(s)*per1)
		src.pcg.Seed(first[0], first[1])
		mlp.Drop.Rng = rand.New(src)
		return func() { mlp.Drop.Rng = shared }
	}
	y := autograd.CheckpointChunks(chunk, prepare, fn, x)
	end := pcgJump(base, uint64(b)*(per1+per2))
	m.dropSrc.Seed(end[0], end[1])
	return y
}

// segmentSource replays two stretches of a PCG stream: switchAt numbers from where
// pcg starts, then from the state second.
type segmentSource struct {
	pcg      rand.PCG
	n        uint64
	switchAt uint64
	second   [2]uint64
}

func (s *segmentSource) Uint64() uint64 {
	if s.n == s.switchAt {
		s.pcg.Seed(s.second[0], s.second[1])
	}
	s.n++
	return s.pcg.Uint64()
}

// TakePCG lets Dropout generate a run of draws in parallel (autograd.PCGRuns): the
// next n draws are one PCG run unless they straddle the switch to the second segment.
func (s *segmentSource) TakePCG(n uint64) ([2]uint64, bool) {
	if s.n < s.switchAt && s.n+n > s.switchAt {
		return [2]uint64{}, false
	}
	if s.n == s.switchAt && n > 0 {
		s.pcg.Seed(s.second[0], s.second[1])
	}
	st := pcgState(&s.pcg)
	end := pcgJump(st, n)
	s.pcg.Seed(end[0], end[1])
	s.n += n
	return st, true
}

// pcgState returns the 128-bit state (hi, lo) of p, as Seed takes it back.
func pcgState(p *rand.PCG) [2]uint64 { return autograd.PCGState(p) }

// pcgJump returns the PCG state n steps after st, in O(log n).
func pcgJump(st [2]uint64, n uint64) [2]uint64 { return autograd.PCGJump(st, n) }
