"""`LSTMCell` and `LSTM`: long short-term memory (Hochreiter & Schmidhuber, 1997).

With `z = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias` split into four
blocks in Keras's gate order i, f, c, o:

    i = σ(z_i)   f = σ(z_f)   o = σ(z_o)      (σ = recurrent_activation)
    c_t = f * c_{t-1} + i * act(z_c)           (act = activation)
    h_t = o * act(c_t)
"""

from __future__ import annotations

from lamina import activations
from lamina.api_export import keras_export
from lamina.layers.rnn.cell_base import RecurrentCell, cell_layer_config, cell_property
from lamina.layers.rnn.rnn import CellLayerRNN
from lamina.ops import add, concatenate, matmul, multiply, ones, split


class _UnitForgetBias:
    """Bias initializer: `bias_initializer` for i, c, o and ones for the forget gate."""

    def __init__(self, initializer, units: int):
        self.initializer = initializer
        self.units = units

    def __call__(self, shape, dtype=None):
        from lamina.ops import convert_to_tensor

        u = self.units
        return concatenate([
            convert_to_tensor(self.initializer((u,), dtype=dtype), dtype=dtype),
            ones((u,), dtype=dtype),
            convert_to_tensor(self.initializer((2 * u,), dtype=dtype), dtype=dtype),
        ])


@keras_export("keras.layers.LSTMCell")
class LSTMCell(RecurrentCell):
    """One step of an LSTM; its state is `[h, c]`.

    Weights (Keras's layout, gates i, f, c, o): `kernel (input_dim, 4 * units)`,
    `recurrent_kernel (units, 4 * units)`, `bias (4 * units,)`.

    Args:
        units: positive int, the size of the output and of each state.
        activation: default "tanh" (for the candidate and the output).
        recurrent_activation: default "sigmoid" (for the gates).
        unit_forget_bias: initialize the forget gate's bias to 1 (and the rest
            with `bias_initializer`).
        use_bias, initializers (recurrent "orthogonal"), regularizers, constraints,
        dropout, recurrent_dropout, seed: as SimpleRNNCell.

    Example:
    >>> cell = LSTMCell(3)
    >>> out, (h, c) = cell(np.ones((2, 4), "float32"), cell.get_initial_state(2))
    >>> out.shape, c.shape
    ((2, 3), (2, 3))
    """

    _gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        implementation = kwargs.pop("implementation", 2)  # Keras's option; one path here
        del implementation
        super().__init__(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self) -> list:
        return [self.units, self.units]

    def build(self, input_shape) -> None:
        self._add_kernels(self._input_dim(input_shape))
        init = _UnitForgetBias(self.bias_initializer, self.units) if self.unit_forget_bias \
            else None
        self._add_bias((4 * self.units,), init)
        self.built = True

    def _project(self, inputs, training):
        z = matmul(self._dropped_inputs(inputs, training), self.kernel.value)
        return add(z, self.bias.value) if self.bias is not None else z

    def _step_context(self, training) -> dict:
        context = super()._step_context(training)
        context["recurrent_kernel"] = self.recurrent_kernel.value
        return context

    def _step(self, projected, states, context):
        h_prev, c_prev = states[0], states[1]
        z = add(projected, matmul(self._dropped_state(h_prev, context),
                                  context["recurrent_kernel"]))
        z_i, z_f, z_c, z_o = split(z, 4, axis=-1)
        act, rec = self.activation, self.recurrent_activation
        c = add(multiply(rec(z_f), c_prev), multiply(rec(z_i), act(z_c)))
        h = multiply(rec(z_o), act(c))
        return h, [h, c]

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(cell_layer_config(self))
        return config


@keras_export("keras.layers.LSTM")
class LSTM(CellLayerRNN):
    """Long Short-Term Memory layer (Hochreiter 1997).

    Takes LSTMCell's arguments and RNN's (`return_sequences`, `return_state`,
    `go_backwards`, `stateful`, `unroll`), plus `activity_regularizer`. With
    `return_state=True` it returns `[output, h, c]`. `use_cudnn` is accepted and
    ignored.

    Example:
    >>> lstm = LSTM(4, return_sequences=True, return_state=True)
    >>> seq, h, c = lstm(np.zeros((32, 10, 8), "float32"))
    >>> seq.shape, h.shape, c.shape
    ((32, 10, 4), (32, 4), (32, 4))
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, use_cudnn="auto", **kwargs):
        kwargs.pop("implementation", None)
        cell = LSTMCell(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True), name="lstm_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.use_cudnn = use_cudnn

    units = cell_property("units")
    activation = cell_property("activation")
    recurrent_activation = cell_property("recurrent_activation")
    use_bias = cell_property("use_bias")
    unit_forget_bias = cell_property("unit_forget_bias")
    dropout = cell_property("dropout")
    recurrent_dropout = cell_property("recurrent_dropout")

