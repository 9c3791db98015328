"""TensorRef: a tensor given by raw device pointer, shape and dtype.

For callers whose arrays speak neither torch nor DLPack, for pointers from
another runtime, and for `Kernel.resolve` on a machine without a GPU (the
pointer is then only reported, never dereferenced)::

    x = kjit.TensorRef(0x7f0000000000, (7, 4096), "bfloat16", device="cuda:0")
"""
from . import _dtypes


class TensorRef:
    __slots__ = ("data_ptr", "shape", "strides", "dtype", "dtype_code", "dtype_bits", "device_type", "device_id")

    def __init__(self, data_ptr, shape, dtype, device="cuda:0", strides=None):
        if dtype not in _dtypes.DLPACK:
            raise ValueError(f"TensorRef: unknown dtype {dtype!r} (known: {', '.join(_dtypes.DLPACK)})")
        self.data_ptr = int(data_ptr)
        self.shape = tuple(int(s) for s in shape)
        self.strides = None if strides is None else tuple(int(s) for s in strides)
        self.dtype = dtype
        self.dtype_code, self.dtype_bits = _dtypes.DLPACK[dtype]
        kind, _, index = str(device).partition(":")
        types = {"cuda": _dtypes.CUDA, "cpu": _dtypes.CPU, "cuda_host": _dtypes.CUDA_HOST, "cuda_managed": _dtypes.CUDA_MANAGED}
        if kind not in types:
            raise ValueError(f"TensorRef: device {device!r} is not cuda[:N], cuda_managed[:N], cuda_host or cpu")
        self.device_type = types[kind]
        self.device_id = int(index or 0)

    def __repr__(self):
        return (f"TensorRef(0x{self.data_ptr:x}, {self.shape}, {self.dtype!r}, device_type={self.device_type}, "
                f"device_id={self.device_id})")
