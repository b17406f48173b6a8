package halo

import (
	"testing"

	"github.com/cvogl/halo/loader/golden"
)

// The golden cases record the anchor list the official training script builds; every
// case that records one must agree with Anchors().
func TestAnchorsMatchGolden(t *testing.T) {
	m := golden.LoadManifest(t)
	got := Anchors()
	seen := 0
	for name, e := range m.Cases {
		raw, ok := e.Hparams["anchors_full"].([]any)
		if !ok {
			continue
		}
		seen++
		if len(raw) != len(got) {
			t.Fatalf("%s: %d anchors, Anchors() has %d", name, len(raw), len(got))
		}
		for i, p := range raw {
			pair := p.([]any)
			if float32(pair[0].(float64)) != got[i][0] || float32(pair[1].(float64)) != got[i][1] {
				t.Errorf("%s: anchor %d = %v, Anchors() has %v", name, i, pair, got[i])
			}
		}
	}
	if seen == 0 {
		t.Fatal("no golden case records anchors_full")
	}
	if got[0] != [2]float32{550, 573} || got[4] != [2]float32{194, 82} || got[5] != [2]float32{129, 129} {
		t.Errorf("Anchors() = %v", got)
	}
	got[0][0] = 0
	if Anchors()[0][0] != 550 {
		t.Error("Anchors() shares its backing array with callers")
	}
}
