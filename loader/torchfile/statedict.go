package torchfile

import (
	"errors"
	"fmt"
	"strings"
)

// stateDictKeys are the wrapper-dict keys under which training scripts store the model
// weights (HALO's save_checkpoint uses "state_dict").
var stateDictKeys = []string{"state_dict", "model_state_dict", "model"}

// StateDict finds the tensor dictionary of a checkpoint: the root itself when it maps
// names to tensors, or the dict under "state_dict", "model_state_dict" or "model" of a
// wrapper dict. It returns the tensors by name and the names in file order; non-tensor
// values are skipped. Key names are returned unchanged (see StripPrefix).
func StateDict(root any) (map[string]*Tensor, []string, error) {
	d, ok := root.(*Dict)
	if !ok {
		return nil, nil, fmt.Errorf("torchfile: checkpoint root is a %s, not a dict", typeName(root))
	}
	// The wrapper is checked first: {'epoch':.., 'best_loss': tensor, 'state_dict': ..}
	// has a tensor value of its own.
	for _, k := range stateDictKeys {
		v, ok := d.Get(k)
		if !ok {
			continue
		}
		sub, ok := v.(*Dict)
		if !ok {
			if o, isObj := v.(*Object); isObj {
				return nil, nil, fmt.Errorf("torchfile: %q is a pickled %s.%s module, not a state_dict", k, o.Module, o.Name)
			}
			continue
		}
		if m, keys, err := tensorDict(sub); err == nil {
			return m, keys, nil
		}
	}
	m, keys, err := tensorDict(d)
	if err != nil {
		return nil, nil, fmt.Errorf("torchfile: no state_dict found: %w", err)
	}
	return m, keys, nil
}

func tensorDict(d *Dict) (map[string]*Tensor, []string, error) {
	m := make(map[string]*Tensor)
	var keys []string
	for i, k := range d.Keys {
		t, ok := d.Values[i].(*Tensor)
		if !ok {
			continue
		}
		name, ok := k.(string)
		if !ok {
			return nil, nil, fmt.Errorf("tensor under a %s key", typeName(k))
		}
		if _, dup := m[name]; !dup {
			keys = append(keys, name)
		}
		m[name] = t
	}
	if len(keys) == 0 {
		return nil, nil, errors.New("dict holds no tensors")
	}
	return m, keys, nil
}

// StripPrefix returns keys with prefix removed from those that start with it, e.g.
// StripPrefix(keys, "module.") for checkpoints saved from torch.nn.DataParallel.
func StripPrefix(keys []string, prefix string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = strings.TrimPrefix(k, prefix)
	}
	return out
}
