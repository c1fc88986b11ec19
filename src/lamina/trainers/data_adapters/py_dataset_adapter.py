"""Batches from a `lamina.utils.PyDataset`, prepared ahead by worker threads or
processes when the dataset asks for more than one worker."""

from __future__ import annotations

import collections
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np

from lamina.trainers.data_adapters.data_adapter import DataAdapter
from lamina.trainers.data_adapters.generator_data_adapter import to_batch_tensors


def _get_item(dataset, index):
    return dataset[index]


class PyDatasetAdapter(DataAdapter):
    """Adapter for PyDataset (or any object with `__len__` and `__getitem__`)."""

    def __init__(self, dataset, shuffle: bool = False, steps: int | None = None,
                 where: str = "fit"):
        self._dataset = dataset
        self._shuffle = shuffle
        self._steps = steps
        self._where = where
        n = len(dataset)
        if n == 0:
            raise ValueError(f"{where}: the dataset has no batches (len() is 0)")

    @property
    def num_batches(self) -> int:
        return self._steps if self._steps is not None else len(self._dataset)

    def on_epoch_begin(self) -> None:
        hook = getattr(self._dataset, "on_epoch_begin", None)
        if hook:
            hook()

    def on_epoch_end(self) -> None:
        hook = getattr(self._dataset, "on_epoch_end", None)
        if hook:
            hook()

    def _indices(self):
        n = len(self._dataset)
        order = np.random.permutation(n) if self._shuffle else np.arange(n)
        steps = self.num_batches
        return [int(order[i % n]) for i in range(steps)]

    def get_iterator(self):
        workers = getattr(self._dataset, "workers", 1) or 1
        indices = self._indices()
        if workers <= 1:
            for i in indices:
                yield to_batch_tensors(self._dataset[i], self._where)
            return
        pool_cls = ProcessPoolExecutor if getattr(self._dataset, "use_multiprocessing", False) \
            else ThreadPoolExecutor
        ahead = max(getattr(self._dataset, "max_queue_size", 10), workers)
        with pool_cls(max_workers=workers) as pool:
            pending = collections.deque()
            it = iter(indices)
            for i in it:
                pending.append(pool.submit(_get_item, self._dataset, i))
                if len(pending) >= ahead:
                    break
            while pending:
                batch = pending.popleft().result()
                nxt = next(it, None)
                if nxt is not None:
                    pending.append(pool.submit(_get_item, self._dataset, nxt))
                yield to_batch_tensors(batch, self._where)
