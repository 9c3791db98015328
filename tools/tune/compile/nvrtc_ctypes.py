"""One NVRTC compile through ctypes, timed: what nvrtc_options.py and nvrtc_trace.py share.

compile_source(src, entry, opts) -> (wall ms of nvrtcCompileProgram, cubin bytes); raises
CompileError with NVRTC's log when the compile fails. KJIT_BASE_OPTIONS are kjit's own NVRTC
options for sm_90a (jit/compiler), without the ptxas report.
"""
import ctypes
import time

_L = ctypes.CDLL("/usr/local/cuda/lib64/libnvrtc.so.13")
KJIT_BASE_OPTIONS = ["--minimal", "-arch=sm_90a", "-std=c++17", "--no-cache", "-I/usr/local/cuda/include"]


class CompileError(Exception):
    pass


def _blob(p, size_fn, get_fn):
    n = ctypes.c_size_t()
    size_fn(p, ctypes.byref(n))
    b = ctypes.create_string_buffer(n.value)
    get_fn(p, b)
    return b.raw


def compile_source(src, entry, opts):
    p = ctypes.c_void_p()
    assert _L.nvrtcCreateProgram(ctypes.byref(p), src, b"k.cu", 0, None, None) == 0
    try:
        if entry:
            _L.nvrtcAddNameExpression(p, entry)
        arr = (ctypes.c_char_p * len(opts))(*[o.encode() for o in opts])
        t = time.perf_counter()
        r = _L.nvrtcCompileProgram(p, len(opts), arr)
        ms = (time.perf_counter() - t) * 1e3
        if r != 0:
            log = _blob(p, _L.nvrtcGetProgramLogSize, _L.nvrtcGetProgramLog)
            raise CompileError(log.rstrip(b"\0").decode(errors="replace"))
        return ms, _blob(p, _L.nvrtcGetCUBINSize, _L.nvrtcGetCUBIN)
    finally:
        _L.nvrtcDestroyProgram(ctypes.byref(p))
