"""Dtypes: names, standardization and Keras's (JAX-like) type promotion."""

from __future__ import annotations

import numpy as np

FLOATX = "float32"

# The dtypes the native core computes in; codes match csrc/common.h's DType.
DTYPE_CODES = {"float32": 0, "float64": 1, "int32": 2, "int64": 3, "bool": 4, "uint8": 5}
SUPPORTED = tuple(DTYPE_CODES)
FLOAT_DTYPES = ("float32", "float64")
INT_DTYPES = ("uint8", "int32", "int64")

# Promotion rank: bool < uint8 < int32 < int64 < float32 < float64. With this set of
# dtypes, Keras's lattice reduces to "the higher rank wins".
_RANK = {"bool": 0, "uint8": 1, "int32": 2, "int64": 3, "float32": 4, "float64": 5}

# Lossless widenings applied when data of another NumPy dtype comes in.
_WIDEN = {
    "float16": "float32", "int8": "int32", "int16": "int32", "uint16": "int32",
    "uint32": "int64",
}

_NP = {name: np.dtype(name) for name in SUPPORTED}
# np.dtype -> canonical name: a dict lookup is ~10x cheaper than `dtype.name`.
NAME_OF = {np.dtype(name): name for name in SUPPORTED}


def standardize_dtype(dtype) -> str:
    """Returns the canonical name ("float32", ...) of a dtype-like, or raises."""
    if dtype is None:
        return FLOATX
    if isinstance(dtype, str) and dtype in DTYPE_CODES:
        return dtype
    if dtype is float:
        return FLOATX
    if dtype is int:
        return "int32"
    if dtype is bool:
        return "bool"
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = getattr(dtype, "name", str(dtype))
    name = _WIDEN.get(name, name)
    if name not in DTYPE_CODES:
        raise TypeError(
            f"Unsupported dtype {dtype!r}; lamina supports {', '.join(SUPPORTED)}"
        )
    return name


def np_dtype(dtype: str) -> np.dtype:
    return _NP[dtype]


def is_float(dtype: str) -> bool:
    return dtype in FLOAT_DTYPES


def is_int(dtype: str) -> bool:
    return dtype in INT_DTYPES


def result_type(*dtypes: str) -> str:
    """The dtype two or more tensors promote to."""
    return max(dtypes, key=_RANK.__getitem__)


def weak_result_type(dtype: str, scalar) -> str:
    """The dtype of `tensor <op> python_scalar`: the scalar is weakly typed, so the
    tensor's dtype wins unless a float scalar meets an integer or bool tensor."""
    if isinstance(scalar, bool):
        return dtype
    if isinstance(scalar, int):
        return "int32" if dtype == "bool" else dtype
    return dtype if dtype in FLOAT_DTYPES else FLOATX


def floatx() -> str:
    return FLOATX
