"""Shape manipulation: reshape, transpose, expand_dims, squeeze, broadcast_to, ...

Tensors are immutable, so a reshape shares its input's buffer. Layout changes that
NumPy can describe as a strided view (a transpose, a broadcast) are materialized by
the native strided copy kernel (`_core.copy`): NumPy only describes the view.
"""

from __future__ import annotations

import numpy as np

from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.native import _core
from lamina.backend.tensor import Tensor
from lamina.ops import reduction
from lamina.ops.core import convert_to_tensor
from lamina.ops.primitive import Primitive

__all__ = ["reshape", "transpose", "expand_dims", "squeeze", "broadcast_to"]


def _tensor(x):
    return x if type(x) is Tensor or isinstance(x, KerasTensor) else convert_to_tensor(x)


def _axis(axis: int, ndim: int, op: str) -> int:
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{op}: axis must be an int, got {type(axis).__name__}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{op}: axis {axis} is out of bounds for a tensor of rank {ndim}")
    return int(axis) % ndim


# ----------------------------------------------------------------- reshape
def _resolve_shape(old: tuple, new, op: str = "reshape") -> tuple:
    """Resolves one -1 in `new`; checks the element count (symbolic dims allowed)."""
    if isinstance(new, (int, np.integer)):
        new = (new,)
    new = tuple(None if d is None else int(d) for d in new)
    if sum(d == -1 for d in new) > 1:
        raise ValueError(f"{op}: only one dimension can be -1, got shape {new}")
    if any(d is not None and d < -1 for d in new):
        raise ValueError(f"{op}: invalid target shape {new}")
    if None in old or None in new:
        if -1 in new and None not in old:
            known = int(np.prod([d for d in new if d not in (-1,)], dtype=np.int64))
            total = int(np.prod(old, dtype=np.int64))
            return tuple(total // known if d == -1 else d for d in new)
        return tuple(None if d == -1 else d for d in new)
    total = int(np.prod(old, dtype=np.int64))
    if -1 in new:
        known = int(np.prod([d for d in new if d != -1], dtype=np.int64))
        if known == 0 or total % known:
            raise ValueError(f"{op}: cannot reshape a tensor of shape {old} into shape {new}")
        new = tuple(total // known if d == -1 else d for d in new)
    if int(np.prod(new, dtype=np.int64)) != total:
        raise ValueError(
            f"{op}: cannot reshape a tensor of shape {old} ({total} elements) into shape {new}"
        )
    return new


class Reshape(Primitive):
    name = "reshape"

    def impl(self, x, shape):
        return x.reshape(shape)  # contiguous in, contiguous out: a shared buffer

    def compute_output_spec(self, x, shape):
        return KerasTensor(_resolve_shape(tuple(x.shape), shape), x.dtype)

    def vjp(self, inputs, out, g, shape):
        return (reshape(g, inputs[0].shape),)


_RESHAPE = Reshape()


def reshape(x, newshape):
    """Gives `x` a new shape with the same elements (one dimension may be -1).

    Example:
    >>> reshape(ops.arange(6), (2, -1)).shape
    (2, 3)
    """
    x = _tensor(x)
    if isinstance(x, KerasTensor):
        return _RESHAPE.bind(x, shape=newshape)
    shape = _resolve_shape(x.shape, newshape)
    if shape == x.shape:
        return x
    return _RESHAPE.bind(x, shape=shape)


# --------------------------------------------------------------- transpose
def _perm(axes, ndim: int, op: str = "transpose") -> tuple:
    if axes is None:
        return tuple(range(ndim - 1, -1, -1))
    axes = tuple(_axis(a, ndim, op) for a in axes)
    if sorted(axes) != list(range(ndim)):
        raise ValueError(f"{op}: axes {axes} are not a permutation of the {ndim} axes")
    return axes


class Transpose(Primitive):
    name = "transpose"

    def impl(self, x, perm):
        return _core.copy(x.transpose(perm))

    def compute_output_spec(self, x, perm):
        return KerasTensor(tuple(x.shape[p] for p in perm), x.dtype)

    def vjp(self, inputs, out, g, perm):
        return (transpose(g, tuple(int(i) for i in np.argsort(perm))),)


_TRANSPOSE = Transpose()


def transpose(x, axes=None):
    """Permutes the axes of `x` (reverses them by default)."""
    x = _tensor(x)
    perm = _perm(axes, x.ndim)
    if perm == tuple(range(x.ndim)):
        return x
    return _TRANSPOSE.bind(x, perm=perm)


# ---------------------------------------------------------- expand / squeeze
def expand_dims(x, axis):
    """Inserts length-1 axes at `axis` (an int or a tuple), as NumPy."""
    x = _tensor(x)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    ndim = x.ndim + len(axes)
    axes = sorted(_axis(a, ndim, "expand_dims") for a in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"expand_dims: repeated axis in {axis}")
    shape = list(x.shape)
    for a in axes:
        shape.insert(a, 1)
    return reshape(x, tuple(shape))


def squeeze(x, axis=None):
    """Removes length-1 axes (all of them, or those named by `axis`)."""
    x = _tensor(x)
    if axis is None:
        shape = tuple(d for d in x.shape if d != 1)
    else:
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        axes = {_axis(a, x.ndim, "squeeze") for a in axes}
        for a in axes:
            if x.shape[a] != 1:
                raise ValueError(
                    f"squeeze: cannot squeeze axis {a} of size {x.shape[a]} in shape {x.shape}"
                )
        shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
    return reshape(x, shape)


# ------------------------------------------------------------ broadcast_to
def _check_broadcast(src: tuple, dst: tuple) -> None:
    if len(src) > len(dst):
        raise ValueError(f"broadcast_to: cannot broadcast shape {src} to the lower-rank shape {dst}")
    for s, d in zip(reversed(src), reversed(dst)):
        if s not in (1, d) and None not in (s, d):
            raise ValueError(f"broadcast_to: cannot broadcast shape {src} to shape {dst}")


class BroadcastTo(Primitive):
    name = "broadcast_to"

    def impl(self, x, shape):
        return _core.copy(np.broadcast_to(x, shape))

    def compute_output_spec(self, x, shape):
        _check_broadcast(tuple(x.shape), shape)
        return KerasTensor(shape, x.dtype)

    def vjp(self, inputs, out, g, shape):
        return (sum_to_shape(g, inputs[0].shape),)


_BROADCAST_TO = BroadcastTo()


def broadcast_to(x, shape):
    """Broadcasts `x` to `shape` by NumPy's rules (a new, materialized tensor)."""
    x = _tensor(x)
    shape = tuple(None if d is None else int(d) for d in shape)
    _check_broadcast(tuple(x.shape), shape)
    if isinstance(x, Tensor) and shape == x.shape:
        return x
    return _BROADCAST_TO.bind(x, shape=shape)


def sum_to_shape(g, shape: tuple):
    """Sums `g` over the axes along which a tensor of `shape` was broadcast to g's shape
    (the gradient of broadcasting)."""
    gshape = tuple(g.shape)
    shape = tuple(shape)
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, d in enumerate(shape) if d == 1 and gshape[lead + i] != 1
    )
    if axes:
        g = reduction.sum(g, axis=axes)
    return reshape(g, shape)
