package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/cvogl/halo/halo"
	"github.com/cvogl/halo/nn"
)

func init() {
	register(&command{
		name:    "import",
		summary: "convert PyTorch weights (torchvision resnet18, LSKNet-S, official HALO checkpoint) to a Go model file",
		run:     runImport,
	})
}

func runImport(fs *flag.FlagSet, args []string) error {
	from := fs.String("from", "", "PyTorch file to read: resnet18-f37072fd.pth, lsk_s_backbone-e9d2e551.pth or an official *_model_best.pth.tar")
	out := fs.String("out", "", "safetensors model file to write (usable as --weights of eval and predict)")
	kind := fs.String("kind", halo.KindAuto, "what --from holds: auto, resnet18, lsknet or halo")
	preset := fs.String("preset", "paper", "model preset the weights go into: paper or tiny")
	set := fs.String("set", "drone", "dataset subset the model is for: drone or svi")
	seed := fs.Uint64("seed", 1, "seed for the initialisation of the tensors the file does not provide")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usagef("unexpected argument %q", fs.Arg(0))
	case *from == "":
		return usagef("--from is required")
	case *out == "":
		return usagef("--out is required")
	}
	switch *kind {
	case halo.KindAuto, halo.KindResNet18, halo.KindLSKNet, halo.KindHALO:
	default:
		return usagef("unknown --kind %q (want auto, resnet18, lsknet or halo)", *kind)
	}
	cfg, err := halo.Preset(*preset, *set)
	if err != nil {
		return usagef("%v", err)
	}
	if _, err := os.Stat(*from); err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	m, err := halo.NewModel(cfg, *seed)
	if err != nil {
		return err
	}
	r, err := halo.ImportPyTorch(*from, m, *kind)
	if err != nil {
		if r != nil && len(r.ShapeMismatch) > 0 {
			fmt.Fprintln(os.Stderr, r)
		}
		return err
	}
	fmt.Fprintln(os.Stdout, r)
	abs, err := filepath.Abs(*from)
	if err != nil {
		abs = *from
	}
	md := map[string]string{
		"source":      abs,
		"source_kind": r.Kind,
		"imported":    strconv.Itoa(len(r.Mapped)),
		"seed":        strconv.FormatUint(*seed, 10),
	}
	if err := halo.SaveModel(*out, m, md); err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "wrote %s (preset %s/%s, %s parameters)\n", *out, cfg.Name, *set, commas(nn.NumParams(m)))
	return nil
}
