"""`RNN`: runs a recurrent cell over the time axis of `(batch, time, features)` inputs.

The loop runs in Python, one step at a time, on native ops. For the built-in cells
(`RecurrentCell`), the input half of every step (`x @ kernel + bias`) is one matmul
over the whole sequence before the loop; each step then does only the recurrent
matmul and the gates.

Masking follows Keras: at a masked step the states keep their previous values and
the output repeats the previous output (zeros before the first unmasked step, or
always zeros with `zero_output_for_mask=True`).
"""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.backend.variable import Variable
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer, _scope
from lamina.layers.rnn.cell_base import RecurrentCell, cell_layer_config
from lamina.ops import (cast, expand_dims, flip, reshape, stack, transpose, unstack, where,
                        zeros, zeros_like)
from lamina.saving import serialization_lib


def _state_shapes(state_size) -> list[tuple]:
    """A cell's `state_size` (an int, a shape, or a list of them) as a list of shapes."""
    if isinstance(state_size, int):
        return [(state_size,)]
    if isinstance(state_size, (list, tuple)):
        if state_size and all(isinstance(s, int) for s in state_size) \
                and isinstance(state_size, tuple) and len(state_size) > 1:
            return [tuple(state_size)]  # one multi-dimensional state
        return [(s,) if isinstance(s, int) else tuple(s) for s in state_size]
    raise ValueError(f"RNN: unsupported cell state_size {state_size!r}")


def build_sublayer(parent: Layer, sublayer: Layer, input_shape) -> None:
    """Builds `sublayer` inside `parent`'s name scope (so its weights get paths
    like "lstm/lstm_cell/kernel"), also when `parent.build` is called directly."""
    scope = _scope()
    push = not scope or scope[-1] != parent.name
    if push:
        scope.append(parent.name)
    try:
        sublayer._build(input_shape)
    finally:
        if push:
            scope.pop()


def _as_list(x) -> list:
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


