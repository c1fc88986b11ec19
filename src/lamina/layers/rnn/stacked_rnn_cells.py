"""`StackedRNNCells`: several cells acting as one (each step feeds the next cell)."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.layer import Layer
from lamina.layers.rnn.rnn import build_sublayer
from lamina.saving import serialization_lib


def _sizes(state_size) -> list:
    return list(state_size) if isinstance(state_size, (list, tuple)) else [state_size]


@keras_export("keras.layers.StackedRNNCells")
class StackedRNNCells(Layer):
    """Wraps a list of RNN cells so that `RNN` runs them as a deep cell: at each
    step, cell k's output is cell k+1's input. The states are the cells' states,
    concatenated in order.

    Example:
    >>> cells = [lamina.layers.LSTMCell(8), lamina.layers.GRUCell(4)]
    >>> lamina.layers.RNN(StackedRNNCells(cells))(np.zeros((2, 5, 3), "float32")).shape
    (2, 4)
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        cells = list(cells)
        if not cells:
            raise ValueError("StackedRNNCells: expected a non-empty list of cells")
        for cell in cells:
            if not callable(getattr(cell, "call", None)) or not hasattr(cell, "state_size"):
                raise ValueError("All cells must have a `call` method and a `state_size` "
                                 f"attribute. Received: cell={cell!r}")
        self.cells = cells

    @property
    def state_size(self) -> list:
        return [s for cell in self.cells for s in _sizes(cell.state_size)]

    @property
    def output_size(self):
        last = self.cells[-1]
        if getattr(last, "output_size", None) is not None:
            return last.output_size
        return _sizes(last.state_size)[0]

    def get_initial_state(self, batch_size=None) -> list:
        from lamina.ops import zeros

        states = []
        for cell in self.cells:
            if hasattr(cell, "get_initial_state"):
                got = cell.get_initial_state(batch_size=batch_size)
                states.extend(got if isinstance(got, (list, tuple)) else [got])
            else:
                states.extend(zeros((batch_size, s), dtype=self.compute_dtype)
                              for s in _sizes(cell.state_size))
        return states

    def build(self, input_shape) -> None:
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                build_sublayer(self, cell, shape)
            size = getattr(cell, "output_size", None) or _sizes(cell.state_size)[0]
            shape = (shape[0],) + ((size,) if isinstance(size, int) else tuple(size))
        self.built = True

    def call(self, inputs, states, training=False):
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        new_states, pos, x = [], 0, inputs
        for cell in self.cells:
            n = len(_sizes(cell.state_size))
            own = states[pos:pos + n]
            pos += n
            kwargs = {"training": training} if getattr(cell, "_call_has_training", False) else {}
            x, cell_states = cell(x, own, **kwargs) if isinstance(cell, Layer) \
                else cell.call(x, own)
            new_states.extend(cell_states if isinstance(cell_states, (list, tuple))
                              else [cell_states])
        return x, new_states

    def reset_dropout_mask(self) -> None:
        for cell in self.cells:
            if hasattr(cell, "reset_dropout_mask"):
                cell.reset_dropout_mask()

    def reset_recurrent_dropout_mask(self) -> None:
        for cell in self.cells:
            if hasattr(cell, "reset_recurrent_dropout_mask"):
                cell.reset_recurrent_dropout_mask()

    def get_config(self) -> dict:
        config = super().get_config()
        config["cells"] = [serialization_lib.serialize_keras_object(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        config["cells"] = [serialization_lib.deserialize_keras_object(c)
                           for c in config["cells"]]
        return super().from_config(config)
