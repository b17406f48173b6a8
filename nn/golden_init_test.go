package nn

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/loader/golden"
)

// The README's test vectors, bit-exact.
func TestGoldenReadmeVectors(t *testing.T) {
	cases := []struct {
		seed       uint64
		name       string
		shape      []int
		fnv, state uint64
		next       [4]uint64
		u          [4]float64
		bits       [4]uint32
	}{
		{0, "a", []int{4}, 0xaf63dc4c8601ec8c, 0xaf63dc4c8601ec8c,
			[4]uint64{0x5f29c2aadd9b8527, 0xff84f1bdb6d3884f, 0xfdfab147e960346e, 0xaf99d20610c74918},
			[4]float64{-0.25653815269470215, 0.9962445497512817, 0.9842129945755005, 0.37188172340393066},
			[4]uint32{0xbcd227f3, 0x3dcc07e8, 0x3dc9911b, 0x3d1852a0}},
		{42, "reference_lsknet.block1.0.attn.spatial_gating_unit.conv0.weight", []int{64, 1, 5, 5},
			0xb60b8a82f5cd0929, 0xb60b8a82f5cd0903,
			[4]uint64{0xd7e84915291b155a, 0x7988c27e337f29ba, 0x0a80ad59176342c1, 0xfea1262ef41cd5cd},
			[4]float64{0.6867762804031372, -0.05051398277282715, -0.9179481267929077, 0.9892928600311279},
			[4]uint32{0x3e0ca6db, 0xbc258633, 0xbe3bfeeb, 0x3e4a9b70}},
		{42, "fcn_out.1.bias", []int{45}, 0x3a08b1ad367b5125, 0x3a08b1ad367b510f,
			[4]uint64{0x02eed8260f78490e, 0xb334d3051be3a327, 0xa97228b01fc1445a, 0xd440630fb4ec48c8},
			[4]float64{-0.977086067199707, 0.4000495672225952, 0.32379627227783203, 0.6582149267196655},
			[4]uint32{0xbdc81b73, 0x3d23dc3d, 0x3d04a080, 0x3d86cd6b}},
		{42, "reference_lsknet.norm4.weight", []int{512}, 0x60f670b8ea3e903c, 0x60f670b8ea3e9016,
			[4]uint64{0x6a0a30df153b810c, 0x0cea1d98c34674da, 0x1f76204f9cdd14b3, 0x4141f844fb7ec911},
			[4]float64{-0.17156410217285156, -0.899105429649353, -0.7542076110839844, -0.4901742935180664},
			[4]uint32{0x3f7b9ba3, 0x3f68fb9f, 0x3f6cb13a, 0x3f737398}},
		{42, "reference_lsknet.block1.0.norm1.running_var", []int{64}, 0x3f194a9bb9920012, 0x3f194a9bb9920038,
			[4]uint64{0xfa53123d53050d6f, 0x5662fbbc0ed2640b, 0x62d0cbe7a12838c1, 0x73d8847f1de4786a},
			[4]float64{0.9556601047515869, -0.32510435581207275, -0.2280031442642212, -0.0949549674987793},
			[4]uint32{0x3fbd2989, 0x3f94ce82, 0x3f8e979a, 0x3f8613be}},
	}
	for _, c := range cases {
		if h := fnv1a64(c.name); h != c.fnv {
			t.Errorf("%s: fnv1a64 = %#x, want %#x", c.name, h, c.fnv)
		}
		g := GoldenStream(c.name, c.seed)
		if g.State != c.state {
			t.Errorf("%s: state0 = %#x, want %#x", c.name, g.State, c.state)
		}
		for i := range 4 {
			x := g.Next()
			if x != c.next[i] {
				t.Errorf("%s: next[%d] = %#x, want %#x", c.name, i, x, c.next[i])
			}
			if u := GoldenU(x); u != c.u[i] {
				t.Errorf("%s: u[%d] = %v, want %v", c.name, i, u, c.u[i])
			}
		}
		v := GoldenValues(c.name, c.shape, c.seed)
		for i := range 4 {
			if b := math.Float32bits(v[i]); b != c.bits[i] {
				t.Errorf("%s: value[%d] = %#x, want %#x", c.name, i, b, c.bits[i])
			}
		}
	}
	if b := math.Float32bits(GoldenValues("InfoNCE_sem_serial.logit_scale", []int{}, 42)[0]); b != 0x402a3151 {
		t.Errorf("logit_scale bits %#x, want 0x402a3151", b)
	}
}

type generatorEntry struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
	DType string `json:"dtype"`
	Kind  string `json:"kind"`
	Rule  string `json:"rule"`
}

// Every HALO state_dict entry of generator_check: the rule chosen, the first four
// values bit-exact and the float64 sum.
func TestGoldenGeneratorCheck(t *testing.T) {
	c := golden.Load(t, "generator_check")
	var entries []generatorEntry
	raw, _ := json.Marshal(c.Hparams["state_dict_entries"])
	if err := json.Unmarshal(raw, &entries); err != nil || len(entries) == 0 {
		t.Fatalf("generator_check: state_dict_entries unreadable (%d entries, %v)", len(entries), err)
	}
	seed := uint64(c.Hparam(t, "seed"))
	checked := 0
	for _, e := range entries {
		if r := goldenRule(e.Name, e.Shape); r != e.Rule {
			t.Errorf("%s %v: rule %q, manifest says %q", e.Name, e.Shape, r, e.Rule)
		}
		v := GoldenValues(e.Name, e.Shape, seed)
		if n := autograd.Numel(e.Shape); len(v) != n {
			t.Fatalf("%s: %d values for shape %v", e.Name, len(v), e.Shape)
		}
		if !c.Has("first4." + e.Name) {
			continue
		}
		want, _ := c.F32(t, "first4."+e.Name)
		for i := range want {
			if i < len(v) && math.Float32bits(v[i]) != math.Float32bits(want[i]) {
				t.Errorf("%s: value[%d] = %v, want %v", e.Name, i, v[i], want[i])
			}
		}
		var sum float64
		for _, x := range v {
			sum += float64(x)
		}
		ws, _ := c.F32(t, "sum64."+e.Name)
		// np.sum adds pairwise, we add in order; after rounding to float32 the two
		// agree for every HALO entry, so the check is exact.
		if got := float32(sum); got != ws[0] {
			t.Errorf("%s: sum %v, want %v", e.Name, got, ws[0])
		}
		checked++
	}
	if checked != len(entries) {
		t.Errorf("only %d of %d entries had first4/sum64 tensors", checked, len(entries))
	}
}
