"""kjit from Python: call kjit's CUDA kernels by definition name.

    import kjit
    kjit.list()                         # definitions and the template serving each
    kjit.definition("rmsnorm_h4096")    # the definition (dict)
    kjit.compile("rmsnorm_h4096")       # compile (or hit the cache); info dict
    k = kjit.kernel("rmsnorm_h4096")
    y = k(x, w)                         # torch / CuPy / JAX (DLPack) tensors on the GPU
    k.resolve(x, w)                     # the launch it would make (no GPU needed)
    op = kjit.torch.library("rmsnorm_h4096")   # torch.ops.kjit.rmsnorm_h4096

Configuration is kjit's (KJIT_CACHE_DIR, KJIT_DEFINITIONS, KJIT_TEMPLATES,
KJIT_ARCH, ...; `kjit config` lists them) or `kjit.configure(...)`. Launch
logging: KJIT_LOGLEVEL / KJIT_LOGDEST, or `kjit.set_log(level, dest)`.
Errors are kjit.Error subclasses carrying kjit's message: NotFoundError is a
KeyError, ArgumentError a ValueError, NoDeviceError/LaunchError RuntimeErrors.
"""
import builtins as _builtins
import json as _json
import os as _os
import sys as _sys
import threading as _threading

_here = _os.path.dirname(_os.path.abspath(__file__))
# An installed package carries kjit's templates and definitions in share/.
if _os.path.isdir(_os.path.join(_here, "share", "templates")):
    _os.environ.setdefault("KJIT_TEMPLATES", _os.path.join(_here, "share", "templates"))
    _defs = _os.path.join(_here, "share", "definitions")
    if _os.path.isdir(_defs):
        _extra = _os.environ.get("KJIT_DEFINITIONS", "")
        if _defs not in _extra.split(":"):
            _os.environ["KJIT_DEFINITIONS"] = _defs + (":" + _extra if _extra else "")

from . import _kjit  # noqa: E402
from . import _dtypes  # noqa: E402
from ._errors import ArgumentError, CompileError, Error, LaunchError, NoDeviceError, NotFoundError  # noqa: E402,F401
from ._errors import BY_CODE as _BY_CODE  # noqa: E402
from ._kernel import Kernel  # noqa: E402
from ._tensor_ref import TensorRef  # noqa: E402

__all__ = ["list", "definition", "compile", "kernel", "configure", "set_log", "Kernel", "TensorRef", "Error",
           "NotFoundError", "ArgumentError", "CompileError", "NoDeviceError", "LaunchError"]

_kjit._set_errors(dict(_BY_CODE))

_lock = _threading.Lock()
_state = {"handle": None, "kernels": {}, "config": (None, None)}


def _register_torch():
    """Gives the extension torch.Tensor, its dtypes and torch's current-stream function."""
    torch = _sys.modules.get("torch")
    if torch is None or not hasattr(torch, "Tensor"):
        return
    codes = {dt: _dtypes.DLPACK[name] for dt, name in _dtypes.torch_dtypes(torch).items()}
    stream = getattr(torch._C, "_cuda_getCurrentRawStream", None) or (lambda device: 0)
    _kjit._set_torch(torch.Tensor, codes, stream)


_kjit._set_tensor_ref(TensorRef, _register_torch)
_register_torch()


def configure(cache_dir=None, definitions_dir=None):
    """Reopens kjit with this cache folder and an extra definitions folder
    (None: KJIT_CACHE_DIR / the default, and only kjit's own + KJIT_DEFINITIONS).
    Kernels made earlier keep working."""
    with _lock:
        _state["handle"] = None
        _state["kernels"] = {}
        _state["config"] = (cache_dir, definitions_dir)


def _handle():
    with _lock:
        if _state["handle"] is None:
            cache_dir, defs = _state["config"]
            _state["handle"] = _kjit.Handle(None if cache_dir is None else str(cache_dir),
                                            None if defs is None else str(defs))
        return _state["handle"]


def list(op_type=None):  # noqa: A001 (mirrors `kjit list`)
    """[{"name", "op_type", "template", "tags", "path"}] of every definition kjit sees."""
    items = _json.loads(_handle().list_json())
    return [d for d in items if op_type is None or d["op_type"] == op_type]


def definition(name):
    """The definition `name` (flashinfer-trace JSON) as a dict. NotFoundError when unknown."""
    return _json.loads(_handle().definition_json(name))


def kernel(name, arch=None):
    """The kernel of definition `name`, compiled now or from the cache (one per
    name and arch per process). `arch`: e.g. "sm_90a"; None = KJIT_ARCH, else
    each device's own."""
    key = (name, arch)
    k = _state["kernels"].get(key)
    if k is None:
        k = Kernel(_handle(), name, arch)
        with _lock:
            k = _state["kernels"].setdefault(key, k)
    return k


def compile(name, arch=None):  # noqa: A001 (mirrors `kjit compile`)
    """Compiles `name` for `arch` (or takes it from the cache) and returns
    {"name", "key", "arch", "status": "compiled"|"hit"|"memory_hit"|"remote_hit", "compile_ms",
    "registers", "spill_bytes", "template", ...}."""
    return Kernel(_handle(), name, arch).info


def set_log(level, dest=None):
    """Launch logging (like KJIT_LOGLEVEL / KJIT_LOGDEST): 0 off, 1 names, 3 +
    shapes/grids/streams, 5 + tensor statistics (synchronizes)."""
    _kjit.set_log(int(level), dest)


def __getattr__(name):
    if name == "torch":  # kjit.torch imports torch only when used
        import importlib
        return importlib.import_module(".torch", __name__)
    raise AttributeError(f"module 'kjit' has no attribute {name!r}")


_list = _builtins.list
