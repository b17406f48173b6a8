package halo

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/loader/safetensors"
	"github.com/cvogl/halo/loader/torchfile"
	"github.com/cvogl/halo/nn"
)

// Kinds of PyTorch weight files ImportPyTorch understands.
const (
	KindAuto     = "auto"     // decide from the key names
	KindResNet18 = "resnet18" // torchvision resnet18-*.pth -> query_resnet.base_model.*
	KindLSKNet   = "lsknet"   // LSKNet-S lsk_s_backbone-*.pth -> reference_lsknet.*
	KindHALO     = "halo"     // an official HALO checkpoint (*_model_best.pth.tar) -> the whole model
)

// ModelFormat is the "format" metadata of the safetensors files SaveModel and the
// trainer write (state_dict.<key> entries, model Config as JSON under "config").
const ModelFormat = "halo-go checkpoint v1"

// backbonePrefix is where each backbone kind's keys live in the model.
var backbonePrefix = map[string]string{
	KindResNet18: "query_resnet.base_model.",
	KindLSKNet:   "reference_lsknet.",
	KindHALO:     "",
}

// ImportReport says what an import did with every key of the source and of the model.
type ImportReport struct {
	File   string
	Format string // zip, legacy or pickle (torch.save forms), or safetensors
	Kind   string // resnet18, lsknet or halo (after auto-detection)
	// Mapped lists the tensors copied, source key -> model key, in model order.
	Mapped []KeyMapping
	// Unused: source keys with no place in the model (a classifier's fc.* or head.*).
	Unused []string
	// Missing: model keys the file does not provide; they keep their current values
	// (for a backbone file: everything outside that backbone).
	Missing []string
	// MissingCounters: BatchNorm num_batches_tracked counters the file lacks (older
	// torchvision files have none); they keep their values and change no computation.
	MissingCounters []string
	// ShapeMismatch: "key: file [..] vs model [..]". Any entry makes the import fail.
	ShapeMismatch []string
	// Converted counts the mapped tensors stored in another dtype than float32, by dtype.
	Converted map[string]int
}

// KeyMapping is one copied tensor.
type KeyMapping struct{ From, To string }

// Summary is a one-line account of the import.
func (r *ImportReport) Summary() string {
	s := fmt.Sprintf("%s (%s): %d tensors imported into %s", r.File, r.Kind, len(r.Mapped), strings.Join(moduleCounts(mappedTo(r.Mapped)), ", "))
	if len(r.Unused) > 0 {
		s += fmt.Sprintf("; %d unused (%s)", len(r.Unused), listSome(r.Unused, 4))
	}
	if len(r.ShapeMismatch) > 0 {
		s += fmt.Sprintf("; %d shape mismatches", len(r.ShapeMismatch))
	}
	return s
}

