"""`RandomRotation`: rotates images by random angles in training."""

from __future__ import annotations

import math

from lamina import ops
from lamina.api_export import keras_export
from lamina.layers.preprocessing.affine_layer import RandomAffineLayer, stack_columns


@keras_export("keras.layers.RandomRotation")
class RandomRotation(RandomAffineLayer):
    """Rotates each image about its center by an angle drawn uniformly from
    `[lower * 2pi, upper * 2pi]` during training; the identity at inference.

    Args:
        factor: a float `f` (angles in [-f * 2pi, f * 2pi]) or a pair
            `(lower, upper)`, in fractions of a full turn. Positive angles rotate
            counter-clockwise.
        fill_mode: "reflect" (default), "wrap", "constant" or "nearest": how points
            outside the image are filled.
        interpolation: "bilinear" (default) or "nearest".
        seed: an int for reproducible rotations.
        fill_value: the value outside the image with fill_mode="constant".
        data_format: "channels_last" (default) or "channels_first".

    As in Keras, the layer augments when called without a `training` value.

    Example:
    >>> RandomRotation(0.1, seed=1)(lamina.ops.ones((2, 8, 8, 3))).shape
    (2, 8, 8, 3)
    """

    def __init__(self, factor, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed=None, fill_value: float = 0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.factor = factor
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2:
                raise ValueError("The `factor` argument should be a number (or a list of two "
                                 f"numbers). Received: factor={factor}")
            self.lower, self.upper = float(factor[0]), float(factor[1])
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            self.lower, self.upper = -float(factor), float(factor)
        else:
            raise ValueError("The `factor` argument should be a number (or a list of two "
                             f"numbers). Received: factor={factor}")
        if self.upper < self.lower:
            raise ValueError("`factor` argument cannot have an upper bound less than the lower "
                             f"bound. Received: factor={factor}")

    def _transforms(self, batch: int, height: int, width: int):
        angle = self._uniform(batch, self.lower * 2.0 * math.pi, self.upper * 2.0 * math.pi)
        return rotation_transforms(angle, height, width)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "factor": list(self.factor) if isinstance(self.factor, tuple) else self.factor,
            "data_format": self.data_format, "fill_mode": self.fill_mode,
            "fill_value": self.fill_value, "interpolation": self.interpolation,
            "seed": self.seed,
        })
        return config


def rotation_transforms(angle, height: int, width: int):
    """(n, 8) transforms rotating about the image center by `angle` (radians, (n,))."""
    cos, sin = ops.cos(angle), ops.sin(angle)
    h1, w1 = float(height - 1), float(width - 1)
    x_offset = ops.divide(ops.subtract(w1, ops.subtract(ops.multiply(cos, w1),
                                                        ops.multiply(sin, h1))), 2.0)
    y_offset = ops.divide(ops.subtract(h1, ops.add(ops.multiply(sin, w1),
                                                   ops.multiply(cos, h1))), 2.0)
    n = angle.shape[0]
    return stack_columns([cos, ops.negative(sin), x_offset, sin, cos, y_offset, 0.0, 0.0], n)
