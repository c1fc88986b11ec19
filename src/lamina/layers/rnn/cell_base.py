"""The shared part of the built-in recurrent cells (SimpleRNNCell, LSTMCell, GRUCell).

A built-in cell splits one step into two halves, so that an RNN layer can do the
input half for every step with one matmul:

- `_project(inputs, training)`: `inputs @ kernel (+ input bias)`, with the input
  dropout mask applied; `inputs` may be one step `(batch, d)` or a whole
  sequence `(batch, time, d)`;
- `_step_context(training)`: what every step reads (weights read once per
  sequence, the recurrent dropout flag);
- `_step(projected, states, context)`: the recurrent half, `(output, new_states)`.

`call(inputs, states, training)` (Keras's cell API) is the two halves for one step.
"""

from __future__ import annotations

from lamina import activations, constraints, initializers, regularizers
from lamina.backend import dtypes
from lamina.layers.layer import Layer
from lamina.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from lamina.ops import expand_dims, multiply, zeros


class RecurrentCell(DropoutRNNCell, Layer):
    """Base of the built-in cells: argument checks, weights' settings, config."""

    _gates = 1  # the kernel has `_gates * units` columns

    def __init__(self, units, activation="tanh", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        Layer.__init__(self, **kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError("Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units!r}.")
        if not dtypes.is_float(self.dtype):
            raise TypeError(f"{type(self).__name__}: a recurrent cell needs a float dtype, "
                            f"got {self.dtype}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._init_dropout(dropout, recurrent_dropout, seed)

    # ------------------------------------------------------------ sizes
    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self) -> int:
        return self.units

    def get_initial_state(self, batch_size=None) -> list:
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) \
            else [self.state_size]
        return [zeros((batch_size, s), dtype=self.compute_dtype) for s in sizes]

    # ----------------------------------------------------------- weights
    def _input_dim(self, input_shape) -> int:
        input_dim = input_shape[-1] if len(input_shape) else None
        if input_dim is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': the last dimension of the "
                             f"input must be known, got input shape {tuple(input_shape)}")
        return int(input_dim)

    def _add_kernels(self, input_dim: int, recurrent_cols: int | None = None) -> None:
        cols = self._gates * self.units
        self.kernel = self.add_weight(
            name="kernel", shape=(input_dim, cols), initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel", shape=(self.units, recurrent_cols or cols),
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)

    def _add_bias(self, shape, initializer=None) -> None:
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=shape, initializer=initializer or self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    # -------------------------------------------------------------- step
    def _dropped_inputs(self, inputs, training):
        if not training or not 0.0 < self.dropout:
            return inputs
        step = inputs if inputs.ndim == 2 else inputs[:, 0]
        mask = self.get_dropout_mask(step)
        if inputs.ndim == 3:
            mask = expand_dims(mask, 1)
        return multiply(inputs, mask)

    def _dropped_state(self, h, context):
        if not context["recurrent_dropout"]:
            return h
        return multiply(h, self.get_recurrent_dropout_mask(h))

    def _step_context(self, training) -> dict:
        return {"recurrent_dropout": bool(training) and self.recurrent_dropout > 0}

    def call(self, inputs, states, training=False):
        nested = isinstance(states, (list, tuple))
        state_list = list(states) if nested else [states]
        output, new_states = self._step(self._project(inputs, training), state_list,
                                        self._step_context(training))
        if not nested and len(new_states) == 1:
            return output, new_states[0]
        return output, new_states

    def _project(self, inputs, training):
        raise NotImplementedError

    def _step(self, projected, states, context):
        raise NotImplementedError

    # ------------------------------------------------------------ config
    def _base_cell_config(self) -> dict:
        return {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


def cell_property(name: str) -> property:
    """A read-only attribute of an RNN layer that reads its cell's (`lstm.units`)."""
    return property(lambda self: getattr(self.cell, name),
                    doc=f"The cell's `{name}`.")


def cell_layer_config(cell: RecurrentCell) -> dict:
    """The cell's arguments, as the RNN layer that wraps it reports them."""
    config = cell._base_cell_config()
    if hasattr(cell, "recurrent_activation"):
        config["recurrent_activation"] = activations.serialize(cell.recurrent_activation)
    for key in ("unit_forget_bias", "reset_after"):
        if hasattr(cell, key):
            config[key] = getattr(cell, key)
    return config
