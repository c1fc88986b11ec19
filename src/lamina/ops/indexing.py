"""Indexing: take, take_along_axis, one_hot, and `getitem` (Tensor.__getitem__).

Gathers are native kernels (`_core.take`, `_core.take_along_axis`) whose VJPs are
native scatter-adds, and the scatter-adds' VJPs are the gathers again, so indexing
is differentiable to any order. Indices are checked in the kernels' bindings:
negative indices wrap, out-of-range ones raise IndexError naming index, axis, size.

`getitem` follows NumPy's semantics. The basic part of a key (ints, slices, None,
Ellipsis) becomes a strided view described by NumPy and materialized by
`_core.copy` (or shared when it is already contiguous). Advanced indices (integer
arrays, bool masks, and ints next to them) become one native gather: their
dimensions are brought together (moved to the front when a slice separates them),
merged into one, and indexed by flat positions from `_core.ravel_index`.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from lamina.backend import dtypes
from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.native import _core
from lamina.backend.tensor import Tensor
from lamina.ops import manipulation as mp
from lamina.ops.core import cast, convert_to_tensor
from lamina.ops import primitive
from lamina.ops.primitive import Primitive

__all__ = ["take", "take_along_axis", "one_hot", "getitem"]


def _index_tensor(indices, op: str):
    """Integer indices as a Tensor (or a KerasTensor), with a TypeError otherwise.
    (Checks `dtype.kind`: NumPy's `dtype.name` costs microseconds.)"""
    if type(indices) is Tensor:
        if indices._value.dtype.kind not in "iu":
            raise TypeError(f"{op}: indices must be integers, got dtype {indices.dtype}")
        return indices
    if isinstance(indices, KerasTensor):
        if not dtypes.is_int(indices.dtype):
            raise TypeError(f"{op}: indices must be integers, got dtype {indices.dtype}")
        return indices
    arr = np.asarray(indices)
    kind = arr.dtype.kind
    if arr.size == 0 and kind == "f" and not isinstance(indices, np.ndarray):
        arr, kind = arr.astype(np.int32), "i"  # [] is an empty integer index
    if kind not in "iu":
        raise TypeError(f"{op}: indices must be integers, got dtype {arr.dtype}")
    if kind == "i" and arr.dtype.itemsize in (4, 8) and isinstance(indices, np.ndarray):
        return Tensor(_core.copy(arr))  # an owned copy: the tape may keep it
    return convert_to_tensor(arr)


# --------------------------------------------------------------------- take
class Take(Primitive):
    """out = x gathered at `indices` along `axis` (the indices' shape replaces it)."""

    name = "take"

    def impl(self, x, indices, axis, op="take", label=-1):
        return _core.take(x, indices, axis, op, label)

    def compute_output_spec(self, x, indices, axis, op="take", label=-1):
        shape = tuple(x.shape)
        return KerasTensor(shape[:axis] + tuple(indices.shape) + shape[axis + 1:], x.dtype)

    def vjp(self, inputs, out, g, axis, op="take", label=-1):
        x, indices = inputs
        return _SCATTER_ADD.bind(g, indices, axis=axis, n=x.shape[axis]), None


class ScatterAdd(Primitive):
    """The adjoint of take: zeros of size `n` along `axis`, with the slices of
    `updates` added at `indices` (repeated indices accumulate)."""

    name = "scatter_add"

    def impl(self, updates, indices, axis, n):
        return _core.scatter_add(updates, indices, axis, n)

    def compute_output_spec(self, updates, indices, axis, n):
        shape = tuple(updates.shape)
        return KerasTensor(shape[:axis] + (n,) + shape[axis + len(indices.shape):], updates.dtype)

    def vjp(self, inputs, out, g, axis, n):
        return _TAKE.bind(g, inputs[1], axis=axis), None


_TAKE = Take()
_SCATTER_ADD = ScatterAdd()


def take(x, indices, axis: int | None = None):
    """Elements (or slices along `axis`) of `x` at integer `indices`; `axis=None`
    indexes the flattened tensor. Negative indices count from the end.

    Example:
    >>> take(ops.convert_to_tensor([[1, 2], [3, 4]]), [1, -1], axis=1).numpy()
    array([[2, 2],
           [4, 4]], dtype=int32)
    """
    x = mp._tensor(x)
    indices = _index_tensor(indices, "take")
    if axis is None:
        x, axis = mp.ravel(x), 0
    axis = mp._axis(axis, x.ndim, "take")
    return _TAKE.bind(x, indices, axis=axis)


# ---------------------------------------------------------- take_along_axis
class TakeAlongAxis(Primitive):
    name = "take_along_axis"

    def impl(self, x, indices, axis):
        return _core.take_along_axis(x, indices, axis)

    def compute_output_spec(self, x, indices, axis):
        return KerasTensor(indices.shape, x.dtype)

    def vjp(self, inputs, out, g, axis):
        x, indices = inputs
        return _SCATTER_ADD_ALONG.bind(g, indices, axis=axis, n=x.shape[axis]), None


class ScatterAddAlong(Primitive):
    name = "scatter_add_along"

    def impl(self, updates, indices, axis, n):
        return _core.scatter_add_along(updates, indices, axis, n)

    def compute_output_spec(self, updates, indices, axis, n):
        shape = list(updates.shape)
        shape[axis] = n
        return KerasTensor(tuple(shape), updates.dtype)

    def vjp(self, inputs, out, g, axis, n):
        return _TAKE_ALONG_AXIS.bind(g, inputs[1], axis=axis), None


_TAKE_ALONG_AXIS = TakeAlongAxis()
_SCATTER_ADD_ALONG = ScatterAddAlong()


def take_along_axis(x, indices, axis: int | None = None):
    """Picks `x[..., indices[..., j, ...], ...]` along `axis`: `indices` has x's
    rank and broadcasts with x on the other axes (as numpy.take_along_axis).

    Example:
    >>> x = ops.convert_to_tensor([[10, 30, 20]])
    >>> take_along_axis(x, [[1, 2]], axis=1).numpy()
    array([[30, 20]], dtype=int32)
    """
    x = mp._tensor(x)
    indices = _index_tensor(indices, "take_along_axis")
    if axis is None:
        if indices.ndim != 1:
            raise ValueError(
                f"take_along_axis: with axis=None, indices must be 1-D, got shape {tuple(indices.shape)}"
            )
        x, axis = mp.ravel(x), 0
    if indices.ndim != x.ndim:
        raise ValueError(
            f"take_along_axis: indices of shape {tuple(indices.shape)} must have the rank of x "
            f"(shape {tuple(x.shape)})"
        )
    axis = mp._axis(axis, x.ndim, "take_along_axis")
    xs, ids = list(x.shape), list(indices.shape)
    for d, (a, b) in enumerate(zip(x.shape, indices.shape)):
        if d == axis or a == b:
            continue
        if a == 1 or a is None and b not in (None, 1):
            xs[d] = b
        elif b == 1 or b is None:
            ids[d] = a
        else:
            raise ValueError(
                f"take_along_axis: indices of shape {tuple(indices.shape)} do not broadcast with "
                f"x of shape {tuple(x.shape)} outside axis {axis}"
            )
    if isinstance(x, KerasTensor) or isinstance(indices, KerasTensor):
        out = [b if d == axis else (a if a not in (None, 1) else b) for d, (a, b) in enumerate(zip(xs, ids))]
        return KerasTensor(tuple(out), x.dtype)
    if tuple(ids) != tuple(indices.shape):
        indices = mp.broadcast_to(indices, ids)
    if tuple(xs) != tuple(x.shape):
        x = mp.broadcast_to(x, xs)
    return _TAKE_ALONG_AXIS.bind(x, indices, axis=axis)


# ------------------------------------------------------------------ one_hot
class OneHot(Primitive):
    name = "one_hot"
    differentiable = False

    def impl(self, x, num_classes, axis, dtype):
        return _core.one_hot(x, num_classes, axis, dtypes.DTYPE_CODES[dtype])

    def compute_output_spec(self, x, num_classes, axis, dtype):
        shape = list(x.shape)
        shape.insert(axis, num_classes)
        return KerasTensor(tuple(shape), dtype)

    def vjp(self, inputs, out, g, num_classes, axis, dtype):
        return (None,)


_ONE_HOT = OneHot()


def one_hot(x, num_classes: int, axis: int = -1, dtype=None, sparse: bool = False):
    """One-hot encodes integer `x`: a new axis of `num_classes` at `axis`, 1 at
    each index and 0 elsewhere. Indices outside [0, num_classes) give all-zero rows.
    Float input is truncated to int32 first.

    Example:
    >>> one_hot(ops.convert_to_tensor([1, 0, 5]), 3).numpy()
    array([[0., 1., 0.],
           [1., 0., 0.],
           [0., 0., 0.]], dtype=float32)
    """
    if sparse:
        raise ValueError("one_hot: sparse tensors are not supported")
    x = mp._tensor(x)
    if not dtypes.is_int(x.dtype):
        x = cast(x, "int32")
    num_classes = operator.index(num_classes)
    if num_classes < 0:
        raise ValueError(f"one_hot: num_classes must be non-negative, got {num_classes}")
    axis = mp._axis(axis, x.ndim + 1, "one_hot")
    return _ONE_HOT.bind(x, num_classes=num_classes, axis=axis, dtype=dtypes.standardize_dtype(dtype))


# ------------------------------------------------------------------ getitem
class BasicIndex(Primitive):
    """x[key] for a basic key (ints already in range, slices, None; no Ellipsis)."""

    name = "basic_index"

    def impl(self, x, key):
        return mp._contiguous(x[key + (Ellipsis,)])  # the Ellipsis keeps 0-d results arrays

    def compute_output_spec(self, x, key):
        shape, out, a = tuple(x.shape), [], 0
        for k in key:
            if k is None:
                out.append(1)
                continue
            d, a = shape[a], a + 1
            if isinstance(k, slice):
                out.append(None if d is None else len(range(*k.indices(d))))
        return KerasTensor(tuple(out) + shape[a:], x.dtype)

    def vjp(self, inputs, out, g, key):
        return (_BASIC_INDEX_ADJOINT.bind(g, key=key, shape=tuple(inputs[0].shape)),)


class BasicIndexAdjoint(Primitive):
    """Zeros of `shape` with `g` written into the view `[key]` (basic_index's VJP)."""

    name = "basic_index_adjoint"

    def impl(self, g, key, shape):
        out = _core.full(shape, dtypes.DTYPE_CODES[g.dtype.name], 0.0)
        _core.copy_into(out[key + (Ellipsis,)], g)
        return out

    def compute_output_spec(self, g, key, shape):
        return KerasTensor(shape, g.dtype)

    def vjp(self, inputs, out, g, key, shape):
        return (_BASIC_INDEX.bind(g, key=key),)


_BASIC_INDEX = BasicIndex()
_BASIC_INDEX_ADJOINT = BasicIndexAdjoint()

_KEY_HELP = "integers, slices, None, Ellipsis, or integer or boolean arrays/tensors"
_BOOL_SCALAR = "getitem: boolean scalar indices are not supported; index with a boolean mask tensor"


def _slice_part(v, what: str):
    if v is None:
        return None
    if isinstance(v, (float, np.floating)):
        raise TypeError(f"getitem: slice {what} must be an integer or None, got {v!r}")
    try:
        return operator.index(v)
    except TypeError:
        raise TypeError(f"getitem: slice {what} must be an integer or None, got {type(v).__name__}") from None


def _entry(k) -> tuple:
    """Classifies one key item: ("new",), ("ellipsis",), ("int", i), ("slice", s),
    ("array", ndarray, Tensor|None) or ("mask", ndarray)."""
    if k is None:
        return ("new",)
    if k is Ellipsis:
        return ("ellipsis",)
    if isinstance(k, slice):
        s = slice(_slice_part(k.start, "start"), _slice_part(k.stop, "stop"), _slice_part(k.step, "step"))
        if s.step == 0:
            raise ValueError("getitem: slice step cannot be zero")
        return ("slice", s)
    if isinstance(k, (bool, np.bool_)):
        raise TypeError(_BOOL_SCALAR)
    if isinstance(k, (int, np.integer)):
        return ("int", int(k))
    if isinstance(k, (float, np.floating)):
        raise TypeError(f"getitem: indices must be {_KEY_HELP}; got the float {k!r}")
    if isinstance(k, KerasTensor):
        raise TypeError("getitem: symbolic (KerasTensor) indices are not supported")
    tensor = None
    if isinstance(k, Tensor):
        arr, tensor = k._value, k
    elif isinstance(k, (list, tuple, np.ndarray)):
        try:
            arr = np.asarray(k)
        except ValueError as e:
            raise TypeError(f"getitem: invalid index {k!r}: {e}") from None
        if arr.size == 0 and arr.dtype.kind == "f" and not isinstance(k, np.ndarray):
            arr = arr.astype(np.int64)  # [] is an empty integer index
    else:
        try:
            return ("int", operator.index(k))
        except TypeError:
            raise TypeError(f"getitem: indices must be {_KEY_HELP}; got {type(k).__name__}") from None
    kind = arr.dtype.kind
    if kind == "b":
        if arr.ndim == 0:
            raise TypeError(_BOOL_SCALAR)
        return ("mask", arr)
    if kind in "iu":
        return ("int", int(arr)) if arr.ndim == 0 else ("array", arr, tensor)
    raise TypeError(f"getitem: arrays used as indices must be of integer or boolean type, got {arr.dtype}")


def _expand(entries: list, ndim: int) -> list:
    """Replaces the Ellipsis (or pads the end) with full slices; checks the rank."""
    n_ell = sum(e[0] == "ellipsis" for e in entries)
    if n_ell > 1:
        raise IndexError("getitem: an index can only have a single ellipsis ('...')")
    used = sum(1 if e[0] in ("int", "slice", "array") else e[1].ndim if e[0] == "mask" else 0
               for e in entries)
    if used > ndim:
        raise IndexError(f"getitem: too many indices for a tensor of rank {ndim}: {used} were indexed")
    fill = [("slice", slice(None))] * (ndim - used)
    if n_ell:
        i = next(i for i, e in enumerate(entries) if e[0] == "ellipsis")
        return entries[:i] + fill + entries[i + 1:]
    return entries + fill


def _int_tensor(arr: np.ndarray, tensor) -> Tensor:
    return tensor if tensor is not None else _index_tensor(arr, "getitem")


def getitem(x, key):
    """`x[key]` with NumPy's indexing semantics (Tensor.__getitem__): ints (negative
    count from the end), slices with any step, None, Ellipsis, integer arrays (several
    broadcast together) and boolean masks. Differentiable with respect to `x`.

    Example:
    >>> x = ops.reshape(ops.arange(6), (2, 3))
    >>> x[:, ::-1][0].numpy(), x[[1, 0], [2, 2]].numpy()
    (array([2, 1, 0], dtype=int32), array([5, 2], dtype=int32))
    """
    if type(x) is not Tensor and not isinstance(x, KerasTensor):
        x = convert_to_tensor(x)
    # Fast path: x[int_array] is one gather along axis 0.
    tk = type(key)
    if (tk is np.ndarray or tk is Tensor) and type(x) is Tensor and x._value.ndim:
        arr = key if tk is np.ndarray else key._value
        if arr.dtype.kind in "iu" and arr.ndim:
            if not primitive.RECORDERS and (tk is Tensor or (
                    arr.dtype.kind == "i" and arr.dtype.itemsize in (4, 8) and arr.flags.c_contiguous)):
                # Eager and unrecorded: the kernel reads the caller's indices directly.
                return Tensor(_core.take(x._value, arr, 0, "getitem", -1))
            return _TAKE.bind(x, _index_tensor(key, "getitem"), axis=0, op="getitem")
    items = key if tk is tuple else (key,)
    entries = _expand([_entry(k) for k in items], x.ndim)
    has_adv = any(e[0] in ("array", "mask") for e in entries)
    shape = tuple(x.shape)

    # The basic part, with each advanced index standing as full slices; `adv` records
    # (position in the view, kind, array, tensor, axis of x).
    basic, adv, xa, vpos = [], [], 0, 0
    for e in entries:
        kind = e[0]
        if kind == "new":
            basic.append(None)
            vpos += 1
        elif kind == "slice":
            basic.append(e[1])
            xa, vpos = xa + 1, vpos + 1
        elif kind == "int" and not has_adv:
            i, dim = e[1], shape[xa]
            if dim is not None:
                if not -dim <= i < dim:
                    raise IndexError(f"getitem: index {i} is out of bounds for axis {xa} with size {dim}")
                i %= dim
            basic.append(i)
            xa += 1
        elif kind in ("int", "array"):
            arr = np.asarray(e[1]) if kind == "int" else e[1]
            adv.append((vpos, "array", arr, None if kind == "int" else e[2], xa))
            basic.append(slice(None))
            xa, vpos = xa + 1, vpos + 1
        else:  # mask
            mask = e[1]
            for d, (m, n) in enumerate(zip(mask.shape, shape[xa:])):
                if n is not None and m != n:
                    raise IndexError(
                        f"getitem: boolean index did not match the indexed tensor along axis "
                        f"{xa + d}: size of axis is {n} but size of the boolean axis is {m}"
                    )
            adv.append((vpos, "mask", mask, None, xa))
            basic.extend([slice(None)] * mask.ndim)
            xa, vpos = xa + mask.ndim, vpos + mask.ndim

    v = x
    if any(k is None or not isinstance(k, slice) or k != slice(None) for k in basic):
        v = _BASIC_INDEX.bind(x, key=tuple(basic))
    if not adv:
        return v

    if len(adv) == 1:
        p, kind, arr, tensor, axis = adv[0]
        if kind == "array":
            return _TAKE.bind(v, _int_tensor(arr, tensor), axis=p, op="getitem", label=axis)
        # A lone mask: merge its dims and gather the flat positions of its true elements.
        vs = tuple(v.shape)
        merged = vs[p:p + arr.ndim]
        v = mp.reshape(v, vs[:p] + (_prod(merged),) + vs[p + arr.ndim:])
        flat = _core.nonzero(_core.copy(arr).reshape(-1))[0]
        return _TAKE.bind(v, Tensor(flat), axis=p, op="getitem", label=axis)

    # Several advanced indices: one index array per indexed dim, broadcast together.
    positions, arrays, axes = [], [], []
    for p, kind, arr, tensor, axis in adv:
        if kind == "array":
            positions.append(p)
            arrays.append(_int_tensor(arr, tensor)._value)
            axes.append(axis)
        else:
            positions.extend(range(p, p + arr.ndim))
            arrays.extend(_core.nonzero(_core.copy(arr)))
            axes.extend(range(axis, axis + arr.ndim))
    try:
        bshape = np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        raise IndexError(
            "getitem: shape mismatch: indexing arrays could not be broadcast together with shapes "
            + " ".join(str(a.shape) for a in arrays)
        ) from None
    k = len(positions)
    if positions == list(range(positions[0], positions[0] + k)):
        start = positions[0]  # adjacent: the result's indexed dims stay in place
    else:  # separated by a slice, None or Ellipsis: they go to the front, as NumPy
        start = 0
        v = mp.transpose(v, positions + [d for d in range(v.ndim) if d not in positions])
    vs = tuple(v.shape)
    dims = vs[start:start + k]
    v = mp.reshape(v, vs[:start] + (_prod(dims),) + vs[start + k:])
    if None in dims:  # symbolic: only the shape of the positions matters
        flat = _core.full(bshape, dtypes.DTYPE_CODES["int64"], 0.0)
    else:
        flat = _core.ravel_index([_core.copy(np.broadcast_to(a, bshape)) for a in arrays], dims, axes)
    return _TAKE.bind(v, Tensor(flat), axis=start, op="getitem")


def _prod(dims) -> int | None:
    return None if None in dims else math.prod(dims)
