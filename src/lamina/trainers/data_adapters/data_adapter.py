"""The data adapter interface: turns user data into an iterator of batches."""

from __future__ import annotations


class DataAdapter:
    """Base class: `get_iterator()` yields one epoch of batches, each a tuple
    `(x,)`, `(x, y)` or `(x, y, sample_weight)` of lamina Tensors (or nested
    structures of them)."""

    def get_iterator(self):
        raise NotImplementedError

    @property
    def num_batches(self) -> int | None:
        """Batches per epoch, or None when unknown (a generator)."""
        return None

    @property
    def batch_size(self) -> int | None:
        return None

    @property
    def has_partial_batch(self) -> bool | None:
        return None

    @property
    def partial_batch_size(self) -> int | None:
        return None

    def on_epoch_begin(self) -> None:
        pass

    def on_epoch_end(self) -> None:
        pass
