"""Weight constraints (keras.constraints): projections applied to a variable
after each optimizer update."""

from __future__ import annotations

from lamina import ops
from lamina.backend import KerasTensor, Tensor, dtypes
from lamina.api_export import keras_export

_EPSILON = 1e-7  # Keras's backend.epsilon()


def _tensor(x):
    """x as a floating-point tensor (ints become float32, as in Keras); symbolic
    KerasTensors stay symbolic."""
    if not isinstance(x, (Tensor, KerasTensor)):
        x = ops.convert_to_tensor(x)
    return x if dtypes.is_float(x.dtype) else ops.cast(x, dtypes.floatx())


def _norms(w, axis):
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


@keras_export("keras.constraints.Constraint", "keras.Constraint")
class Constraint:
    """The base class: a callable from a weight tensor to its projected value.

    Example:
    >>> class NonPos(Constraint):
    ...     def __call__(self, w):
    ...         return lamina.ops.minimum(w, 0.0)
    """

    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        """The constructor arguments as a JSON-compatible dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> "Constraint":
        """Rebuilds a constraint from the dict of `get_config()`."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


@keras_export("keras.constraints.MaxNorm", "keras.constraints.max_norm")
class MaxNorm(Constraint):
    """Rescales the weight vectors along `axis` whose L2 norm exceeds `max_value`
    (`axis=0` for a Dense kernel (in, out): each unit's incoming weights).

    Example:
    >>> MaxNorm(max_value=1.0)([[3.0], [4.0]]).numpy()  # norm 5 -> 1
    array([[0.6],
           [0.8]], dtype=float32)
    """

    def __init__(self, max_value: float = 2, axis: int | list[int] = 0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = _tensor(w)
        norms = _norms(w, self.axis)
        desired = ops.clip(norms, 0.0, float(self.max_value))
        return ops.multiply(w, ops.divide(desired, ops.add(norms, _EPSILON)))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


@keras_export("keras.constraints.NonNeg", "keras.constraints.non_neg")
class NonNeg(Constraint):
    """Sets negative weights to zero.

    Example:
    >>> NonNeg()([-1.0, 2.0]).numpy()
    array([0., 2.], dtype=float32)
    """

    def __call__(self, w):
        w = _tensor(w)
        return ops.multiply(w, ops.cast(ops.greater_equal(w, 0.0), w.dtype))


@keras_export("keras.constraints.UnitNorm", "keras.constraints.unit_norm")
class UnitNorm(Constraint):
    """Scales the weight vectors along `axis` to unit L2 norm.

    Example:
    >>> UnitNorm()([[3.0], [4.0]]).numpy()
    array([[0.6],
           [0.8]], dtype=float32)
    """

    def __init__(self, axis: int | list[int] = 0):
        self.axis = axis

    def __call__(self, w):
        w = _tensor(w)
        return ops.divide(w, ops.add(_norms(w, self.axis), _EPSILON))

    def get_config(self) -> dict:
        return {"axis": self.axis}


@keras_export("keras.constraints.MinMaxNorm", "keras.constraints.min_max_norm")
class MinMaxNorm(Constraint):
    """Moves the L2 norms of the weight vectors along `axis` into
    [min_value, max_value]: the new norm is
    `rate * clip(norm, min_value, max_value) + (1 - rate) * norm`.

    Example:
    >>> MinMaxNorm(min_value=1.0, max_value=2.0)([[0.3], [0.4]]).numpy()  # norm .5 -> 1
    array([[0.6],
           [0.8]], dtype=float32)
    """

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0,
                 axis: int | list[int] = 0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = _tensor(w)
        norms = _norms(w, self.axis)
        clipped = ops.clip(norms, float(self.min_value), float(self.max_value))
        desired = ops.add(ops.multiply(clipped, float(self.rate)),
                          ops.multiply(norms, 1.0 - float(self.rate)))
        return ops.multiply(w, ops.divide(desired, ops.add(norms, _EPSILON)))

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}
