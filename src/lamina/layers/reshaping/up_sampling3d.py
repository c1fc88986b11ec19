"""`UpSampling3D`: repeats entries of volumes along the three spatial axes."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.reshaping.up_sampling2d import _UpSampling
from lamina.layers.reshaping._spatial import normalize_sizes


@keras_export("keras.layers.UpSampling3D")
class UpSampling3D(_UpSampling):
    """Repeats entries of 5D inputs `size[i]` times along each spatial axis.

    Args:
        size: an int or a tuple of 3 ints.
        data_format: "channels_last" (default, `(batch, d1, d2, d3, channels)`)
            or "channels_first".

    Example:
    >>> UpSampling3D(2)(lamina.ops.ones((1, 1, 2, 3, 1))).shape
    (1, 2, 4, 6, 1)
    """

    n_spatial = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.size = normalize_sizes(size, 3, "UpSampling3D")

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        return config
