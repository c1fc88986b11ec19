"""`lamina.Tensor`: an immutable n-d array stored in a C-contiguous NumPy buffer.

NumPy is storage and interchange only; every computation on a Tensor goes
through a primitive (`lamina.ops`) whose kernel lives in the native core. The
Python operators below are bound to those ops when `lamina.ops` is imported.
"""

from __future__ import annotations

import numpy as np

from lamina.backend import dtypes
from lamina.backend.native import _core
from lamina.backend.recording import HOST_READ_WATCHERS, host_read

_ops = None  # lamina.ops, bound by _install_ops (ops import this module)


class Tensor:
    """An eager tensor. Create with `lamina.ops.convert_to_tensor` or any op.

    Example:
    >>> x = lamina.ops.convert_to_tensor([[1.0, 2.0]])
    >>> (x * 2 + 1).numpy()
    array([[3., 5.]], dtype=float32)
    """

    # `_keras_mask`: an optional bool Tensor set by layers that produce masks
    # (e.g. Embedding(mask_zero=True)) and read by layers that consume them.
    __slots__ = ("_value", "_keras_mask", "__weakref__")
    __array_priority__ = 100  # numpy_array + tensor -> Tensor.__radd__

    def __init__(self, value: np.ndarray):
        # Invariant (kept by the ops): a C-contiguous array of a supported dtype.
        self._value = value

    # ------------------------------------------------------------ properties
    @property
    def shape(self) -> tuple:
        return self._value.shape

    @property
    def dtype(self) -> str:
        return dtypes.NAME_OF[self._value.dtype]

    @property
    def ndim(self) -> int:
        return self._value.ndim

    @property
    def size(self) -> int:
        return self._value.size

    def numpy(self) -> np.ndarray:
        """The values as a read-only NumPy array (no copy)."""
        if HOST_READ_WATCHERS:
            host_read(self)
        view = self._value.view()
        view.flags.writeable = False
        return view

    def __array__(self, dtype=None, copy=None):
        if HOST_READ_WATCHERS:
            host_read(self)
        if dtype is not None and np.dtype(dtype) != self._value.dtype:
            return self._value.astype(dtype)
        return self._value.copy() if copy else self.numpy()

    def item(self):
        if HOST_READ_WATCHERS:
            host_read(self)
        return self._value.item()

    def tolist(self):
        if HOST_READ_WATCHERS:
            host_read(self)
        return self._value.tolist()

    def __len__(self) -> int:
        if not self._value.ndim:
            raise TypeError("len() of a 0-d tensor")
        return self._value.shape[0]

    def __iter__(self):
        if not self._value.ndim:
            raise TypeError("iteration over a 0-d tensor")
        for i in range(self._value.shape[0]):
            yield self[i]

    def __bool__(self) -> bool:
        if HOST_READ_WATCHERS:
            host_read(self)
        if self._value.size != 1:
            raise ValueError(
                f"The truth value of a tensor with shape {self.shape} is ambiguous; "
                "use lamina.ops.any or lamina.ops.all"
            )
        return bool(self._value.reshape(()))

    def __float__(self) -> float:
        if HOST_READ_WATCHERS:
            host_read(self)
        return float(self._value)

    def __int__(self) -> int:
        if HOST_READ_WATCHERS:
            host_read(self)
        return int(self._value)

    def __index__(self) -> int:
        if HOST_READ_WATCHERS:
            host_read(self)
        if not dtypes.is_int(self.dtype) or self.ndim:
            raise TypeError("only integer scalar tensors can be used as an index")
        return int(self._value)

    def __repr__(self) -> str:
        body = np.array2string(self._value, separator=", ", prefix="Tensor(")
        return f"Tensor({body}, shape={self.shape}, dtype={self.dtype})"

    __hash__ = object.__hash__  # identity, although == is elementwise

    # -------------------------------------------------------------- methods
    def astype(self, dtype) -> "Tensor":
        return _ops.cast(self, dtype)

    def reshape(self, *shape) -> "Tensor":
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return _ops.reshape(self, shape)

    @property
    def T(self) -> "Tensor":
        return _ops.transpose(self)

    def sum(self, axis=None, keepdims=False):
        return _ops.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return _ops.mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return _ops.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return _ops.min(self, axis=axis, keepdims=keepdims)

    def prod(self, axis=None, keepdims=False):
        return _ops.prod(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None, keepdims=False):
        return _ops.argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis=None, keepdims=False):
        return _ops.argmin(self, axis=axis, keepdims=keepdims)

    def any(self, axis=None, keepdims=False):
        return _ops.any(self, axis=axis, keepdims=keepdims)

    def all(self, axis=None, keepdims=False):
        return _ops.all(self, axis=axis, keepdims=keepdims)

    def __getitem__(self, key):
        return _ops.getitem(self, key)


