"""`ZeroPadding2D`: zero rows and columns around images."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.reshaping._spatial import SpatialLayer, normalize_pairs
from lamina.ops import pad


class _ZeroPadding(SpatialLayer):
    """Pads each spatial axis with (before, after) zeros (`_pairs()`)."""

    def _pairs(self) -> tuple:
        return self.padding

    def _pad_width(self, ndim: int) -> list:
        width = [(0, 0)] * ndim
        for axis, pair in zip(self.spatial_axes(), self._pairs()):
            width[axis] = pair
        return width

    def call(self, inputs):
        return pad(inputs, self._pad_width(inputs.ndim))

    def compute_output_shape(self, input_shape):
        return tuple(None if d is None else d + a + b
                     for d, (a, b) in zip(input_shape, self._pad_width(len(input_shape))))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config


@keras_export("keras.layers.ZeroPadding2D")
class ZeroPadding2D(_ZeroPadding):
    """Adds rows and columns of zeros around 4D image inputs.

    Args:
        padding: an int (all sides), a tuple of 2 ints (symmetric height and
            width padding), or `((top, bottom), (left, right))`.
        data_format: "channels_last" (default, `(batch, rows, cols, channels)`)
            or "channels_first".

    Example:
    >>> ZeroPadding2D(((1, 0), (2, 2)))(lamina.ops.ones((1, 3, 3, 1))).shape
    (1, 4, 7, 1)
    """

    n_spatial = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.padding = normalize_pairs(padding, 2, "padding", "ZeroPadding2D")
