"""Shape manipulation: reshape, transpose, expand_dims, squeeze, broadcast_to,
concatenate, stack, split, tile, repeat, flip, roll, slice, slice_update, pad, ...

Tensors are immutable, so a reshape (or a contiguous slice) shares its input's
buffer. Layout changes that NumPy can describe as a strided view (a transpose, a
broadcast, a slice, a flip) are materialized by the native strided copy kernel
(`_core.copy`): NumPy only describes the view. Concatenation is a native block copy.
"""

from __future__ import annotations

import builtins
import operator
from typing import Sequence

import math

import numpy as np

from lamina.backend import dtypes
from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.native import _core
from lamina.backend.tensor import Tensor
from lamina.ops import creation, reduction
from lamina.ops.core import cast, convert_to_tensor
from lamina.ops.primitive import Primitive

__all__ = [
    "reshape", "transpose", "expand_dims", "squeeze", "broadcast_to", "ravel", "swapaxes",
    "moveaxis", "concatenate", "stack", "split", "unstack", "tile", "repeat", "flip", "roll",
    "slice", "slice_update", "pad",
]


_S = builtins.slice  # this module defines keras.ops.slice


def _prod(values, dtype=None) -> int:
    return math.prod(int(v) for v in values)


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
            known = int(_prod([d for d in new if d not in (-1,)], dtype=np.int64))
            total = int(_prod(old, dtype=np.int64))
            return tuple(total // known if d == -1 else d for d in new)
        return tuple(None if d == -1 else d for d in new)
    total = int(_prod(old, dtype=np.int64))
    if -1 in new:
        known = int(_prod([d for d in new if d != -1], dtype=np.int64))
        if known == 0 or total % known:
            raise ValueError(f"{op}: cannot reshape a tensor of shape {old} into shape {new}")
        new = tuple(total // known if d == -1 else d for d in new)
    if int(_prod(new, dtype=np.int64)) != total:
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


def _contiguous(view: np.ndarray) -> np.ndarray:
    """A C-contiguous array with view's values: the view itself when it already is
    (tensors are immutable, so sharing is safe), else a native strided copy."""
    return view if view.flags.c_contiguous else _core.copy(view)


def _ints(values, op: str, what: str) -> tuple:
    """An int, a sequence of ints, or an integer array/Tensor as a tuple of ints."""
    if isinstance(values, (Tensor, np.ndarray)):
        values = np.asarray(values).reshape(-1).tolist()
    elif isinstance(values, (int, np.integer)):
        values = (values,)
    try:
        return tuple(operator.index(v) for v in values)
    except TypeError:
        raise TypeError(f"{op}: {what} must be ints, got {values!r}") from None


# ------------------------------------------------------- ravel / swap / move
def ravel(x):
    """Flattens `x` to 1-D (row-major).

    Example:
    >>> ravel(ops.ones((2, 3))).shape
    (6,)
    """
    return reshape(x, (-1,))


def swapaxes(x, axis1: int, axis2: int):
    """Interchanges two axes of `x`.

    Example:
    >>> swapaxes(ops.ones((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    x = _tensor(x)
    a, b = _axis(axis1, x.ndim, "swapaxes"), _axis(axis2, x.ndim, "swapaxes")
    perm = list(range(x.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(x, perm)


def moveaxis(x, source, destination):
    """Moves axes of `x` from `source` to `destination` (ints or sequences), the
    other axes keeping their order.

    Example:
    >>> moveaxis(ops.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    x = _tensor(x)
    src = _ints(source, "moveaxis", "source")
    dst = _ints(destination, "moveaxis", "destination")
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source {source} and destination {destination} differ in length")
    src = [_axis(a, x.ndim, "moveaxis") for a in src]
    dst = [_axis(a, x.ndim, "moveaxis") for a in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"moveaxis: repeated axis in source {source} or destination {destination}")
    rest = [a for a in range(x.ndim) if a not in src]
    perm = [None] * x.ndim
    for s_, d_ in zip(src, dst):
        perm[d_] = s_
    it = iter(rest)
    perm = [p if p is not None else next(it) for p in perm]
    return transpose(x, perm)


# -------------------------------------------------------------- concatenate
class Concatenate(Primitive):
    name = "concatenate"

    def impl(self, *xs, axis):
        return _core.concatenate(list(xs), axis)

    def compute_output_spec(self, *xs, axis):
        first = tuple(xs[0].shape)
        size = 0
        for i, x in enumerate(xs):
            shape = tuple(x.shape)
            if len(shape) != len(first) or any(
                a != b and None not in (a, b)
                for d, (a, b) in enumerate(zip(shape, first)) if d != axis
            ):
                raise ValueError(
                    f"concatenate: input {i} has shape {shape}, which does not match {first} "
                    f"outside axis {axis}"
                )
            size = None if size is None or shape[axis] is None else size + shape[axis]
        out = [next((x.shape[d] for x in xs if x.shape[d] is not None), None) for d in range(len(first))]
        out[axis] = size
        return KerasTensor(tuple(out), xs[0].dtype)

    def vjp(self, inputs, out, g, axis):
        bounds, start = [], 0
        for x in inputs:
            bounds.append((start, start + x.shape[axis]))
            start += x.shape[axis]
        return _SPLIT.bind(g, bounds=tuple(bounds), axis=axis)


_CONCATENATE = Concatenate()


def _same_dtype(xs: list, op: str) -> list:
    if all(type(x) is Tensor for x in xs):
        first = xs[0]._value.dtype  # compared as objects: NumPy's dtype.name is slow
        if all(x._value.dtype == first for x in xs):
            return xs
    dt = dtypes.result_type(*(x.dtype for x in xs))
    return [x if x.dtype == dt else cast(x, dt) for x in xs]


def concatenate(xs: Sequence, axis: int = 0):
    """Joins tensors along an existing axis (dtypes are promoted to a common one).

    Example:
    >>> concatenate([ops.ones((2, 3)), ops.zeros((1, 3))]).shape
    (3, 3)
    """
    if isinstance(xs, (Tensor, KerasTensor)) or not len(xs):
        raise ValueError("concatenate: expected a non-empty list of tensors")
    xs = _same_dtype([_tensor(x) for x in xs], "concatenate")
    if xs[0].ndim == 0:
        raise ValueError("concatenate: zero-dimensional tensors cannot be concatenated")
    axis = _axis(axis, xs[0].ndim, "concatenate")
    if len(xs) == 1:
        return xs[0]
    return _CONCATENATE.bind(*xs, axis=axis)


def stack(x: Sequence, axis: int = 0):
    """Joins tensors of one shape along a new axis.

    Example:
    >>> stack([ops.ones((2, 3)), ops.zeros((2, 3))], axis=1).shape
    (2, 2, 3)
    """
    if isinstance(x, (Tensor, KerasTensor)) or not len(x):
        raise ValueError("stack: expected a non-empty list of tensors")
    xs = _same_dtype([_tensor(t) for t in x], "stack")
    first = tuple(xs[0].shape)
    for t in xs[1:]:
        if len(t.shape) != len(first) or any(
            a != b and None not in (a, b) for a, b in zip(t.shape, first)
        ):
            raise ValueError(f"stack: all inputs must have the same shape, got {first} and {tuple(t.shape)}")
    axis = _axis(axis, len(first) + 1, "stack")
    xs = [expand_dims(t, axis) for t in xs]
    return xs[0] if len(xs) == 1 else _CONCATENATE.bind(*xs, axis=axis)


# -------------------------------------------------------------------- split
class Split(Primitive):
    """Pieces x[start:stop] along `axis`, one per (start, stop) in `bounds`."""

    name = "split"
    multiple_results = True

    def impl(self, x, bounds, axis):
        lead = (_S(None),) * axis
        return tuple(_contiguous(x[lead + (_S(a, b),)]) for a, b in bounds)

    def compute_output_spec(self, x, bounds, axis):
        out = []
        for a, b in bounds:
            shape = list(x.shape)
            shape[axis] = None if a is None else b - a
            out.append(KerasTensor(tuple(shape), x.dtype))
        return tuple(out)

    def vjp(self, inputs, outputs, cts, bounds, axis):
        (x,) = inputs
        n = x.shape[axis]
        if bounds[0][0] == 0 and bounds[-1][1] == n and all(
            bounds[i][1] == bounds[i + 1][0] for i in range(len(bounds) - 1)
        ):
            return (concatenate(list(cts), axis),)
        total = creation.zeros(x.shape, cts[0].dtype)  # pieces that overlap or leave gaps
        for (a, b), ct in zip(bounds, cts):
            start = [0] * x.ndim
            start[axis] = a
            total = _add(total, slice_update(creation.zeros(x.shape, ct.dtype), start, ct))
        return (total,)


_SPLIT = Split()


def _add(a, b):
    from lamina.ops import elementwise  # elementwise imports this module

    return elementwise.add(a, b)


def split(x, indices_or_sections, axis: int = 0) -> list:
    """Splits `x` along `axis` into equal sections (an int that must divide the axis)
    or at the given indices.

    Example:
    >>> [p.shape for p in split(ops.ones((5, 2)), [2, 3])]
    [(2, 2), (1, 2), (2, 2)]
    """
    x = _tensor(x)
    if x.ndim == 0:
        raise ValueError("split: cannot split a 0-d tensor")
    axis = _axis(axis, x.ndim, "split")
    n = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0:
            raise ValueError(f"split: the number of sections must be positive, got {k}")
        if n is None:
            return list(_SPLIT.bind(x, bounds=((None, None),) * k, axis=axis))
        if n % k:
            raise ValueError(
                f"split: a tensor of shape {x.shape} cannot be split into {k} equal sections "
                f"along axis {axis} (size {n})"
            )
        step = n // k
        bounds = tuple((i * step, (i + 1) * step) for i in range(k))
    else:
        cuts = _ints(indices_or_sections, "split", "indices")
        if n is None:
            return list(_SPLIT.bind(x, bounds=((None, None),) * (len(cuts) + 1), axis=axis))
        edges = [0, *cuts, n]
        bounds = []
        for a, b in zip(edges[:-1], edges[1:]):
            a, b, _ = _S(a, b).indices(n)  # Python slicing: negative wraps, clipped
            bounds.append((a, max(a, b)))
        bounds = tuple(bounds)
    return list(_SPLIT.bind(x, bounds=bounds, axis=axis))


def unstack(x, num: int | None = None, axis: int = 0) -> list:
    """Splits `x` into its slices along `axis` (that axis removed).

    Example:
    >>> [t.shape for t in unstack(ops.ones((2, 3)))]
    [(3,), (3,)]
    """
    x = _tensor(x)
    axis = _axis(axis, x.ndim, "unstack")
    n = x.shape[axis]
    if n is None:
        if num is None:
            raise ValueError(f"unstack: cannot unstack an unknown dimension (shape {x.shape}) without num")
        n = num
    elif num is not None and num != n:
        raise ValueError(f"unstack: num={num} does not match size {n} of axis {axis} in shape {x.shape}")
    if n == 0:
        return []
    return [squeeze(p, axis) for p in split(x, n, axis)]


# --------------------------------------------------------------------- tile
class Tile(Primitive):
    name = "tile"

    def impl(self, x, reps):
        inter = tuple(d for pair in zip((1,) * x.ndim, x.shape) for d in pair)
        wide = tuple(d for pair in zip(reps, x.shape) for d in pair)
        out = _core.copy(np.broadcast_to(x.reshape(inter), wide))
        return out.reshape(tuple(r * d for r, d in zip(reps, x.shape)))

    def compute_output_spec(self, x, reps):
        return KerasTensor(tuple(None if d is None else r * d for r, d in zip(reps, x.shape)), x.dtype)

    def vjp(self, inputs, out, g, reps):
        (x,) = inputs
        wide = tuple(d for pair in zip(reps, x.shape) for d in pair)
        summed = reduction.sum(reshape(g, wide), axis=tuple(range(0, 2 * x.ndim, 2)))
        return (reshape(summed, x.shape),)


_TILE = Tile()


def tile(x, repeats):
    """Repeats `x` as a whole `repeats[i]` times along each axis (NumPy's rules when
    `repeats` and `x` differ in length).

    Example:
    >>> tile(ops.convert_to_tensor([1, 2]), 2).numpy()
    array([1, 2, 1, 2], dtype=int32)
    """
    x = _tensor(x)
    reps = _ints(repeats, "tile", "repeats")
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: repeats must be non-negative, got {reps}")
    if len(reps) > x.ndim:
        x = reshape(x, (1,) * (len(reps) - x.ndim) + tuple(x.shape))
    reps = (1,) * (x.ndim - len(reps)) + reps
    if all(r == 1 for r in reps):
        return x
    return _TILE.bind(x, reps=reps)


def repeat(x, repeats, axis: int | None = None):
    """Repeats each element of `x` `repeats` times (an int, or one count per element
    along `axis`); `axis=None` flattens first.

    Example:
    >>> repeat(ops.convert_to_tensor([1, 2]), 2).numpy()
    array([1, 1, 2, 2], dtype=int32)
    """
    from lamina.ops import indexing  # indexing builds on this module

    x = _tensor(x)
    if axis is None:
        x, axis = ravel(x), 0
    axis = _axis(axis, x.ndim, "repeat")
    counts = _ints(repeats, "repeat", "repeats")
    n = x.shape[axis]
    if isinstance(x, KerasTensor):
        shape = list(x.shape)
        if len(counts) > 1:
            if n is not None and len(counts) != n:
                raise ValueError(f"repeat: {len(counts)} repeats for an axis of size {n}")
            shape[axis] = builtins.sum(counts)
        else:
            shape[axis] = None if n is None else n * counts[0]
        return KerasTensor(tuple(shape), x.dtype)
    idx = _core.repeat_index(np.asarray(counts, dtype=np.int64), n)
    return indexing.take(x, Tensor(idx), axis=axis)


# --------------------------------------------------------------------- flip
class Flip(Primitive):
    name = "flip"

    def impl(self, x, axes):
        return _core.copy(x[tuple(_S(None, None, -1) if d in axes else _S(None) for d in range(x.ndim))])

    def compute_output_spec(self, x, axes):
        return KerasTensor(x.shape, x.dtype)

    def vjp(self, inputs, out, g, axes):
        return (_FLIP.bind(g, axes=axes),)


_FLIP = Flip()


def _axes(axis, ndim: int, op: str) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    axes = tuple(_axis(a, ndim, op) for a in ((axis,) if isinstance(axis, (int, np.integer)) else axis))
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: repeated axis in {axis}")
    return axes


def flip(x, axis=None):
    """Reverses the order of elements along `axis` (an int, a tuple, or all axes).

    Example:
    >>> flip(ops.convert_to_tensor([1, 2, 3])).numpy()
    array([3, 2, 1], dtype=int32)
    """
    x = _tensor(x)
    axes = _axes(axis, x.ndim, "flip")
    if not axes:
        return x
    return _FLIP.bind(x, axes=axes)


def roll(x, shift, axis=None):
    """Rolls elements along `axis` by `shift` (elements leaving one end re-enter at
    the other); `axis=None` rolls the flattened tensor.

    Example:
    >>> roll(ops.convert_to_tensor([1, 2, 3]), 1).numpy()
    array([3, 1, 2], dtype=int32)
    """
    x = _tensor(x)
    if axis is None:
        return reshape(roll(ravel(x), shift, 0), x.shape)
    shifts = _ints(shift, "roll", "shift")
    axes = tuple(_axis(a, x.ndim, "roll") for a in _ints(axis, "roll", "axis"))
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: shift {shift} and axis {axis} differ in length")
    if isinstance(x, KerasTensor):
        return KerasTensor(x.shape, x.dtype)
    for s_, a in zip(shifts, axes):
        n = x.shape[a]
        s_ = s_ % n if n else 0
        if s_:
            head, tail = split(x, [n - s_], a)
            x = concatenate([tail, head], a)
    return x


# ------------------------------------------------------- slice / slice_update
def _window(shape: tuple, start, size, op: str) -> tuple:
    """Validates a window start/size against `shape` (size -1: to the end)."""
    if len(start) != len(shape) or len(size) != len(shape):
        raise ValueError(
            f"{op}: start_indices {start} and shape {size} must have one entry per "
            f"dimension of the input of shape {shape}"
        )
    out = []
    for d, (s_, n, dim) in enumerate(zip(start, size, shape)):
        if n == -1:
            if dim is None:
                out.append(None)
                continue
            n = dim - s_
        if s_ < 0 or n < 0 or (dim is not None and s_ + n > dim):
            raise ValueError(
                f"{op}: the window starting at {tuple(start)} with shape {tuple(size)} does "
                f"not fit in the input of shape {tuple(shape)} (axis {d})"
            )
        out.append(n)
    return tuple(out)


class Slice(Primitive):
    name = "slice"

    def impl(self, x, start, shape):
        return _contiguous(x[tuple(_S(a, a + n) for a, n in zip(start, shape))])

    def compute_output_spec(self, x, start, shape):
        return KerasTensor(shape, x.dtype)

    def vjp(self, inputs, out, g, start, shape):
        return (slice_update(creation.zeros(inputs[0].shape, g.dtype), start, g),)


_SLICE = Slice()


def slice(inputs, start_indices, shape):  # noqa: A001 - keras.ops.slice
    """The window `inputs[start:start + shape]` (one start and size per axis; a size
    of -1 runs to the end).

    Example:
    >>> slice(ops.ones((5, 5)), (3, 1), (2, 2)).shape
    (2, 2)
    """
    x = _tensor(inputs)
    start = _ints(start_indices, "slice", "start_indices")
    size = _window(tuple(x.shape), start, _ints(shape, "slice", "shape"), "slice")
    if isinstance(x, Tensor) and size == x.shape:
        return x
    return _SLICE.bind(x, start=start, shape=size)


class SliceUpdate(Primitive):
    name = "slice_update"

    def impl(self, x, updates, start):
        out = _core.copy(x)
        _core.copy_into(out[tuple(_S(a, a + n) for a, n in zip(start, updates.shape))], updates)
        return out

    def compute_output_spec(self, x, updates, start):
        return KerasTensor(x.shape, x.dtype)

    def vjp(self, inputs, out, g, start):
        x, updates = inputs
        gx = _SLICE_UPDATE.bind(g, creation.zeros(updates.shape, g.dtype), start=start)
        gu = _SLICE.bind(g, start=start, shape=tuple(updates.shape))
        return gx, gu


_SLICE_UPDATE = SliceUpdate()


def slice_update(inputs, start_indices, updates):
    """A copy of `inputs` with the window at `start_indices` replaced by `updates`
    (cast to the input's dtype).

    Example:
    >>> slice_update(ops.zeros((3,)), (1,), ops.ones((2,))).numpy()
    array([0., 1., 1.], dtype=float32)
    """
    x = _tensor(inputs)
    u = _tensor(updates)
    if u.dtype != x.dtype:
        u = cast(u, x.dtype)
    start = _ints(start_indices, "slice_update", "start_indices")
    if u.ndim != x.ndim:
        raise ValueError(
            f"slice_update: updates of shape {tuple(u.shape)} must have the rank of the input "
            f"of shape {tuple(x.shape)}"
        )
    if None not in u.shape:
        _window(tuple(x.shape), start, tuple(u.shape), "slice_update")
    return _SLICE_UPDATE.bind(x, u, start=start)


# ---------------------------------------------------------------------- pad
def _pad_width(pad_width, ndim: int) -> tuple:
    try:
        pw = np.broadcast_to(np.asarray(pad_width), (ndim, 2))
    except ValueError:
        raise ValueError(f"pad: pad_width {pad_width!r} does not fit a tensor of rank {ndim}") from None
    if pw.dtype.kind not in "iu":
        raise TypeError(f"pad: pad_width must be ints, got {pad_width!r}")
    pw = tuple((int(a), int(b)) for a, b in pw.tolist())
    if any(a < 0 or b < 0 for a, b in pw):
        raise ValueError(f"pad: pad_width must be non-negative, got {pad_width!r}")
    return pw


def pad(x, pad_width, mode: str = "constant", constant_values=None):
    """Pads `x` with `constant_values` (default 0): `pad_width` gives (before, after)
    per axis, or one pair / one int for all axes. Only mode="constant".

    Example:
    >>> pad(ops.ones((2,)), (1, 2)).numpy()
    array([0., 1., 1., 0., 0.], dtype=float32)
    """
    x = _tensor(x)
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not supported (only 'constant')")
    pw = _pad_width(pad_width, x.ndim)
    shape = tuple(None if d is None else a + d + b for d, (a, b) in zip(x.shape, pw))
    if isinstance(x, KerasTensor):
        return KerasTensor(shape, x.dtype)
    if shape == x.shape:
        return x
    value = 0 if constant_values is None else constant_values
    base = creation.full(shape, value, x.dtype)
    return _SLICE_UPDATE.bind(base, x, start=tuple(a for a, _ in pw))
