//go:build !unix

package halo

// rusageMaxRSS: no getrusage here.
func rusageMaxRSS() int64 { return -1 }
