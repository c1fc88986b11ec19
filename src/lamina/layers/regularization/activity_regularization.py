"""`ActivityRegularization`: the identity, with an L1/L2 penalty on its output."""

from __future__ import annotations

from lamina import regularizers
from lamina.api_export import keras_export
from lamina.layers.layer import Layer


@keras_export("keras.layers.ActivityRegularization")
class ActivityRegularization(Layer):
    """Returns its input unchanged and adds `l1 * sum(|x|) + l2 * sum(x²)` (divided
    by the batch size) to `losses`.

    Args:
        l1, l2: non-negative penalty factors.

    Example:
    >>> layer = ActivityRegularization(l1=0.1)
    >>> _ = layer(lamina.ops.ones((2, 3)))
    >>> float(layer.losses[0])  # 0.1 * 6 / 2
    0.3...
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = float(l1)
        self.l2 = float(l2)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update({"l1": self.l1, "l2": self.l2})
        return config
