//go:build !unix

package halo

import "time"

// rusageMaxRSS: no getrusage here.
func rusageMaxRSS() int64 { return -1 }

// processCPUTime: no getrusage here.
func processCPUTime() time.Duration { return -1 }

// minorFaults: no getrusage here.
func minorFaults() int64 { return -1 }
