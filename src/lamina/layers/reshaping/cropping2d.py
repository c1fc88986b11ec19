"""`Cropping2D`: removes rows and columns at the image borders."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.reshaping._spatial import SpatialLayer, normalize_pairs
from lamina.ops import slice as slice_


class _Cropping(SpatialLayer):
    """Removes (before, after) entries from each spatial axis (`_pairs()`)."""

    def _pairs(self) -> tuple:
        return self.cropping

    def _window(self, shape: tuple) -> tuple[list, list]:
        start, size = [0] * len(shape), list(shape)
        for axis, (a, b) in zip(self.spatial_axes(), self._pairs()):
            d = shape[axis]
            if d is not None and a + b >= d:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': cropping {self._pairs()} must leave "
                    f"something of each spatial axis, but axis {axis} of the input of shape "
                    f"{tuple(shape)} has size {d} <= {a} + {b}")
            start[axis] = a
            size[axis] = None if d is None else d - a - b
        return start, size

    def call(self, inputs):
        start, size = self._window(tuple(inputs.shape))
        return slice_(inputs, start, size)

    def compute_output_shape(self, input_shape):
        return tuple(self._window(tuple(input_shape))[1])

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config


@keras_export("keras.layers.Cropping2D")
class Cropping2D(_Cropping):
    """Crops 4D image inputs along height and width.

    Args:
        cropping: an int (all sides), a tuple of 2 ints (symmetric height and
            width cropping), or `((top, bottom), (left, right))`.
        data_format: "channels_last" (default, `(batch, rows, cols, channels)`)
            or "channels_first".

    Example:
    >>> Cropping2D(((2, 2), (4, 4)))(lamina.ops.ones((2, 28, 28, 3))).shape
    (2, 24, 20, 3)
    """

    n_spatial = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.cropping = normalize_pairs(cropping, 2, "cropping", "Cropping2D")
