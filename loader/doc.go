// Package loader reads the CVOGL dataset from disk (annotation .pth pickles, query and
// satellite JPEGs), decodes and augments images, builds click heatmaps and batches,
// reads PyTorch checkpoints, and generates a synthetic CVOGL dataset in the same
// on-disk format.
//
// Data on disk: <root>/CVOGL_DroneAerial/{query,satellite}/*.jpg plus
// CVOGL_DroneAerial_{train,val,test}.pth (and the same for CVOGL_SVI). Open reads one
// split, validates every record against its images and skips (or, with Options.Strict,
// rejects) bad ones with a reason; Dataset.Sample / Dataset.Batches turn records into
// normalised float32 NCHW tensors exactly as the official loader does:
//
//   - images: RGB/255, ImageNet mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225);
//     query 256x256 (drone) or 256x512 (svi), satellite 1024x1024 by default; other sizes
//     are resized bilinearly with the click and box scaled;
//   - click heatmap (ClickHeatmap): (1 - d/sqrt(H^2+W^2))^2 around the click truncated to
//     integer pixels, at the query size;
//   - box: truncated to integers (np.array(bbox, dtype=int)) then, in training, carried
//     through the paper's satellite augmentation (AugmentSatellite).
//
// Determinism: every random choice comes from an explicitly seeded math/rand/v2 source;
// a batch pass depends only on (order, BatchOptions.Seed), not on the worker count.
//
// Synthetic data: Synthesize writes a dataset in the CVOGL layout (JPEGs and zip-format
// torch.save splits) from procedurally generated scenes: roads, fields, parking lots,
// trees and 14-23 buildings of five OpenStreetMap-style classes per 1024x1024 tile, of
// which the target's class has 2-4 distractors. The drone query is an oblique,
// perspective, rotated and rescaled rendering of the target's surroundings with its own
// sun, parallax, colour balance and haze; the street-view query is a ray-cast 360-degree
// equirectangular panorama with a wavy horizon, showing facades instead of roofs.
//
// Embedded default (EmbeddedDefault): 320 training and 96 validation records of that
// generator, rendered in memory on first use (seconds on two cores) at the trainer's tiny
// resolution: satellite 256x256, query 64x64 (drone) or 64x128 (svi).
package loader
