"""`Conv1DTranspose`: 1-D transposed convolution."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.convolutional.base_conv_transpose import BaseConvTranspose


@keras_export("keras.layers.Conv1DTranspose", "keras.layers.Convolution1DTranspose")
class Conv1DTranspose(BaseConvTranspose):
    """1-D transposed convolution (sometimes called deconvolution): the
    gradient of Conv1D w.r.t. its input; kernel `(*kernel_size, filters, channels)`.

    Args:
        filters, kernel_size, strides, padding ("valid"/"same"), data_format,
        dilation_rate: as in Conv1D.
        output_padding: int or tuple, extra size added at the end of each spatial
            dimension of the output (must be < strides).
        activation, use_bias, kernel_initializer, bias_initializer,
        kernel_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, bias_constraint: as in Conv1D.

    Example:
    >>> Conv1DTranspose(4, 3, strides=2, padding="same")(lamina.ops.ones((2, 8, 3))).shape[1]
    16
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=1, filters=filters, kernel_size=kernel_size, strides=strides,
            padding=padding, output_padding=output_padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs)
