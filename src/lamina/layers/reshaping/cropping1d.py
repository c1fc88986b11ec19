"""`Cropping1D`: removes steps at the start and end of sequences."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.reshaping.cropping2d import _Cropping
from lamina.layers.reshaping._spatial import normalize_pairs


@keras_export("keras.layers.Cropping1D")
class Cropping1D(_Cropping):
    """Crops the steps axis of `(batch, steps, features)` inputs.

    Args:
        cropping: an int (both ends) or a tuple `(start, end)`.

    Example:
    >>> Cropping1D((1, 2))(lamina.ops.ones((2, 6, 3))).shape
    (2, 3, 3)
    """

    n_spatial = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(data_format=None, **kwargs)
        self.cropping = normalize_pairs(cropping, 1, "cropping", "Cropping1D")[0]

    def _pairs(self) -> tuple:
        return (self.cropping,)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["data_format"]
        return config
