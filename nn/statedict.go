package nn

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/loader/safetensors"
)

// LoadReport lists the keys that did not load cleanly, sorted by name.
type LoadReport struct {
	Loaded        int      // entries copied into the module
	Missing       []string // module keys the source lacks
	Unexpected    []string // source keys the module lacks
	ShapeMismatch []string // "name: want [..] got [..]"
}

// OK reports whether every key matched.
func (r *LoadReport) OK() bool {
	return len(r.Missing) == 0 && len(r.Unexpected) == 0 && len(r.ShapeMismatch) == 0
}

// String summarises the problems: the first few names of each kind and counts.
func (r *LoadReport) String() string {
	if r.OK() {
		return fmt.Sprintf("%d entries loaded", r.Loaded)
	}
	var parts []string
	add := func(what string, names []string) {
		if len(names) == 0 {
			return
		}
		const show = 5
		s := fmt.Sprintf("%d %s (", len(names), what)
		if len(names) > show {
			s += strings.Join(names[:show], ", ") + fmt.Sprintf(", ... %d more)", len(names)-show)
		} else {
			s += strings.Join(names, ", ") + ")"
		}
		parts = append(parts, s)
	}
	add("missing", r.Missing)
	add("unexpected", r.Unexpected)
	add("with a shape mismatch", r.ShapeMismatch)
	return strings.Join(parts, "; ")
}

// Save writes every parameter and buffer of m to a safetensors file (atomically),
// under the state_dict keys; num_batches_tracked counters are I64 scalars.
func Save(path string, m Module, metadata map[string]string) error {
	tensors := make(map[string]safetensors.Tensor)
	var dup string
	m.Visit("", func(name string, e *Entry) {
		if _, ok := tensors[name]; ok && dup == "" {
			dup = name
		}
		if e.Count != nil {
			tensors[name] = safetensors.Tensor{Shape: []int{}, I64: []int64{*e.Count}}
			return
		}
		tensors[name] = safetensors.Tensor{Shape: append([]int{}, e.T.Shape...), F32: e.T.Data}
	})
	if dup != "" {
		return fmt.Errorf("nn.Save %s: the module reports key %q twice", path, dup)
	}
	return safetensors.WriteFile(path, tensors, metadata)
}

// Load reads a safetensors state dict (as written by Save or by converting a PyTorch
// state_dict) into m. With strict set, any missing, unexpected or mis-shaped key is
// an error and nothing is changed; otherwise everything that matches is loaded and
// the report says what did not.
func Load(path string, m Module, strict bool) (*LoadReport, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, fmt.Errorf("nn.Load: %w", err)
	}
	get := func(name string) ([]float32, []int, bool) {
		v, shape, err := f.Float32(name)
		return v, shape, err == nil
	}
	count := func(name string) (int64, []int, bool) {
		if !f.Has(name) {
			return 0, nil, false
		}
		if v, shape, err := f.Int64(name); err == nil {
			return first(v), shape, true
		}
		v, shape, err := f.Float32(name)
		return int64(first(v)), shape, err == nil
	}
	r, err := load(m, f.Names(), get, count, strict)
	if err != nil {
		return r, fmt.Errorf("nn.Load %s: %w", path, err)
	}
	return r, nil
}

// LoadTensors loads m from any tensor source (a checkpoint importer): get returns a
// tensor's float32 values and shape, or false if there is none. A getter cannot list
// what it holds, so the report has no Unexpected keys; see LoadNamed.
// num_batches_tracked counters are read as float32 scalars.
func LoadTensors(m Module, get func(name string) ([]float32, []int, bool), strict bool) (*LoadReport, error) {
	return LoadNamed(m, nil, get, strict)
}

// LoadNamed is LoadTensors for a source whose tensor names are known: every name in
// keys that m lacks is reported as Unexpected (and fails a strict load).
func LoadNamed(m Module, keys []string, get func(name string) ([]float32, []int, bool), strict bool) (*LoadReport, error) {
	count := func(name string) (int64, []int, bool) {
		v, shape, ok := get(name)
		return int64(first(v)), shape, ok
	}
	return load(m, keys, get, count, strict)
}

func first[T any](v []T) T {
	var z T
	if len(v) == 0 {
		return z
	}
	return v[0]
}

// load checks every key before copying anything, so a strict failure leaves m intact.
func load(m Module, names []string, get func(string) ([]float32, []int, bool),
	count func(string) (int64, []int, bool), strict bool) (*LoadReport, error) {
	r := &LoadReport{}
	var apply []func()
	known := make(map[string]bool)
	m.Visit("", func(name string, e *Entry) {
		nameTensor(name, e)
		known[name] = true
		var shape []int
		var found bool
		if e.Count != nil {
			var c int64
			c, shape, found = count(name)
			apply = append(apply, func() { *e.Count = c })
		} else {
			var v []float32
			v, shape, found = get(name)
			if found && len(v) != autograd.Numel(shape) {
				r.ShapeMismatch = append(r.ShapeMismatch, fmt.Sprintf("%s: source gives %d values for shape %v", name, len(v), shape))
				return
			}
			apply = append(apply, func() { copy(e.T.Data, v) })
		}
		switch {
		case !found:
			r.Missing = append(r.Missing, name)
			apply = apply[:len(apply)-1]
		case !autograd.SameShape(shape, e.Shape()):
			r.ShapeMismatch = append(r.ShapeMismatch, fmt.Sprintf("%s: want %v got %v", name, e.Shape(), shape))
			apply = apply[:len(apply)-1]
		}
	})
	for _, n := range names {
		if !known[n] {
			r.Unexpected = append(r.Unexpected, n)
		}
	}
	sort.Strings(r.Missing)
	sort.Strings(r.Unexpected)
	sort.Strings(r.ShapeMismatch)
	if strict && !r.OK() {
		return r, fmt.Errorf("state dict does not match the module: %s", r)
	}
	for _, f := range apply {
		f()
	}
	r.Loaded = len(apply)
	return r, nil
}
