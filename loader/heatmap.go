package loader

import (
	"fmt"
	"math"
)

// ClickHeatmap returns the h x w click map of the official loader:
//
//	v[i][j] = (1 - sqrt((i-ch)^2 + (j-cw)^2) / sqrt(h^2 + w^2))^2
//
// with (ch, cw) = (int(y), int(x)): the click is truncated toward zero to integer pixels
// first, exactly as data_loader.py does, and the map is evaluated in float64 then rounded
// to float32 (which reproduces the stored golden maps bit for bit).
func ClickHeatmap(h, w int, x, y float64) []float32 {
	dst := make([]float32, h*w)
	FillClickHeatmap(dst, h, w, x, y)
	return dst
}

// FillClickHeatmap is ClickHeatmap writing into dst (len >= h*w).
func FillClickHeatmap(dst []float32, h, w int, x, y float64) {
	if len(dst) < h*w {
		panic(fmt.Sprintf("loader: FillClickHeatmap: dst has %d values, need %d", len(dst), h*w))
	}
	ch, cw := truncInt(y), truncInt(x)
	norm := math.Sqrt(float64(h*h + w*w))
	dw := make([]float64, w)
	for j := range dw {
		d := float64(j - cw)
		dw[j] = d * d
	}
	for i := 0; i < h; i++ {
		di := float64(i - ch)
		di *= di
		row := dst[i*w : (i+1)*w]
		for j := range row {
			v := 1 - math.Sqrt(di+dw[j])/norm
			row[j] = float32(v * v)
		}
	}
}

// truncInt is Python's int() on a float: truncation toward zero. NaN and values beyond
// the int range (only reachable from corrupt annotations, which validation rejects) map to 0
// instead of Go's implementation-defined result.
func truncInt(v float64) int {
	if math.IsNaN(v) || math.Abs(v) > 1<<40 {
		return 0
	}
	return int(v)
}
