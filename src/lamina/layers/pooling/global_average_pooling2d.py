"""`GlobalAveragePooling2D`: average over every spatial axis."""

from __future__ import annotations

from lamina import ops
from lamina.api_export import keras_export
from lamina.layers.pooling.base_global_pooling import BaseGlobalPooling


@keras_export("keras.layers.GlobalAveragePooling2D", "keras.layers.GlobalAvgPool2D")
class GlobalAveragePooling2D(BaseGlobalPooling):
    """Global average pooling for 2-D data: `(batch, rows, cols, channels)` becomes
    `(batch, channels)` (or `(batch, 1, 1, channels)` with `keepdims=True`).

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: keep the spatial axes, with size 1.

    Example:
    >>> GlobalAveragePooling2D()(lamina.ops.ones((2, 8, 8, 3))).shape
    (2, 3)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=2, data_format=data_format, keepdims=keepdims,
                         **kwargs)

    def call(self, inputs):
        return ops.mean(inputs, axis=self.spatial_axes(inputs.ndim), keepdims=self.keepdims)
