"""Reductions: sum, mean, max, min, prod, any, all, argmax, argmin, var, std, logsumexp.

Each reduction is a primitive over `_core.reduce` (or `_core.argmax/argmin`) with the
normalized, sorted axis tuple and `keepdims` as attributes. `axis` may be None (all
axes), an int or a tuple/list of ints; negative axes count from the end; a repeated
axis is an error.

Dtypes follow Keras: sum/prod of bool, uint8 and int32 give int32 (lamina has no
uint32), int64 stays int64; mean/var/std of integers give float32; argmax/argmin give
int32; any/all give bool. Integer and bool inputs get no gradient.

Gradients: max/min split the cotangent evenly among tied maxima (as JAX and TF do);
prod uses the product of the other elements, exact with zeros (one zero: only the
zero's position gets a gradient; two or more: none); its second derivative is exact
away from zeros only. logsumexp's gradient is softmax(x), NaN where the result is -inf
(every element -inf).
"""

from __future__ import annotations

import math
from typing import Optional, Sequence, Union

import numpy as np

from lamina.backend import dtypes
from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.native import _core
from lamina.backend.tensor import Tensor
from lamina.ops import core
from lamina.ops.primitive import Primitive

__all__ = [
    "sum", "mean", "max", "min", "prod", "any", "all", "argmax", "argmin", "var", "std",
    "logsumexp", "amax", "amin",
]

_CODES = dict(_core.REDUCE_OPS)

Axis = Union[int, Sequence[int], None]  # the type of the reductions' `axis` argument


# ------------------------------------------------------------------ helpers
# manipulation and elementwise import this module (sum_to_shape), so they are
# looked up at call time rather than imported by name.
def _m():
    from lamina.ops import manipulation
    return manipulation


def _e():
    from lamina.ops import elementwise
    return elementwise


def _tensor(x, op: str):
    if type(x) is Tensor or isinstance(x, KerasTensor):
        return x
    try:
        return core.convert_to_tensor(x)
    except TypeError as e:
        raise TypeError(f"{op}: {e}") from None


def normalize_axes(axis, shape: tuple, op: str) -> tuple:
    """The sorted tuple of non-negative axes named by `axis` (None: all axes)."""
    ndim = len(shape)
    if axis is None:
        return tuple(range(ndim))
    items = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    out = []
    for a in items:
        if not isinstance(a, (int, np.integer)) or isinstance(a, (bool, np.bool_)):
            raise TypeError(f"{op}: axis must be an int, a tuple of ints or None, got {axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(
                f"{op}: axis {int(a)} is out of bounds for a tensor of shape {tuple(shape)}"
            )
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r} for a tensor of shape {tuple(shape)}")
    return tuple(sorted(out))


def _reduced_shape(shape: tuple, axes: tuple, keepdims: bool) -> tuple:
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _out_dtype(name: str, dtype: str) -> str:
    if name in ("sum", "prod"):
        return "int32" if dtype in ("bool", "uint8") else dtype
    if name in ("any", "all"):
        return "bool"
    return dtype


def _keep(t, x_shape: tuple, axes: tuple, keepdims: bool):
    """`t` (a reduction's output or cotangent) reshaped to the keepdims shape."""
    return t if keepdims else _m().reshape(t, _reduced_shape(x_shape, axes, True))


def _broadcast_back(g, x_shape: tuple, axes: tuple, keepdims: bool):
    return _m().broadcast_to(_keep(g, x_shape, axes, keepdims), x_shape)


# --------------------------------------------------------------- primitives
class Reduce(Primitive):
    """A `_core.reduce` kernel over `axis` (a sorted tuple of non-negative axes)."""

    def __init__(self):
        super().__init__()
        self.code = _CODES[self.name]

    def impl(self, x, axis, keepdims, initial=None):
        out = _core.reduce(self.code, x, axis, initial)
        if keepdims:
            out = out.reshape(_reduced_shape(x.shape, axis, True))
        return out

    def compute_output_spec(self, x, axis, keepdims, initial=None):
        return KerasTensor(_reduced_shape(x.shape, axis, keepdims), _out_dtype(self.name, x.dtype))


