"""`GRUCell` and `GRU`: gated recurrent unit (Cho et al., 2014).

With the kernels split into Keras's gate order z (update), r (reset), h:

    z = σ(x W_z + b_z + h_{t-1} U_z (+ b'_z))
    r = σ(x W_r + b_r + h_{t-1} U_r (+ b'_r))
    reset_after=True  (default, cuDNN-compatible): ĥ = act(x W_h + b_h + r * (h_{t-1} U_h + b'_h))
    reset_after=False:                             ĥ = act(x W_h + b_h + (r * h_{t-1}) U_h)
    h_t = z * h_{t-1} + (1 - z) * ĥ

With reset_after the bias has shape (2, 3 * units): row 0 is the input bias b,
row 1 the recurrent bias b'. Otherwise it is (3 * units,).
"""

from __future__ import annotations

from lamina import activations
from lamina.api_export import keras_export
from lamina.layers.rnn.cell_base import RecurrentCell, cell_layer_config, cell_property
from lamina.layers.rnn.rnn import CellLayerRNN
from lamina.ops import add, matmul, multiply, split, subtract


@keras_export("keras.layers.GRUCell")
class GRUCell(RecurrentCell):
    """One step of a GRU; its state is `h`.

    Weights (Keras's layout, gates z, r, h): `kernel (input_dim, 3 * units)`,
    `recurrent_kernel (units, 3 * units)`, `bias (2, 3 * units)` with
    `reset_after=True` or `(3 * units,)` without.

    Args:
        units: positive int, the size of the output and state.
        activation: default "tanh"; recurrent_activation: default "sigmoid".
        reset_after: apply the reset gate after the recurrent matmul (Keras 3's
            default, True) or before it.
        use_bias, initializers (recurrent "orthogonal"), regularizers, constraints,
        dropout, recurrent_dropout, seed: as SimpleRNNCell.

    Example:
    >>> cell = GRUCell(3)
    >>> out, state = cell(np.ones((2, 4), "float32"), cell.get_initial_state(2))
    >>> out.shape
    (2, 3)
    """

    _gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, reset_after: bool = True, seed=None,
                 **kwargs):
        kwargs.pop("implementation", None)  # Keras's option; one path here
        super().__init__(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)

    def build(self, input_shape) -> None:
        self._add_kernels(self._input_dim(input_shape))
        self._add_bias((2, 3 * self.units) if self.reset_after else (3 * self.units,))
        self.built = True

    def _project(self, inputs, training):
        z = matmul(self._dropped_inputs(inputs, training), self.kernel.value)
        if self.bias is None:
            return z
        bias = self.bias.value
        return add(z, bias[0] if self.reset_after else bias)

    def _step_context(self, training) -> dict:
        context = super()._step_context(training)
        u = self.units
        kernel = self.recurrent_kernel.value
        if self.reset_after:
            context["recurrent_kernel"] = kernel
            context["recurrent_bias"] = self.bias.value[1] if self.bias is not None else None
        else:
            context["kernel_zr"] = kernel[:, :2 * u]
            context["kernel_h"] = kernel[:, 2 * u:]
        return context

    def _step(self, projected, states, context):
        h_prev = states[0]
        h_in = self._dropped_state(h_prev, context)
        x_z, x_r, x_h = split(projected, 3, axis=-1)
        rec = self.recurrent_activation
        if self.reset_after:
            inner = matmul(h_in, context["recurrent_kernel"])
            if context["recurrent_bias"] is not None:
                inner = add(inner, context["recurrent_bias"])
            r_z, r_r, r_h = split(inner, 3, axis=-1)
            z = rec(add(x_z, r_z))
            r = rec(add(x_r, r_r))
            candidate = self.activation(add(x_h, multiply(r, r_h)))
        else:
            r_z, r_r = split(matmul(h_in, context["kernel_zr"]), 2, axis=-1)
            z = rec(add(x_z, r_z))
            r = rec(add(x_r, r_r))
            candidate = self.activation(add(x_h, matmul(multiply(r, h_in), context["kernel_h"])))
        # h = z * h_prev + (1 - z) * candidate, written as candidate + z * (h_prev - candidate)
        h = add(candidate, multiply(z, subtract(h_prev, candidate)))
        return h, [h]

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(cell_layer_config(self))
        return config


@keras_export("keras.layers.GRU")
class GRU(CellLayerRNN):
    """Gated Recurrent Unit layer (Cho et al. 2014).

    Takes GRUCell's arguments (`reset_after=True` by default, as Keras 3) and RNN's
    (`return_sequences`, `return_state`, `go_backwards`, `stateful`, `unroll`),
    plus `activity_regularizer`. `use_cudnn` is accepted and ignored.

    Example:
    >>> out, state = GRU(4, return_state=True)(np.zeros((32, 10, 8), "float32"))
    >>> out.shape, state.shape
    ((32, 4), (32, 4))
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 reset_after: bool = True, use_cudnn="auto", **kwargs):
        kwargs.pop("implementation", None)
        cell = GRUCell(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, reset_after=reset_after,
            seed=seed, dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
            name="gru_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.use_cudnn = use_cudnn

    units = cell_property("units")
    activation = cell_property("activation")
    recurrent_activation = cell_property("recurrent_activation")
    use_bias = cell_property("use_bias")
    reset_after = cell_property("reset_after")
    dropout = cell_property("dropout")
    recurrent_dropout = cell_property("recurrent_dropout")
