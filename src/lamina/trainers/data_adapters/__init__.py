"""Data adapters: array data, generators and PyDatasets → batches of Tensors."""

from __future__ import annotations

import inspect

from lamina.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
from lamina.trainers.data_adapters.data_adapter import DataAdapter
from lamina.trainers.data_adapters.generator_data_adapter import GeneratorDataAdapter
from lamina.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter
from lamina.trainers.data_adapters import data_adapter_utils

__all__ = ["get_data_adapter", "DataAdapter", "ArrayDataAdapter", "GeneratorDataAdapter",
           "PyDatasetAdapter", "data_adapter_utils"]


def get_data_adapter(x, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None,
                     shuffle=False, class_weight=None, where: str = "fit") -> DataAdapter:
    """Picks the adapter for `x` (and checks what may accompany it)."""
    if isinstance(x, DataAdapter):
        return x
    if hasattr(x, "__len__") and hasattr(x, "__getitem__") and not _is_array_data(x):
        _no_extras(y, sample_weight, class_weight, "a PyDataset", where)
        return PyDatasetAdapter(x, shuffle=bool(shuffle), steps=steps_per_epoch, where=where)
    if inspect.isgenerator(x) or (hasattr(x, "__next__") and hasattr(x, "__iter__")):
        _no_extras(y, sample_weight, class_weight, "a generator", where)
        return GeneratorDataAdapter(x, steps=steps_per_epoch, where=where)
    if x is None:
        raise ValueError(f"{where}: expected input data x, got None")
    return ArrayDataAdapter(x, y, sample_weight=sample_weight, batch_size=batch_size,
                            shuffle=shuffle, class_weight=class_weight, steps=steps_per_epoch,
                            where=where)


def _is_array_data(x) -> bool:
    if isinstance(x, (list, tuple, dict)):
        return True
    return data_adapter_utils.is_array_like(x)


def _no_extras(y, sample_weight, class_weight, kind: str, where: str) -> None:
    if y is not None:
        raise ValueError(f"{where}: `y` argument is not supported when x is {kind}; "
                         "the data must yield (x, y) batches itself")
    if sample_weight is not None:
        raise ValueError(f"{where}: `sample_weight` argument is not supported when x is {kind}")
    if class_weight is not None and kind == "a generator":
        pass
