"""`lamina.Variable`: named, mutable state (a layer's weights, an optimizer's slots).

A Variable holds an immutable `Tensor` and swaps it on `assign`; Tensors that were
read before an assignment keep their values. Reading `.value` while a
GradientTape is recording lets the tape watch trainable variables automatically,
as Keras's tapes do.
"""

from __future__ import annotations

import numpy as np

from lamina.backend import dtypes
from lamina.backend.recording import HOST_READ_WATCHERS, RECORDERS, host_read
from lamina.backend.tensor import Tensor

_ops = None  # lamina.ops, bound by tensor._install_ops

# Bumped whenever a Variable is created or a model's structure changes: compiled
# model calls (Model.__call__) are keyed on it, so they never outlive the model
# they were traced from.
STRUCTURE_VERSION = [0]


class Variable:
    """A mutable tensor-valued variable.

    Args:
        initializer: the initial value (array-like or Tensor), or a callable
            `initializer(shape, dtype)` (e.g. `lamina.initializers.GlorotUniform()`),
            in which case `shape` is required.
        shape: the shape (checked against an array-like initial value).
        dtype: the dtype (default: the value's, or float32 for callables).
        trainable: whether optimizers update it and tapes watch it.
        name: a name; `path` is the name within its owning layer ("dense/kernel").

    Example:
    >>> v = lamina.Variable([1.0, 2.0], name="v")
    >>> v.assign_add([1.0, 1.0]).numpy()
    array([2., 3.], dtype=float32)
    """

    def __init__(self, initializer, shape=None, dtype=None, trainable: bool = True,
                 autocast: bool = True, aggregation: str = "none",
                 synchronization: str = "auto", name: str | None = None):
        if name is not None and not isinstance(name, str):
            raise ValueError(f"Variable: name must be a string, got {type(name).__name__}")
        if name is not None and "/" in name:
            raise ValueError(f"Variable: name must not contain '/', got {name!r}")
        self.name = name or "variable"
        self._path = self.name
        self._escaped = True  # whether the current Tensor may be held by someone
        self.trainable = bool(trainable)
        self.autocast = autocast
        self.aggregation = aggregation
        self.synchronization = synchronization
        self.regularizer = None
        self.constraint = None
        if callable(initializer) and not isinstance(initializer, (Tensor, np.ndarray)):
            if shape is None:
                raise ValueError(
                    f"Variable '{self.name}': a callable initializer needs a shape, "
                    "e.g. Variable(initializer, shape=(3, 4))"
                )
            shape = _shape_tuple(shape, self.name)
            dtype = dtypes.standardize_dtype(dtype)
            value = _ops.convert_to_tensor(initializer(shape, dtype=dtype), dtype=dtype)
        else:
            value = _ops.convert_to_tensor(
                initializer, dtype=None if dtype is None else dtypes.standardize_dtype(dtype))
            if dtype is None and dtypes.is_float(value.dtype) is False and isinstance(
                    initializer, float):
                value = _ops.cast(value, dtypes.FLOATX)
        if shape is not None and tuple(value.shape) != _shape_tuple(shape, self.name):
            raise ValueError(
                f"Variable '{self.name}': the initial value has shape {tuple(value.shape)}, "
                f"expected shape {tuple(shape)}"
            )
        self._tensor = value
        STRUCTURE_VERSION[0] += 1
        if RECORDERS:  # a variable created while a step is traced is that step's state
            for recorder in RECORDERS:
                recorder.variable_accessed(self)

    # -------------------------------------------------------------- reading
    @property
    def value(self) -> Tensor:
        """The current value (a Tensor)."""
        if RECORDERS:
            for recorder in RECORDERS:
                recorder.variable_accessed(self)
        # The Tensor may now be held outside: a compiled step must not update its
        # buffer in place any more (it copies first; see lamina.graph.lower).
        self._escaped = True
        return self._tensor

    @property
    def path(self) -> str:
        return self._path

    @property
    def shape(self) -> tuple:
        return self._tensor.shape

    @property
    def dtype(self) -> str:
        return self._tensor.dtype

    @property
    def ndim(self) -> int:
        return self._tensor.ndim

    @property
    def size(self) -> int:
        return self._tensor.size

    def numpy(self) -> np.ndarray:
        """A copy of the current value as a NumPy array."""
        if HOST_READ_WATCHERS:
            host_read(self._tensor)
        return np.array(self._tensor._value)

    def __array__(self, dtype=None, copy=None):
        return self.value.__array__(dtype)

    def __len__(self) -> int:
        return len(self._tensor)

    def __float__(self) -> float:
        return float(self._tensor)

    def __int__(self) -> int:
        return int(self._tensor)

    def __bool__(self) -> bool:
        return bool(self._tensor)

    def __getitem__(self, key):
        return self.value[key]

    def __repr__(self) -> str:
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
                f"value={np.array2string(self._tensor._value, threshold=8)}>")

    __hash__ = object.__hash__

    # -------------------------------------------------------------- writing
    def assign(self, value) -> "Variable":
        """Replaces the value (same shape; cast to the variable's dtype)."""
        if isinstance(value, Tensor):
            pass
        elif type(value) in (int, float) and not self._tensor._value.ndim:
            # A Python number into a scalar variable (a step counter): no conversion
            # machinery; NumPy's cast is the one convert_to_tensor would apply.
            value = Tensor(np.array(value, dtype=self._tensor._value.dtype))
        elif isinstance(value, Variable):
            value = value.value
        else:  # Python/NumPy data straight to our dtype (a float64 variable keeps 0.468)
            value = _ops.convert_to_tensor(value, dtype=self._tensor.dtype)
        if tuple(value.shape) != tuple(self._tensor.shape):
            raise ValueError(
                f"Variable '{self.path}': cannot assign a value of shape {tuple(value.shape)} "
                f"to a variable of shape {tuple(self._tensor.shape)}"
            )
        if value.dtype != self._tensor.dtype:
            value = _ops.cast(value, self._tensor.dtype)
        self._tensor = value
        return self

    def assign_add(self, value) -> "Variable":
        return self.assign(_ops.add(self._tensor, value))

    def assign_sub(self, value) -> "Variable":
        return self.assign(_ops.subtract(self._tensor, value))


def _shape_tuple(shape, name: str) -> tuple:
    try:
        shape = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise ValueError(f"Variable '{name}': shape must be a tuple of ints, got {shape!r}") from None
    if any(d < 0 for d in shape):
        raise ValueError(f"Variable '{name}': negative dimension in shape {shape}")
    return shape
