"""`MaxPooling1D`: 1-D max pooling."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.pooling.base_pooling import BasePooling


@keras_export("keras.layers.MaxPooling1D", "keras.layers.MaxPool1D")
class MaxPooling1D(BasePooling):
    """1-D max pooling over windows of `pool_size`.

    Args:
        pool_size: int or tuple of 1 ints, the window size.
        strides: int or tuple of 1 ints; None (default) means pool_size.
        padding: "valid" or "same" (TF's split).
        data_format: "channels_last" (default) or "channels_first".

    Example:
    >>> MaxPooling1D()(lamina.ops.ones((2, 8, 3))).shape
    (2, 4, 3)
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=1, pool_mode="max",
                         padding=padding, data_format=data_format, name=name, **kwargs)
