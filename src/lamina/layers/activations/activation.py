"""`Activation`: applies an activation function to its input."""

from __future__ import annotations

from lamina import activations
from lamina.api_export import keras_export
from lamina.layers.layer import Layer


@keras_export("keras.layers.Activation")
class Activation(Layer):
    """Applies `activation` (a name such as "relu", or a callable).

    Example:
    >>> Activation("relu")(lamina.ops.convert_to_tensor([-1.0, 2.0])).numpy()
    array([0., 2.], dtype=float32)
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
