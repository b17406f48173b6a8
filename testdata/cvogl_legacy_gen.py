# Writes testdata/cvogl/CVOGL_DroneAerial/CVOGL_DroneAerial_val.pth in the legacy
# torch.save format (_use_new_zipfile_serialization=False) without needing torch or
# numpy: the legacy stream is five consecutive pickles (magic number, protocol version,
# sys_info, the object, the list of storage keys). Numeric fields are numpy scalars,
# pickled exactly as numpy does (numpy.core.multiarray.scalar(dtype, raw bytes)), so the
# reader's numpy-scalar path is exercised. Run: python3 testdata/cvogl_legacy_gen.py
import pickle, struct, sys, types, os

np_mod = types.ModuleType("numpy")
core = types.ModuleType("numpy.core")
multiarray = types.ModuleType("numpy.core.multiarray")
sys.modules.update({"numpy": np_mod, "numpy.core": core, "numpy.core.multiarray": multiarray})


class dtype:
    def __init__(self, code, align=False, copy=True):
        self.code = code

    def __reduce__(self):
        return (dtype, (self.code, False, True), (3, "<", None, None, None, -1, -1, 0))

    def __setstate__(self, state):
        pass


dtype.__module__ = "numpy"
np_mod.dtype = dtype


def scalar(dt, raw):
    raise RuntimeError("never called while writing")


scalar.__module__ = "numpy.core.multiarray"
scalar.__qualname__ = "scalar"
multiarray.scalar = scalar


class NpScalar:
    def __init__(self, code, value):
        self.code, self.value = code, value

    def __reduce__(self):
        raw = struct.pack("<d" if self.code == "f8" else "<q", self.value)
        return (scalar, (dtype(self.code), raw))


f8 = lambda v: NpScalar("f8", v)
i8 = lambda v: NpScalar("i8", v)

records = [
    (11, "q3.jpg", "s1.jpg", (i8(16), i8(18)), (i8(8), i8(9)),
     [f8(3.5), f8(4.0), f8(20.25), f8(30.5)], [f8(v) for v in (3.5, 4, 20.25, 4, 20.25, 30.5, 3.5, 30.5)], "building_apartments"),
    (12, "q1.jpg", "s2.jpg", [40, 41.5], (20, 20.75),
     (1, 2, 63, 64), [1, 2, 63, 2, 63, 64, 1, 64], "building_industrial"),
    (13, "q2.jpg", "s1.jpg", (10, 10), (5, 5),
     [30.0, 30.0, 30.0, 40.0], [30, 30, 30, 30, 30, 40, 30, 40], "building_garages"),  # no area: bad
]

out = os.path.join(os.path.dirname(__file__), "cvogl", "CVOGL_DroneAerial", "CVOGL_DroneAerial_val.pth")
with open(out + ".tmp", "wb") as f:
    pickle.dump(0x1950A86A20F9469CFC6C, f, protocol=2)
    pickle.dump(1001, f, protocol=2)
    pickle.dump({"protocol_version": 1001, "little_endian": True,
                 "type_sizes": {"short": 2, "int": 4, "long": 4}}, f, protocol=2)
    pickle.dump(records, f, protocol=2)
    pickle.dump([], f, protocol=2)
os.replace(out + ".tmp", out)
