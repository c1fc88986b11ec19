"""`DepthwiseConv2D`: 2-D depthwise convolution."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv


@keras_export("keras.layers.DepthwiseConv2D")
class DepthwiseConv2D(BaseDepthwiseConv):
    """2-D depthwise convolution: each input channel is convolved with its own
    `depth_multiplier` filters (output channel `c * depth_multiplier + m`).

    Args:
        kernel_size, strides, padding ("valid"/"same"), data_format, dilation_rate:
            as in Conv2D.
        depth_multiplier: filters per input channel.
        activation, use_bias, depthwise_initializer, bias_initializer,
        depthwise_regularizer, bias_regularizer, activity_regularizer,
        depthwise_constraint, bias_constraint: the weights' settings.

    Example:
    >>> DepthwiseConv2D(3, depth_multiplier=2)(lamina.ops.ones((2, 8, 8, 3))).shape[-1]
    6
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=2, depth_multiplier=depth_multiplier, kernel_size=kernel_size,
            strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            depthwise_initializer=depthwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
            bias_constraint=bias_constraint, **kwargs)
