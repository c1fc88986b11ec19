"""`Dense`: output = activation(inputs @ kernel + bias)."""

from __future__ import annotations

from lamina import activations, constraints, initializers, regularizers
from lamina.api_export import keras_export
from lamina.backend import dtypes
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.ops import add, matmul


@keras_export("keras.layers.Dense")
class Dense(Layer):
    """Just your regular densely-connected layer: `activation(x @ kernel + bias)`.

    On inputs of rank > 2 the kernel contracts the last axis: `(batch, d0, d1)`
    gives `(batch, d0, units)`.

    Args:
        units: positive int, the size of the output's last axis.
        activation: an activation (name or callable); None for linear.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers for the weights.
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties.
        kernel_constraint, bias_constraint: applied after optimizer updates.
        lora_rank: not supported (must be None).

    Example:
    >>> layer = Dense(3, activation="relu")
    >>> layer(lamina.ops.ones((2, 4))).shape
    (2, 3)
    """

    def __init__(self, units, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError("Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units!r}")
        if lora_rank:
            raise ValueError("Dense: lora_rank is not supported by lamina")
        if not dtypes.is_float(self.dtype):
            raise TypeError(f"Dense: a Dense layer needs a float dtype, got {self.dtype}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = None
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape) -> None:
        input_dim = input_shape[-1] if len(input_shape) else None
        if input_dim is None:
            raise ValueError(
                f"Dense layer '{self.name}': the last dimension of the input must be known, "
                f"got input shape {tuple(input_shape)}"
            )
        self.kernel = self.add_weight(
            name="kernel", shape=(input_dim, self.units), initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.units,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs):
        x = matmul(inputs, self.kernel.value)
        if self.bias is not None:
            x = add(x, self.bias.value)
        return self.activation(x)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config
