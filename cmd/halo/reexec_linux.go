package main

import (
	"os"
	"strings"
	"syscall"
)

// useLazyFree restarts the process once with GODEBUG=madvdontneed=0, unless GODEBUG
// already says otherwise.
//
// Go returns freed heap pages to Linux with MADV_DONTNEED by default, so the next
// step's activations (hundreds of MB at paper size, allocated afresh every step) fault
// every page back in: measured at paper size, batch 1, that costs 25% of the forward
// and 15% of a training step (forward 2.10 -> 1.54 s, step 5.9 -> 5.1 s, same peak RSS).
// With MADV_FREE the kernel keeps the pages until it needs the memory. The setting can
// only be made before the runtime starts (it is not a //go:debug setting), hence the
// re-exec; if it fails, halo just runs with the default.
func useLazyFree() {
	// HALO_REEXEC marks the restarted process, so it can never loop.
	if strings.Contains(os.Getenv("GODEBUG"), "madvdontneed") || os.Getenv("HALO_REEXEC") != "" {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	gd := "madvdontneed=0"
	var env []string
	for _, kv := range os.Environ() {
		if v, ok := strings.CutPrefix(kv, "GODEBUG="); ok {
			if v != "" {
				gd = v + "," + gd
			}
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "GODEBUG="+gd, "HALO_REEXEC=1")
	syscall.Exec(exe, os.Args, env) // returns only on failure
}
