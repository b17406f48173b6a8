package nn

import (
	"math"
	"strings"
)

// The golden reference data (../shared/golden/README.md, section 4) fills every
// state_dict entry from a hash of its name, so a 43M-parameter model can be rebuilt
// bit-exactly without storing it. The arithmetic below follows that text literally.

// LogitScaleInit is the official initial value of InfoNCE's logit_scale,
// float32(ln(1/0.07)).
var LogitScaleInit = float32(math.Log(1 / 0.07))

// fnv1a64 hashes the UTF-8 bytes of s.
func fnv1a64(s string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	return h
}

// SplitMix64 is the generator of the golden data: Next returns successive outputs.
type SplitMix64 struct{ State uint64 }

// Next advances the state and returns the next output.
func (s *SplitMix64) Next() uint64 {
	s.State += 0x9E3779B97F4A7C15
	z := s.State
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// GoldenStream returns the generator for a state_dict name and seed:
// state = seed XOR fnv1a64(name).
func GoldenStream(name string, seed uint64) *SplitMix64 {
	return &SplitMix64{State: seed ^ fnv1a64(name)}
}

// GoldenU maps a generator output to u in [-1, 1) exactly.
func GoldenU(x uint64) float64 {
	return float64(x>>40)/(1<<23) - 1.0
}

// goldenRule names the README rule (as the manifest's generator_check entry spells
// it) that applies to a state_dict entry; first match wins.
func goldenRule(name string, shape []int) string {
	isWeight := name == "weight" || strings.HasSuffix(name, ".weight")
	isBias := name == "bias" || strings.HasSuffix(name, ".bias")
	switch {
	case strings.HasSuffix(name, "num_batches_tracked"):
		return "zero"
	case strings.HasSuffix(name, "running_mean"):
		return "running_mean"
	case strings.HasSuffix(name, "running_var"):
		return "running_var"
	case strings.HasSuffix(name, "logit_scale"):
		return "official_init"
	case len(shape) == 1 && isWeight:
		return "norm_weight"
	case isBias:
		return "bias"
	case len(shape) >= 2:
		return "fan_in"
	}
	return "other"
}

// goldenValue maps u to the rule's float64 value. Products are converted explicitly
// before the addition: that forbids fusing them into an FMA, which would change the
// last bit on architectures where Go fuses (arm64).
func goldenValue(rule string, shape []int) func(u float64) float64 {
	switch rule {
	case "running_var":
		return func(u float64) float64 { return 1 + float64(0.5*math.Abs(u)) }
	case "norm_weight":
		return func(u float64) float64 { return 1 + float64(0.1*u) }
	case "fan_in":
		fanIn := 1
		for _, d := range shape[1:] {
			fanIn *= d
		}
		scale := 1 / math.Sqrt(float64(fanIn))
		return func(u float64) float64 { return u * scale }
	}
	// running_mean, bias, other
	return func(u float64) float64 { return 0.1 * u }
}

// GoldenValues returns the generated values of a float state_dict entry (README
// rules 2-8, and rule 4: logit_scale is the constant LogitScaleInit). Each value is
// computed in float64 and rounded once to float32. For num_batches_tracked (rule 1)
// it returns zeros.
func GoldenValues(name string, shape []int, seed uint64) []float32 {
	n := 1
	for _, d := range shape {
		n *= d
	}
	out := make([]float32, n)
	rule := goldenRule(name, shape)
	switch rule {
	case "zero":
		return out
	case "official_init":
		for i := range out {
			out[i] = LogitScaleInit
		}
		return out
	}
	f := goldenValue(rule, shape)
	g := GoldenStream(name, seed)
	for i := range out {
		out[i] = float32(f(GoldenU(g.Next())))
	}
	return out
}

// FillGolden overwrites every parameter and buffer of m with the golden generator's
// values for its state_dict name (num_batches_tracked counters are set to 0).
func FillGolden(m Module, seed uint64) {
	m.Visit("", func(name string, e *Entry) {
		nameTensor(name, e)
		if e.Count != nil {
			*e.Count = 0
		}
		if e.T != nil {
			copy(e.T.Data, GoldenValues(name, e.T.Shape, seed))
		}
	})
}
