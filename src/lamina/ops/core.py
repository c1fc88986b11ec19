"""Core ops: tensor conversion, `cast`, `stop_gradient`, and operand promotion."""

from __future__ import annotations

import numpy as np

from lamina.backend import dtypes
from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.native import _core
from lamina.backend.tensor import Tensor, from_numpy
from lamina.ops.primitive import Primitive

__all__ = ["convert_to_tensor", "convert_to_numpy", "cast", "stop_gradient", "is_tensor", "shape", "dtype"]


def is_tensor(x) -> bool:
    return isinstance(x, Tensor)


def convert_to_tensor(x, dtype=None, sparse=None) -> Tensor:
    """Converts array-like data (NumPy arrays, lists, scalars, Tensors) to a Tensor.

    Python floats become float32 and Python ints int32 (Keras's defaults); NumPy
    arrays keep their dtype. Non-numeric data raises TypeError.

    Example:
    >>> convert_to_tensor([1, 2]).dtype
    'int32'
    """
    if sparse:
        raise ValueError("convert_to_tensor: sparse tensors are not supported")
    if type(x) is not Tensor:
        value = getattr(x, "value", None)  # a Variable exposes its Tensor as .value
        if isinstance(value, Tensor):
            x = value
    if isinstance(x, Tensor):
        return x if dtype is None else cast(x, dtype)
    if isinstance(x, KerasTensor):
        raise TypeError("convert_to_tensor: cannot convert a symbolic KerasTensor to a Tensor")
    if isinstance(x, np.ndarray) or isinstance(x, np.generic):
        t = from_numpy(x)
    else:
        arr = _python_data(x, None if dtype is None else dtypes.standardize_dtype(dtype))
        t = from_numpy(arr)
    if dtype is not None:
        dtype = dtypes.standardize_dtype(dtype)
        if t.dtype != dtype:
            t = cast(t, dtype)
    return t


def _python_data(x, dtype: str | None = None) -> np.ndarray:
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as e:
        raise TypeError(f"convert_to_tensor: cannot convert {type(x).__name__} to a tensor: {e}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"convert_to_tensor: expected numeric data, got {type(x).__name__} "
            f"holding dtype {arr.dtype}"
        )
    if dtype is not None:
        return arr.astype(dtype)  # straight to the requested dtype: no float32 detour
    # Python floats are float32 and Python ints int32 by Keras's convention.
    if arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    elif arr.dtype == np.int64:
        if arr.size and (arr.max() > 2**31 - 1 or arr.min() < -(2**31)):
            return arr  # too large for int32: keep int64
        arr = arr.astype(np.int32)
    return arr


def convert_to_numpy(x) -> np.ndarray:
    return np.array(convert_to_tensor(x)._value)


def shape(x) -> tuple:
    return tuple(x.shape)


def dtype(x) -> str:
    return convert_to_tensor(x).dtype if not isinstance(x, (Tensor, KerasTensor)) else x.dtype


class Cast(Primitive):
    name = "cast"

    def impl(self, x, dtype):
        return _core.cast(x, dtypes.DTYPE_CODES[dtype])

    def compute_output_spec(self, x, dtype):
        return KerasTensor(x.shape, dtype)

    def vjp(self, inputs, output, g, dtype):
        (x,) = inputs
        if not dtypes.is_float(x.dtype) or not dtypes.is_float(dtype):
            return (None,)
        return (cast(g, x.dtype),)


_cast = Cast()


def cast(x, dtype) -> Tensor:
    """Casts `x` to `dtype` ("float32", "int32", ...). Float to int truncates."""
    dtype = dtypes.standardize_dtype(dtype)
    if type(x) is not Tensor:
        if isinstance(x, KerasTensor):
            return _cast.bind(x, dtype=dtype)
        x = convert_to_tensor(x)
    if dtypes.NAME_OF.get(x._value.dtype) == dtype:
        return x
    return _cast.bind(x, dtype=dtype)


class StopGradient(Primitive):
    name = "stop_gradient"

    def impl(self, x):
        return x  # tensors are immutable, so sharing the buffer is safe

    def compute_output_spec(self, x):
        return KerasTensor(x.shape, x.dtype)

    def vjp(self, inputs, output, g):
        return (None,)


_stop_gradient = StopGradient()


def stop_gradient(variable) -> Tensor:
    """Returns `variable` unchanged, but blocks gradients flowing through it."""
    if isinstance(variable, KerasTensor):
        return _stop_gradient.bind(variable)
    return _stop_gradient.bind(convert_to_tensor(variable))


# ------------------------------------------------------------ operand promotion
def _scalar_tensor(value, dtype: str) -> Tensor:
    return Tensor(np.array(value, dtype=dtypes.np_dtype(dtype)))


def promote(x1, x2, op: str):
    """Converts two operands to Tensors of a common dtype (Keras's promotion, with
    Python scalars weakly typed). Returns (x1, x2) or raises naming `op`."""
    t1, t2 = type(x1) is Tensor, type(x2) is Tensor
    if t1 and t2:
        d1, d2 = x1._value.dtype, x2._value.dtype
        if d1 == d2:
            return x1, x2
        dt = dtypes.result_type(d1.name, d2.name)
        return cast(x1, dt), cast(x2, dt)
    if isinstance(x1, KerasTensor) or isinstance(x2, KerasTensor):
        return _promote_symbolic(x1, x2, op)
    if t1 and isinstance(x2, (int, float, bool)) and not isinstance(x2, np.generic):
        dt = dtypes.weak_result_type(x1.dtype, x2)
        return cast(x1, dt), _scalar_tensor(x2, dt)
    if t2 and isinstance(x1, (int, float, bool)) and not isinstance(x1, np.generic):
        dt = dtypes.weak_result_type(x2.dtype, x1)
        return _scalar_tensor(x1, dt), cast(x2, dt)
    try:
        a = x1 if t1 else convert_to_tensor(x1)
        b = x2 if t2 else convert_to_tensor(x2)
    except TypeError as e:
        raise TypeError(f"{op}: {e}") from None
    return promote(a, b, op)


def _promote_symbolic(x1, x2, op: str):
    def spec(x):
        if isinstance(x, (KerasTensor, Tensor)):
            return x
        return convert_to_tensor(x)

    a, b = spec(x1), spec(x2)
    dt = dtypes.result_type(a.dtype, b.dtype)
    return cast(a, dt), cast(b, dt)
