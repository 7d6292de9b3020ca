#!/usr/bin/python3
"""Writes the numpy-made test files in this directory (Debian python3-numpy).

Element i (in C order) of each array is a simple function of i that npy_test.go recomputes:
  bool i%3==0, uint8 i%251, uint16 (i*257)%65536, int32 i*1000-7, int64 i*10**10-3,
  float16 i*0.25-3, float32 i*0.5-1.25, float64 i/3.
"""
import numpy as np

SHAPE = (2, 3, 4)
n = int(np.prod(SHAPE))
i = np.arange(n)
VALUES = {
    "bool": (i % 3 == 0),
    "uint8": (i % 251).astype("u1"),
    "uint16": ((i * 257) % 65536).astype("u2"),
    "int32": (i * 1000 - 7).astype("i4"),
    "int64": (i.astype("i8") * 10**10 - 3),
    "float16": (i * 0.25 - 3).astype("f2"),
    "float32": (i * 0.5 - 1.25).astype("f4"),
    "float64": i / 3,
}
for name, v in VALUES.items():
    a = v.reshape(SHAPE)
    np.save(f"{name}_c.npy", a)
    np.save(f"{name}_f.npy", np.asfortranarray(a))
    if a.dtype.itemsize > 1:
        np.save(f"{name}_be.npy", a.astype(a.dtype.newbyteorder(">")))
np.save("scalar_f64.npy", np.float64(2.5))
np.save("empty_f32.npy", np.zeros((0, 3), "f4"))
np.save("vector_i32.npy", np.arange(5, dtype="i4"))
arrays = {name: v.reshape(SHAPE) for name, v in VALUES.items()}
arrays["fortran_f32"] = np.asfortranarray(arrays["float32"])
np.savez("stored.npz", **arrays)
np.savez_compressed("deflated.npz", **arrays)
