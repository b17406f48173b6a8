package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/cvogl/halo/simd"
)

func init() {
	register(&command{
		name:    "version",
		summary: "print the module version, Go version and active SIMD path",
		run:     runVersion,
	})
}

func runVersion(fs *flag.FlagSet, args []string) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("version takes no arguments")
	}
	w := os.Stdout
	version, module := "(unknown)", "github.com/cvogl/halo"
	if bi, ok := debug.ReadBuildInfo(); ok {
		version, module = bi.Main.Version, bi.Main.Path
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				version += " " + s.Value
			}
		}
	}
	fmt.Fprintf(w, "halo %s (%s)\n", version, module)
	fmt.Fprintf(w, "go %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "simd %s (available: %s; HALO_SIMD forces one), %d threads\n",
		simd.Path(), strings.Join(simd.Paths(), ","), simd.Threads())
	fmt.Fprintf(w, "GODEBUG %q\n", os.Getenv("GODEBUG"))
	return nil
}
