"""`RandomZoom`: zooms images in or out at random in training."""

from __future__ import annotations

from lamina import ops
from lamina.api_export import keras_export
from lamina.layers.preprocessing.affine_layer import RandomAffineLayer, stack_columns

_FACTOR_ERROR = ("The `height_factor` and `width_factor` arguments should be a number (or a "
                 "list of two numbers) in the range [-1.0, 1.0]. ")


def _factor_range(factor, name: str) -> tuple[float, float]:
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(_FACTOR_ERROR + f"Received: {name}={factor}")
        values = [float(f) for f in factor]
    elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
        values = [-abs(float(factor)), abs(float(factor))]
    else:
        raise ValueError(_FACTOR_ERROR + f"Received: {name}={factor}")
    for v in values:
        if v > 1.0 or v < -1.0:
            raise ValueError(_FACTOR_ERROR + f"Received: input_number={v}")
    lower, upper = sorted(values)
    return lower, upper


@keras_export("keras.layers.RandomZoom")
class RandomZoom(RandomAffineLayer):
    """Zooms each image about its center by a random amount during training; the
    identity at inference.

    Args:
        height_factor: a float `f` (zoom in [-f, f]) or a pair `(lower, upper)`,
            fractions of the height in [-1, 1]. Positive values zoom out (the image
            appears smaller), negative values zoom in.
        width_factor: the same for the width; None (default) zooms both axes by
            the same amount, preserving the aspect ratio.
        fill_mode, interpolation, seed, fill_value, data_format: as RandomRotation.

    As in Keras, the layer augments when called without a `training` value.

    Example:
    >>> RandomZoom(0.2, seed=1)(lamina.ops.ones((2, 8, 8, 3))).shape
    (2, 8, 8, 3)
    """

    def __init__(self, height_factor, width_factor=None, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed=None, fill_value: float = 0.0,
                 data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = _factor_range(height_factor, "height_factor")
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = _factor_range(width_factor, "width_factor")

    def _transforms(self, batch: int, height: int, width: int):
        zy = self._uniform(batch, 1.0 + self.height_lower, 1.0 + self.height_upper)
        zx = zy
        if self.width_factor is not None:
            zx = self._uniform(batch, 1.0 + self.width_lower, 1.0 + self.width_upper)
        return zoom_transforms(zx, zy, height, width)

    def get_config(self) -> dict:
        config = super().get_config()
        factor = (lambda f: list(f) if isinstance(f, tuple) else f)
        config.update({
            "height_factor": factor(self.height_factor),
            "width_factor": factor(self.width_factor), "fill_mode": self.fill_mode,
            "interpolation": self.interpolation, "seed": self.seed,
            "fill_value": self.fill_value, "data_format": self.data_format,
        })
        return config


def zoom_transforms(zx, zy, height: int, width: int):
    """(n, 8) transforms scaling about the image center by (zx, zy) (each (n,))."""
    x_offset = ops.multiply((width - 1.0) / 2.0, ops.subtract(1.0, zx))
    y_offset = ops.multiply((height - 1.0) / 2.0, ops.subtract(1.0, zy))
    return stack_columns([zx, 0.0, x_offset, 0.0, zy, y_offset, 0.0, 0.0], zx.shape[0])