class Sum(Reduce):
    name = "sum"

    def vjp(self, inputs, out, g, axis, keepdims, initial=None):
        return (_broadcast_back(g, inputs[0].shape, axis, keepdims),)


class Prod(Reduce):
    name = "prod"

    def vjp(self, inputs, out, g, axis, keepdims, initial=None):
        e = _e()
        (x,) = inputs
        zero = e.equal(x, 0.0)
        safe = e.where(zero, 1.0, x)
        p_nz = prod(safe, axis=axis, keepdims=True)  # product of the non-zero elements
        nz = sum(zero, axis=axis, keepdims=True)  # zeros per reduced slice
        others = e.where(
            e.equal(nz, 0), e.divide(p_nz, safe),
            e.where(e.logical_and(zero, e.equal(nz, 1)), p_nz, 0.0))
        return (e.multiply(_keep(g, x.shape, axis, keepdims), others),)


class _Extreme(Reduce):
    def vjp(self, inputs, out, g, axis, keepdims, initial=None):
        e = _e()
        (x,) = inputs
        hit = core.cast(e.equal(x, _keep(out, x.shape, axis, keepdims)), x.dtype)
        count = e.maximum(sum(hit, axis=axis, keepdims=True), 1.0)
        return (e.multiply(hit, e.divide(_keep(g, x.shape, axis, keepdims), count)),)


class Max(_Extreme):
    name = "max"


class Min(_Extreme):
    name = "min"


class Any(Reduce):
    name = "any"
    differentiable = False


class All(Reduce):
    name = "all"
    differentiable = False


class LogSumExp(Reduce):
    name = "logsumexp"

    def vjp(self, inputs, out, g, axis, keepdims, initial=None):
        e = _e()
        (x,) = inputs
        weights = e.exp(e.subtract(x, _keep(out, x.shape, axis, keepdims)))  # softmax
        return (e.multiply(_keep(g, x.shape, axis, keepdims), weights),)


class ArgReduce(Primitive):
    """argmax/argmin along one axis (None: of the flattened tensor); int32 output."""

    differentiable = False

    def impl(self, x, axis, keepdims):
        if axis is None:
            out = getattr(_core, self.name)(x.reshape(-1), 0)
            return out.reshape((1,) * x.ndim) if keepdims else out
        out = getattr(_core, self.name)(x, axis)
        return out.reshape(_reduced_shape(x.shape, (axis,), True)) if keepdims else out

    def compute_output_spec(self, x, axis, keepdims):
        if axis is None:
            shape = (1,) * x.ndim if keepdims else ()
        else:
            shape = _reduced_shape(x.shape, (axis,), keepdims)
        return KerasTensor(shape, "int32")


class ArgMax(ArgReduce):
    name = "argmax"


class ArgMin(ArgReduce):
    name = "argmin"


_SUM, _PROD, _MAX, _MIN = Sum(), Prod(), Max(), Min()
_ANY, _ALL, _LSE = Any(), All(), LogSumExp()
_ARGMAX, _ARGMIN = ArgMax(), ArgMin()


def _reduce(prim: Reduce, x, axis, keepdims: bool, **attrs):
    x = _tensor(x, prim.name)
    axes = normalize_axes(axis, tuple(x.shape), prim.name)
    return prim.bind(x, axis=axes, keepdims=bool(keepdims), **attrs)


def _to_float(x, op: str):
    x = _tensor(x, op)
    return x if dtypes.is_float(x.dtype) else core.cast(x, dtypes.FLOATX)


# ------------------------------------------------------------------ public API
def sum(x, axis: Axis = None, keepdims: bool = False):  # noqa: A001 - keras.ops.sum
    """Sum over `axis` (None: all axes). bool/int32 sum to int32.

    Example:
    >>> sum([[1.0, 2.0], [3.0, 4.0]], axis=0).numpy()
    array([4., 6.], dtype=float32)
    """
    return _reduce(_SUM, x, axis, keepdims)


def prod(x, axis: Axis = None, keepdims: bool = False):
    """Product over `axis`.

    Example:
    >>> prod([1.0, 2.0, 3.0]).numpy()
    array(6., dtype=float32)
    """
    return _reduce(_PROD, x, axis, keepdims)


