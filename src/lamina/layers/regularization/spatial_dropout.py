"""`SpatialDropout1D/2D/3D`: dropout of whole feature maps (channels)."""

from __future__ import annotations

from lamina import random
from lamina.api_export import keras_export
from lamina.layers.input_spec import InputSpec
from lamina.layers.regularization.dropout import Dropout
from lamina.layers.reshaping._data_format import standardize_data_format


class _SpatialDropout(Dropout):
    """Drops entire channels: one keep flag per (sample, channel), shared over the
    spatial axes. Training only; the identity at inference."""

    _rank = 3  # the input rank

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = standardize_data_format(data_format, type(self).__name__)
        self.input_spec = InputSpec(ndim=self._rank)

    def _noise_shape(self, shape: tuple) -> tuple:
        if self.data_format == "channels_first":
            return (shape[0], shape[1]) + (1,) * (len(shape) - 2)
        return (shape[0],) + (1,) * (len(shape) - 2) + (shape[-1],)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        return random.dropout(inputs, self.rate, noise_shape=self._noise_shape(tuple(inputs.shape)),
                              seed=self.seed_generator)

    def get_config(self) -> dict:
        base = super().get_config()
        config = {"rate": self.rate, "seed": self.seed, "name": base["name"],
                  "dtype": base["dtype"]}
        if self._rank > 3:
            config["data_format"] = self.data_format
        return config


@keras_export("keras.layers.SpatialDropout1D")
class SpatialDropout1D(_SpatialDropout):
    """Dropout of whole 1D feature maps: inputs `(batch, steps, channels)` keep or
    drop each channel of each sample over all steps (Tompson et al., 2014).

    Args:
        rate: float in [0, 1], the fraction of channels to drop.
        seed: an int for reproducible masks.

    Example:
    >>> SpatialDropout1D(0.5)(lamina.ops.ones((2, 3, 4)), training=False).shape
    (2, 3, 4)
    """

    _rank = 3

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, data_format=None, seed=seed, **kwargs)


@keras_export("keras.layers.SpatialDropout2D")
class SpatialDropout2D(_SpatialDropout):
    """Dropout of whole 2D feature maps of 4D inputs (`data_format`
    "channels_last": `(batch, rows, cols, channels)`, or "channels_first").

    Args:
        rate: float in [0, 1], the fraction of channels to drop.
        data_format: "channels_last" (default) or "channels_first".
        seed: an int for reproducible masks.

    Example:
    >>> SpatialDropout2D(0.5, seed=1)(lamina.ops.ones((2, 3, 3, 4)), training=True).shape
    (2, 3, 3, 4)
    """

    _rank = 4


@keras_export("keras.layers.SpatialDropout3D")
class SpatialDropout3D(_SpatialDropout):
    """Dropout of whole 3D feature maps of 5D inputs (`data_format`
    "channels_last": `(batch, d1, d2, d3, channels)`, or "channels_first").

    Args:
        rate: float in [0, 1], the fraction of channels to drop.
        data_format: "channels_last" (default) or "channels_first".
        seed: an int for reproducible masks.
    """

    _rank = 5
