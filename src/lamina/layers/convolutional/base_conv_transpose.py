"""`BaseConvTranspose`: the N-D transposed convolution behind Conv1D/2D/3DTranspose."""

from __future__ import annotations

from lamina import activations, constraints, initializers, regularizers
from lamina.backend import dtypes
from lamina.layers.convolutional.base_conv import (add_bias, channel_of, check_positive_int,
                                                   check_strides_dilation)
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.ops.conv import (conv_transpose, conv_transpose_geometry, normalize_tuple,
                             standardize_data_format, standardize_padding)


class BaseConvTranspose(Layer):
    """Abstract transposed convolution (the gradient of a convolution w.r.t. its
    input); kernel `(*kernel_size, filters, input_channels)`.

    Output sizes follow Keras: "valid" gives `(n - 1) * stride + kernel +
    output_padding` (output_padding defaulting to `max(stride - kernel, 0)`),
    "same" gives `n * stride` (or `(n - 1) * stride + kernel % 2 +
    output_padding` when output_padding is given).
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        name = type(self).__name__
        if not dtypes.is_float(self.dtype):
            raise TypeError(f"{name}: a convolution layer needs a float dtype, got {self.dtype}")
        self.rank = rank
        self.filters = check_positive_int(filters, "filters", name)
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", name)
        self.strides = normalize_tuple(strides, rank, "strides", name)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", name)
        self.padding = standardize_padding(padding, name)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = normalize_tuple(output_padding, rank, "output_padding", name,
                                                  allow_zero=True)
            for p, s in zip(self.output_padding, self.strides):
                if p >= s:
                    raise ValueError(f"{name}: `output_padding` must be < `strides`. "
                                     f"output_padding={self.output_padding}, "
                                     f"strides={self.strides}")
        check_strides_dilation(self.strides, self.dilation_rate, name)
        self.data_format = standardize_data_format(data_format, name)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)

    def build(self, input_shape) -> None:
        channels = channel_of(input_shape, self.data_format)
        if channels is None:
            raise ValueError(f"{type(self).__name__} layer '{self.name}': the channel dimension "
                             f"of the input must be known, got input shape {tuple(input_shape)}")
        axis = 1 if self.data_format == "channels_first" else -1
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={axis: channels})
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (self.filters, channels),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs):
        outputs = conv_transpose(inputs, self.kernel.value, self.strides, self.padding,
                                 self.output_padding, self.data_format, self.dilation_rate)
        if self.bias is not None:
            outputs = add_bias(outputs, self.bias.value, self.rank, self.data_format)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        first = self.data_format == "channels_first"
        spatial = input_shape[2:] if first else input_shape[1:-1]
        outs, _ = conv_transpose_geometry(spatial, self.kernel_size, self.strides, self.padding,
                                          self.output_padding, self.dilation_rate)
        if first:
            return (input_shape[0], self.filters) + tuple(outs)
        return (input_shape[0],) + tuple(outs) + (self.filters,)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        # Keras 3 omits output_padding from the config (so it is lost on reload);
        # it is added only when set, so default configs keep Keras's exact keys.
        if self.output_padding is not None:
            config["output_padding"] = self.output_padding
        return config
