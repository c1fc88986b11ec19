"""Batches from in-memory arrays (NumPy arrays, Tensors, lists; nested in tuples,
lists or dicts). The data is converted to lamina Tensors once; each batch is then
gathered by the native core (the native take for shuffled indices, a contiguous slice
otherwise)."""

from __future__ import annotations

import math

import numpy as np

from lamina.backend import dtypes
from lamina.backend.native import _core
from lamina.backend.tensor import Tensor
from lamina.ops import any as any_, convert_to_tensor, isnan
from lamina.trainers.data_adapters import data_adapter_utils as utils
from lamina.trainers.data_adapters.data_adapter import DataAdapter


def _to_tensor(a, where: str) -> Tensor:
    if isinstance(a, Tensor):
        t = a
    else:
        arr = np.asarray(a)
        if arr.dtype.kind not in "biuf":
            raise ValueError(
                f"{where}: expected numeric arrays, got an array of dtype {arr.dtype} with shape "
                f"{arr.shape}"
            )
        if arr.dtype.kind == "f" and arr.dtype != np.float32:
            arr = arr.astype(dtypes.FLOATX)  # Keras casts float data to floatx
        if arr.flags.c_contiguous and arr.flags.aligned and arr.dtype in dtypes.NAME_OF \
                and arr.dtype.isnative:
            # Read where it is, through a read-only view (no copy of a data set that may
            # be gigabytes): as in Keras, the batches are the array's rows at the time
            # they are drawn.
            view = arr.view()
            view.flags.writeable = False
            t = Tensor(view)
        else:
            t = convert_to_tensor(arr)
    if t.ndim == 0:
        raise ValueError(f"{where}: expected arrays with a batch dimension, got a scalar")
    if dtypes.is_float(t.dtype) and t.size and _has_nan(t):
        raise ValueError(
            f"{where}: the data contains NaN values (an array of shape {tuple(t.shape)}); "
            "remove or impute them before training"
        )
    return t


def _has_nan(t: Tensor) -> bool:
    # One pass without temporaries: a NaN anywhere makes the sum NaN (so do +inf and
    # -inf together, for which the exact test decides). 60,000 x 784: 6 ms, not 31.
    total = _core.reduce(_core.REDUCE_OPS["sum"], t._value.reshape(-1), [0])
    return bool(np.isnan(total)) and bool(any_(isnan(t)))


class ArrayDataAdapter(DataAdapter):
    """Adapter for array data.

    Args:
        x, y, sample_weight: arrays or nested structures of arrays with a shared
            first dimension.
        batch_size: samples per batch (default 32).
        shuffle: True (reshuffle every epoch), False, or "batch" (shuffle the
            order of batches, keeping each batch contiguous).
        class_weight: {class index: weight}, turned into sample weights.
        steps: batches per epoch (default: ceil(samples / batch_size)).
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size: int | None = None,
                 shuffle=False, class_weight: dict | None = None, steps: int | None = None,
                 where: str = "fit"):
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer))
                                       or batch_size < 1):
            raise ValueError(f"{where}: batch_size must be a positive int, got {batch_size!r}")
        if shuffle not in (True, False, "batch"):
            raise ValueError(f"{where}: shuffle must be True, False or 'batch', got {shuffle!r}")
        if class_weight is not None:
            if y is None or isinstance(y, (dict, list, tuple)):
                raise ValueError(f"{where}: class_weight needs a single target array y")
            cw = utils.class_weight_to_sample_weights(y, class_weight)
            sample_weight = cw if sample_weight is None else np.asarray(sample_weight) * cw
        self._x = utils.map_structure(lambda a: _to_tensor(a, where), x)
        self._y = None if y is None else utils.map_structure(lambda a: _to_tensor(a, where), y)
        self._sw = None if sample_weight is None else _to_tensor(sample_weight, where)
        leaves = utils.flatten(self._x) + utils.flatten(self._y) + [self._sw]
        self._size = utils.num_samples([a for a in leaves if a is not None], where)
        if self._size == 0:
            raise ValueError(f"{where}: the data is empty (0 samples)")
        self._batch_size = int(batch_size or min(32, self._size))
        self._shuffle = shuffle
        self._steps = steps
        if steps is not None and (not isinstance(steps, int) or steps < 1):
            raise ValueError(f"{where}: steps must be a positive int, got {steps!r}")

    @property
    def num_batches(self) -> int:
        if self._steps is not None:
            return self._steps
        return max(math.ceil(self._size / self._batch_size), 1 if self._size else 0)

    @property
    def batch_size(self) -> int:
        return self._batch_size

    @property
    def num_samples(self) -> int:
        return self._size

    @property
    def has_partial_batch(self) -> bool:
        return self._size % self._batch_size != 0

    @property
    def partial_batch_size(self) -> int | None:
        return self._size % self._batch_size or None

    def _gather(self, indices: np.ndarray | slice):
        if isinstance(indices, slice):
            def pick(t):
                return None if t is None else t[indices]
        else:
            index = np.ascontiguousarray(indices, dtype=np.int64)

            def pick(t):
                # The gather kernel itself: batches are data, never recorded by a tape.
                return None if t is None else Tensor(_core.take(t._value, index, 0, "take", -1))
        x = utils.map_structure(pick, self._x)
        y = None if self._y is None else utils.map_structure(pick, self._y)
        sw = pick(self._sw)
        return utils.pack_x_y_sample_weight(x, y, sw)

    def get_iterator(self):
        for rows in self.epoch_selections():
            yield self._gather(rows)

    def epoch_selections(self) -> list:
        """This epoch's batches as row selections, one per step: a slice of
        contiguous rows, or an int64 array of row indices when shuffled (the
        shuffle is drawn here, once per call)."""
        n, bs = self._size, self._batch_size
        order = np.random.permutation(n) if self._shuffle is True else None
        batch_starts = np.arange(0, n, bs)
        if self._shuffle == "batch":
            np.random.shuffle(batch_starts)
        out = []
        for step in range(self.num_batches):
            start = int(batch_starts[step % len(batch_starts)])
            stop = min(start + bs, n)
            out.append(slice(start, stop) if order is None else order[start:stop])
        return out

    def gather(self, rows):
        """One batch, `(x, y, sample_weight)` packed as the steps take it, for a
        selection from `epoch_selections`."""
        return self._gather(rows)

    def source_batch(self):
        """The whole data, packed like one batch (x[, y[, sample_weight]]): the
        arrays whose rows the batches are."""
        return utils.pack_x_y_sample_weight(self._x, self._y, self._sw)
