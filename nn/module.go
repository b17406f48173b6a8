package nn

import (
	"strconv"

	"github.com/cvogl/halo/autograd"
)

// Module is anything holding parameters and buffers under PyTorch state_dict names.
//
// Visit reports every parameter and buffer in PyTorch's state_dict order (registration
// order), each with its full dotted name; containers call their children with
// Join(prefix, childName). SetTraining switches train/eval behaviour (BatchNorm,
// dropout) for the module and all of its children.
type Module interface {
	Visit(prefix string, fn func(name string, e *Entry))
	SetTraining(train bool)
}

// Entry is one state_dict entry: a float tensor (parameter or buffer) or, for
// BatchNorm's num_batches_tracked, an int64 scalar counter (T is nil then).
type Entry struct {
	T      *autograd.Tensor
	Buffer bool
	Count  *int64
}

// IsParam reports whether the entry is a parameter (not a buffer).
func (e *Entry) IsParam() bool { return !e.Buffer && e.T != nil }

// Shape returns the entry's shape ([] for a counter).
func (e *Entry) Shape() []int {
	if e.T == nil {
		return []int{}
	}
	return e.T.Shape
}

// Forwarder is a module (or function) mapping one tensor to one tensor.
type Forwarder interface {
	Forward(x *autograd.Tensor) *autograd.Tensor
}

// Join builds a dotted state_dict name: Join("", "weight") = "weight",
// Join("conv", "weight") = "conv.weight".
func Join(prefix, name string) string {
	switch {
	case prefix == "":
		return name
	case name == "":
		return prefix
	}
	return prefix + "." + name
}

// Child is a named sub-module.
type Child struct {
	Name string
	M    Module
}

// Children is an ordered list of named sub-modules. Model types embed it (filled in
// their constructor in PyTorch registration order) to get Visit and SetTraining.
// A nil M is skipped, like a PyTorch attribute set to None.
type Children []Child

// Visit visits each child under Join(prefix, child.Name), in order.
func (c Children) Visit(prefix string, fn func(name string, e *Entry)) {
	for _, ch := range c {
		if ch.M != nil {
			ch.M.Visit(Join(prefix, ch.Name), fn)
		}
	}
}

// SetTraining sets the mode of every child.
func (c Children) SetTraining(train bool) {
	for _, ch := range c {
		if ch.M != nil {
			ch.M.SetTraining(train)
		}
	}
}

// ParamEntry registers a raw parameter tensor (a layer-scale vector, logit_scale) as
// a module: placed in Children under its state_dict name, it reports itself under
// exactly that name.
type ParamEntry struct{ T *autograd.Tensor }

// Visit reports the tensor under prefix (which is already its full name).
func (p ParamEntry) Visit(prefix string, fn func(name string, e *Entry)) {
	if p.T != nil {
		fn(prefix, &Entry{T: p.T})
	}
}

// SetTraining does nothing: a bare tensor has no mode.
func (ParamEntry) SetTraining(bool) {}

// BufferEntry registers a raw persistent buffer tensor, like ParamEntry.
type BufferEntry struct{ T *autograd.Tensor }

// Visit reports the buffer under prefix.
func (b BufferEntry) Visit(prefix string, fn func(name string, e *Entry)) {
	if b.T != nil {
		fn(prefix, &Entry{T: b.T, Buffer: true})
	}
}

// SetTraining does nothing: a bare tensor has no mode.
func (BufferEntry) SetTraining(bool) {}

// Func wraps a parameter-free function (an activation) as a module, so it can take a
// numbered slot in a Sequential exactly where PyTorch has e.g. nn.ReLU().
type Func func(x *autograd.Tensor) *autograd.Tensor

// Forward applies the function.
func (f Func) Forward(x *autograd.Tensor) *autograd.Tensor { return f(x) }

// Visit reports nothing.
func (Func) Visit(string, func(string, *Entry)) {}

// SetTraining does nothing.
func (Func) SetTraining(bool) {}

// Sequential holds numbered children ("0", "1", ...) and chains their Forward.
type Sequential struct {
	Layers []Module
}

// NewSequential returns a Sequential of the given modules.
func NewSequential(layers ...Module) *Sequential { return &Sequential{Layers: layers} }

// Visit visits child i under Join(prefix, "i").
func (s *Sequential) Visit(prefix string, fn func(name string, e *Entry)) {
	for i, m := range s.Layers {
		m.Visit(Join(prefix, strconv.Itoa(i)), fn)
	}
}

// SetTraining sets the mode of every child.
func (s *Sequential) SetTraining(train bool) {
	for _, m := range s.Layers {
		m.SetTraining(train)
	}
}

// Forward applies the children in order. Every child must implement Forwarder.
func (s *Sequential) Forward(x *autograd.Tensor) *autograd.Tensor {
	for i, m := range s.Layers {
		f, ok := m.(Forwarder)
		if !ok {
			panic("nn.Sequential: child " + strconv.Itoa(i) + " has no Forward method")
		}
		x = f.Forward(x)
	}
	return x
}

// StateKeys returns every state_dict key in PyTorch order.
func StateKeys(m Module) []string {
	var keys []string
	m.Visit("", func(name string, e *Entry) {
		nameTensor(name, e)
		keys = append(keys, name)
	})
	return keys
}

// StateDict returns every parameter and buffer by state_dict key. The entries share
// the module's tensors: writing into e.T.Data or *e.Count changes the module.
func StateDict(m Module) map[string]*Entry {
	sd := make(map[string]*Entry)
	m.Visit("", func(name string, e *Entry) {
		nameTensor(name, e)
		sd[name] = e
	})
	return sd
}

// NamedParams returns the trainable parameters (requiring a gradient) and their
// names, in order. A tensor registered twice is listed once, under its first name,
// like PyTorch's named_parameters.
func NamedParams(m Module) ([]string, []*autograd.Tensor) {
	var names []string
	var ps []*autograd.Tensor
	seen := make(map[*autograd.Tensor]bool)
	m.Visit("", func(name string, e *Entry) {
		if !e.IsParam() || seen[e.T] {
			return
		}
		seen[e.T] = true
		nameTensor(name, e)
		if e.T.RequiresGrad() {
			names = append(names, name)
			ps = append(ps, e.T)
		}
	})
	return names, ps
}

// Params returns the trainable parameters in order (see NamedParams); this is the
// list optimisers take and the order PyTorch's model.parameters() gives.
func Params(m Module) []*autograd.Tensor {
	_, ps := NamedParams(m)
	return ps
}

// NumParams returns the number of parameter elements (buffers excluded, trainable
// or not, shared tensors counted once), as sum(p.numel() for p in model.parameters()).
func NumParams(m Module) int {
	n := 0
	seen := make(map[*autograd.Tensor]bool)
	m.Visit("", func(_ string, e *Entry) {
		if e.IsParam() && !seen[e.T] {
			seen[e.T] = true
			n += e.T.Numel()
		}
	})
	return n
}

// ZeroGrad clears the gradient of every parameter.
func ZeroGrad(m Module) {
	m.Visit("", func(_ string, e *Entry) {
		if e.IsParam() {
			e.T.ZeroGrad()
		}
	})
}

func nameTensor(name string, e *Entry) {
	if e.T != nil && e.T.Name == "" {
		e.T.Name = name
	}
}
