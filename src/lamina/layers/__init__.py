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
