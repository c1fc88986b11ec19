"""`Reshape`: gives each sample a new shape."""

from __future__ import annotations

import math

from lamina.api_export import keras_export
from lamina.layers.layer import Layer
from lamina.ops import reshape


@keras_export("keras.layers.Reshape")
class Reshape(Layer):
    """Reshapes each sample to `target_shape` (one entry may be -1).

    Example:
    >>> Reshape((3, 4))(lamina.ops.ones((2, 12))).shape
    (2, 3, 4)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in target_shape) > 1 or any(d < -1 or d == 0 for d in target_shape):
            raise ValueError(f"Reshape: invalid target_shape {target_shape} (positive sizes, "
                             "at most one -1)")
        self.target_shape = target_shape
        self.built = True

    def _resolve(self, input_shape) -> tuple:
        rest = input_shape[1:]
        if -1 not in self.target_shape:
            if None not in rest and math.prod(rest) != math.prod(self.target_shape):
                raise ValueError(
                    f"Reshape layer '{self.name}': total size of the input per sample "
                    f"({math.prod(rest)}, shape {tuple(rest)}) does not match target_shape "
                    f"{self.target_shape}"
                )
            return self.target_shape
        if None in rest:
            return tuple(None if d == -1 else d for d in self.target_shape)
        known = math.prod(d for d in self.target_shape if d != -1)
        total = math.prod(rest)
        if total % known:
            raise ValueError(f"Reshape layer '{self.name}': cannot reshape input of shape "
                             f"{tuple(input_shape)} to target_shape {self.target_shape}")
        return tuple(total // known if d == -1 else d for d in self.target_shape)

    def call(self, inputs):
        return reshape(inputs, (inputs.shape[0],) + self._resolve(inputs.shape))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(tuple(input_shape))

    def get_config(self) -> dict:
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config
