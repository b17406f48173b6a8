//go:build !amd64 || purego

package simd

// archImpls: without amd64 assembly (or with the purego tag) only the generic path exists.
func archImpls() []*impl { return nil }
