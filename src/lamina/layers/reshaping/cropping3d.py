"""`Cropping3D`: removes borders of volumes."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.reshaping.cropping2d import _Cropping
from lamina.layers.reshaping._spatial import normalize_pairs


@keras_export("keras.layers.Cropping3D")
class Cropping3D(_Cropping):
    """Crops the three spatial axes of 5D inputs.

    Args:
        cropping: an int, a tuple of 3 ints (symmetric per axis), or 3
            `(before, after)` pairs.
        data_format: "channels_last" (default, `(batch, d1, d2, d3, channels)`)
            or "channels_first".

    Example:
    >>> Cropping3D(1)(lamina.ops.ones((1, 4, 4, 4, 2))).shape
    (1, 2, 2, 2, 2)
    """

    n_spatial = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.cropping = normalize_pairs(cropping, 3, "cropping", "Cropping3D")