@keras_export("keras.layers.RNN")
class RNN(Layer):
    """Base class for recurrent layers: applies `cell` to each time step.

    Args:
        cell: an RNN cell (a layer with `call(inputs, states)` returning
            `(output, new_states)` and a `state_size` attribute), or a list of
            cells (stacked with `StackedRNNCells`).
        return_sequences: return every step's output `(batch, time, units)`
            rather than the last one `(batch, units)`.
        return_state: also return the final states: `[output, *states]`.
        go_backwards: process the sequence in reverse (the returned sequence is
            in processing order, as Keras).
        stateful: keep each batch's final states as the next batch's initial
            states (sample i of a batch continues sample i of the previous one);
            `reset_state()` zeroes them. Needs a fixed batch size.
        unroll: accepted for Keras compatibility (the loop always runs step by step).
        zero_output_for_mask: masked steps output zeros instead of the previous output.

    Call arguments: `sequences`, `initial_state` (a list of state tensors),
    `mask` (bool `(batch, time)`), `training`.

    Example:
    >>> layer = RNN(lamina.layers.LSTMCell(4), return_sequences=True)
    >>> layer(np.zeros((2, 5, 3), "float32")).shape
    (2, 5, 4)
    """

    def __init__(self, cell, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, **kwargs):
        if isinstance(cell, (list, tuple)):
            from lamina.layers.rnn.stacked_rnn_cells import StackedRNNCells

            cell = StackedRNNCells(cell)
        if not callable(getattr(cell, "call", None)) or not hasattr(cell, "state_size"):
            raise ValueError("Argument `cell` should have a `call` method and a `state_size` "
                             f"attribute. Received: cell={cell!r}")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)
        object.__setattr__(self, "states", None)  # stateful states: not weights (Keras)

    # ------------------------------------------------------------- sizes
    @property
    def state_size(self):
        return self.cell.state_size

    def _state_shapes(self) -> list[tuple]:
        return _state_shapes(self.cell.state_size)

    def _output_size(self) -> tuple:
        size = getattr(self.cell, "output_size", None)
        if size is None:
            return self._state_shapes()[0]
        return (size,) if isinstance(size, int) else tuple(size)

    def get_initial_state(self, batch_size) -> list:
        """Zero states for a batch of `batch_size` (the cell's own, when it has them)."""
        if hasattr(self.cell, "get_initial_state"):
            return _as_list(self.cell.get_initial_state(batch_size=batch_size))
        return [zeros((batch_size,) + s, dtype=self.compute_dtype) for s in self._state_shapes()]

    # ------------------------------------------------------------- build
    def build(self, sequences_shape, initial_state_shape=None) -> None:
        sequences_shape = tuple(sequences_shape)
        if len(sequences_shape) < 3:
            raise ValueError(f"{type(self).__name__} '{self.name}': expected inputs of shape "
                             f"(batch, time, features), got shape {sequences_shape}")
        step_shape = (sequences_shape[0],) + sequences_shape[2:]
        if isinstance(self.cell, Layer) and not self.cell.built:
            build_sublayer(self, self.cell, step_shape)
        if self.stateful and self.states is None and sequences_shape[0] is not None:
            self._create_state_variables(sequences_shape[0])
        self.built = True

    def _create_state_variables(self, batch_size: int) -> None:
        states = [Variable(s, trainable=False, dtype=self.variable_dtype, name="rnn_state")
                  for s in self.get_initial_state(batch_size)]
        object.__setattr__(self, "states", states)

    def reset_state(self) -> None:
        """Zeroes the states of a stateful layer."""
        for v in self.states or []:
            v.assign(zeros_like(v.value))

    def reset_states(self) -> None:
        """Alias of `reset_state` (Keras's older name)."""
        self.reset_state()

    # -------------------------------------------------------------- call
    def call(self, sequences, initial_state=None, mask=None, training=False):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        batch, time = sequences.shape[0], sequences.shape[1]
        if time == 0:
            raise ValueError(f"{type(self).__name__} '{self.name}': the input has no time "
                             f"steps (shape {tuple(sequences.shape)})")
        initial_state = self._initial_state(initial_state, batch)
        if hasattr(self.cell, "reset_dropout_mask"):
            self.cell.reset_dropout_mask()
            self.cell.reset_recurrent_dropout_mask()
        last, outputs, states = self._loop(sequences, initial_state, mask, training)
        if self.stateful:
            for variable, value in zip(self.states, states):
                variable.assign(value)
        output = outputs if self.return_sequences else last
        if not self.return_state:
            return output
        if mask is not None and self.return_sequences:
            output._keras_mask = mask
        return [output] + list(states)

    def _initial_state(self, initial_state, batch) -> list:
        shapes = self._state_shapes()
        if initial_state is None and self.stateful:
            if self.states is None:
                self._create_state_variables(batch)
            if tuple(self.states[0].shape)[0] != batch:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}' is stateful with batch size "
                    f"{self.states[0].shape[0]}, but received a batch of {batch} samples; a "
                    "stateful RNN needs the same batch size on every call")
            return [v.value for v in self.states]
        if initial_state is None:
            return self.get_initial_state(batch)
        states = _as_list(initial_state)
        if len(states) != len(shapes):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': initial_state should be a list of "
                f"{len(shapes)} tensor(s) of shapes {[(batch,) + s for s in shapes]}, got "
                f"{len(states)} tensor(s)")
        for state, shape in zip(states, shapes):
            if tuple(state.shape) != (batch,) + shape:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': an initial state has shape "
                    f"{tuple(state.shape)}, expected {(batch,) + shape}")
        return [cast(s, self.compute_dtype) if s.dtype != self.compute_dtype else s
                for s in states]

    def _loop(self, sequences, states, mask, training):
        """(last output, stacked outputs or None, final states)."""
        if self.go_backwards:
            sequences = flip(sequences, 1)
            if mask is not None:
                mask = flip(mask, 1)
        fast = isinstance(self.cell, RecurrentCell)
        if fast:
            inputs = self.cell._project(sequences, training)
            context = self.cell._step_context(training)
        else:
            inputs = sequences
        steps = unstack(transpose(inputs, (1, 0) + tuple(range(2, inputs.ndim))))
        step_masks = None
        if mask is not None:
            if mask.dtype != "bool":
                mask = cast(mask, "bool")
            step_masks = unstack(transpose(expand_dims(mask, -1), (1, 0, 2)))
        outputs, prev = [], None
        for t, x in enumerate(steps):
            if fast:
                out, new_states = self.cell._step(x, states, context)
            else:
                out, new_states = self._cell_step(x, states, training)
            if step_masks is not None:
                m = step_masks[t]
                new_states = [where(_broadcastable(m, n), n, s)
                              for n, s in zip(new_states, states)]
                if prev is None or self.zero_output_for_mask:
                    prev = zeros_like(out)
                out = where(_broadcastable(m, out), out, prev)
            states, prev = new_states, out
            if self.return_sequences:
                outputs.append(out)
        seq = stack(outputs, axis=1) if self.return_sequences else None
        return prev, seq, states

    def _cell_step(self, x, states, training):
        cell = self.cell
        if isinstance(cell, Layer):
            kwargs = {"training": training} if cell._call_has_training else {}
            out, new_states = cell(x, states, **kwargs)
        else:
            out, new_states = cell.call(x, states)
        new_states = _as_list(new_states)
        if len(new_states) != len(states):
            raise ValueError(f"RNN '{self.name}': the cell returned {len(new_states)} states, "
                             f"but its state_size describes {len(states)}")
        return out, new_states

    # ------------------------------------------------------------ shapes
    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        batch = sequences_shape[0]
        out = self._output_size()
        output_shape = (batch, sequences_shape[1]) + out if self.return_sequences \
            else (batch,) + out
        if self.return_state:
            return [output_shape] + [(batch,) + s for s in self._state_shapes()]
        return output_shape

    def compute_output_spec(self, sequences, initial_state=None, mask=None, training=None):
        out = Layer.compute_output_spec(self, sequences)
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if isinstance(out, list) and mask is not None and self.return_sequences:
            out[0]._keras_mask = mask
        return out

    def compute_mask(self, inputs, previous_mask=None):
        if isinstance(previous_mask, (list, tuple)):
            previous_mask = previous_mask[0]
        output_mask = previous_mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self._state_shapes())
        return output_mask

    # ------------------------------------------------------------ config
    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "cell": serialization_lib.serialize_keras_object(self.cell),
        })
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if "cell" in config:
            config["cell"] = serialization_lib.deserialize_keras_object(config["cell"])
        return super().from_config(config)


class CellLayerRNN(RNN):
    """Base of SimpleRNN, LSTM and GRU: layers that build their own cell and report
    the cell's arguments as their own in the config (no nested "cell"), as Keras."""

    def get_config(self) -> dict:
        from lamina import regularizers

        config = super().get_config()
        del config["cell"]
        config.update(cell_layer_config(self.cell))
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config


def _broadcastable(mask, x):
    """A `(batch, 1)` step mask shaped to broadcast against `x`."""
    if x.ndim == 2:
        return mask
    return reshape(mask, (mask.shape[0],) + (1,) * (x.ndim - 1))
