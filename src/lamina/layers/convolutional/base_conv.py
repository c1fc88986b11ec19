"""`BaseConv`: the N-D convolution layer behind Conv1D/2D/3D, and the shape and
argument helpers the other convolution layers share."""

from __future__ import annotations

from lamina import activations, constraints, initializers, regularizers
from lamina.backend import dtypes
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.ops import add, reshape
from lamina.ops.conv import (conv_general, conv_geometry, normalize_tuple,
                             standardize_data_format, standardize_padding)


def check_positive_int(value, name: str, layer: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{layer}: invalid value for argument `{name}`. Expected a strictly "
                         f"positive integer. Received {name}={value!r}.")
    return value


def check_strides_dilation(strides, dilation_rate, layer: str) -> None:
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError(f"{layer}: `strides > 1` not supported in conjunction with "
                         f"`dilation_rate > 1`. Received: strides={strides} and "
                         f"dilation_rate={dilation_rate}")


def explicit_padding(padding, kernel_size, dilation_rate):
    """"causal" becomes explicit (lo, hi) pairs; other paddings pass through."""
    if padding != "causal":
        return padding
    return tuple(((k - 1) * d, 0) for k, d in zip(kernel_size, dilation_rate))


def conv_output_shape(input_shape, filters, kernel_size, strides, padding, data_format,
                      dilation_rate, layer: str) -> tuple:
    """The output shape of a convolution (None for unknown dims), as Keras's
    compute_conv_output_shape; raises if a known output size is not positive."""
    input_shape = tuple(input_shape)
    rank = len(kernel_size)
    if len(input_shape) != rank + 2:
        raise ValueError(f"{layer}: expected an input of rank {rank + 2}, got shape {input_shape}")
    first = data_format == "channels_first"
    spatial = input_shape[2:] if first else input_shape[1:-1]
    pad = explicit_padding(padding, kernel_size, dilation_rate)
    _, out = conv_geometry(spatial, kernel_size, strides, dilation_rate, pad)
    for n, o in zip(spatial, out):
        if n is not None and o is not None and o <= 0:
            raise ValueError(
                f"{layer}: computed output size would be negative or zero. Received inputs "
                f"shape={input_shape}, kernel_size={tuple(kernel_size)}, "
                f"dilation_rate={tuple(dilation_rate)}, padding={padding!r}")
    if first:
        return (input_shape[0], filters) + tuple(out)
    return (input_shape[0],) + tuple(out) + (filters,)


def channel_of(input_shape, data_format: str):
    return input_shape[1] if data_format == "channels_first" else input_shape[-1]


def add_bias(outputs, bias, rank: int, data_format: str):
    if data_format == "channels_first":
        bias = reshape(bias, (1, bias.shape[0]) + (1,) * rank)
    return add(outputs, bias)


class BaseConv(Layer):
    """Abstract N-D convolution layer: `activation(conv(inputs, kernel) + bias)`.

    The kernel has shape `(*kernel_size, input_channels // groups, filters)`.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        name = type(self).__name__
        if lora_rank:
            raise ValueError(f"{name}: lora_rank is not supported by lamina")
        if not dtypes.is_float(self.dtype):
            raise TypeError(f"{name}: a convolution layer needs a float dtype, got {self.dtype}")
        self.rank = rank
        self.filters = check_positive_int(filters, "filters", name)
        self.groups = check_positive_int(groups, "groups", name)
        if self.filters % self.groups != 0:
            raise ValueError(f"{name}: the number of filters must be evenly divisible by the "
                             f"number of groups. Received: groups={groups}, filters={filters}.")
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", name)
        self.strides = normalize_tuple(strides, rank, "strides", name)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", name)
        check_strides_dilation(self.strides, self.dilation_rate, name)
        self.padding = standardize_padding(padding, name, allow_causal=rank == 1)
        self.data_format = standardize_data_format(data_format, name)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = None
        self.input_spec = InputSpec(min_ndim=rank + 2)

    def build(self, input_shape) -> None:
        name = type(self).__name__
        channels = channel_of(input_shape, self.data_format)
        if channels is None:
            raise ValueError(f"{name} layer '{self.name}': the channel dimension of the input "
                             f"must be known, got input shape {tuple(input_shape)}")
        if channels % self.groups != 0:
            raise ValueError(
                f"{name}: the number of input channels must be evenly divisible by the number "
                f"of groups. Received groups={self.groups}, but the input has {channels} "
                f"channels (full input shape is {tuple(input_shape)}).")
        self.compute_output_shape(input_shape)  # validates the spatial sizes
        axis = 1 if self.data_format == "channels_first" else -1
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={axis: channels})
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def convolution_op(self, inputs, kernel):
        padding = explicit_padding(self.padding, self.kernel_size, self.dilation_rate)
        return conv_general(inputs, kernel, self.strides, padding, self.data_format,
                            self.dilation_rate, op=type(self).__name__)

    def call(self, inputs):
        outputs = self.convolution_op(inputs, self.kernel.value)
        if self.bias is not None:
            outputs = add_bias(outputs, self.bias.value, self.rank, self.data_format)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return conv_output_shape(input_shape, self.filters, self.kernel_size, self.strides,
                                 self.padding, self.data_format, self.dilation_rate,
                                 type(self).__name__)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
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
        return config
