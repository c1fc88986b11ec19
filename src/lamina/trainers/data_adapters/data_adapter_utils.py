"""Helpers shared by the data adapters: structure walking, (x, y, sample_weight)
unpacking, Keras's validation split and class weights."""

from __future__ import annotations

import math

import numpy as np

from lamina.backend.tensor import Tensor


def flatten(structure) -> list:
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for k in sorted(structure) for leaf in flatten(structure[k])]
    return [structure]


def map_structure(fn, structure):
    if isinstance(structure, list):
        return [map_structure(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def unpack_x_y_sample_weight(data):
    """`x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)` → `(x, y, sample_weight)`."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
        f"found a tuple of {len(data)} elements"
    )


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    if y is None:
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def is_array_like(x) -> bool:
    return isinstance(x, (np.ndarray, Tensor)) or (
        hasattr(x, "__array__") and hasattr(x, "shape") and hasattr(x, "dtype"))


def num_samples(arrays, where: str = "fit") -> int:
    """The common first dimension of all arrays, or a ValueError naming them."""
    sizes = {int(a.shape[0]) for a in arrays if a is not None}
    if not sizes:
        raise ValueError(f"{where}: no data given")
    if len(sizes) > 1:
        raise ValueError(
            f"{where}: data cardinality is ambiguous: the arrays have different numbers of "
            f"samples {sorted(sizes)}. Make sure all arrays contain the same number of samples."
        )
    return sizes.pop()


def train_validation_split(arrays, validation_split: float):
    """Splits array structures into (train, validation), taking the validation
    samples from the end, as Keras does (before any shuffling)."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"validation_split must be a float in (0, 1), got {validation_split!r}")
    leaves = [a for a in flatten(arrays) if a is not None]
    for a in leaves:
        if not is_array_like(a):
            raise ValueError(
                "validation_split is only supported for NumPy arrays and tensors, got data of "
                f"type {type(a).__name__}; pass validation_data instead"
            )
    n = num_samples(leaves)
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a "
            f"validation and training set as specified by validation_split={validation_split}. "
            "Either provide more data, or a different value for the validation_split argument."
        )

    def part(lo, hi):
        return map_structure(lambda a: None if a is None else a[lo:hi], arrays)

    return part(0, split_at), part(split_at, n)


def class_weight_to_sample_weights(y, class_weight: dict) -> np.ndarray:
    """Per-sample weights from a {class: weight} dict for int or one-hot labels."""
    y = np.asarray(y)
    if y.ndim > 1 and y.shape[-1] > 1:
        labels = np.argmax(y, axis=-1)
    else:
        labels = y.reshape(y.shape[0], -1)[:, 0] if y.ndim > 1 else y
    labels = labels.astype(np.int64)
    max_class = max(int(k) for k in class_weight)
    if labels.size and labels.max() > max_class:
        missing = sorted(set(labels.tolist()) - {int(k) for k in class_weight})
        raise ValueError(f"class_weight has no entry for classes {missing}; it must map every "
                         "class index to a weight")
    table = np.ones(max_class + 1, dtype=np.float32)
    for k, w in class_weight.items():
        table[int(k)] = float(w)
    return table[labels]
