"""`Masking`: masks the timesteps whose features all equal `mask_value`."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.layer import Layer
from lamina.ops import any as any_, cast, expand_dims, multiply, not_equal


@keras_export("keras.layers.Masking")
class Masking(Layer):
    """Marks a timestep as padding when every feature equals `mask_value`: the
    output is the input with those steps zeroed, and it carries the mask
    `any(inputs != mask_value, axis=-1)` for the layers downstream (RNNs skip
    masked steps).

    Args:
        mask_value: the padding value.

    Example:
    >>> x = np.array([[[1.0, 2.0], [0.0, 0.0]]])
    >>> Masking(0.0)(x)._keras_mask.numpy().tolist()
    [[True, False]]
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, (int, float)):
            raise ValueError(f"Masking: mask_value must be a number, got {mask_value!r}")
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def compute_mask(self, inputs, previous_mask=None):
        return any_(not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = self.compute_mask(inputs)
        return multiply(inputs, cast(expand_dims(keep, -1), inputs.dtype))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
