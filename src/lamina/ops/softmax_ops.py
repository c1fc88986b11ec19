"""softmax and log_softmax: fused, numerically stable native kernels.

The forward primitives run `_core.softmax`; their VJPs run the fused backward
kernels (`_core.softmax_grad`) through primitives of their own, whose VJPs are
composed from ops, so gradients of any order work. Integer inputs give float32.
A tuple of axes is supported by moving those axes last and flattening them.
"""

from __future__ import annotations

from typing import Sequence, Union

from lamina.backend import dtypes
from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.native import _core
from lamina.ops import core, elementwise as e, manipulation as m
from lamina.ops.primitive import Primitive
from lamina.ops.reduction import normalize_axes, sum as sum_

__all__ = ["softmax", "log_softmax"]


class Softmax(Primitive):
    """softmax along one axis (attribute `axis`, non-negative)."""

    name = "softmax"
    log = False

    def impl(self, x, axis):
        return _core.softmax(x, axis, self.log)

    def compute_output_spec(self, x, axis):
        return KerasTensor(x.shape, x.dtype)

    def vjp(self, inputs, y, g, axis):
        return ((_LOG_SOFTMAX_GRAD if self.log else _SOFTMAX_GRAD).bind(y, g, axis=axis),)


class LogSoftmax(Softmax):
    name = "log_softmax"
    log = True


class SoftmaxGrad(Primitive):
    """dx = y * (g - sum(g * y)): the backward of softmax, from its output y and
    cotangent g."""

    name = "softmax_grad"
    log = False

    def impl(self, y, g, axis):
        return _core.softmax_grad(y, g, axis, self.log)

    def compute_output_spec(self, y, g, axis):
        return KerasTensor(y.shape, y.dtype)

    def vjp(self, inputs, dx, h, axis):
        y, g = inputs
        s = sum_(e.multiply(g, y), axis=axis, keepdims=True)
        t = sum_(e.multiply(h, y), axis=axis, keepdims=True)
        gy = e.subtract(e.multiply(h, e.subtract(g, s)), e.multiply(g, t))
        gg = _SOFTMAX_GRAD.bind(y, h, axis=axis)  # the map g -> dx is self-adjoint
        return gy, gg


class LogSoftmaxGrad(SoftmaxGrad):
    """dx = g - exp(y) * sum(g): the backward of log_softmax, from its output y and
    cotangent g."""

    name = "log_softmax_grad"
    log = True

    def vjp(self, inputs, dx, h, axis):
        y, g = inputs
        p = e.exp(y)
        gy = e.negative(e.multiply(e.multiply(h, p), sum_(g, axis=axis, keepdims=True)))
        gg = e.subtract(h, sum_(e.multiply(h, p), axis=axis, keepdims=True))
        return gy, gg


_SOFTMAX, _LOG_SOFTMAX = Softmax(), LogSoftmax()
_SOFTMAX_GRAD, _LOG_SOFTMAX_GRAD = SoftmaxGrad(), LogSoftmaxGrad()


def _apply(prim: Softmax, x, axis):
    if not isinstance(x, KerasTensor):
        try:
            x = core.convert_to_tensor(x)
        except TypeError as err:
            raise TypeError(f"{prim.name}: {err}") from None
    if not dtypes.is_float(x.dtype):
        x = core.cast(x, dtypes.FLOATX)
    axes = normalize_axes(axis, tuple(x.shape), prim.name)
    if len(axes) == 1:
        return prim.bind(x, axis=axes[0])
    if not axes:
        raise ValueError(f"{prim.name}: no axis to normalize over for a tensor of shape {x.shape}")
    # Several axes: move them last, flatten them into one, and undo both afterwards.
    kept = [i for i in range(x.ndim) if i not in axes]
    perm = tuple(kept) + axes
    xt = m.transpose(x, perm)
    moved = tuple(xt.shape)
    y = prim.bind(m.reshape(xt, moved[: len(kept)] + (-1,)), axis=len(kept))
    inverse = tuple(perm.index(i) for i in range(x.ndim))
    return m.transpose(m.reshape(y, moved), inverse)


def softmax(x, axis: Union[int, Sequence[int], None] = -1):
    """exp(x) / sum(exp(x)) along `axis` (an int, or a tuple of axes normalized
    together), computed stably.

    Example:
    >>> softmax([0.0, 0.0]).numpy()
    array([0.5, 0.5], dtype=float32)
    """
    return _apply(_SOFTMAX, x, axis)


def log_softmax(x, axis: Union[int, Sequence[int], None] = -1):
    """x - logsumexp(x) along `axis`, computed stably.

    Example:
    >>> log_softmax([0.0, 0.0]).numpy()
    array([-0.6931472, -0.6931472], dtype=float32)
    """
    return _apply(_LOG_SOFTMAX, x, axis)
