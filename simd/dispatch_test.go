package simd

import "testing"

func TestChooseImpl(t *testing.T) {
	best := impls[len(impls)-1]
	for _, c := range []struct{ env, want string }{
		{"", best.name}, {"auto", best.name}, {"generic", "generic"}, {" Generic ", "generic"},
		{"no-such-path", best.name},
	} {
		t.Setenv("HALO_SIMD", c.env)
		if got := chooseImpl().name; got != c.want {
			t.Errorf("HALO_SIMD=%q: path %q, want %q", c.env, got, c.want)
		}
	}
	for _, im := range impls {
		t.Setenv("HALO_SIMD", im.name)
		if got := chooseImpl(); got != im {
			t.Errorf("HALO_SIMD=%s: got %s", im.name, got.name)
		}
	}
	if Path() != active.name {
		t.Errorf("Path() = %q, active %q", Path(), active.name)
	}
	if len(Paths()) != len(impls) || Paths()[0] != "generic" {
		t.Errorf("Paths() = %v", Paths())
	}
}