def _install_ops(ops) -> None:
    """Binds Python's operators to lamina.ops (called once by lamina.ops)."""
    global _ops
    _ops = ops

    def swap(f):
        return lambda self, other: f(other, self)

    table = {
        "__add__": ops.add, "__sub__": ops.subtract, "__mul__": ops.multiply,
        "__truediv__": ops.divide, "__floordiv__": ops.floor_divide, "__mod__": ops.mod,
        "__pow__": ops.power, "__matmul__": ops.matmul,
        "__eq__": ops.equal, "__ne__": ops.not_equal, "__lt__": ops.less,
        "__le__": ops.less_equal, "__gt__": ops.greater, "__ge__": ops.greater_equal,
        "__and__": ops.logical_and, "__or__": ops.logical_or, "__xor__": ops.logical_xor,
    }
    for name, f in table.items():
        setattr(Tensor, name, f)
    for name, f in (("__radd__", ops.add), ("__rsub__", ops.subtract),
                    ("__rmul__", ops.multiply), ("__rtruediv__", ops.divide),
                    ("__rfloordiv__", ops.floor_divide), ("__rmod__", ops.mod),
                    ("__rpow__", ops.power), ("__rmatmul__", ops.matmul),
                    ("__rand__", ops.logical_and), ("__ror__", ops.logical_or),
                    ("__rxor__", ops.logical_xor)):
        setattr(Tensor, name, swap(f))
    Tensor.__neg__ = ops.negative
    Tensor.__pos__ = lambda self: self
    Tensor.__abs__ = ops.abs
    Tensor.__invert__ = ops.logical_not
    _install_on_variable(ops, table)
    _install_on_keras_tensor(ops, table)


def _install_on_keras_tensor(ops, table: dict) -> None:
    """Symbolic tensors get the same operators: ops infer shapes on KerasTensors."""
    from lamina.backend.keras_tensor import KerasTensor

    for name in list(table) + ["__radd__", "__rsub__", "__rmul__", "__rtruediv__",
                               "__rfloordiv__", "__rmod__", "__rpow__", "__rmatmul__",
                               "__neg__", "__abs__", "__invert__"]:
        setattr(KerasTensor, name, getattr(Tensor, name))
    KerasTensor.__getitem__ = lambda self, key: ops.getitem(self, key)
    KerasTensor.__hash__ = object.__hash__


def _install_on_variable(ops, table: dict) -> None:
    """Gives Variable the same operators, applied to its current value."""
    from lamina.backend import variable

    variable._ops = ops
    Var = variable.Variable
    for name in list(table) + ["__radd__", "__rsub__", "__rmul__", "__rtruediv__",
                               "__rfloordiv__", "__rmod__", "__rpow__", "__rmatmul__",
                               "__rand__", "__ror__", "__rxor__", "__neg__", "__abs__",
                               "__invert__"]:
        method = getattr(Tensor, name)
        setattr(Var, name, lambda self, *args, _m=method: _m(self.value, *args))
    Var.__eq__ = lambda self, other: ops.equal(self.value, other)
    Var.__ne__ = lambda self, other: ops.not_equal(self.value, other)
    Var.__pos__ = lambda self: self.value
    Var.__hash__ = object.__hash__


def from_numpy(value) -> Tensor:
    """Wraps data as a Tensor, copying it into an owned contiguous buffer."""
    arr = np.asarray(value)
    if arr.dtype in dtypes.NAME_OF:  # the common case: already a supported dtype
        return Tensor(_core.copy(arr))
    kind = arr.dtype.kind
    if kind not in "biuf":
        raise TypeError(
            f"convert_to_tensor: expected numeric data (bool, int or float), got an array of "
            f"dtype {arr.dtype} with shape {arr.shape}"
        )
    name = dtypes.standardize_dtype(arr.dtype)
    if arr.dtype.name != name:
        arr = arr.astype(name)  # lossless widening of an input format (e.g. float16)
    return Tensor(_core.copy(arr))
