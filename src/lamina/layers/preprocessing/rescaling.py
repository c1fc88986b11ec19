"""`Rescaling`: `inputs * scale + offset`."""

from __future__ import annotations

import numpy as np

from lamina import ops
from lamina.api_export import keras_export
from lamina.layers.layer import Layer


def _serialize(v):
    return np.asarray(v).tolist() if isinstance(v, (np.ndarray, list, tuple)) else v


@keras_export("keras.layers.Rescaling")
class Rescaling(Layer):
    """Rescales inputs to a new range: `inputs * scale + offset`, in the layer's
    float dtype (integer inputs such as uint8 images are cast first).

    Args:
        scale: a float (or an array broadcastable to the inputs).
        offset: a float (or an array broadcastable to the inputs).

    Example:
    >>> Rescaling(1.0 / 255)(np.array([[0, 255]], dtype="uint8")).numpy()
    array([[0., 1.]], dtype=float32)
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        dtype = self.compute_dtype
        x = inputs if inputs.dtype == dtype else ops.cast(inputs, dtype)
        scale = ops.convert_to_tensor(self.scale, dtype=dtype)
        offset = ops.convert_to_tensor(self.offset, dtype=dtype)
        return ops.add(ops.multiply(x, scale), offset)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"scale": _serialize(self.scale), "offset": _serialize(self.offset)})
        return config
