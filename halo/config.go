package halo

import "fmt"

// Config fixes the architecture and input sizes of a HALO model.
type Config struct {
	Name string
	// QueryH, QueryW: query image size (DroneAerial 256x256, SVI 256x512 at paper size).
	QueryH, QueryW int
	// SatSize: the square satellite image side (1024 at paper size).
	SatSize int
	// Emb: width of the FPN outputs, the attention layers and the head (512).
	Emb int
	// Heads: attention heads of the two LoFTR layers (8).
	Heads int
	// ProjDim: output width of the InfoNCE projector (512 in the official code,
	// independent of Emb).
	ProjDim int
	// ResNetWidths: channels of the query ResNet's conv1/layer1..layer4 (64,128,256,512
	// for ResNet18); ResNetBlocks: BasicBlocks per layer (2,2,2,2).
	ResNetWidths [4]int
	ResNetBlocks [4]int
	// LSKDims, LSKDepths, LSKMLPRatios: the satellite LSKNet (LSKNet-S: 64,128,320,512;
	// 2,2,4,2; 8,8,4,4).
	LSKDims      [4]int
	LSKDepths    [4]int
	LSKMLPRatios [4]int
	// DropRate (Mlp dropout) and DropPathRate (stochastic depth, linear over the
	// blocks) of the LSKNet in training (0.1 and 0.1 officially).
	DropRate, DropPathRate float32
	// OfficialExtras adds the sub-modules the official model builds but never calls
	// (feat_trans, feature_cluster, query_mapping_visu, reference_mapping_visu), so
	// that state dicts and the parameter count match the official checkpoints
	// exactly. They get no gradient and cost only memory.
	OfficialExtras bool
	// Recompute trades time for memory in training: each residual half of each LSKNet
	// block keeps only its input during the forward and runs again in the backward
	// pass to rebuild its activations (autograd.CheckpointState). Results are
	// bit-identical; a training step costs about one more LSKNet forward.
	Recompute bool
	// RecomputeChunk, with Recompute, runs the attention and MLP branches of the
	// LSKNet blocks (samplewise: no batch statistics inside) this many samples at a
	// time, in the forward and in the recomputation, so the activations alive at once
	// no longer grow with the batch; 0 means 1. Dropout draws the whole batch's masks
	// all the same. With chunks smaller than the batch, parameter gradients are sums
	// over chunks and differ from the plain model's by float rounding only.
	RecomputeChunk int
}

// Preset returns a named configuration for a dataset subset ("drone" or "svi"):
//
//   - "paper": exactly the official model: ResNet18 query backbone, LSKNet-S satellite
//     backbone, widths 512, query 256x256 (drone) or 256x512 (svi), satellite 1024x1024,
//     42,905,980 parameters.
//   - "tiny": the same architecture with reduced widths, depths and resolution for the
//     embedded synthetic dataset and fast tests: query 64x64 (svi 64x128), satellite
//     256x256 (a 16x16 output grid), widths 64, one block per LSKNet stage, ResNet
//     layers of one block.
func Preset(name, set string) (Config, error) {
	var c Config
	switch name {
	case "paper":
		c = Config{Name: "paper", QueryH: 256, QueryW: 256, SatSize: 1024, Emb: 512, Heads: 8, ProjDim: 512,
			ResNetWidths: [4]int{64, 128, 256, 512}, ResNetBlocks: [4]int{2, 2, 2, 2},
			LSKDims: [4]int{64, 128, 320, 512}, LSKDepths: [4]int{2, 2, 4, 2}, LSKMLPRatios: [4]int{8, 8, 4, 4},
			DropRate: 0.1, DropPathRate: 0.1, OfficialExtras: true}
	case "tiny":
		c = Config{Name: "tiny", QueryH: 64, QueryW: 64, SatSize: 256, Emb: 64, Heads: 8, ProjDim: 64,
			ResNetWidths: [4]int{16, 16, 32, 64}, ResNetBlocks: [4]int{1, 1, 1, 1},
			LSKDims: [4]int{16, 32, 48, 64}, LSKDepths: [4]int{1, 1, 1, 1}, LSKMLPRatios: [4]int{4, 4, 4, 4},
			DropRate: 0.1, DropPathRate: 0.1}
	default:
		return Config{}, fmt.Errorf("halo: unknown preset %q (want paper or tiny)", name)
	}
	switch set {
	case "drone", "":
	case "svi":
		c.QueryW = 2 * c.QueryH
	default:
		return Config{}, fmt.Errorf("halo: unknown dataset subset %q (want drone or svi)", set)
	}
	return c, c.Validate()
}

// Grid returns the side of the satellite output grid (SatSize/16).
func (c Config) Grid() int { return c.SatSize / 16 }

// Validate checks the sizes the architecture needs.
func (c Config) Validate() error {
	switch {
	case c.QueryH%32 != 0 || c.QueryW%32 != 0 || c.QueryH <= 0 || c.QueryW <= 0:
		return fmt.Errorf("halo: query size %dx%d must be positive multiples of 32", c.QueryH, c.QueryW)
	case c.SatSize%32 != 0 || c.SatSize <= 0:
		return fmt.Errorf("halo: satellite size %d must be a positive multiple of 32", c.SatSize)
	case c.SatSize/16 > 256 || c.QueryH/16 > 256 || c.QueryW/16 > 256:
		return fmt.Errorf("halo: feature maps larger than the 256x256 position encoding")
	case c.Heads <= 0 || c.Emb%c.Heads != 0 || c.Emb%4 != 0:
		return fmt.Errorf("halo: emb %d must be divisible by 4 and by the %d heads", c.Emb, c.Heads)
	}
	return nil
}
