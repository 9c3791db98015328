"""Kernel: a compiled kjit definition you call on tensors.

    k = kjit.kernel("rmsnorm_h4096")
    y = k(x, w)                       # positional: the definition's inputs in order
    y = k(hidden_states=x, weight=w)  # by name
    k(x, w, out=y)                    # outputs given (no allocation)

Calls run in C (the _kjit extension, over kjit's C API): tensors are checked
against the definition (dtype, rank, each axis, contiguity, alignment,
device), the var axes are inferred from the shapes, and the launch goes to
the current stream of the tensors' library (PyTorch: the current CUDA
stream of the tensors' device) or to `stream=`. Outputs not given are
allocated like the inputs (torch.empty, cupy.empty, ...).
"""
import json

from . import _dtypes
from . import _kjit
from ._errors import ArgumentError
from ._tensor_ref import TensorRef


class Kernel(_kjit.Kernel):
    def __init__(self, handle, name, arch=None):
        sig = json.loads(self._signature_json())
        self.name = sig["name"]
        self.op_type = sig["op_type"]
        self.signature = sig
        axes = {a["name"]: a for a in sig["axes"]}
        tensor_inputs = [t for t in sig["inputs"] if not t["scalar"]]
        scalars = [t for t in sig["inputs"] if t["scalar"]]
        self.input_names = tuple(t["name"] for t in sig["inputs"])
        self.output_names = tuple(t["name"] for t in sig["outputs"])
        kinds, names, t_slot, s_slot = [], {}, 0, 0
        for t in sig["inputs"]:
            if t["scalar"]:
                kinds.append((1, s_slot))
                names[t["name"]] = 1000 + s_slot
                s_slot += 1
            else:
                kinds.append((0, t_slot))
                names[t["name"]] = t_slot
                t_slot += 1
        for j, t in enumerate(sig["outputs"]):
            names[t["name"]] = len(tensor_inputs) + j
        slot_names = tuple(t["name"] for t in tensor_inputs) + self.output_names + tuple(t["name"] for t in scalars)
        # Where each var axis can be read: the first (tensor input, dim) carrying it.
        source = {}
        for i, t in enumerate(tensor_inputs):
            for d, axis in enumerate(t["shape"]):
                if axes[axis]["kind"] == "var":
                    source.setdefault(axis, (i, d))
        self._out_specs = []
        for t in sig["outputs"]:
            dims = []
            for axis in t["shape"]:
                if axes[axis]["kind"] == "const":
                    dims.append(("const", axes[axis]["value"]))
                elif axis in source:
                    dims.append(("input", source[axis]))
                else:
                    dims.append(("unknown", axis))
            self._out_specs.append((t["name"], t["dtype"], dims))
        self._setup(tuple(kinds), names, slot_names, len(tensor_inputs), len(sig["outputs"]))

    def __repr__(self):
        return f"kjit.Kernel({self.name!r}, arch={self.info['arch']!r})"

    @property
    def info(self):
        """{"name", "key", "arch", "status", "template", "compile_ms", "registers", "spill_bytes", ...}"""
        return json.loads(self._info_json())

    @property
    def plan(self):
        """The launch plan (docs/templates.md) as a dict."""
        return json.loads(self._plan_json())

    @property
    def cubin(self):
        return self._cubin()

    def output_shapes(self, inputs):
        """[(name, dtype, shape)] of the outputs for `inputs` (tensor inputs, definition order)."""
        out = []
        for name, dtype, dims in self._out_specs:
            shape = []
            for kind, value in dims:
                if kind == "const":
                    shape.append(value)
                elif kind == "input":
                    i, d = value
                    shape.append(inputs[i].shape[d])
                else:
                    raise ArgumentError(f"{self.name}: output '{name}' has axis '{value}' that no input determines: pass it in out=")
            out.append((name, dtype, tuple(shape)))
        return out

    def _allocate(self, inputs, given):
        """Called by the extension for outputs not given: allocates like inputs[0]'s library."""
        shapes = self.output_shapes(inputs)
        like = inputs[0] if inputs else None
        out = []
        for (name, dtype, shape), g in zip(shapes, given):
            out.append(g if g is not None else _allocate_like(like, shape, dtype, self.name, name))
        return tuple(out)

    def resolve(self, *args, num_sms=None, **kwargs):
        """What a call with these arguments would launch, without launching:
        {"definition", "arch", "num_sms", "axes", "workspace_bytes", "workspace",
        "launches": [{"entry", "grid", "block", "shared_bytes", "pdl", "skipped", "args"}]}.
        Outputs may be left out (described, not allocated). Needs no GPU:
        `num_sms` (default: the device's, else 132) is what the plan sees."""
        kwargs = dict(kwargs)
        out = kwargs.pop("out", None)
        if out is not None:
            outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
            if len(outs) != len(self.output_names):
                raise TypeError(f"out= needs {len(self.output_names)} tensors, got {len(outs)}")
            kwargs.update(zip(self.output_names, outs))
        for key in kwargs:
            if key not in self.input_names and key not in self.output_names:
                raise TypeError(f"unexpected keyword argument '{key}' (the definition's inputs and outputs: "
                                f"{', '.join(self.input_names + self.output_names)})")
        missing = [n for n in self.output_names if n not in kwargs]
        if missing:
            inputs = self._tensor_inputs(args, kwargs)
            device = _device_of(inputs[0]) if inputs else (_dtypes.CUDA, 0)
            kind = {_dtypes.CUDA: "cuda", _dtypes.CPU: "cpu", _dtypes.CUDA_HOST: "cuda_host",
                    _dtypes.CUDA_MANAGED: "cuda_managed"}.get(device[0], "cpu")
            for name, dtype, shape in self.output_shapes(inputs):
                if name in missing:
                    kwargs[name] = TensorRef(0, shape, dtype, device=f"{kind}:{device[1]}")
        return json.loads(self._resolve_json(tuple(args), kwargs, int(num_sms or 0)))

    def _tensor_inputs(self, args, kwargs):
        values = dict(zip(self.input_names, args))
        values.update({k: v for k, v in kwargs.items() if k in self.input_names})
        tensors = [t["name"] for t in self.signature["inputs"] if not t["scalar"]]
        missing = [n for n in tensors if n not in values]
        if missing:
            raise TypeError(f"missing input '{missing[0]}'")
        return [values[n] for n in tensors]


