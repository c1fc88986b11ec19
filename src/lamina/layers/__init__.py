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
