"""Argument checks shared by the initializers: shapes and dtypes."""

from __future__ import annotations

import numpy as np

from lamina.backend import dtypes


def standardize_shape(shape, who: str) -> tuple:
    """`shape` as a tuple of non-negative ints, or a clear error naming `who`."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        out = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{who}: shape must be a tuple of ints, got {shape!r}") from None
    if any(d < 0 for d in out):
        raise ValueError(f"{who}: shape must not have negative dimensions, got {out}")
    return out


def float_dtype(dtype, who: str) -> str:
    """The standardized dtype (floatx for None); it must be a floating-point one."""
    dtype = dtypes.standardize_dtype(dtype)
    if not dtypes.is_float(dtype):
        raise ValueError(f"{who}: expected a floating-point dtype, got dtype={dtype}")
    return dtype
