"""`Flatten`: collapses every axis but the batch axis."""

from __future__ import annotations

import math

from lamina.api_export import keras_export
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.ops import reshape, transpose


@keras_export("keras.layers.Flatten")
class Flatten(Layer):
    """Flattens the input to `(batch, features)`; a 1-D input becomes `(batch, 1)`.

    Args:
        data_format: "channels_last" (default) or "channels_first"; with
            channels_first, the input is moved to channels_last order first, so
            the flattened order matches a channels_last model.

    Example:
    >>> Flatten()(lamina.ops.ones((2, 3, 4))).shape
    (2, 12)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        data_format = data_format or "channels_last"
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"Flatten: data_format must be 'channels_last' or "
                             f"'channels_first', got {data_format!r}")
        self.data_format = data_format
        self.input_spec = InputSpec(min_ndim=1)
        self.built = True

    def call(self, inputs):
        x = inputs
        if self.data_format == "channels_first" and x.ndim > 2:
            x = transpose(x, (0,) + tuple(range(2, x.ndim)) + (1,))
        features = math.prod(x.shape[1:]) if x.ndim > 1 else 1
        return reshape(x, (x.shape[0], features))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        features = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], features)

    def get_config(self) -> dict:
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
