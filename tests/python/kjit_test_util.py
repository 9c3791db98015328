"""Helpers for the kjit Python tests: a DLPack producer built with ctypes
(so the DLPack path runs without NumPy, CuPy or a GPU), a plan evaluator
independent of kjit's C++ one, and the fake driver's controls."""
import ctypes
import os
import re


class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice), ("ndim", ctypes.c_int32), ("dtype", _DLDataType),
                ("shape", ctypes.POINTER(ctypes.c_int64)), ("strides", ctypes.POINTER(ctypes.c_int64)),
                ("byte_offset", ctypes.c_uint64)]


_Deleter = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class _DLManagedTensor(ctypes.Structure):
    _fields_ = [("dl_tensor", _DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", _Deleter)]


_capsule_new = ctypes.pythonapi.PyCapsule_New
_capsule_new.restype = ctypes.py_object
_capsule_new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
_noop = _Deleter(lambda p: None)


class DLPackArray:
    """An array-like exporting `ptr` through __dlpack__ (device_type 2 = CUDA, 1 = CPU)."""

    def __init__(self, ptr, shape, code, bits, device_type=2, device_id=0, strides=None):
        self.shape = tuple(shape)
        self._shape = (ctypes.c_int64 * len(shape))(*shape)
        self._strides = None if strides is None else (ctypes.c_int64 * len(strides))(*strides)
        self._m = _DLManagedTensor()
        t = self._m.dl_tensor
        t.data = ptr
        t.device = _DLDevice(device_type, device_id)
        t.ndim = len(shape)
        t.dtype = _DLDataType(code, bits, 1)
        t.shape = self._shape
        t.strides = self._strides
        t.byte_offset = 0
        self._m.deleter = _noop
        self.streams = []

    def __dlpack__(self, stream=None):
        self.streams.append(stream)
        return _capsule_new(ctypes.addressof(self._m), b"dltensor", None)

    def __dlpack_device__(self):
        return (self._m.dl_tensor.device.device_type, self._m.dl_tensor.device.device_id)


def ceil_div(a, b):
    return (a + b - 1) // b


def eval_expr(expr, names):
    """Evaluates a plan expression (docs/templates.md) in Python (operands are non-negative there)."""
    if isinstance(expr, int):
        return expr
    py = re.sub(r"(?<![/])/(?![/])", "//", str(expr))
    return int(eval(py, {"__builtins__": {}, "min": min, "max": max, "ceil_div": ceil_div}, dict(names)))


def evaluate_plan(plan, axes, num_sms):
    """{"lets", "workspace": [bytes], "launches": [(grid, block, shared)]} of a plan dict."""
    names = dict(axes)
    names["num_sms"] = num_sms
    for let in plan["lets"]:
        names[let["name"]] = eval_expr(let["expr"], names)
    ws = [eval_expr(w["bytes"], names) for w in plan["workspace"]]
    launches = []
    for l in plan["launches"]:
        grid = [eval_expr(e, names) for e in l["grid"]]
        block = [eval_expr(e, names) for e in l["block"]]
        launches.append((grid, block, eval_expr(l["shared_bytes"], names)))
    return {"values": names, "workspace": ws, "launches": launches}


class FakeCuda:
    """The fake driver's controls, or None when libcuda.so.1 is not the fake."""

    class Launch(ctypes.Structure):
        _fields_ = [("entry", ctypes.c_char * 128), ("grid", ctypes.c_uint * 3), ("block", ctypes.c_uint * 3),
                    ("shared", ctypes.c_uint), ("pdl", ctypes.c_int), ("stream", ctypes.c_void_p),
                    ("context", ctypes.c_void_p), ("nparams", ctypes.c_int), ("param_size", ctypes.c_uint * 64),
                    ("param", ctypes.c_ulonglong * 64)]

    def __init__(self, lib):
        self.lib = lib
        lib.kjit_fake_cuda_get_launch.argtypes = [ctypes.c_int, ctypes.POINTER(FakeCuda.Launch)]
        lib.kjit_fake_cuda_launch_count.restype = ctypes.c_long

    @staticmethod
    def load():
        try:
            lib = ctypes.CDLL("libcuda.so.1")
        except OSError:
            return None
        return FakeCuda(lib) if hasattr(lib, "kjit_fake_cuda_reset") else None

    def reset(self, record=True):
        self.lib.kjit_fake_cuda_reset(1 if record else 0)

    def recorded(self):
        return self.lib.kjit_fake_cuda_recorded()

    def count(self):
        return self.lib.kjit_fake_cuda_launch_count()

    def launch(self, i):
        l = FakeCuda.Launch()
        assert self.lib.kjit_fake_cuda_get_launch(i, ctypes.byref(l)) == 1
        return l


def test_cache_dir():
    return os.environ.get("KJIT_TEST_CACHE")
