"""`BaseDepthwiseConv`: the N-D depthwise convolution behind DepthwiseConv1D/2D."""

from __future__ import annotations

from lamina import activations, constraints, initializers, regularizers
from lamina.layers.convolutional.base_conv import (add_bias, channel_of, check_positive_int,
                                                   check_strides_dilation, conv_output_shape)
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.ops.conv import (depthwise_conv, normalize_tuple, standardize_data_format,
                             standardize_padding)


class BaseDepthwiseConv(Layer):
    """Abstract depthwise convolution: each input channel convolved with its own
    `depth_multiplier` filters; kernel `(*kernel_size, channels, depth_multiplier)`."""

    def __init__(self, rank, depth_multiplier, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        name = type(self).__name__
        self.rank = rank
        self.depth_multiplier = check_positive_int(depth_multiplier, "depth_multiplier", name)
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", name)
        self.strides = normalize_tuple(strides, rank, "strides", name)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", name)
        check_strides_dilation(self.strides, self.dilation_rate, name)
        self.padding = standardize_padding(padding, name)
        self.data_format = standardize_data_format(data_format, name)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)

    def build(self, input_shape) -> None:
        channels = channel_of(input_shape, self.data_format)
        if channels is None:
            raise ValueError(f"{type(self).__name__} layer '{self.name}': the channel dimension "
                             f"of the input must be known, got input shape {tuple(input_shape)}")
        self.compute_output_shape(input_shape)
        axis = 1 if self.data_format == "channels_first" else -1
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={axis: channels})
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(channels * self.depth_multiplier,),
                initializer=self.bias_initializer, regularizer=self.bias_regularizer,
                constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs):
        outputs = depthwise_conv(inputs, self.kernel.value, self.strides, self.padding,
                                 self.data_format, self.dilation_rate)
        if self.bias is not None:
            outputs = add_bias(outputs, self.bias.value, self.rank, self.data_format)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        channels = channel_of(input_shape, self.data_format)
        filters = None if channels is None else channels * self.depth_multiplier
        return conv_output_shape(input_shape, filters, self.kernel_size, self.strides,
                                 self.padding, self.data_format, self.dilation_rate,
                                 type(self).__name__)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config
