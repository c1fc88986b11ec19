"""`GlobalAveragePooling3D`: average over every spatial axis."""

from __future__ import annotations

from lamina import ops
from lamina.api_export import keras_export
from lamina.layers.pooling.base_global_pooling import BaseGlobalPooling


@keras_export("keras.layers.GlobalAveragePooling3D", "keras.layers.GlobalAvgPool3D")
class GlobalAveragePooling3D(BaseGlobalPooling):
    """Global average pooling for 3-D data: `(batch, d1, d2, d3, channels)` becomes
    `(batch, channels)` (or `(batch, 1, 1, 1, channels)` with `keepdims=True`).

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: keep the spatial axes, with size 1.

    Example:
    >>> GlobalAveragePooling3D()(lamina.ops.ones((2, 4, 4, 4, 3))).shape
    (2, 3)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=3, data_format=data_format, keepdims=keepdims,
                         **kwargs)

    def call(self, inputs):
        return ops.mean(inputs, axis=self.spatial_axes(inputs.ndim), keepdims=self.keepdims)
