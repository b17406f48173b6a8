// Package loader reads the CVOGL dataset from disk (annotation .pth pickles, query and
// satellite JPEGs), decodes and augments images, builds click heatmaps and batches,
// reads PyTorch checkpoints, and generates a synthetic CVOGL dataset in the same
// on-disk format.
package loader
