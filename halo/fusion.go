package halo

import (
	"fmt"

	"github.com/cvogl/halo/autograd"
)

// CrossViewFusion scores every satellite location by the cosine similarity of its
// feature with the global query descriptor, rescales the scores of each sample to
// [0, 1] by their min and max, and weights the (normalised) satellite map with them.
// gq is [B, D], value [B, D, H, W]; it returns the weighted map [B, D, H, W] and the
// attention [B, 1, H, W].
//
// As in the official code the per-sample min and max are constants for autograd (they
// come from a detached copy), and a constant score map divides by zero, giving NaN;
// the trainer's non-finite check catches that. The work is autograd.CrossViewFusion's
// fused ops, which never materialise the normalised map.
func CrossViewFusion(gq, value *autograd.Tensor) (context, attn *autograd.Tensor) {
	if len(value.Shape) != 4 || len(gq.Shape) != 2 || gq.Shape[0] != value.Shape[0] || gq.Shape[1] != value.Shape[1] {
		panic(fmt.Sprintf("halo: CrossViewFusion: query %v does not match value %v", gq.Shape, value.Shape))
	}
	return autograd.CrossViewFusion(gq, value, 1e-12)
}