// String is the full human-readable report: what was mapped (per sub-module), which
// source keys were not used, which model keys kept their initialisation, shape
// mismatches and dtype conversions.
func (r *ImportReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "import of %s (%s, read as %s)\n", r.File, r.Format, r.Kind)
	if len(r.ShapeMismatch) > 0 {
		fmt.Fprintf(&b, "  FAILED on %d shape mismatches (listed last): nothing was copied\n", len(r.ShapeMismatch))
	}
	fmt.Fprintf(&b, "  mapped: %d tensors\n", len(r.Mapped))
	for _, line := range moduleCounts(mappedTo(r.Mapped)) {
		fmt.Fprintf(&b, "    %s\n", line)
	}
	if len(r.Mapped) > 0 {
		ex := r.Mapped[0]
		if ex.From == ex.To {
			fmt.Fprintf(&b, "    names unchanged, e.g. %s\n", ex.To)
		} else {
			fmt.Fprintf(&b, "    e.g. %s -> %s\n", ex.From, ex.To)
		}
	}
	if len(r.Converted) > 0 {
		var parts []string
		for _, dt := range sortedDTypes(r.Converted) {
			parts = append(parts, fmt.Sprintf("%d %s", r.Converted[dt], dt))
		}
		fmt.Fprintf(&b, "  converted to float32: %s\n", strings.Join(parts, ", "))
	}
	if len(r.Unused) > 0 {
		fmt.Fprintf(&b, "  unused in the file: %d (%s)\n", len(r.Unused), listSome(r.Unused, 8))
	} else {
		fmt.Fprintf(&b, "  unused in the file: none\n")
	}
	if len(r.Missing) > 0 {
		fmt.Fprintf(&b, "  not in the file, kept as they were: %d tensors\n", len(r.Missing))
		for _, line := range moduleCounts(r.Missing) {
			fmt.Fprintf(&b, "    %s\n", line)
		}
	} else {
		fmt.Fprintf(&b, "  every model tensor came from the file\n")
	}
	if len(r.MissingCounters) > 0 {
		fmt.Fprintf(&b, "  num_batches_tracked counters not in the file: %d (kept; they do not affect the network)\n", len(r.MissingCounters))
	}
	if len(r.ShapeMismatch) > 0 {
		fmt.Fprintf(&b, "  shape mismatches: %d\n", len(r.ShapeMismatch))
		const show = 20
		for i, s := range r.ShapeMismatch {
			if i == show {
				fmt.Fprintf(&b, "    ... %d more\n", len(r.ShapeMismatch)-show)
				break
			}
			fmt.Fprintf(&b, "    %s\n", s)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func mappedTo(ms []KeyMapping) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.To
	}
	return out
}

// moduleCounts groups keys by their top-level module and returns "module.* (n)"
// in first-seen order.
func moduleCounts(keys []string) []string {
	var order []string
	n := map[string]int{}
	for _, k := range keys {
		mod, _, _ := strings.Cut(k, ".")
		if _, ok := n[mod]; !ok {
			order = append(order, mod)
		}
		n[mod]++
	}
	out := make([]string, len(order))
	for i, m := range order {
		out[i] = fmt.Sprintf("%s.* (%d)", m, n[m])
	}
	return out
}

func listSome(names []string, show int) string {
	if len(names) <= show {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:show], ", ") + fmt.Sprintf(", ... %d more", len(names)-show)
}

