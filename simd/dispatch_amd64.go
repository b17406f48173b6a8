//go:build amd64 && !purego

package simd

// archImpls returns the assembly paths this CPU supports, slowest first.
func archImpls() []*impl { return nil }
