"""Deterministic initializers: Zeros, Ones, Constant, IdentityInitializer."""

from __future__ import annotations

from lamina import ops
from lamina.api_export import keras_export
from lamina.backend import dtypes
from lamina.initializers._shape import standardize_shape
from lamina.initializers.initializer import Initializer
from lamina.saving import serialization_lib


@keras_export("keras.initializers.Zeros", "keras.initializers.zeros")
class Zeros(Initializer):
    """Generates tensors of zeros.

    Example:
    >>> Zeros()((2, 2)).numpy()
    array([[0., 0.],
           [0., 0.]], dtype=float32)
    """

    def __call__(self, shape, dtype=None):
        return ops.zeros(standardize_shape(shape, "Zeros"), dtype=dtypes.standardize_dtype(dtype))


@keras_export("keras.initializers.Ones", "keras.initializers.ones")
class Ones(Initializer):
    """Generates tensors of ones.

    Example:
    >>> Ones()((2,)).numpy()
    array([1., 1.], dtype=float32)
    """

    def __call__(self, shape, dtype=None):
        return ops.ones(standardize_shape(shape, "Ones"), dtype=dtypes.standardize_dtype(dtype))


@keras_export("keras.initializers.Constant", "keras.initializers.constant")
class Constant(Initializer):
    """Generates tensors filled with `value` (a scalar, or an array that
    broadcasts to the requested shape).

    Example:
    >>> Constant(3.0)((2,)).numpy()
    array([3., 3.], dtype=float32)
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "Constant")
        dtype = dtypes.standardize_dtype(dtype)
        value = ops.cast(ops.convert_to_tensor(self.value), dtype)
        if value.shape == shape:
            return value
        try:
            return ops.broadcast_to(value, shape)
        except ValueError:
            raise ValueError(f"Constant: the value of shape {value.shape} cannot be broadcast to "
                             f"the requested shape {shape}") from None

    def get_config(self) -> dict:
        return {"value": serialization_lib.serialize_keras_object(self.value)}

    @classmethod
    def from_config(cls, config: dict) -> "Constant":
        return cls(serialization_lib.deserialize_keras_object(config["value"]))


@keras_export("keras.initializers.IdentityInitializer", "keras.initializers.Identity",
              "keras.initializers.identity")
class IdentityInitializer(Initializer):
    """Generates `gain` times the identity matrix (2-D shapes only; a
    rectangular shape gets ones on the main diagonal).

    Example:
    >>> IdentityInitializer(gain=2.0)((2, 2)).numpy()
    array([[2., 0.],
           [0., 2.]], dtype=float32)
    """

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "IdentityInitializer")
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        dtype = dtypes.standardize_dtype(dtype)
        eye = ops.eye(shape[0], shape[1], dtype=dtype)
        return eye if self.gain == 1 else ops.multiply(eye, ops.cast(self.gain, dtype))

    def get_config(self) -> dict:
        return {"gain": self.gain}


Identity = IdentityInitializer
