package loader

import (
	"math"
	"testing"

	"github.com/cvogl/halo/loader/golden"
)

// The official loader's maps, computed by PyTorch/numpy: must match exactly (float64
// evaluation rounded to float32, the truncation of the click included).
func TestClickHeatmapGolden(t *testing.T) {
	cases := golden.CasesOf(t, "click_heatmap")
	if len(cases) < 4 {
		t.Fatalf("expected 4 click_heatmap golden cases, found %v", cases)
	}
	for _, name := range cases {
		c := golden.Load(t, name)
		click, _ := c.F32(t, "in.click_xy")
		want, shape := c.F32(t, "out.heatmap")
		h, w := shape[0], shape[1]
		got := ClickHeatmap(h, w, float64(click[0]), float64(click[1]))
		c.CheckTol(t, "out.heatmap", got, 0)
		// Without truncation the map would differ: proves the test is sensitive to it.
		if click[0] != float32(math.Trunc(float64(click[0]))) {
			alt := make([]float32, h*w)
			cx, cy := float64(click[0]), float64(click[1])
			norm := math.Sqrt(float64(h*h + w*w))
			for i := 0; i < h; i++ {
				for j := 0; j < w; j++ {
					v := 1 - math.Hypot(float64(i)-cy, float64(j)-cx)/norm
					alt[i*w+j] = float32(v * v)
				}
			}
			same := true
			for i := range alt {
				if alt[i] != want[i] {
					same = false
					break
				}
			}
			if same {
				t.Errorf("%s: untruncated map equals golden; case does not test truncation", name)
			}
		}
	}
}

func TestClickHeatmapShape(t *testing.T) {
	m := ClickHeatmap(4, 6, 2.9, 1.2) // click truncated to (x=2, y=1)
	if m[1*6+2] != 1 {
		t.Fatalf("peak at click = %v, want 1", m[1*6+2])
	}
	for i, v := range m {
		if v > 1 || v < 0 || (i != 8 && v >= 1) {
			t.Fatalf("value %d = %v out of range", i, v)
		}
	}
}
