// Package golden reads the reference cases in ../shared/golden (computed by the
// official PyTorch HALO code) and checks Go results against them with the tolerances
// the golden README defines. Test code in every package uses it.
package golden

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/cvogl/halo/loader/safetensors"
)

// TensorMeta is one tensor's entry in the manifest.
type TensorMeta struct {
	Role  string `json:"role"`
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
}

// Tolerance is the float32-vs-float64 measurement the manifest stores per tensor.
type Tolerance struct {
	MaxAbsErr     float64 `json:"max_abs_err"`
	MaxAbs        float64 `json:"max_abs"`
	SuggestedAtol float64 `json:"suggested_atol"`
	Equal         *bool   `json:"equal"`
}

// Entry is one case of manifest.json.
type Entry struct {
	Name     string                `json:"-"`
	File     string                `json:"file"`
	Op       string                `json:"op"`
	Hparams  map[string]any        `json:"hparams"`
	Tensors  map[string]TensorMeta `json:"tensors"`
	Notes    string                `json:"notes"`
	F32vsF64 map[string]Tolerance  `json:"f32_vs_f64"`
}

// Manifest is manifest.json.
type Manifest struct {
	Cases map[string]*Entry `json:"cases"`
}

// Dir returns the golden directory: $HALO_GOLDEN, or ../shared/golden beside the
// repository root. When it is missing the test fails if $CI is set (CI must not
// silently skip parity) and is skipped otherwise.
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("HALO_GOLDEN")
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(root, "..", "shared", "golden")
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("golden data missing (%v); set HALO_GOLDEN", err)
		}
		t.Skipf("golden data missing (%v); set HALO_GOLDEN to run parity tests", err)
	}
	return dir
}

func repoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("golden: no go.mod above %s", wd)
		}
	}
}

var (
	manifestOnce sync.Once
	manifest     *Manifest
	manifestErr  error
)

// LoadManifest reads and caches manifest.json.
func LoadManifest(t testing.TB) *Manifest {
	t.Helper()
	dir := Dir(t)
	manifestOnce.Do(func() {
		b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
		if err != nil {
			manifestErr = err
			return
		}
		m := &Manifest{}
		if err := json.Unmarshal(b, m); err != nil {
			manifestErr = fmt.Errorf("golden: manifest.json: %v", err)
			return
		}
		for k, e := range m.Cases {
			e.Name = k
		}
		manifest = m
	})
	if manifestErr != nil {
		t.Fatal(manifestErr)
	}
	return manifest
}

// CasesOf returns the names of every manifest case whose op is one of ops, sorted.
func CasesOf(t testing.TB, ops ...string) []string {
	m := LoadManifest(t)
	var names []string
	for name, e := range m.Cases {
		for _, op := range ops {
			if e.Op == op {
				names = append(names, name)
			}
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatalf("golden: no case with op %v in the manifest", ops)
	}
	return names
}

// Case is one loaded case: manifest entry plus tensors.
type Case struct {
	*Entry
	File *safetensors.File
	Dir  string
}

// Load reads the named case.
func Load(t testing.TB, name string) *Case {
	t.Helper()
	m := LoadManifest(t)
	e, ok := m.Cases[name]
	if !ok {
		t.Fatalf("golden: no case %q in manifest.json", name)
	}
	dir := Dir(t)
	f, err := safetensors.Open(filepath.Join(dir, e.File))
	if err != nil {
		t.Fatal(err)
	}
	return &Case{Entry: e, File: f, Dir: dir}
}

// Has reports whether the case holds the tensor.
func (c *Case) Has(name string) bool { return c.File.Has(name) }

// F32 returns a float tensor's data and shape.
func (c *Case) F32(t testing.TB, name string) ([]float32, []int) {
	t.Helper()
	d, s, err := c.File.Float32(name)
	if err != nil {
		t.Fatalf("golden %s: %v", c.Name, err)
	}
	return d, s
}

// I64 returns an integer tensor's data and shape.
func (c *Case) I64(t testing.TB, name string) ([]int64, []int) {
	t.Helper()
	d, s, err := c.File.Int64(name)
	if err != nil {
		t.Fatalf("golden %s: %v", c.Name, err)
	}
	return d, s
}

// Hparam returns a numeric hyper-parameter.
func (c *Case) Hparam(t testing.TB, key string) float64 {
	t.Helper()
	v, ok := c.Hparams[key].(float64)
	if !ok {
		t.Fatalf("golden %s: hparam %q is %T (%v), not a number", c.Name, key, c.Hparams[key], c.Hparams[key])
	}
	return v
}

// Ints returns an integer-list (or single integer) hyper-parameter.
func (c *Case) Ints(t testing.TB, key string) []int {
	t.Helper()
	switch v := c.Hparams[key].(type) {
	case float64:
		return []int{int(v)}
	case []any:
		out := make([]int, len(v))
		for i, x := range v {
			f, ok := x.(float64)
			if !ok {
				t.Fatalf("golden %s: hparam %q[%d] is %T", c.Name, key, i, x)
			}
			out[i] = int(f)
		}
		return out
	}
	t.Fatalf("golden %s: hparam %q is %T (%v)", c.Name, key, c.Hparams[key], c.Hparams[key])
	return nil
}

// Atol returns the README's per-tensor tolerance: suggested_atol from the manifest,
// or, for a tensor the float64 re-run did not measure, 1e-7 + 2e-6*max|golden|.
func (c *Case) Atol(t testing.TB, name string) float64 {
	if tol, ok := c.F32vsF64[name]; ok && tol.SuggestedAtol > 0 {
		return tol.SuggestedAtol
	}
	want, _ := c.F32(t, name)
	m := 0.0
	for _, v := range want {
		m = math.Max(m, math.Abs(float64(v)))
	}
	return math.Max(2e-6*m, 1e-7)
}

// Check compares got with the stored tensor elementwise under Atol and fails the test
// with the worst element when any exceeds it. Shapes must agree in element count.
func (c *Case) Check(t testing.TB, name string, got []float32) {
	t.Helper()
	c.CheckTol(t, name, got, c.Atol(t, name))
}

// CheckTol is Check with an explicit absolute tolerance.
func (c *Case) CheckTol(t testing.TB, name string, got []float32, atol float64) {
	t.Helper()
	want, shape := c.F32(t, name)
	if len(got) != len(want) {
		t.Errorf("golden %s: %s: got %d values, want %d (shape %v)", c.Name, name, len(got), len(want), shape)
		return
	}
	worst, wi := 0.0, -1
	for i := range want {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		if d > worst {
			worst, wi = d, i
		}
	}
	if worst > atol {
		t.Errorf("golden %s: %s: max |go-golden| = %.3g at flat index %d (go %v, golden %v) > atol %.3g",
			c.Name, name, worst, wi, got[wi], want[wi], atol)
	}
}
