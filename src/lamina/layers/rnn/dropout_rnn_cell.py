"""`DropoutRNNCell`: the per-sequence dropout masks of recurrent cells.

As in Keras, a recurrent cell drops the same input features and the same state
units at every step of a sequence: the masks are drawn once, on the first step,
and kept until the RNN layer calls `reset_dropout_mask()` before the next
sequence.
"""

from __future__ import annotations

from lamina import random
from lamina.ops import ones_like


class DropoutRNNCell:
    """Mixin for cells with `dropout`, `recurrent_dropout` and `seed_generator`."""

    def _init_dropout(self, dropout, recurrent_dropout, seed) -> None:
        for name, value in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not 0.0 <= value <= 1.0:
                raise ValueError(f"{type(self).__name__}: `{name}` must be a float in [0, 1], "
                                 f"got {value!r}")
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self._dropout_mask = None
        self._recurrent_dropout_mask = None

    def _mask(self, like, rate):
        if rate >= 1.0:
            return ones_like(like) * 0.0
        return random.dropout(ones_like(like), rate, seed=self.seed_generator)

    def get_dropout_mask(self, step_input):
        """The input dropout mask (0 or 1/(1-rate)) for this sequence."""
        if self._dropout_mask is None and self.dropout > 0:
            self._dropout_mask = self._mask(step_input, self.dropout)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, step_input):
        """The recurrent-state dropout mask for this sequence."""
        if self._recurrent_dropout_mask is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._mask(step_input, self.recurrent_dropout)
        return self._recurrent_dropout_mask

    def reset_dropout_mask(self) -> None:
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self) -> None:
        self._recurrent_dropout_mask = None
