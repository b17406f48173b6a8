# Regenerates the torch-written fixtures of this directory. Needs PyTorch (these were
# made with Debian's python3-torch 1.13.1 and numpy 1.24); the Go tests do not need it.
#   cd loader/torchfile/testdata && /usr/bin/python3 gen_fixtures.py
import collections, pickle
import numpy as np
import torch


def mixed():
    base = torch.arange(10, dtype=torch.float32)
    return {
        "f32": torch.arange(6, dtype=torch.float32).reshape(2, 3) * 0.5,
        "f16": (torch.arange(6, dtype=torch.float32).reshape(2, 3) / 4 - 0.5).half(),
        "bf16": (torch.arange(4, dtype=torch.float32) * 1.5 - 2).bfloat16(),
        "f64": torch.tensor([1.0 / 3, -2.5, 1e300], dtype=torch.float64),
        "i32": torch.tensor([-7, 0, 2147483647], dtype=torch.int32),
        "i16": torch.tensor([-300, 5], dtype=torch.int16),
        "i8": torch.tensor([-128, 127], dtype=torch.int8),
        "u8": torch.tensor([0, 255, 17], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "i64": torch.tensor([[-(2**40), 3], [4, 2**62]], dtype=torch.int64),
        # transposed: shape (4, 3), stride (1, 4)
        "transposed": torch.arange(12, dtype=torch.float32).reshape(3, 4).t(),
        # shares base's storage at offset 3
        "base": base,
        "slice": base[3:7],
        "strided": base[1::3],
        "scalar": torch.tensor(2.25),
        "empty": torch.zeros(0, 3),
        "param": torch.nn.Parameter(torch.tensor([1.0, -1.0])),
        "np_f64": np.float64(0.125),
        "np_i64": np.int64(-42),
        "np_f32": np.float32(1.5),
        "np_arr": np.arange(6, dtype=np.float32).reshape(2, 3),
        "py": [None, True, False, 2**70, -(2**70), -1, 255, 256, 65535, 65536, -2**31,
               2**31, 1.5, "héllo ☃", b"\x00\xffab", (1,), (1, 2, 3, 4), {1, 2}, frozenset([3])],
        "od": collections.OrderedDict([("b", 1), ("a", 2)]),
        "int_keys": {0: "zero", -5: "minus five", (1, 2): "tuple"},
    }


def annotations():
    # the CVOGL annotation layout: (id, query, satellite, (x,y), (x,y), bbox, 8 floats, class)
    return [
        (0, "0001.jpg", "sat_0001.tif", (128, 96), (300, 410), [250.5, 380.0, 351.25, 440.0],
         [0.0, 1.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0], "building"),
        (1, "0002.jpg", "sat_0002.tif", (10, 20), (1023, 0), [0.0, 0.0, 10.0, 10.0],
         [1.0] * 8, "road"),
    ]


torch.save(mixed(), "mixed_zip.pt")
torch.save(mixed(), "mixed_legacy.pt", _use_new_zipfile_serialization=False)
torch.save(annotations(), "annotations_zip.pth")
for proto in (0, 2, 5):
    with open(f"annotations_p{proto}.pkl", "wb") as f:
        pickle.dump(annotations(), f, protocol=proto)
# pickle.dump of a tensor: the storage is a nested torch.save via _load_from_bytes
with open("tensor_plain.pkl", "wb") as f:
    pickle.dump(torch.arange(5, dtype=torch.float32) - 2, f, protocol=2)
