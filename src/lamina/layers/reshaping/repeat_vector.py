"""`RepeatVector`: repeats a 2-D input n times along a new axis."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.ops import broadcast_to, expand_dims


@keras_export("keras.layers.RepeatVector")
class RepeatVector(Layer):
    """`(batch, features)` → `(batch, n, features)`.

    Example:
    >>> RepeatVector(3)(lamina.ops.ones((2, 4))).shape
    (2, 3, 4)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise TypeError(f"RepeatVector: expected n to be a positive integer, received n={n!r}")
        self.n = n
        self.input_spec = InputSpec(ndim=2)
        self.built = True

    def call(self, inputs):
        b, f = inputs.shape
        return broadcast_to(expand_dims(inputs, 1), (b, self.n, f))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict:
        config = super().get_config()
        config["n"] = self.n
        return config
