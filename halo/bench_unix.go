//go:build unix

package halo

import (
	"runtime"
	"syscall"
)

// rusageMaxRSS is getrusage's peak resident set in bytes (kilobytes on Linux and the
// BSDs, bytes on Apple systems), or -1.
func rusageMaxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss)
	}
	return int64(ru.Maxrss) << 10
}
