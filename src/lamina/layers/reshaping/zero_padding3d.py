"""`ZeroPadding3D`: zeros around volumes."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.reshaping.zero_padding2d import _ZeroPadding
from lamina.layers.reshaping._spatial import normalize_pairs


@keras_export("keras.layers.ZeroPadding3D")
class ZeroPadding3D(_ZeroPadding):
    """Adds zeros around the three spatial axes of 5D inputs.

    Args:
        padding: an int, a tuple of 3 ints (symmetric per axis), or 3
            `(before, after)` pairs.
        data_format: "channels_last" (default, `(batch, d1, d2, d3, channels)`)
            or "channels_first".

    Example:
    >>> ZeroPadding3D(1)(lamina.ops.ones((1, 2, 2, 2, 1))).shape
    (1, 4, 4, 4, 1)
    """

    n_spatial = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.padding = normalize_pairs(padding, 3, "padding", "ZeroPadding3D")
