"""`UpSampling1D`: repeats each step of a sequence."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.reshaping.up_sampling2d import _UpSampling
from lamina.layers.reshaping._spatial import normalize_sizes


@keras_export("keras.layers.UpSampling1D")
class UpSampling1D(_UpSampling):
    """Repeats each step of `(batch, steps, features)` inputs `size` times.

    Example:
    >>> UpSampling1D(2)(lamina.ops.ones((1, 3, 4))).shape
    (1, 6, 4)
    """

    n_spatial = 1

    def __init__(self, size: int = 2, **kwargs):
        super().__init__(data_format=None, **kwargs)
        self.size = normalize_sizes(size, 1, "UpSampling1D")[0]

    def _sizes(self) -> tuple:
        return (self.size,)

    def get_config(self) -> dict:
        config = super().get_config()
        config["size"] = self.size
        return config
