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
from lamina.saving import serialization_lib as _serialization_lib

__all__ = [
    "Layer", "InputSpec", "Input", "InputLayer", "Dense", "Identity", "Lambda", "Activation",
    "Flatten", "Reshape", "Permute", "RepeatVector", "Dropout", "serialize", "deserialize",
]


def serialize(layer) -> dict:
    """A layer's config in Keras's format (`serialize_keras_object`)."""
    return _serialization_lib.serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """Rebuilds a layer from `serialize`'s output."""
    return _serialization_lib.deserialize_keras_object(config, custom_objects=custom_objects)

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
