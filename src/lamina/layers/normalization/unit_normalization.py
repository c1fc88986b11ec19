"""`UnitNormalization`: scales each sample to unit L2 norm over `axis`."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.layer import Layer
from lamina.layers.normalization._common import axis_arg, resolve_axes
from lamina.ops.normalization import normalize


@keras_export("keras.layers.UnitNormalization")
class UnitNormalization(Layer):
    """Divides each sample by its L2 norm over `axis` (an int or a list of ints),
    so that the squares along those axes sum to 1 (norms below 1e-12 are treated
    as 1e-12).

    Example:
    >>> UnitNormalization()(lamina.ops.convert_to_tensor([[3.0, 4.0]])).numpy()
    array([[0.6, 0.8]], dtype=float32)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis_arg(axis, "UnitNormalization")
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        axes = resolve_axes(self.axis, tuple(inputs.shape), "UnitNormalization", self.name)
        return normalize(inputs, axis=axes, order=2, epsilon=1e-12)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config["axis"] = self.axis
        return config
