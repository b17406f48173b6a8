// Package torchfile reads and writes PyTorch torch.save files natively, without Python.
//
// Three on-disk forms are recognised by Read/Open:
//
//   - the zip archive written by PyTorch >= 1.6 (<archive>/data.pkl plus one
//     <archive>/data/<key> entry per storage, <archive>/version, optionally
//     <archive>/byteorder);
//   - the legacy stream written with _use_new_zipfile_serialization=False (pickled magic
//     number, protocol version and sys_info, the main pickle, the pickled list of storage
//     keys, then every storage as an int64 element count followed by its raw bytes);
//   - a plain pickle stream (pickle.dump of a Python object, e.g. an annotation list).
//
// The pickle is decoded by a small pickle virtual machine (protocols 0-5) that never
// executes anything: Python globals it knows (tensor rebuild functions, OrderedDict,
// numpy scalars and arrays, sets, _codecs.encode) are mapped to Go values, every other
// class becomes an *Object that records its module, name, arguments and state.
//
// Python values map to Go as: None -> nil, bool -> bool, int -> int64 (or *big.Int when it
// does not fit), float -> float64, str -> string, bytes -> []byte, tuple -> Tuple,
// list -> List, set/frozenset -> Set, dict and OrderedDict -> *Dict (insertion ordered),
// tensors and nn.Parameter -> *Tensor, numpy scalars -> float64/int64/bool, numpy arrays
// -> *NDArray.
//
// Every length read from a file is bounded by the bytes that remain, so a corrupt or
// hostile file yields an error naming the file and the problem instead of a panic or
// a huge allocation.
//
// WriteFile writes the zip form (pickle protocol 2, uncompressed 64-byte aligned
// entries), which torch.load in PyTorch >= 1.6 reads.
package torchfile
