package main

import (
	"fmt"
	"os"

	"github.com/cvogl/halo/halo"
)

// loadBackbones initialises the query ResNet18 and the satellite LSKNet from PyTorch
// checkpoints when given (train's --query-backbone and --reference-backbone), and
// prints what each import mapped.
func loadBackbones(m *halo.Model, query, ref string) error {
	for _, b := range []struct{ flag, path, kind string }{
		{"--query-backbone", query, halo.KindResNet18},
		{"--reference-backbone", ref, halo.KindLSKNet},
	} {
		if b.path == "" {
			continue
		}
		r, err := halo.ImportPyTorch(b.path, m, b.kind)
		if err != nil {
			return fmt.Errorf("%s: %w", b.flag, err)
		}
		fmt.Fprintf(os.Stderr, "halo train: %s %s\n", b.flag, r.Summary())
	}
	return nil
}
