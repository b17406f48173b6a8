package halo

// anchorSpec is the DroneAerial/SVI anchor list of train_HALO_sample.py, in pixels of a
// 1024x1024 satellite image (k-means of the training boxes), as (w, h) pairs in the
// order the script's string lists them.
var anchorSpec = [...][2]float32{
	{37, 41}, {78, 84}, {96, 215}, {129, 129}, {194, 82},
	{198, 179}, {246, 280}, {395, 342}, {550, 573},
}

// NumAnchors is the number of anchors per grid cell; the head predicts 5 values
// (tx, ty, tw, th, conf) per anchor, channel = anchor*5 + field.
const NumAnchors = len(anchorSpec)

// Anchors returns the anchor (w, h) list exactly as the official training script builds
// it: the string's pairs reshaped to (9, 2) and reversed, so index 0 is (550, 573) and
// index 8 is (37, 41). Best-anchor indices and the head's channel groups refer to this
// order. The values stay in 1024-pixel units whatever the image size (the official code
// divides them by image_wh/grid with the image_wh it is given). A fresh slice is
// returned on every call.
func Anchors() [][2]float32 {
	out := make([][2]float32, NumAnchors)
	for i := range out {
		out[i] = anchorSpec[NumAnchors-1-i]
	}
	return out
}