def _device_of(x):
    """(DLPack device type, ordinal) of a tensor-like."""
    if isinstance(x, TensorRef):
        return (x.device_type, x.device_id)
    if type(x).__module__.split(".")[0] == "torch":
        return (_dtypes.CUDA, x.get_device()) if x.is_cuda else (_dtypes.CPU, 0)
    if hasattr(x, "__dlpack_device__"):
        t, i = x.__dlpack_device__()
        return (int(t), int(i))
    return (_dtypes.CPU, 0)


def _allocate_like(like, shape, dtype, kernel, output):
    lib = type(like).__module__.split(".")[0] if like is not None else ""
    if lib == "torch":
        import torch
        return torch.empty(shape, dtype=getattr(torch, "bool" if dtype == "bool" else dtype), device=like.device)
    if lib == "cupy":
        import cupy
        if dtype in ("bfloat16", "float8_e4m3fn", "float8_e5m2", "float4_e2m1"):
            raise ArgumentError(f"{kernel}: CuPy has no {dtype}: pass output '{output}' in out=")
        with cupy.cuda.Device(like.device.id):
            return cupy.empty(shape, dtype=dtype)
    if lib in ("jax", "jaxlib"):
        # Written through DLPack: the fresh array has no other user.
        import jax.numpy as jnp
        dev = next(iter(like.devices()))
        return jnp.zeros(shape, dtype=getattr(jnp, dtype), device=dev)
    raise ArgumentError(f"{kernel}: cannot allocate output '{output}' like a {type(like).__name__}: pass it in out=")
