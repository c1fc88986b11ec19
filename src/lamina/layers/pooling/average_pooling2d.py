"""`AveragePooling2D`: 2-D average pooling."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.pooling.base_pooling import BasePooling


@keras_export("keras.layers.AveragePooling2D", "keras.layers.AvgPool2D")
class AveragePooling2D(BasePooling):
    """2-D average pooling over windows of `pool_size`.

    Args:
        pool_size: int or tuple of 2 ints, the window size.
        strides: int or tuple of 2 ints; None (default) means pool_size.
        padding: "valid" or "same" (TF's split; padded positions are not counted in the mean).
        data_format: "channels_last" (default) or "channels_first".

    Example:
    >>> AveragePooling2D()(lamina.ops.ones((2, 8, 8, 3))).shape
    (2, 4, 4, 3)
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=2, pool_mode="average",
                         padding=padding, data_format=data_format, name=name, **kwargs)
