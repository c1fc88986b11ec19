"""`TimeDistributed`: applies a layer to every time step of `(batch, time, ...)` inputs."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.layer import Layer
from lamina.layers.rnn.rnn import build_sublayer
from lamina.ops import reshape
from lamina.saving import serialization_lib


@keras_export("keras.layers.TimeDistributed")
class TimeDistributed(Layer):
    """Applies `layer` to each temporal slice of the input, with the same weights
    at every step: `(batch, time, *dims)` gives `(batch, time, *layer_out_dims)`.

    The batch and time axes are merged, the layer runs once on
    `(batch * time, *dims)`, and the result is split back.

    Args:
        layer: a `Layer` instance.

    Example:
    >>> td = TimeDistributed(lamina.layers.Dense(8))
    >>> td(np.zeros((32, 10, 16), "float32")).shape
    (32, 10, 8)
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a "
                             f"`lamina.layers.Layer` instance. Received: {layer!r}")
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _check(self, input_shape) -> tuple:
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with "
                             f"at least 3 dimensions, received: {input_shape}")
        return input_shape

    def build(self, input_shape) -> None:
        input_shape = self._check(input_shape)
        if not self.layer.built:
            build_sublayer(self, self.layer, (None,) + input_shape[2:])
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = self._check(input_shape)
        child = self.layer.compute_output_shape((input_shape[0],) + input_shape[2:])
        return (input_shape[0], input_shape[1]) + tuple(child)[1:]

    def call(self, inputs, training=None, mask=None):
        shape = tuple(inputs.shape)
        self._check(shape)
        batch, time = shape[0], shape[1]
        kwargs = {}
        if self.layer._call_has_training:
            kwargs["training"] = training
        if mask is not None:
            if tuple(mask.shape)[:2] != (batch, time):
                raise ValueError(
                    "`TimeDistributed` Layer should be passed a `mask` of shape "
                    f"({batch}, {time}, ...), received: mask.shape={tuple(mask.shape)}")
            if self.layer._call_has_mask:
                kwargs["mask"] = reshape(mask, (batch * time,) + tuple(mask.shape)[2:])
        flat = reshape(inputs, (batch * time,) + shape[2:])
        out = self.layer(flat, **kwargs)
        return reshape(out, (batch, time) + tuple(out.shape)[1:])

    def get_config(self) -> dict:
        config = super().get_config()
        config["layer"] = serialization_lib.serialize_keras_object(self.layer)
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        config["layer"] = serialization_lib.deserialize_keras_object(config["layer"])
        return super().from_config(config)
