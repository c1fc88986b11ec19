"""`SimpleRNNCell` and `SimpleRNN`: `h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)`."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.rnn.cell_base import RecurrentCell, cell_property
from lamina.layers.rnn.rnn import CellLayerRNN
from lamina.ops import add, matmul


@keras_export("keras.layers.SimpleRNNCell")
class SimpleRNNCell(RecurrentCell):
    """One step of a fully-connected RNN whose output is its state.

    Weights (Keras's layout): `kernel (input_dim, units)`, `recurrent_kernel
    (units, units)`, `bias (units,)`.

    Args:
        units: positive int, the size of the output and state.
        activation: default "tanh".
        use_bias, kernel_initializer ("glorot_uniform"), recurrent_initializer
            ("orthogonal"), bias_initializer ("zeros"), *_regularizer,
            *_constraint: as Dense.
        dropout, recurrent_dropout: fractions of the inputs / of the state dropped
            in training (one mask per sequence).
        seed: an int for reproducible dropout.

    Example:
    >>> cell = SimpleRNNCell(3)
    >>> out, state = cell(np.ones((2, 4), "float32"), [np.zeros((2, 3), "float32")])
    >>> out.shape
    (2, 3)
    """

    def build(self, input_shape) -> None:
        self._add_kernels(self._input_dim(input_shape))
        self._add_bias((self.units,))
        self.built = True

    def _project(self, inputs, training):
        z = matmul(self._dropped_inputs(inputs, training), self.kernel.value)
        return add(z, self.bias.value) if self.bias is not None else z

    def _step_context(self, training) -> dict:
        context = super()._step_context(training)
        context["recurrent_kernel"] = self.recurrent_kernel.value
        return context

    def _step(self, projected, states, context):
        h = self._dropped_state(states[0], context)
        out = self.activation(add(projected, matmul(h, context["recurrent_kernel"])))
        return out, [out]

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(self._base_cell_config())
        return config


@keras_export("keras.layers.SimpleRNN")
class SimpleRNN(CellLayerRNN):
    """Fully-connected RNN where the output is fed back as the next step's input state.

    Takes SimpleRNNCell's arguments and RNN's (`return_sequences`, `return_state`,
    `go_backwards`, `stateful`, `unroll`), plus `activity_regularizer`.

    Example:
    >>> SimpleRNN(4)(np.zeros((32, 10, 8), "float32")).shape
    (32, 4)
    """

    def __init__(self, units, activation="tanh", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, seed=None, **kwargs):
        cell = SimpleRNNCell(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True), name="simple_rnn_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)

    units = cell_property("units")
    activation = cell_property("activation")
    use_bias = cell_property("use_bias")
    dropout = cell_property("dropout")
    recurrent_dropout = cell_property("recurrent_dropout")
