// Package safetensors reads and writes the safetensors tensor-file format: a
// little-endian u64 header length, a JSON header mapping tensor names to dtype, shape
// and byte offsets, then the raw little-endian, row-major data.
//
// It is the format of the project's checkpoints and of the golden reference tensors.
// Only F32, I64 and U8 are needed for those; F16, BF16, F64 and I32 are read too and
// converted on request.
package safetensors
