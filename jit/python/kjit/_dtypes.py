"""Dtype names of the flashinfer-trace schema and their DLPack (code, bits)."""

DLPACK = {
    "float32": (2, 32),
    "float16": (2, 16),
    "bfloat16": (4, 16),
    "float8_e4m3fn": (10, 8),
    "float8_e5m2": (12, 8),
    "float4_e2m1": (17, 4),
    "int8": (0, 8),
    "int16": (0, 16),
    "int32": (0, 32),
    "int64": (0, 64),
    "bool": (6, 8),
}

# DLPack device types kjit tells apart.
CPU, CUDA, CUDA_HOST, CUDA_MANAGED = 1, 2, 3, 13


def torch_dtypes(torch):
    """{torch dtype: schema name} for the dtypes this torch has."""
    names = {
        "float32": "float32", "float16": "float16", "bfloat16": "bfloat16", "float8_e4m3fn": "float8_e4m3fn",
        "float8_e5m2": "float8_e5m2", "int8": "int8", "int16": "int16", "int32": "int32", "int64": "int64", "bool": "bool",
    }
    return {getattr(torch, attr): name for attr, name in names.items() if hasattr(torch, attr)}