func sortedDTypes(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// ImportPyTorch copies the weights of a torch.save file (zip, legacy or plain pickle;
// any storage location, e.g. cuda:0) into m. kind says what the file holds:
//
//   - "resnet18": a torchvision ResNet18 state_dict (conv1.weight, bn1.*, layer1.0.*,
//     ..., fc.*) for query_resnet.base_model (fc.* is unused);
//   - "lsknet": an LSKNet state_dict (patch_embed1.*, block1.0.*, norm1.*, ...,
//     possibly head.*) for reference_lsknet, as lsk_s_backbone-e9d2e551.pth;
//   - "halo": an official HALO checkpoint ({'state_dict': {'module.<key>': ..}, ...}) or
//     a bare HALO state_dict, for the whole model;
//   - "auto" (or ""): decided from the key names.
//
// A "module." prefix common to all keys (DataParallel) is dropped, and for the
// backbones also a common "backbone." prefix (detection frameworks). Tensors of any
// float dtype convert to float32; num_batches_tracked counters are read as integers.
// The model keys the file lacks keep their values (see the report). A shape mismatch
// on a mapped key, an unreadable file or a file in which nothing maps is an error, and
// then m is left unchanged.
func ImportPyTorch(path string, m *Model, kind string) (*ImportReport, error) {
	if m == nil {
		return nil, fmt.Errorf("halo: import %s: nil model", path)
	}
	return importInto(path, m, kind)
}

func importInto(path string, m nn.Module, kind string) (*ImportReport, error) {
	switch kind {
	case "", KindAuto, KindResNet18, KindLSKNet, KindHALO:
	default:
		return nil, fmt.Errorf("halo: import %s: unknown kind %q (want auto, resnet18, lsknet or halo)", path, kind)
	}
	f, err := torchfile.Open(path)
	if err != nil {
		return nil, fileError(path, "import", err)
	}
	sd, keys, err := torchfile.StateDict(f.Root)
	if err != nil {
		return nil, fileError(path, "import", err)
	}
	src := make([]srcTensor, len(keys))
	for i, k := range keys {
		src[i] = torchTensor{sd[k]}
	}
	return assign(m, path, string(f.Format), kind, keys, src)
}

// srcTensor is one tensor of a weights file, decoded on demand.
type srcTensor interface {
	shape() []int
	dtype() string // PyTorch's names: float32, float16, int64, ...
	float32() ([]float32, error)
	count() (int64, error) // the value of a one-element tensor as an integer
	f32Raw(n int) []byte   // the bytes of a float32 tensor of n elements, or nil
}

type torchTensor struct{ t *torchfile.Tensor }

func (s torchTensor) shape() []int                { return s.t.Shape }
func (s torchTensor) dtype() string               { return s.t.DType }
func (s torchTensor) float32() ([]float32, error) { return s.t.Float32() }
func (s torchTensor) count() (int64, error) {
	if strings.HasPrefix(s.t.DType, "float") || s.t.DType == "bfloat16" {
		v, err := s.t.Float32()
		if err != nil || len(v) != 1 {
			return 0, err
		}
		return int64(v[0]), nil
	}
	v, err := s.t.Int64()
	if err != nil || len(v) != 1 {
		return 0, err
	}
	return v[0], nil
}

// f32Raw returns the little-endian bytes of a contiguous float32 tensor of n
// elements held in memory, or nil (other dtypes, strided views).
func (s torchTensor) f32Raw(n int) []byte {
	t := s.t
	if t.DType != "float32" || t.Storage == nil || t.Storage.DType != "float32" || !t.IsContiguous() || t.Numel() != n || t.Offset < 0 {
		return nil
	}
	lo, hi := 4*int64(t.Offset), 4*(int64(t.Offset)+int64(n))
	if hi > int64(len(t.Storage.Data)) {
		return nil // let float32() report the short storage
	}
	return t.Storage.Data[lo:hi]
}

type stTensor struct {
	f    *safetensors.File
	name string
	info safetensors.Info
}

var stDTypes = map[string]string{"F32": "float32", "F64": "float64", "F16": "float16", "BF16": "bfloat16",
	"I64": "int64", "I32": "int32", "U8": "uint8", "BOOL": "bool"}

func (s stTensor) shape() []int  { return s.info.Shape }
func (s stTensor) dtype() string { return stDTypes[s.info.DType] }
func (s stTensor) float32() ([]float32, error) {
	v, _, err := s.f.Float32(s.name)
	return v, err
}

// f32Raw returns the bytes of an F32 tensor of n elements, or nil.
func (s stTensor) f32Raw(n int) []byte {
	b, in, err := s.f.Raw(s.name)
	if err != nil || in.DType != "F32" || len(b) != 4*n {
		return nil
	}
	return b
}

func (s stTensor) count() (int64, error) {
	if v, _, err := s.f.Int64(s.name); err == nil && len(v) == 1 {
		return v[0], nil
	}
	v, _, err := s.f.Float32(s.name)
	if err != nil || len(v) != 1 {
		return 0, err
	}
	return int64(v[0]), nil
}

// commonPrefix reports whether every key starts with p.
func commonPrefix(keys []string, p string) bool {
	if len(keys) == 0 {
		return false
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, p) {
			return false
		}
	}
	return true
}

// haloModules are top-level HALO module names; a key under any of them marks a
// whole-model checkpoint.
var haloModules = []string{"query_resnet.", "reference_lsknet.", "combine_clickptns_conv.", "fpn_query.", "fpn_sat.",
	"sat_selfattn_l1.", "sat_selfattn_l2.", "query_mapping_visu_l1.", "reference_mapping_visu_l2.", "InfoNCE_sem_serial.", "fcn_out."}

