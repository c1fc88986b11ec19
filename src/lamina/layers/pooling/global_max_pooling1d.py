"""`GlobalMaxPooling1D`: max over every spatial axis."""

from __future__ import annotations

from lamina import ops
from lamina.api_export import keras_export
from lamina.layers.pooling.base_global_pooling import BaseGlobalPooling


@keras_export("keras.layers.GlobalMaxPooling1D", "keras.layers.GlobalMaxPool1D")
class GlobalMaxPooling1D(BaseGlobalPooling):
    """Global max pooling for 1-D data: `(batch, steps, channels)` becomes
    `(batch, channels)` (or `(batch, 1, channels)` with `keepdims=True`).

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: keep the spatial axes, with size 1.

    Example:
    >>> GlobalMaxPooling1D()(lamina.ops.ones((2, 8, 3))).shape
    (2, 3)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=1, data_format=data_format, keepdims=keepdims,
                         **kwargs)

    def call(self, inputs):
        return ops.max(inputs, axis=self.spatial_axes(inputs.ndim), keepdims=self.keepdims)
