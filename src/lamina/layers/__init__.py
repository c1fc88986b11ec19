"""`lamina.layers`: the Keras 3 layer API."""

from lamina.layers.layer import Layer
from lamina.layers.input_spec import InputSpec
from lamina.layers.core.input_layer import Input, InputLayer
from lamina.layers.core.dense import Dense
from lamina.layers.core.identity import Identity
from lamina.layers.core.lambda_layer import Lambda
from lamina.layers.activations.activation import Activation
from lamina.layers.reshaping.flatten import Flatten
from lamina.layers.reshaping.reshape import Reshape
from lamina.layers.reshaping.permute import Permute
from lamina.layers.reshaping.repeat_vector import RepeatVector
from lamina.layers.regularization.dropout import Dropout
from lamina.layers.core.embedding import Embedding
from lamina.layers.core.masking import Masking
from lamina.layers.rnn.rnn import RNN
from lamina.layers.rnn.simple_rnn import SimpleRNN, SimpleRNNCell
from lamina.layers.rnn.lstm import LSTM, LSTMCell
from lamina.layers.rnn.gru import GRU, GRUCell
from lamina.layers.rnn.stacked_rnn_cells import StackedRNNCells
from lamina.layers.rnn.bidirectional import Bidirectional
from lamina.layers.rnn.time_distributed import TimeDistributed
from lamina.saving import serialization_lib as _serialization_lib

__all__ = [
    "Layer", "InputSpec", "Input", "InputLayer", "Dense", "Identity", "Lambda", "Activation",
    "Flatten", "Reshape", "Permute", "RepeatVector", "Dropout", "serialize", "deserialize",
]
__all__ += ["Embedding", "Masking", "RNN", "SimpleRNN", "SimpleRNNCell", "LSTM", "LSTMCell",
            "GRU", "GRUCell", "StackedRNNCells", "Bidirectional", "TimeDistributed"]


def serialize(layer) -> dict:
    """A layer's config in Keras's format (`serialize_keras_object`)."""
    return _serialization_lib.serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """Rebuilds a layer from `serialize`'s output."""
    return _serialization_lib.deserialize_keras_object(config, custom_objects=custom_objects)

from lamina.layers.convolutional.conv1d import Conv1D
from lamina.layers.convolutional.conv2d import Conv2D
from lamina.layers.convolutional.conv3d import Conv3D
from lamina.layers.convolutional.depthwise_conv1d import DepthwiseConv1D
from lamina.layers.convolutional.depthwise_conv2d import DepthwiseConv2D
from lamina.layers.convolutional.separable_conv1d import SeparableConv1D
from lamina.layers.convolutional.separable_conv2d import SeparableConv2D
from lamina.layers.convolutional.conv1d_transpose import Conv1DTranspose
from lamina.layers.convolutional.conv2d_transpose import Conv2DTranspose
from lamina.layers.convolutional.conv3d_transpose import Conv3DTranspose
from lamina.layers.pooling.max_pooling1d import MaxPooling1D
from lamina.layers.pooling.max_pooling2d import MaxPooling2D
from lamina.layers.pooling.max_pooling3d import MaxPooling3D
from lamina.layers.pooling.average_pooling1d import AveragePooling1D
from lamina.layers.pooling.average_pooling2d import AveragePooling2D
from lamina.layers.pooling.average_pooling3d import AveragePooling3D
from lamina.layers.pooling.global_max_pooling1d import GlobalMaxPooling1D
from lamina.layers.pooling.global_max_pooling2d import GlobalMaxPooling2D
from lamina.layers.pooling.global_max_pooling3d import GlobalMaxPooling3D
from lamina.layers.pooling.global_average_pooling1d import GlobalAveragePooling1D
from lamina.layers.pooling.global_average_pooling2d import GlobalAveragePooling2D
from lamina.layers.pooling.global_average_pooling3d import GlobalAveragePooling3D
# Keras's aliases of the convolution and pooling layers.
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
Convolution2DTranspose, Convolution3DTranspose = Conv2DTranspose, Conv3DTranspose
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (GlobalMaxPooling1D, GlobalMaxPooling2D,
                                                     GlobalMaxPooling3D)
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (GlobalAveragePooling1D,
                                                     GlobalAveragePooling2D,
                                                     GlobalAveragePooling3D)
