"""`GlobalAveragePooling1D`: average over every spatial axis."""

from __future__ import annotations

from lamina import ops
from lamina.api_export import keras_export
from lamina.layers.pooling.base_global_pooling import BaseGlobalPooling


@keras_export("keras.layers.GlobalAveragePooling1D", "keras.layers.GlobalAvgPool1D")
class GlobalAveragePooling1D(BaseGlobalPooling):
    """Global average pooling for 1-D data: `(batch, steps, channels)` becomes
    `(batch, channels)` (or `(batch, 1, channels)` with `keepdims=True`).

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: keep the spatial axes, with size 1.

    A mask (batch, steps) excludes masked timesteps from the mean.

    Example:
    >>> GlobalAveragePooling1D()(lamina.ops.ones((2, 8, 3))).shape
    (2, 3)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=1, data_format=data_format, keepdims=keepdims,
                         **kwargs)
        self.supports_masking = True

    def compute_mask(self, inputs, previous_mask=None):
        return None

    def call(self, inputs, mask=None):
        if mask is not None:
            # Masked timesteps do not count: a mean over the unmasked ones.
            axis = 2 if self.data_format == "channels_last" else 1
            m = ops.expand_dims(ops.cast(mask, inputs.dtype), axis)
            steps = 1 if self.data_format == "channels_last" else 2
            return ops.divide(ops.sum(ops.multiply(inputs, m), axis=steps, keepdims=self.keepdims),
                              ops.sum(m, axis=steps, keepdims=self.keepdims))
        return ops.mean(inputs, axis=self.spatial_axes(inputs.ndim), keepdims=self.keepdims)