def mean(x, axis: Axis = None, keepdims: bool = False):
    """Arithmetic mean over `axis`; integer inputs give float32 (NaN when empty).

    Example:
    >>> mean([1, 2, 3, 4]).numpy()
    array(2.5, dtype=float32)
    """
    x = _to_float(x, "mean")
    axes = normalize_axes(axis, tuple(x.shape), "mean")
    s = _SUM.bind(x, axis=axes, keepdims=bool(keepdims))
    if isinstance(x, KerasTensor):
        return s
    n = math.prod(int(x.shape[a]) for a in axes)
    return _e().multiply(s, 1.0 / n if n else float("nan"))


def max(x, axis: Axis = None, keepdims: bool = False, initial: Optional[float] = None):  # noqa: A001 - keras.ops.max
    """Maximum over `axis`; NaN propagates. An empty reduction needs `initial`.

    Example:
    >>> max([[1.0, 5.0], [3.0, 2.0]], axis=1).numpy()
    array([5., 3.], dtype=float32)
    """
    return _reduce(_MAX, x, axis, keepdims, initial=None if initial is None else float(initial))


def min(x, axis: Axis = None, keepdims: bool = False, initial: Optional[float] = None):  # noqa: A001 - keras.ops.min
    """Minimum over `axis`; NaN propagates. An empty reduction needs `initial`."""
    return _reduce(_MIN, x, axis, keepdims, initial=None if initial is None else float(initial))


amax = max
amin = min


def any(x, axis: Axis = None, keepdims: bool = False):  # noqa: A001 - keras.ops.any
    """True where any element along `axis` is non-zero.

    Example:
    >>> any([[0, 1], [0, 0]], axis=1).numpy()
    array([ True, False])
    """
    return _reduce(_ANY, x, axis, keepdims)


def all(x, axis: Axis = None, keepdims: bool = False):  # noqa: A001 - keras.ops.all
    """True where every element along `axis` is non-zero."""
    return _reduce(_ALL, x, axis, keepdims)


def _arg(prim: ArgReduce, x, axis, keepdims: bool):
    x = _tensor(x, prim.name)
    if axis is not None:
        if isinstance(axis, (tuple, list)):
            raise TypeError(f"{prim.name}: axis must be an int or None, got {axis!r}")
        (axis,) = normalize_axes(axis, tuple(x.shape), prim.name)
    return prim.bind(x, axis=axis, keepdims=bool(keepdims))


def argmax(x, axis: Optional[int] = None, keepdims: bool = False):
    """Index (int32) of the first maximum along `axis` (None: of the flattened tensor).
    A NaN counts as the maximum.

    Example:
    >>> argmax([[1.0, 5.0], [3.0, 2.0]], axis=1).numpy()
    array([1, 0], dtype=int32)
    """
    return _arg(_ARGMAX, x, axis, keepdims)


def argmin(x, axis: Optional[int] = None, keepdims: bool = False):
    """Index (int32) of the first minimum along `axis` (None: of the flattened tensor)."""
    return _arg(_ARGMIN, x, axis, keepdims)


def var(x, axis: Axis = None, keepdims: bool = False):
    """Population variance, mean(square(x - mean(x))); integers give float32.

    Example:
    >>> var([1.0, 2.0, 3.0, 4.0]).numpy()
    array(1.25, dtype=float32)
    """
    x = _to_float(x, "var")
    e = _e()
    centered = e.subtract(x, mean(x, axis=axis, keepdims=True))
    return mean(e.square(centered), axis=axis, keepdims=keepdims)


def std(x, axis: Axis = None, keepdims: bool = False):
    """Population standard deviation, sqrt(var(x))."""
    return _e().sqrt(var(x, axis=axis, keepdims=keepdims))


def logsumexp(x, axis: Axis = None, keepdims: bool = False):
    """log(sum(exp(x))) over `axis`, computed stably (shifted by the max).

    Example:
    >>> logsumexp([0.0, 0.0]).numpy()
    array(0.6931472, dtype=float32)
    """
    return _reduce(_LSE, _to_float(x, "logsumexp"), axis, keepdims)
