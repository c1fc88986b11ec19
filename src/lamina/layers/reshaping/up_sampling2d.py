"""`UpSampling2D`: repeats (or bilinearly interpolates) rows and columns."""

from __future__ import annotations

import numpy as np

from lamina.api_export import keras_export
from lamina.layers.reshaping._spatial import SpatialLayer, normalize_sizes
from lamina.ops import add, convert_to_tensor, multiply, repeat, reshape, take

_INTERPOLATIONS = ("nearest", "bilinear")


class _UpSampling(SpatialLayer):
    """Scales each spatial axis by an integer factor (`_sizes()`), repeating
    entries ("nearest") or interpolating linearly between them ("bilinear")."""

    interpolation = "nearest"

    def _sizes(self) -> tuple:
        return self.size

    def call(self, inputs):
        x = inputs
        for axis, s in zip(self.spatial_axes(), self._sizes()):
            if s == 1:
                continue
            if self.interpolation == "nearest":
                x = repeat(x, s, axis=axis)
            else:
                x = _linear_upsample(x, axis, s)
        return x

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, s in zip(self.spatial_axes(), self._sizes()):
            shape[axis] = None if shape[axis] is None else shape[axis] * s
        return tuple(shape)


def _linear_upsample(x, axis: int, scale: int):
    """Linear interpolation along `axis` at half-pixel centres (the sampling of
    bilinear image resizing), clamped at the edges."""
    n = x.shape[axis]
    src = (np.arange(n * scale) + 0.5) / scale - 0.5
    src = np.clip(src, 0.0, n - 1)
    i0 = np.floor(src).astype(np.int32)
    i1 = np.minimum(i0 + 1, n - 1).astype(np.int32)
    w = (src - i0).astype(x.dtype)
    shape = [1] * x.ndim
    shape[axis] = n * scale
    w1 = reshape(convert_to_tensor(w), tuple(shape))
    w0 = reshape(convert_to_tensor((1 - w).astype(x.dtype)), tuple(shape))
    lo = take(x, convert_to_tensor(i0), axis=axis)
    hi = take(x, convert_to_tensor(i1), axis=axis)
    return add(multiply(lo, w0), multiply(hi, w1))


@keras_export("keras.layers.UpSampling2D")
class UpSampling2D(_UpSampling):
    """Upsamples 4D image inputs by integer factors along rows and columns.

    Args:
        size: an int or a tuple of 2 ints, the factors for rows and columns.
        data_format: "channels_last" (default, `(batch, rows, cols, channels)`)
            or "channels_first".
        interpolation: "nearest" (repeat) or "bilinear".

    Example:
    >>> UpSampling2D((2, 3))(lamina.ops.ones((1, 2, 2, 1))).shape
    (1, 4, 6, 1)
    """

    n_spatial = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation: str = "nearest", **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.size = normalize_sizes(size, 2, "UpSampling2D")
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(f"UpSampling2D: `interpolation` must be one of {_INTERPOLATIONS} "
                             f"in lamina. Received: interpolation={interpolation!r}")
        self.interpolation = interpolation

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format,
                       "interpolation": self.interpolation})
        return config
