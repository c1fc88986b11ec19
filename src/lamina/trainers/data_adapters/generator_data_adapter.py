"""Batches from a Python generator (or any iterator) yielding `x`, `(x, y)` or
`(x, y, sample_weight)` batches of arrays."""

from __future__ import annotations

import numpy as np

from lamina.backend import dtypes
from lamina.backend.tensor import Tensor
from lamina.ops import convert_to_tensor
from lamina.trainers.data_adapters import data_adapter_utils as utils
from lamina.trainers.data_adapters.data_adapter import DataAdapter


def to_batch_tensors(batch, where: str):
    """Converts one batch (nested arrays) to Tensors, float data to floatx."""
    def convert(a):
        if a is None or isinstance(a, Tensor):
            return a
        arr = np.asarray(a)
        if arr.dtype.kind not in "biuf":
            raise ValueError(f"{where}: a batch holds non-numeric data of dtype {arr.dtype}")
        if arr.dtype.kind == "f" and arr.dtype != np.float32:
            arr = arr.astype(dtypes.FLOATX)
        return convert_to_tensor(arr)

    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple):
        batch = (batch,)
    return utils.map_structure(convert, batch)


class GeneratorDataAdapter(DataAdapter):
    """Adapter for generators. A generator runs once: with `steps` unset, an epoch
    lasts until it is exhausted, and a later epoch finds it empty (training then
    stops with a warning, as in Keras). Pass a `PyDataset` for reusable data."""

    def __init__(self, generator, steps: int | None = None, where: str = "fit"):
        self._it = iter(generator)
        self._steps = steps
        self._where = where
        try:
            self._first = next(self._it)
        except StopIteration:
            raise ValueError(f"{where}: the generator yielded no data") from None
        utils.unpack_x_y_sample_weight(self._first if isinstance(self._first, tuple)
                                       else (self._first,))

    @property
    def num_batches(self) -> int | None:
        return self._steps

    def get_iterator(self):
        count = 0
        while self._steps is None or count < self._steps:
            if self._first is not None:
                batch, self._first = self._first, None
            else:
                try:
                    batch = next(self._it)
                except StopIteration:
                    return
            count += 1
            yield to_batch_tensors(batch, self._where)