// detectKind names what a state_dict (prefixes already dropped) holds, or "".
func detectKind(keys []string) string {
	has := make(map[string]bool, len(keys))
	for _, k := range keys {
		has[k] = true
	}
	for _, k := range keys {
		for _, p := range haloModules {
			if strings.HasPrefix(k, p) {
				return KindHALO
			}
		}
	}
	switch {
	case has["conv1.weight"] && has["bn1.weight"] && has["layer1.0.conv1.weight"]:
		return KindResNet18
	case has["patch_embed1.proj.weight"] || has["block1.0.layer_scale_1"]:
		return KindLSKNet
	}
	return ""
}

// assign maps source keys onto m's state_dict keys for kind and copies the tensors.
// Everything is checked and converted before anything is written, so a failure
// leaves m unchanged.
func assign(m nn.Module, path, format, kind string, keys []string, src []srcTensor) (*ImportReport, error) {
	names := slices.Clone(keys)
	if commonPrefix(names, "module.") {
		names = torchfile.StripPrefix(names, "module.")
	}
	detected := detectKind(names)
	if detected == "" && commonPrefix(names, "backbone.") {
		detected = detectKind(torchfile.StripPrefix(names, "backbone."))
	}
	if kind == "" || kind == KindAuto {
		if detected == "" {
			return nil, fmt.Errorf("halo: import %s: cannot tell what the file holds from its %d keys (%s); pass the kind (resnet18, lsknet or halo)",
				path, len(keys), listSome(keys, 4))
		}
		kind = detected
	}
	if kind != KindHALO && commonPrefix(names, "backbone.") {
		names = torchfile.StripPrefix(names, "backbone.")
	}
	r := &ImportReport{File: path, Format: format, Kind: kind, Converted: map[string]int{}}
	byTarget := make(map[string]int, len(names))
	for i, n := range names {
		byTarget[backbonePrefix[kind]+n] = i
	}
	used := make([]bool, len(keys))
	type job struct {
		e   *nn.Entry
		src srcTensor
		key string
	}
	var jobs []job
	m.Visit("", func(name string, e *nn.Entry) {
		i, ok := byTarget[name]
		if !ok {
			if e.Count != nil {
				r.MissingCounters = append(r.MissingCounters, name)
			} else {
				r.Missing = append(r.Missing, name)
			}
			return
		}
		used[i] = true
		s := src[i]
		if e.Count != nil {
			if autograd.Numel(s.shape()) != 1 {
				r.ShapeMismatch = append(r.ShapeMismatch, fmt.Sprintf("%s: file %v vs model [] (a counter)", keys[i], s.shape()))
				return
			}
		} else if !autograd.SameShape(s.shape(), e.T.Shape) {
			r.ShapeMismatch = append(r.ShapeMismatch, fmt.Sprintf("%s: file %v vs model %v", keys[i], s.shape(), e.T.Shape))
			return
		}
		jobs = append(jobs, job{e, s, keys[i]})
		r.Mapped = append(r.Mapped, KeyMapping{From: keys[i], To: name})
	})
	for i, k := range keys {
		if !used[i] {
			r.Unused = append(r.Unused, k)
		}
	}
	if len(r.ShapeMismatch) > 0 {
		return r, fmt.Errorf("halo: import %s as %s: %d tensors do not fit the model (another architecture or preset?): %s",
			path, kind, len(r.ShapeMismatch), listSome(r.ShapeMismatch, 3))
	}
	if len(r.Mapped) == 0 {
		hint := ""
		if detected != "" && detected != kind {
			hint = fmt.Sprintf(" (its keys look like a %s file)", detected)
		}
		return r, fmt.Errorf("halo: import %s: none of its %d tensors fits the model as %s%s", path, len(keys), kind, hint)
	}
	vals := make([][]float32, len(jobs))
	counts := make([]int64, len(jobs))
	// float32 tensors whose bytes are in memory and in bounds decode straight into
	// the model in the second pass: no staging copy, and nothing there can fail.
	direct := make([][]byte, len(jobs))
	for j, jb := range jobs {
		var err error
		if jb.e.Count == nil {
			if direct[j] = jb.src.f32Raw(len(jb.e.T.Data)); direct[j] != nil {
				continue
			}
		}
		if jb.e.Count != nil {
			counts[j], err = jb.src.count()
		} else {
			vals[j], err = jb.src.float32()
			if err == nil && len(vals[j]) != len(jb.e.T.Data) {
				err = fmt.Errorf("%d values for %d elements", len(vals[j]), len(jb.e.T.Data))
			}
			if dt := jb.src.dtype(); dt != "float32" {
				r.Converted[dt]++
			}
		}
		if err != nil {
			return r, fmt.Errorf("halo: import %s: tensor %s: %v", path, jb.key, err)
		}
	}
	for j, jb := range jobs {
		switch {
		case direct[j] != nil:
			for i := range jb.e.T.Data {
				jb.e.T.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(direct[j][4*i:]))
			}
		case jb.e.Count != nil:
			*jb.e.Count = counts[j]
		default:
			copy(jb.e.T.Data, vals[j])
		}
	}
	return r, nil
}

