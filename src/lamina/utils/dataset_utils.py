"""keras.utils.split_dataset, on NumPy data."""

from __future__ import annotations

import numbers
from typing import Any, Union

import numpy as np

from lamina.utils.validation import (
    argument_error,
    check_array,
    describe,
    validate_argument,
    validate_bool,
    validate_int,
)

__all__ = ["split_dataset"]

_WHERE = "split_dataset"

ArrayDataset = Union[np.ndarray, list, tuple, dict]


# ----------------------------------------------------------------------------- structure


def _check_dataset(value: Any, name: str, where: str | None) -> ArrayDataset:
    """An array, or a non-empty list/tuple/dict of arrays sharing their first dimension.

    Returned with the same structure, every leaf a NumPy array of rank >= 1.
    """
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, (list, tuple)):
        items = list(enumerate(value))
    else:
        return check_array(value, name, where, dtype_kind="any", min_ndim=1)
    if not items:
        raise argument_error(
            where, name, f"must hold at least one array; received {describe(value)}."
        )
    if isinstance(value, (list, tuple)) and all(_is_scalar(leaf) for _, leaf in items):
        raise argument_error(
            where, name,
            "is a list/tuple of scalars, but a list/tuple is read as a structure of arrays "
            "(e.g. (x, y)); pass np.asarray(dataset) to split a single array.",
        )
    arrays = [check_array(leaf, f"{name}[{key!r}]", where, dtype_kind="any", min_ndim=1)
              for key, leaf in items]
    lengths = {key: len(a) for (key, _), a in zip(items, arrays)}
    if len(set(lengths.values())) > 1:
        raise argument_error(
            where, name,
            f"must hold arrays with the same first dimension (number of samples); received "
            f"lengths {lengths}.",
        )
    return _rebuild(value, arrays)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (numbers.Number, np.generic, str, bytes)) or (
        isinstance(value, np.ndarray) and value.ndim == 0)


def _leaves(dataset: ArrayDataset) -> list[np.ndarray]:
    if isinstance(dataset, dict):
        return list(dataset.values())
    if isinstance(dataset, (list, tuple)):
        return list(dataset)
    return [dataset]


def _rebuild(like: ArrayDataset, arrays: list[np.ndarray]) -> ArrayDataset:
    """`arrays` put back in the structure of `like`."""
    if isinstance(like, dict):
        return type(like)(zip(like.keys(), arrays))
    if isinstance(like, tuple):
        return type(like)(*arrays) if hasattr(like, "_fields") else tuple(arrays)
    if isinstance(like, list):
        return list(arrays)
    return arrays[0]


# ----------------------------------------------------------------------------- sizes


def _check_size(value: Any, name: str, where: str | None) -> int | float | None:
    """None, an int (a number of samples) or a float (a fraction)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise argument_error(
            where, name,
            "must be an int (number of samples), a float in (0, 1) (fraction) or None; "
            f"received {describe(value)}.", TypeError,
        )
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def _in_range(size: int | float, total: int) -> bool:
    if isinstance(size, int):
        return 0 < size < total
    return 0.0 < size < 1.0


def _resolve_sizes(left: int | float | None, right: int | float | None,
                   total: int) -> tuple[int, int]:
    """Keras's rules: counts in (0, total), fractions in (0, 1), no empty side."""
    if left is None and right is None:
        raise argument_error(
            _WHERE, "left_size", "and `right_size` are both None; specify at least one."
        )
    for name, size in (("left_size", left), ("right_size", right)):
        if size is not None and not _in_range(size, total):
            raise argument_error(
                _WHERE, name,
                f"must be a positive int smaller than the number of samples ({total}) or a "
                f"float in (0, 1); received {size!r}.",
            )
    if isinstance(left, float) and isinstance(right, float) and left + right > 1:
        raise argument_error(
            _WHERE, "left_size",
            f"+ `right_size` must be <= 1 for fractions; received {left} + {right}.",
        )
    n_left = None if left is None else (round(left * total) if isinstance(left, float) else left)
    n_right = None if right is None else (
        round(right * total) if isinstance(right, float) else right)
    n_left = total - n_right if n_left is None else n_left
    n_right = total - n_left if n_right is None else n_right
    _check_counts(n_left, n_right, total)
    return n_left, n_right


def _check_counts(n_left: int, n_right: int, total: int) -> None:
    if n_left + n_right > total:
        raise argument_error(
            _WHERE, "left_size",
            f"+ `right_size` must not exceed the number of samples ({total}); they resolve to "
            f"{n_left} + {n_right}.",
        )
    for name, count in (("left_size", n_left), ("right_size", n_right)):
        if count == 0:
            side = name.split("_")[0]
            raise argument_error(
                _WHERE, name,
                f"leaves the {side} split empty (dataset of {total} samples, left_size -> "
                f"{n_left}, right_size -> {n_right}); adjust the sizes.",
            )


# ----------------------------------------------------------------------------- split


@validate_int("seed", min_value=0, allow_none=True)
@validate_bool("shuffle")
@validate_argument("right_size", _check_size)
@validate_argument("left_size", _check_size)
@validate_argument("dataset", _check_dataset)
def split_dataset(
    dataset: ArrayDataset,
    left_size: int | float | None = None,
    right_size: int | float | None = None,
    shuffle: bool = False,
    seed: int | None = None,
) -> tuple[ArrayDataset, ArrayDataset]:
    """Splits a dataset into a left part and a right part (e.g. train / test).

    `dataset` is an array, a list/tuple of arrays (e.g. `(x, y)`) or a dict of arrays, all
    with the same number of samples (first dimension). A size is an int (a number of
    samples, in (0, n)), a float (a fraction, in (0, 1), rounded to samples) or None (the
    complement of the other). The left part takes the first samples and the right part the
    last; if the sizes add up to less than n the samples in between are dropped.
    `shuffle=True` permutes the samples first (NumPy Generator, reproducible with `seed`).

    Difference from Keras: the two parts are returned as NumPy data with the structure of
    `dataset` (copies), not as `tf.data.Dataset` objects; the shuffle order differs from
    Keras's for the same seed.

    >>> left, right = split_dataset(np.arange(10), left_size=0.8)
    >>> left.shape, right.shape
    ((8,), (2,))
    """
    leaves = _leaves(dataset)
    total = len(leaves[0])
    n_left, n_right = _resolve_sizes(left_size, right_size, total)
    order = np.random.default_rng(seed).permutation(total) if shuffle else np.arange(total)
    left_index, right_index = order[:n_left], order[total - n_right:]
    left = _rebuild(dataset, [leaf[left_index] for leaf in leaves])
    right = _rebuild(dataset, [leaf[right_index] for leaf in leaves])
    return left, right
