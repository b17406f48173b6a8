// Package nn holds modules with named parameters and buffers (names are exactly the
// PyTorch state_dict keys), layers, initialisation, optimisers, learning-rate schedules
// and state-dict save/load.
//
// # Modules and names
//
// A Module reports its parameters and buffers through Visit, in PyTorch's state_dict
// order, under full dotted names. Model types embed Children, filled in registration
// order, so that
//
//	m.Children = nn.Children{{"conv", m.Conv}, {"bn", m.BN}, {"logit_scale", nn.ParamEntry{m.Scale}}}
//
// yields conv.weight, bn.weight, bn.bias, bn.running_mean, bn.running_var,
// bn.num_batches_tracked, logit_scale. Sequential numbers its children "0", "1", ...;
// Func gives parameter-free functions (activations) a numbered slot, as nn.ReLU()
// has in PyTorch. StateDict/StateKeys list every entry, Params/NamedParams the
// trainable parameters in model.parameters() order, which is also the index order of
// PyTorch's optimizer state.
//
// # Initialisation
//
// Layer constructors take a seeded *rand.Rand and apply PyTorch's defaults
// (kaiming_uniform(a=sqrt 5) weights, uniform biases, both within ±1/sqrt(fan_in);
// norm weight 1, bias 0, running mean 0, variance 1). FillGolden instead fills every
// entry with the golden reference generator (../shared/golden/README.md, section 4),
// bit-exactly, from its state_dict name.
//
// # Saving and loading
//
// Save/Load write and read safetensors files keyed by state_dict names
// (num_batches_tracked as an I64 scalar). LoadTensors/LoadNamed load from any source,
// e.g. a PyTorch checkpoint with its "module." prefix stripped by the importer. Loads
// check every key before copying anything and report Missing, Unexpected and
// ShapeMismatch keys; strict loads fail on any of them. SaveCheckpoint/LoadCheckpoint
// keep model and optimiser state in one file with the official checkpoint's layout
// (state_dict.<key>, optimizer.state.<index>.<field>), so training resumes exactly.
//
// # Optimisation
//
// SGD, RMSprop, Adam and AdamW follow PyTorch 1.13's update rules in float32 with
// PyTorch's operation order and fused multiply-adds, so that they reproduce PyTorch
// bit for bit (checked on the rmsprop_3steps golden case). Their State/LoadState use
// PyTorch's "<param index>.<field>" keys for exact resumption. ClipGradNorm is
// clip_grad_norm_; StepLR (PaperSchedule: 1e-4 x 0.1 every 10 epochs) and Cosine
// are the learning-rate schedules.
package nn
