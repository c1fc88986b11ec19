"""The shared base of the image preprocessing layers: data format, rank checks,
float conversion, and the `training` default of the random layers."""

from __future__ import annotations

from lamina import ops
from lamina.backend import dtypes
from lamina.layers.layer import Layer
from lamina.ops.image import standardize_data_format


class ImageLayer(Layer):
    """Base of layers on (H, W, C) or (N, H, W, C) images ("channels_last"), or the
    "channels_first" equivalents."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.supports_masking = False

    def _check_rank(self, shape) -> None:
        if len(shape) not in (3, 4):
            raise ValueError(f"{type(self).__name__}: expected images of rank 3 (height, width, "
                             f"channels) or 4 (batch, height, width, channels) "
                             f"({self.data_format}), got shape {tuple(shape)}")

    def build(self, input_shape) -> None:
        self._check_rank(input_shape)
        self.built = True

    def _hw_axes(self, rank: int) -> tuple[int, int]:
        """The height and width axes of a rank-3 or rank-4 image tensor."""
        if self.data_format == "channels_last":
            return rank - 3, rank - 2
        return rank - 2, rank - 1

    def _float(self, x):
        self._check_rank(x.shape)
        if x.dtype != self.compute_dtype and (dtypes.is_float(self.compute_dtype)):
            x = ops.cast(x, self.compute_dtype)
        return x


def resolve_training(training) -> bool:
    """Keras's random image layers default to `training=True` when no value is
    given by the caller or an enclosing model."""
    return True if training is None else bool(training)
