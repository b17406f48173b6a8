// Package halo is the HALO network for cross-view object geo-localisation: the query
// ResNet18 and satellite LSKNet backbones, FPNs, linear-attention cross-view
// interaction, fusion, the YOLO-style head, the training-only feature hierarchisation
// and InfoNCE branch, losses, target building, decoding, metrics, hard-sample mining,
// and the trainer, evaluator and predictor.
package halo
