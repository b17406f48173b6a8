//go:build race

package simd

// raceEnabled: the race detector makes sync.Pool drop entries at random, so allocation
// counts are not meaningful under it.
const raceEnabled = true
