"""`Identity`: returns its input unchanged (a placeholder layer)."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.layer import Layer


@keras_export("keras.layers.Identity")
class Identity(Layer):
    """Returns the input unchanged.

    Example:
    >>> Identity()(lamina.ops.ones((2,))).numpy()
    array([1., 1.], dtype=float32)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
