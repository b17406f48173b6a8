package autograd

import (
	"sync"
	"sync/atomic"
	"time"
)

// BackwardProfile times the backward pass node by node: per op kind (the name an op
// gave Record) and per tag, a label the caller attached to the part of the graph a
// stage of its forward built (see Tag). It exists for `halo bench --profile`.
type BackwardProfile struct {
	mu    sync.Mutex
	tags  map[*node]string
	byOp  map[string]*ProfileEntry
	byTag map[string]*ProfileEntry
}

// ProfileEntry is the accumulated backward time of one op kind or tag.
type ProfileEntry struct {
	Name  string
	Calls int
	Time  time.Duration
}

// activeProfile is the installed profile; nil (the normal case) costs one atomic
// load per backward node.
var activeProfile atomic.Pointer[BackwardProfile]

// StartBackwardProfile installs a new profile that every following backward pass
// (on any goroutine) reports into, replacing any installed one, and returns it.
func StartBackwardProfile() *BackwardProfile {
	p := &BackwardProfile{tags: map[*node]string{}, byOp: map[string]*ProfileEntry{}, byTag: map[string]*ProfileEntry{}}
	activeProfile.Store(p)
	return p
}

// Stop uninstalls p (if it is still the installed profile).
func (p *BackwardProfile) Stop() { activeProfile.CompareAndSwap(p, nil) }

// Tag labels every not yet labelled node of the graph that produced outputs. Called
// after each stage of a forward pass with that stage's outputs, it labels exactly the
// nodes the stage added, since the earlier stages' nodes already carry their labels.
// Nodes left unlabelled report under the tag "".
func (p *BackwardProfile) Tag(tag string, outputs ...*Tensor) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var stack []*node
	for _, o := range outputs {
		if o != nil && o.node != nil {
			stack = append(stack, o.node)
		}
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if _, done := p.tags[n]; done {
			continue
		}
		p.tags[n] = tag
		for _, in := range n.inputs {
			if in != nil && in.node != nil {
				stack = append(stack, in.node)
			}
		}
	}
}

// ByOp returns the accumulated time per op kind, slowest first.
func (p *BackwardProfile) ByOp() []ProfileEntry { return p.sorted(p.byOp) }

// ByTag returns the accumulated time per tag, slowest first.
func (p *BackwardProfile) ByTag() []ProfileEntry { return p.sorted(p.byTag) }

// Total returns the time spent in backward nodes.
func (p *BackwardProfile) Total() time.Duration {
	var t time.Duration
	for _, e := range p.ByOp() {
		t += e.Time
	}
	return t
}

func (p *BackwardProfile) sorted(m map[string]*ProfileEntry) []ProfileEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]ProfileEntry, 0, len(m))
	for _, e := range m {
		out = append(out, *e)
	}
	// Insertion sort: a few dozen entries.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && (out[j].Time > out[j-1].Time || out[j].Time == out[j-1].Time && out[j].Name < out[j-1].Name); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func (p *BackwardProfile) add(n *node, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	tag := p.tags[n]
	delete(p.tags, n) // the graph is freed as backward runs
	for _, x := range []struct {
		m    map[string]*ProfileEntry
		name string
	}{{p.byOp, n.op}, {p.byTag, tag}} {
		e := x.m[x.name]
		if e == nil {
			e = &ProfileEntry{Name: x.name}
			x.m[x.name] = e
		}
		e.Calls++
		e.Time += d
	}
}

// runBackward runs one node's backward, timing it when a profile is installed.
func runBackward(n *node, g []float32) {
	p := activeProfile.Load()
	if p == nil {
		n.backward(g)
		return
	}
	start := time.Now()
	n.backward(g)
	p.add(n, time.Since(start))
}
