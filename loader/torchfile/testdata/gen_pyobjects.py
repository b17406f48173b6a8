# Regenerates pyobjects_p{0..5}.pkl: one object tree pickled with every protocol by
# CPython's own pickler (numpy 1.24, no torch needed). The Go test expects the same
# decoded tree from each file.
#   cd loader/torchfile/testdata && /usr/bin/python3 gen_pyobjects.py
import collections, pickle
import numpy as np


class Point:  # plain instance: copy_reg._reconstructor (p0/p1) or NEWOBJ (p2+)
    def __init__(self, x, y):
        self.x, self.y = x, y


class Tagged(dict):  # dict subclass: items arrive through SETITEMS on the object
    pass


class Items(list):  # list subclass: items arrive through APPENDS on the object
    pass


class KW:  # keyword-only constructor: NEWOBJ_EX at protocol 4+
    def __init__(self, a, *, b):
        self.a, self.b = a, b

    def __getnewargs_ex__(self):
        return (self.a,), {"b": self.b}


shared = [1, 2]
tree = {
    "point": Point(1, -2.5),
    "tagged": Tagged(a=1),
    "items": Items([7, 8]),
    "kw": KW(5, b="bee"),
    "od": collections.OrderedDict([("x", 1), ("y", None)]),
    "bytes": b"\x00\x01\xfe",
    "empty_bytes": b"",
    "bytearray": bytearray(b"xy"),
    "set": {3},
    "frozenset": frozenset({4}),
    "np_fortran": np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)),
    "np_be": np.array([1, -2], dtype=">i4"),
    "np_bool": np.array([True, False]),
    "np_u8": np.uint64(2**63 + 1),
    "np_bool_scalar": np.bool_(True),
    "np_f16": np.float16(0.5),
    "np_obj": np.array(["a", 1], dtype=object),
    "shared": [shared, shared],
    "nested_tuple": ((1, (2, (3,))),),
    "unicode": "naïve ☃ \U0001F600",
    "ctrl": "a\nb\\c\x00",
    "floats": [float("inf"), -0.0, 1e-310, 0.1],
    "ints": [0, -1, 2**31 - 1, -(2**31), 2**63, -(2**63) - 1, 10**30, True],
}
for proto in range(6):
    with open(f"pyobjects_p{proto}.pkl", "wb") as f:
        pickle.dump(tree, f, protocol=proto)
