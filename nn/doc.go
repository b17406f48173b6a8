// Package nn holds modules with named parameters and buffers (names are exactly the
// PyTorch state_dict keys), layers, initialisation, optimisers, learning-rate schedules
// and state-dict save/load.
package nn
