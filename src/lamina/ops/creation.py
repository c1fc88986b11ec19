"""Tensor creation: zeros, ones, full, *_like, arange, eye (filled by native kernels)."""

from __future__ import annotations

import math

from lamina.backend import dtypes
from lamina.backend.native import _core
from lamina.backend.tensor import Tensor
from lamina.ops.core import convert_to_tensor

__all__ = ["zeros", "ones", "full", "zeros_like", "ones_like", "full_like", "arange", "eye", "identity"]


def _shape(shape, op: str) -> tuple:
    if isinstance(shape, int):
        shape = (shape,)
    try:
        shape = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: shape must be an int or a sequence of ints, got {shape!r}") from None
    if any(d < 0 for d in shape):
        raise ValueError(f"{op}: negative dimension in shape {shape}")
    return shape


def full(shape, fill_value, dtype=None) -> Tensor:
    """A tensor of `shape` filled with `fill_value` (float32 unless `dtype`)."""
    if dtype is None:
        dtype = "bool" if isinstance(fill_value, bool) else (
            "int32" if isinstance(fill_value, int) else dtypes.FLOATX)
    dtype = dtypes.standardize_dtype(dtype)
    return Tensor(_core.full(_shape(shape, "full"), dtypes.DTYPE_CODES[dtype], float(fill_value)))


def zeros(shape, dtype=None) -> Tensor:
    return full(shape, 0, dtypes.standardize_dtype(dtype))


def ones(shape, dtype=None) -> Tensor:
    return full(shape, 1, dtypes.standardize_dtype(dtype))


def full_like(x, fill_value, dtype=None) -> Tensor:
    x = x if isinstance(x, Tensor) else convert_to_tensor(x)
    return full(x.shape, fill_value, dtype or x.dtype)


def zeros_like(x, dtype=None) -> Tensor:
    return full_like(x, 0, dtype)


def ones_like(x, dtype=None) -> Tensor:
    return full_like(x, 1, dtype)


def arange(start, stop=None, step=1, dtype=None) -> Tensor:
    """Evenly spaced values in [start, stop), as numpy.arange."""
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise ValueError("arange: step must not be zero")
    if dtype is None:
        is_int = all(isinstance(v, int) for v in (start, stop, step))
        dtype = "int32" if is_int else dtypes.FLOATX
    dtype = dtypes.standardize_dtype(dtype)
    n = max(0, math.ceil((stop - start) / step))
    return Tensor(_core.arange(float(start), float(step), n, dtypes.DTYPE_CODES[dtype]))


def eye(N, M=None, k=0, dtype=None) -> Tensor:
    """A 2-D tensor with ones on the k-th diagonal."""
    dtype = dtypes.standardize_dtype(dtype)
    return Tensor(_core.eye(int(N), int(N if M is None else M), int(k), dtypes.DTYPE_CODES[dtype]))


def identity(n, dtype=None) -> Tensor:
    return eye(n, dtype=dtype)
