"""Weight regularizers (keras.regularizers): penalties added to a model's loss.

Each `__call__(x)` returns a scalar Tensor built from `lamina.ops`, so it is
differentiable under `GradientTape`.
"""

from __future__ import annotations

import math

from lamina import ops
from lamina.backend import KerasTensor, Tensor, dtypes
from lamina.api_export import keras_export

_EPSILON = 1e-7  # Keras's backend.epsilon()


def validate_float_arg(value, name: str) -> float:
    """`value` as a float if it is a finite, non-negative real number, else ValueError."""
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or math.isinf(value) or math.isnan(value) or value < 0):
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float. "
                         f"Received: {name}={value!r}")
    return float(value)


def _tensor(x):
    """x as a floating-point tensor (ints become float32, as in Keras); symbolic
    KerasTensors stay symbolic."""
    if not isinstance(x, (Tensor, KerasTensor)):
        x = ops.convert_to_tensor(x)
    return x if dtypes.is_float(x.dtype) else ops.cast(x, dtypes.floatx())


@keras_export("keras.regularizers.Regularizer", "keras.Regularizer")
class Regularizer:
    """The base class: a callable from a weight tensor to a scalar penalty.

    Subclasses implement `__call__(x)` and `get_config()`.

    Example:
    >>> class Sum(Regularizer):
    ...     def __call__(self, x):
    ...         return lamina.ops.sum(x)
    ...     def get_config(self):
    ...         return {}
    """

    def __call__(self, x):
        return 0.0

    @classmethod
    def from_config(cls, config: dict) -> "Regularizer":
        """Rebuilds a regularizer from the dict of `get_config()`."""
        return cls(**config)

    def get_config(self) -> dict:
        """The constructor arguments as a JSON-compatible dict."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


@keras_export("keras.regularizers.L1L2", "keras.regularizers.l1_l2")
class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x**2).

    Example:
    >>> float(L1L2(l1=0.5, l2=0.1)([1.0, -2.0]))  # 0.5*3 + 0.1*5
    2.0
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        # None counts as 0, as in Keras.
        self.l1 = validate_float_arg(0.0 if l1 is None else l1, name="l1")
        self.l2 = validate_float_arg(0.0 if l2 is None else l2, name="l2")

    def __call__(self, x):
        x = _tensor(x)
        total = ops.zeros((), dtype=x.dtype)
        if self.l1:
            total = ops.add(total, ops.multiply(ops.sum(ops.abs(x)), self.l1))
        if self.l2:
            total = ops.add(total, ops.multiply(ops.sum(ops.square(x)), self.l2))
        return total

    def get_config(self) -> dict:
        return {"l1": float(self.l1), "l2": float(self.l2)}


@keras_export("keras.regularizers.L1", "keras.regularizers.l1")
class L1(Regularizer):
    """l1 * sum(|x|).

    Example:
    >>> float(L1(0.1)([1.0, -2.0]))
    0.3...
    """

    def __init__(self, l1: float = 0.01):
        self.l1 = validate_float_arg(0.01 if l1 is None else l1, name="l1")

    def __call__(self, x):
        return ops.multiply(ops.sum(ops.abs(_tensor(x))), self.l1)

    def get_config(self) -> dict:
        return {"l1": float(self.l1)}


@keras_export("keras.regularizers.L2", "keras.regularizers.l2")
class L2(Regularizer):
    """l2 * sum(x**2).

    Example:
    >>> float(L2(0.5)([1.0, -2.0]))
    2.5
    """

    def __init__(self, l2: float = 0.01):
        self.l2 = validate_float_arg(0.01 if l2 is None else l2, name="l2")

    def __call__(self, x):
        return ops.multiply(ops.sum(ops.square(_tensor(x))), self.l2)

    def get_config(self) -> dict:
        return {"l2": float(self.l2)}


def _l2_normalize(x, axis: int):
    """x / ||x|| along `axis` (Keras's normalize: the inverse norm capped at 1/epsilon)."""
    inv_norm = ops.rsqrt(ops.sum(ops.square(x), axis=axis, keepdims=True))
    return ops.multiply(x, ops.minimum(inv_norm, 1.0 / _EPSILON))


@keras_export("keras.regularizers.OrthogonalRegularizer",
              "keras.regularizers.orthogonal_regularizer")
class OrthogonalRegularizer(Regularizer):
    """Encourages the rows (mode="rows") or columns (mode="columns") of a 2-D
    weight to be orthogonal: factor * mean over pairs i < j of |<v_i, v_j>| for
    the L2-normalized vectors v.

    Example:
    >>> float(OrthogonalRegularizer(factor=1.0)([[1.0, 0.0], [1.0, 0.0]]))
    1.0
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows"):
        self.factor = validate_float_arg(factor, name="factor")
        if mode not in ("rows", "columns"):
            raise ValueError("Invalid value for argument `mode`. Expected one of "
                             f"{{'rows', 'columns'}}. Received: mode={mode!r}")
        self.mode = mode

    def __call__(self, inputs):
        inputs = _tensor(inputs)
        if inputs.ndim != 2:
            raise ValueError("Inputs to OrthogonalRegularizer must have rank 2. Received: "
                             f"inputs.shape={inputs.shape}")
        if self.mode == "rows":
            v = _l2_normalize(inputs, axis=1)
            product = ops.matmul(v, ops.transpose(v))
            size = inputs.shape[0]
        else:
            v = _l2_normalize(inputs, axis=0)
            product = ops.matmul(ops.transpose(v), v)
            size = inputs.shape[1]
        off_diagonal = ops.multiply(product, ops.subtract(1.0, ops.eye(size, dtype=inputs.dtype)))
        num_pairs = size * (size - 1.0) / 2.0
        if num_pairs == 0:  # a single vector is trivially orthogonal
            return ops.zeros((), dtype=inputs.dtype)
        total = ops.sum(ops.abs(off_diagonal))
        return ops.multiply(total, self.factor * 0.5 / num_pairs)

    def get_config(self) -> dict:
        return {"factor": float(self.factor), "mode": self.mode}
