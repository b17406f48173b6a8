//go:build !linux

package simd

// physicalMemory returns 0: the size is not looked up on this platform.
func physicalMemory() int64 { return 0 }