// fileError wraps err so that it names path exactly once.
func fileError(path, what string, err error) error {
	if strings.Contains(err.Error(), path) {
		return fmt.Errorf("halo: %s: %w", what, err)
	}
	return fmt.Errorf("halo: %s %s: %w", what, path, err)
}

// LoadInfo says where LoadModel's weights and configuration came from.
type LoadInfo struct {
	// Path is the weights file read (for a run directory, its best or last checkpoint).
	Path string
	// ConfigSource: "checkpoint metadata", the config.json path, "fallback", or
	// "fallback (official checkpoint)".
	ConfigSource string
	// Metadata of a safetensors checkpoint (epoch, metrics, ...); nil for PyTorch files.
	Metadata map[string]string
	// Import is the key-by-key report of the load.
	Import *ImportReport
}

// LoadModel builds a model in eval mode from weights, which is one of:
//
//   - a run directory of halo train: its best.safetensors, else last.safetensors; the
//     configuration from the checkpoint's "config" metadata, else config.json;
//   - a .safetensors checkpoint written by halo train or halo import (configuration
//     from its "config" metadata, else fallback), or a state_dict converted to
//     safetensors ("state_dict." and "module." prefixes are dropped);
//   - an official PyTorch HALO checkpoint (.pth.tar, .pth, .pt): the architecture is
//     fallback with OfficialExtras, since the official checkpoints hold the unused
//     extra modules.
//
// Every model tensor must come from the file (num_batches_tracked counters aside);
// extra tensors in the file are listed in the report.
func LoadModel(weights string, fallback Config) (*Model, *LoadInfo, error) {
	st, err := os.Stat(weights)
	if err != nil {
		return nil, nil, fmt.Errorf("halo: load model: %w", err)
	}
	info := &LoadInfo{Path: weights}
	dir := ""
	if st.IsDir() {
		dir = weights
		info.Path = ""
		for _, n := range []string{"best.safetensors", "last.safetensors"} {
			p := filepath.Join(dir, n)
			if _, err := os.Stat(p); err == nil {
				info.Path = p
				break
			}
		}
		if info.Path == "" {
			return nil, nil, fmt.Errorf("halo: load model: run directory %s has neither best.safetensors nor last.safetensors", dir)
		}
	}
	if strings.HasSuffix(strings.ToLower(info.Path), ".safetensors") {
		m, err := loadSafetensorsModel(info, dir, fallback)
		return m, info, err
	}
	cfg := fallback
	cfg.OfficialExtras = true
	info.ConfigSource = "fallback (official checkpoint)"
	m, err := NewModel(cfg, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("halo: load model %s: %w", info.Path, err)
	}
	r, err := ImportPyTorch(info.Path, m, KindAuto)
	info.Import = r
	if err != nil {
		return nil, info, err
	}
	if r.Kind != KindHALO {
		return nil, info, fmt.Errorf("halo: load model: %s holds a %s backbone, not a whole HALO model (import it with halo import or train --query-backbone/--reference-backbone)", info.Path, r.Kind)
	}
	if err := requireComplete(r); err != nil {
		return nil, info, err
	}
	m.SetTraining(false)
	return m, info, nil
}

