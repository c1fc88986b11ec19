"""`Conv1D`: 1-D convolution (with causal padding)."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.convolutional.base_conv import BaseConv


@keras_export("keras.layers.Conv1D", "keras.layers.Convolution1D")
class Conv1D(BaseConv):
    """1-D convolution layer: `activation(conv(inputs, kernel) + bias)`.

    Args:
        filters: the number of output channels.
        kernel_size: int or tuple of 1 ints, the window size.
        strides: int or tuple of 1 ints (> 1 excludes dilation_rate > 1).
        padding: "valid", "same" or "causal" (left padding only, for temporal models).
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: int or tuple of 1 ints.
        groups: split the input channels into this many groups, each convolved
            with `filters // groups` filters.
        activation, use_bias, kernel_initializer, bias_initializer,
        kernel_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, bias_constraint: as in `Dense`.

    Input shape: `(batch, steps, channels)` (channels_last).
    Output shape: `(batch, new_steps, filters)`.

    Example:
    >>> Conv1D(4, 3)(lamina.ops.ones((2, 8, 3))).shape
    (2, 6, 4)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=1, filters=filters, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format, dilation_rate=dilation_rate, groups=groups,
            activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)
