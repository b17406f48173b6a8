package golden

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestManifestAndCheck(t *testing.T) {
	names := CasesOf(t, "relu")
	c := Load(t, names[0])
	x, _ := c.F32(t, "in.x")
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(math.Max(0, float64(v)))
	}
	c.Check(t, "out.y", y)

	// A wrong result must be reported.
	y[3] += 1
	ft := &fakeT{TB: t}
	c.Check(ft, "out.y", y)
	if !ft.failed || !strings.Contains(ft.msg, "out.y") {
		t.Fatalf("Check accepted a wrong value: %q", ft.msg)
	}
}

type fakeT struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, a ...any) {
	f.failed = true
	f.msg = fmt.Sprintf(format, a...)
}
