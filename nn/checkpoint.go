package nn

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/loader/safetensors"
)

// Checkpoint files use the layout of the golden checkpoint_minihalo.safetensors (the
// official save_checkpoint dict flattened): "state_dict.<key>" for the model and
// "optimizer.state.<param index>.<field>" for the optimiser, step counts as I64.
const (
	ckptModel = "state_dict."
	ckptOpt   = "optimizer.state."
)

// SaveCheckpoint writes the model state and, if opt is non-nil, the optimiser state
// to one safetensors file (atomically), with metadata (epoch, loss, ...) as strings.
func SaveCheckpoint(path string, m Module, opt Optimizer, metadata map[string]string) error {
	tensors := make(map[string]safetensors.Tensor)
	m.Visit("", func(name string, e *Entry) {
		if e.Count != nil {
			tensors[ckptModel+name] = safetensors.Tensor{Shape: []int{}, I64: []int64{*e.Count}}
		} else {
			tensors[ckptModel+name] = safetensors.Tensor{Shape: append([]int{}, e.T.Shape...), F32: e.T.Data}
		}
	})
	if opt != nil {
		var params []*autograd.Tensor
		if o, ok := opt.(interface{ Params() []*autograd.Tensor }); ok {
			params = o.Params()
		}
		for k, v := range opt.State() {
			idx, field, _ := strings.Cut(k, ".")
			shape := []int{len(v)}
			if i, err := strconv.Atoi(idx); err == nil && i < len(params) && len(params[i].Data) == len(v) {
				shape = append([]int{}, params[i].Shape...) // PyTorch stores state in the parameter's shape
			}
			if field == "step" {
				tensors[ckptOpt+k] = safetensors.Tensor{Shape: []int{}, I64: []int64{int64(v[0])}}
			} else {
				tensors[ckptOpt+k] = safetensors.Tensor{Shape: shape, F32: v}
			}
		}
	}
	return safetensors.WriteFile(path, tensors, metadata)
}

// LoadCheckpoint reads a checkpoint written by SaveCheckpoint (or converted from an
// official one): the model state into m (a "module." prefix from DataParallel is
// stripped), the optimiser state into opt when opt is non-nil, and returns the
// metadata. With strict set the model keys must match exactly (see Load).
func LoadCheckpoint(path string, m Module, opt Optimizer, strict bool) (map[string]string, *LoadReport, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("nn.LoadCheckpoint: %w", err)
	}
	var keys []string
	state := make(map[string][]float32)
	for _, n := range f.Names() {
		switch {
		case strings.HasPrefix(n, ckptModel):
			keys = append(keys, strings.TrimPrefix(n, ckptModel))
		case strings.HasPrefix(n, ckptOpt) && opt != nil:
			v, _, err := f.Float32(n)
			if err != nil {
				return nil, nil, fmt.Errorf("nn.LoadCheckpoint %s: %w", path, err)
			}
			state[strings.TrimPrefix(n, ckptOpt)] = v
		}
	}
	prefix := ckptModel
	if len(keys) > 0 && allHavePrefix(keys, "module.") {
		prefix += "module."
		for i := range keys {
			keys[i] = strings.TrimPrefix(keys[i], "module.")
		}
	}
	get := func(name string) ([]float32, []int, bool) {
		v, shape, err := f.Float32(prefix + name)
		return v, shape, err == nil
	}
	count := func(name string) (int64, []int, bool) {
		if v, shape, err := f.Int64(prefix + name); err == nil {
			return first(v), shape, true
		}
		v, shape, ok := get(name)
		return int64(first(v)), shape, ok
	}
	r, err := load(m, keys, get, count, strict)
	if err != nil {
		return nil, r, fmt.Errorf("nn.LoadCheckpoint %s: %w", path, err)
	}
	if opt != nil {
		if err := opt.LoadState(state); err != nil {
			return nil, r, fmt.Errorf("nn.LoadCheckpoint %s: %w", path, err)
		}
	}
	return f.Metadata, r, nil
}

func allHavePrefix(keys []string, p string) bool {
	for _, k := range keys {
		if !strings.HasPrefix(k, p) {
			return false
		}
	}
	return true
}