__all__ += [
    "Conv1D", "Conv2D", "Conv3D", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D",
    "SeparableConv2D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "MaxPooling1D",
    "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GlobalAveragePooling1D",
    "GlobalAveragePooling2D", "GlobalAveragePooling3D", "Convolution1D", "Convolution2D",
    "Convolution3D", "SeparableConvolution1D", "SeparableConvolution2D",
    "Convolution2DTranspose", "Convolution3DTranspose", "MaxPool1D", "MaxPool2D", "MaxPool3D",
    "AvgPool1D", "AvgPool2D", "AvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D",
    "GlobalMaxPool3D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D",
]

# Normalization, regularization/shape and merging layers.
from lamina.layers.normalization.batch_normalization import BatchNormalization  # noqa: E402
from lamina.layers.normalization.layer_normalization import LayerNormalization  # noqa: E402
from lamina.layers.normalization.group_normalization import GroupNormalization  # noqa: E402
from lamina.layers.normalization.unit_normalization import UnitNormalization  # noqa: E402
from lamina.layers.regularization.spatial_dropout import (  # noqa: E402
    SpatialDropout1D, SpatialDropout2D, SpatialDropout3D)
from lamina.layers.regularization.gaussian_noise import GaussianNoise  # noqa: E402
from lamina.layers.regularization.gaussian_dropout import GaussianDropout  # noqa: E402
from lamina.layers.regularization.activity_regularization import ActivityRegularization  # noqa: E402
from lamina.layers.reshaping.zero_padding1d import ZeroPadding1D  # noqa: E402
from lamina.layers.reshaping.zero_padding2d import ZeroPadding2D  # noqa: E402
from lamina.layers.reshaping.zero_padding3d import ZeroPadding3D  # noqa: E402
from lamina.layers.reshaping.cropping1d import Cropping1D  # noqa: E402
from lamina.layers.reshaping.cropping2d import Cropping2D  # noqa: E402
from lamina.layers.reshaping.cropping3d import Cropping3D  # noqa: E402
from lamina.layers.reshaping.up_sampling1d import UpSampling1D  # noqa: E402
from lamina.layers.reshaping.up_sampling2d import UpSampling2D  # noqa: E402
from lamina.layers.reshaping.up_sampling3d import UpSampling3D  # noqa: E402
from lamina.layers.merging.add import Add, add  # noqa: E402
from lamina.layers.merging.subtract import Subtract, subtract  # noqa: E402
from lamina.layers.merging.multiply import Multiply, multiply  # noqa: E402
from lamina.layers.merging.average import Average, average  # noqa: E402
from lamina.layers.merging.maximum import Maximum, maximum  # noqa: E402
from lamina.layers.merging.minimum import Minimum, minimum  # noqa: E402
from lamina.layers.merging.concatenate import Concatenate, concatenate  # noqa: E402
from lamina.layers.merging.dot import Dot, dot  # noqa: E402

__all__ += [
    "BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization",
    "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
    "GaussianDropout", "ActivityRegularization", "ZeroPadding1D", "ZeroPadding2D",
    "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D", "UpSampling1D", "UpSampling2D",
    "UpSampling3D", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
    "Concatenate", "Dot", "add", "subtract", "multiply", "average", "maximum", "minimum",
    "concatenate", "dot",
]

from lamina.layers.attention.attention import AdditiveAttention, Attention  # noqa: E402
from lamina.layers.attention.multi_head_attention import MultiHeadAttention  # noqa: E402

__all__ += ["Attention", "AdditiveAttention", "MultiHeadAttention"]

from lamina.layers.preprocessing.normalization import Normalization  # noqa: E402
from lamina.layers.preprocessing.rescaling import Rescaling  # noqa: E402
from lamina.layers.preprocessing.resizing import CenterCrop, Resizing  # noqa: E402
from lamina.layers.preprocessing.random_flip import RandomFlip  # noqa: E402
from lamina.layers.preprocessing.random_rotation import RandomRotation  # noqa: E402
from lamina.layers.preprocessing.random_zoom import RandomZoom  # noqa: E402

__all__ += ["Normalization", "Rescaling", "Resizing", "CenterCrop", "RandomFlip",
            "RandomRotation", "RandomZoom"]
