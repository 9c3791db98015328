"""kjit kernels as PyTorch custom operators.

    import kjit.torch
    rmsnorm = kjit.torch.library("rmsnorm_h4096")     # torch.ops.kjit.rmsnorm_h4096
    y = rmsnorm(x, w)
    torch.compile(lambda x, w: rmsnorm(x, w) * 2, fullgraph=True)(x, w)

`library(name)` defines `kjit::<name>` from the definition: a schema
(tensors as Tensor, float scalars as float, integer scalars as int; one
Tensor or a tuple of Tensors returned), a CUDA implementation that calls the
kjit kernel on the current stream (outputs allocated with torch.empty, so
CUDA graph capture uses PyTorch's graph pool), and a fake (meta)
implementation that derives the output shapes from the definition, so
torch.compile(fullgraph=True) traces through it and CUDA graphs capture it.
The op is functional (no input is mutated).
"""
import re
import threading

import torch

from . import kernel as _kernel

_lock = threading.Lock()
_ops = {}
_libs = {}

_SCALAR_TYPES = {"float32": "float", "float16": "float", "bfloat16": "float", "int8": "int", "int16": "int", "int32": "int",
                 "int64": "int", "bool": "bool"}


def op_name(name):
    """The operator name of definition `name` (C identifier characters only)."""
    n = re.sub(r"[^0-9A-Za-z_]", "_", name)
    return n if not n[:1].isdigit() else "_" + n


def schema(k):
    """`(Tensor hidden_states, Tensor weight) -> Tensor` for kernel `k`."""
    args = []
    for t in k.signature["inputs"]:
        if t["scalar"]:
            if t["dtype"] not in _SCALAR_TYPES:
                raise ValueError(f"{k.name}: scalar '{t['name']}' of dtype {t['dtype']} has no torch schema type")
            args.append(f"{_SCALAR_TYPES[t['dtype']]} {t['name']}")
        else:
            args.append(f"Tensor {t['name']}")
    outs = k.signature["outputs"]
    ret = "Tensor" if len(outs) == 1 else "(" + ", ".join("Tensor" for _ in outs) + ")"
    return f"({', '.join(args)}) -> {ret}"


def _fake_outputs(k, args):
    inputs = [a for a, t in zip(args, k.signature["inputs"]) if not t["scalar"]]
    outs = []
    for name, dtype, shape in k.output_shapes(inputs):
        outs.append(inputs[0].new_empty(shape, dtype=getattr(torch, dtype)))
    return outs[0] if len(outs) == 1 else tuple(outs)


def library(name, arch=None, namespace="kjit"):
    """Registers definition `name` as the operator `torch.ops.<namespace>.<op_name(name)>`
    (once per process) and returns it."""
    key = (namespace, name)
    with _lock:
        if key in _ops:
            return _ops[key]
        k = _kernel(name, arch)
        opn = op_name(name)
        lib = _libs.get(namespace)
        if lib is None:
            try:
                lib = torch.library.Library(namespace, "FRAGMENT")
            except ValueError:  # torch < 2.0 knows only "DEF" (one per namespace and process)
                lib = torch.library.Library(namespace, "DEF")
            _libs[namespace] = lib
        lib.define(opn + schema(k))

        def cuda_impl(*args):
            return k(*args)

        def fake_impl(*args):
            return _fake_outputs(k, args)

        lib.impl(opn, cuda_impl, "CUDA")
        qualname = f"{namespace}::{opn}"
        if hasattr(torch.library, "register_fake"):
            torch.library.register_fake(qualname, fake_impl, lib=lib)
        elif hasattr(torch.library, "impl_abstract"):
            torch.library.impl_abstract(qualname, fake_impl, lib=lib)
        else:  # torch < 2.1: a Meta kernel (and its autograd key, which old torch leaves empty)
            lib.impl(opn, fake_impl, "Meta")
            lib.impl(opn, fake_impl, "AutogradMeta")
        op = getattr(getattr(torch.ops, namespace), opn)
        _ops[key] = op
        return op
