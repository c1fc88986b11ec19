"""Normalization ops (keras.ops): moments, batch_normalization, normalize,
layer_normalization, rms_normalization.

They are composed from reduction and elementwise primitives, so their gradients
(through the statistics as well) come from those primitives' VJPs, and they work
on symbolic tensors.
"""

from __future__ import annotations

from typing import Sequence, Union

from lamina.backend import dtypes
from lamina.backend.keras_tensor import KerasTensor
from lamina.ops import core, elementwise as e, manipulation as m
from lamina.ops import reduction as r

__all__ = ["moments", "batch_normalization", "normalize", "layer_normalization",
           "rms_normalization"]

Axes = Union[int, Sequence[int]]


def _float_tensor(x, op: str):
    if not isinstance(x, KerasTensor):
        try:
            x = core.convert_to_tensor(x)
        except TypeError as err:
            raise TypeError(f"{op}: {err}") from None
    if not dtypes.is_float(x.dtype):
        x = core.cast(x, dtypes.FLOATX)
    return x


def moments(x, axes: Axes, keepdims: bool = False, synchronized: bool = False):
    """The mean and (population) variance of `x` over `axes`.

    Example:
    >>> mean, variance = moments([0.0, 1.0, 2.0, 3.0], axes=[0])
    >>> float(mean), float(variance)
    (1.5, 1.25)
    """
    x = _float_tensor(x, "moments")
    axes = r.normalize_axes(axes, tuple(x.shape), "moments")
    mean = r.mean(x, axis=axes, keepdims=True)
    variance = r.mean(e.square(e.subtract(x, mean)), axis=axes, keepdims=keepdims)
    if not keepdims:
        mean = m.squeeze(mean, axes) if axes else mean
    return mean, variance


def _along(v, axis: int, ndim: int, op: str, size):
    """A 1-D statistic/parameter reshaped to broadcast along `axis`."""
    v = _float_tensor(v, op)
    if v.ndim != 1:
        if v.ndim == ndim:  # already broadcastable (e.g. keepdims statistics)
            return v
        raise ValueError(f"{op}: expected a 1-D tensor of size {size} (the size of axis "
                         f"{axis}), got shape {tuple(v.shape)}")
    if size is not None and v.shape[0] is not None and v.shape[0] != size:
        raise ValueError(f"{op}: expected a 1-D tensor of size {size} (the size of axis "
                         f"{axis}), got shape {tuple(v.shape)}")
    shape = [1] * ndim
    shape[axis] = -1 if v.shape[0] is None else v.shape[0]
    return m.reshape(v, tuple(shape))


def batch_normalization(x, mean, variance, axis: int, offset=None, scale=None,
                        epsilon: float = 1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, with the 1-D `mean`,
    `variance`, `offset` and `scale` broadcast along `axis`.

    Example:
    >>> x = lamina.ops.convert_to_tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> batch_normalization(x, [2.0, 3.0], [1.0, 1.0], axis=-1, epsilon=0.0).numpy()
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    """
    x = _float_tensor(x, "batch_normalization")
    ax = r.normalize_axes(axis, tuple(x.shape), "batch_normalization")[0]
    size = x.shape[ax]
    along = lambda v: _along(v, ax, x.ndim, "batch_normalization", size)  # noqa: E731
    inv = e.rsqrt(e.add(along(variance), float(epsilon)))
    if scale is not None:
        inv = e.multiply(inv, along(scale))
    y = e.multiply(e.subtract(x, along(mean)), inv)
    if offset is not None:
        y = e.add(y, along(offset))
    return y


def normalize(x, axis: Axes = -1, order: int = 2, epsilon: float | None = None):
    """`x` divided by its `order`-norm along `axis` (the norm bounded below by
    `epsilon`, default 1e-7). Orders 1 and 2 are supported.

    Example:
    >>> normalize([3.0, 4.0]).numpy()
    array([0.6, 0.8], dtype=float32)
    """
    x = _float_tensor(x, "normalize")
    eps = 1e-7 if epsilon is None else float(epsilon)
    axes = r.normalize_axes(axis, tuple(x.shape), "normalize")
    if order == 2:
        sq = r.sum(e.square(x), axis=axes, keepdims=True)
        return e.multiply(x, e.rsqrt(e.maximum(sq, eps * eps)))
    if order == 1:
        n = r.sum(e.abs(x), axis=axes, keepdims=True)
        return e.divide(x, e.maximum(n, eps))
    raise ValueError(f"normalize: order must be 1 or 2, got {order!r}")


def layer_normalization(x, gamma=None, beta=None, axis: Axes = -1,
                        epsilon: float | None = None, rms_scaling: bool = False):
    """Normalizes `x` to mean 0 and variance 1 over `axis` (the feature axes),
    then scales by `gamma` and shifts by `beta` (shaped like those axes).
    `rms_scaling=True` divides by the root mean square instead (no centering,
    `beta` unused). `epsilon` defaults to 1e-3.

    Example:
    >>> layer_normalization([[1.0, 3.0]], epsilon=0.0).numpy()
    array([[-1.,  1.]], dtype=float32)
    """
    x = _float_tensor(x, "layer_normalization")
    eps = 1e-3 if epsilon is None else float(epsilon)
    axes = r.normalize_axes(axis, tuple(x.shape), "layer_normalization")
    param_shape = tuple(x.shape[a] if a in axes else 1 for a in range(x.ndim))

    def param(v):
        v = _float_tensor(v, "layer_normalization")
        if v.ndim == x.ndim:
            return v
        return m.reshape(v, tuple(-1 if d is None else d for d in param_shape))

    if rms_scaling:
        ms = r.mean(e.square(x), axis=axes, keepdims=True)
        y = e.multiply(x, e.rsqrt(e.add(ms, eps)))
        return y if gamma is None else e.multiply(y, param(gamma))
    mean, variance = moments(x, axes, keepdims=True)
    inv = e.rsqrt(e.add(variance, eps))
    if gamma is not None:
        inv = e.multiply(inv, param(gamma))
    y = e.multiply(e.subtract(x, mean), inv)
    if beta is not None:
        y = e.add(y, param(beta))
    return y


def rms_normalization(x, scale=None, axis: Axes = -1, epsilon: float | None = None):
    """x * rsqrt(mean(square(x)) + epsilon) * scale over `axis` (epsilon defaults
    to 1e-7).

    Example:
    >>> rms_normalization([[3.0, 4.0]], epsilon=0.0).shape
    (1, 2)
    """
    return layer_normalization(x, gamma=scale, axis=axis,
                               epsilon=1e-7 if epsilon is None else epsilon, rms_scaling=True)
