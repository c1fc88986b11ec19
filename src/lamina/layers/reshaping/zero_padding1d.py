"""`ZeroPadding1D`: zeros before and after the steps axis."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.reshaping.zero_padding2d import _ZeroPadding
from lamina.layers.reshaping._spatial import normalize_pairs


@keras_export("keras.layers.ZeroPadding1D")
class ZeroPadding1D(_ZeroPadding):
    """Pads the steps axis of `(batch, steps, features)` inputs with zeros.

    Args:
        padding: an int (both sides) or a tuple `(left_pad, right_pad)`.
        data_format: "channels_last" (default) or "channels_first"
            (`(batch, features, steps)`).

    Example:
    >>> ZeroPadding1D(2)(lamina.ops.ones((1, 3, 4))).shape
    (1, 7, 4)
    """

    n_spatial = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.padding = normalize_pairs(padding, 1, "padding", "ZeroPadding1D")[0]

    def _pairs(self) -> tuple:
        return (self.padding,)
