package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cvogl/halo/halo"
	"github.com/cvogl/halo/loader/safetensors"
	"github.com/cvogl/halo/nn"
)

// loadModel builds and loads the model named by --weights. Temporary stand-in for
// halo.LoadModel (run directories and Go checkpoints only) until that lands.
func loadModel(weights string, fallback halo.Config) (*halo.Model, error) {
	path := weights
	if st, err := os.Stat(weights); err != nil {
		return nil, err
	} else if st.IsDir() {
		path = filepath.Join(weights, "best.safetensors")
	}
	if !strings.HasSuffix(path, ".safetensors") {
		return nil, fmt.Errorf("%s: only .safetensors checkpoints and run directories are supported yet", path)
	}
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	cfg := fallback
	if s, ok := f.Metadata["config"]; ok {
		if err := json.Unmarshal([]byte(s), &cfg); err != nil {
			return nil, fmt.Errorf("%s: config metadata: %w", path, err)
		}
	}
	m, err := halo.NewModel(cfg, 0)
	if err != nil {
		return nil, err
	}
	if _, _, err := nn.LoadCheckpoint(path, m, nil, true); err != nil {
		return nil, err
	}
	return m, nil
}