func loadSafetensorsModel(info *LoadInfo, dir string, fallback Config) (*Model, error) {
	f, err := safetensors.Open(info.Path)
	if err != nil {
		return nil, fmt.Errorf("halo: load model: %w", err)
	}
	info.Metadata = f.Metadata
	cfg := fallback
	info.ConfigSource = "fallback"
	if js, ok := f.Metadata["config"]; ok {
		var c Config
		if err := json.Unmarshal([]byte(js), &c); err != nil {
			return nil, fmt.Errorf("halo: load model: %s: bad \"config\" metadata: %v", info.Path, err)
		}
		cfg, info.ConfigSource = c, "checkpoint metadata"
	} else if dir != "" {
		p := filepath.Join(dir, "config.json")
		b, err := os.ReadFile(p)
		if err == nil {
			var rc struct {
				Model *Config `json:"model"`
			}
			if err := json.Unmarshal(b, &rc); err != nil || rc.Model == nil {
				return nil, fmt.Errorf("halo: load model: %s: no model configuration (%v)", p, err)
			}
			cfg, info.ConfigSource = *rc.Model, p
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("halo: load model: %w", err)
		}
	}
	m, err := NewModel(cfg, 0)
	if err != nil {
		return nil, fmt.Errorf("halo: load model %s: configuration from %s: %w", info.Path, info.ConfigSource, err)
	}
	// Checkpoints keep the model under "state_dict." (and optimiser state beside it);
	// a plain converted state_dict has the bare keys.
	var keys []string
	var src []srcTensor
	all := f.Names()
	withPrefix := slices.ContainsFunc(all, func(n string) bool { return strings.HasPrefix(n, "state_dict.") })
	for _, n := range all {
		if withPrefix && !strings.HasPrefix(n, "state_dict.") {
			continue
		}
		in, _ := f.Info(n)
		keys = append(keys, strings.TrimPrefix(n, "state_dict."))
		src = append(src, stTensor{f, n, in})
	}
	r, err := assign(m, info.Path, "safetensors", KindHALO, keys, src)
	info.Import = r
	if err != nil {
		return nil, err
	}
	if err := requireComplete(r); err != nil {
		return nil, err
	}
	m.SetTraining(false)
	return m, nil
}

// requireComplete fails a load that left model tensors at their initialisation.
func requireComplete(r *ImportReport) error {
	if len(r.Missing) == 0 {
		return nil
	}
	return fmt.Errorf("halo: load model: %s lacks %d of the model's tensors (%s): wrong preset or not a whole-model checkpoint",
		r.File, len(r.Missing), listSome(r.Missing, 3))
}

// SaveModel writes m's state_dict to a safetensors file (atomically) in the layout
// halo train uses ("state_dict.<key>"), with metadata "config" (m.Cfg as JSON) and
// "format", plus the given metadata; LoadModel reads it back.
func SaveModel(path string, m *Model, metadata map[string]string) error {
	cfg, err := json.Marshal(m.Cfg)
	if err != nil {
		return fmt.Errorf("halo: save model %s: %w", path, err)
	}
	md := make(map[string]string, len(metadata)+2)
	for k, v := range metadata {
		md[k] = v
	}
	md["config"] = string(cfg)
	md["format"] = ModelFormat
	if err := nn.SaveCheckpoint(path, m, nil, md); err != nil {
		return fmt.Errorf("halo: save model: %w", err)
	}
	return nil
}
