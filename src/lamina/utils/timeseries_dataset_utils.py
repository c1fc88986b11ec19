"""keras.utils.timeseries_dataset_from_array, yielding NumPy batches."""

from __future__ import annotations

import operator
from typing import Iterator, Union

import numpy as np
from numpy.typing import ArrayLike

from lamina.utils.validation import (
    argument_error,
    validate_array,
    validate_bool,
    validate_int,
)

__all__ = ["TimeseriesDataset", "timeseries_dataset_from_array"]

_WHERE = "timeseries_dataset_from_array"

Batch = Union[np.ndarray, tuple[np.ndarray, np.ndarray]]


class TimeseriesDataset:
    """Batches of sliding windows over a timeseries (from `timeseries_dataset_from_array`).

    A sequence of batches in the manner of Keras's `PyDataset`: `len(ds)` is the number of
    batches, `ds[i]` is batch i, `(x, y)` or just `x` when there are no targets, and
    iteration yields the batches in order. `x` has shape
    `(batch, sequence_length) + data.shape[1:]` and `y` `(batch,) + targets.shape[1:]`;
    with `batch_size=None` items are single windows (no batch axis). With shuffling,
    `on_epoch_end()` draws a new window order (reproducible from the seed).
    """

    def __init__(
        self,
        data: np.ndarray,
        targets: np.ndarray | None,
        starts: np.ndarray,
        sequence_length: int,
        sampling_rate: int,
        batch_size: int | None,
        shuffle: bool = False,
        seed: int | None = None,
    ):
        self._data = data
        self._targets = targets
        self._starts = np.array(starts, dtype=np.int64)
        self._offsets = np.arange(sequence_length, dtype=np.int64) * sampling_rate
        self._batch_size = batch_size
        self._rng = np.random.default_rng(seed) if shuffle else None
        self.on_epoch_end()

    @property
    def batch_size(self) -> int | None:
        return self._batch_size

    @property
    def num_samples(self) -> int:
        """The number of windows."""
        return len(self._starts)

    @property
    def num_batches(self) -> int:
        return len(self)

    @property
    def start_positions(self) -> np.ndarray:
        """Index in `data` of each window's first step, in the current order (a copy)."""
        return self._starts.copy()

    def __len__(self) -> int:
        if self._batch_size is None:
            return self.num_samples
        return -(-self.num_samples // self._batch_size)

    def __getitem__(self, index: int) -> Batch:
        index = self._checked_index(index)
        if self._batch_size is None:
            starts = self._starts[index]
        else:
            starts = self._starts[index * self._batch_size:(index + 1) * self._batch_size]
        x = self._data[np.add.outer(starts, self._offsets)]
        if self._targets is None:
            return x
        return x, self._targets[starts]

    def _checked_index(self, index: int) -> int:
        index = operator.index(index)
        size = len(self)
        if not -size <= index < size:
            raise IndexError(f"TimeseriesDataset index {index} out of range for {size} batches")
        return index % size

    def __iter__(self) -> Iterator[Batch]:
        for index in range(len(self)):
            yield self[index]

    def on_epoch_end(self) -> None:
        """Reshuffles the windows when the dataset was made with `shuffle=True`."""
        if self._rng is not None:
            self._rng.shuffle(self._starts)

    def __repr__(self) -> str:
        return (f"TimeseriesDataset(num_samples={self.num_samples}, "
                f"batch_size={self._batch_size}, num_batches={len(self)})")


@validate_int("end_index", min_value=1, allow_none=True)
@validate_int("start_index", min_value=0, allow_none=True)
@validate_int("seed", min_value=0, allow_none=True)
@validate_bool("shuffle")
@validate_int("batch_size", min_value=1, allow_none=True)
@validate_int("sampling_rate", min_value=1)
@validate_int("sequence_stride", min_value=1)
@validate_int("sequence_length", min_value=1)
@validate_array("targets", dtype_kind="numeric", min_ndim=1, allow_none=True)
@validate_array("data", dtype_kind="numeric", min_ndim=1)
def timeseries_dataset_from_array(
    data: ArrayLike,
    targets: ArrayLike | None,
    sequence_length: int,
    sequence_stride: int = 1,
    sampling_rate: int = 1,
    batch_size: int | None = 128,
    shuffle: bool = False,
    seed: int | None = None,
    start_index: int | None = None,
    end_index: int | None = None,
) -> TimeseriesDataset:
    """Sliding windows over `data` (axis 0 is time), batched, with optional targets.

    Windows start at `start_index + p` for p = 0, s, 2s, ... (s = `sequence_stride`) and
    take the steps `start + k * sampling_rate`, k < `sequence_length`; a window must end
    before `end_index` (exclusive). The window starting at index i pairs with `targets[i]`.
    `shuffle=True` permutes the windows (reproducible with `seed`).

    Differences from Keras: a `TimeseriesDataset` of NumPy batches instead of a
    `tf.data.Dataset` (the shuffle order differs for the same seed); `end_index` may equal
    `len(data)`; windows whose target would lie past the end of `targets` are dropped.

    >>> ds = timeseries_dataset_from_array(np.arange(10), None, sequence_length=3,
    ...                                    sequence_stride=3, batch_size=2)
    >>> [b.tolist() for b in ds]
    [[[0, 1, 2], [3, 4, 5]], [[6, 7, 8]]]
    """
    start, end = _checked_bounds(len(data), start_index, end_index)
    _check_steps(len(data), sequence_stride, sampling_rate)
    count = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        count = min(count, len(targets) - start)
    starts = start + np.arange(0, max(count, 0), sequence_stride, dtype=np.int64)
    return TimeseriesDataset(data, targets, starts, sequence_length, sampling_rate,
                             batch_size, shuffle=shuffle, seed=seed)


def _checked_bounds(length: int, start_index: int | None,
                    end_index: int | None) -> tuple[int, int]:
    start = 0 if start_index is None else start_index
    end = length if end_index is None else end_index
    if start >= length:
        raise argument_error(
            _WHERE, "start_index",
            f"must be lower than the length of `data` ({length}); received {start}.",
        )
    if end <= start:
        raise argument_error(
            _WHERE, "end_index", f"must be higher than `start_index` ({start}); received {end}."
        )
    if end > length:
        raise argument_error(
            _WHERE, "end_index",
            f"must be at most the length of `data` ({length}); received {end}.",
        )
    return start, end


def _check_steps(length: int, sequence_stride: int, sampling_rate: int) -> None:
    """Keras rejects a stride or sampling rate not lower than the length of the data."""
    for name, step in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if step >= length:
            raise argument_error(
                _WHERE, name,
                f"must be lower than the length of `data` ({length}); received {step}.",
            )
