"""keras.utils.pad_sequences, on NumPy data."""

from __future__ import annotations

import numbers
from typing import Any, Sequence

import numpy as np

from lamina.utils.validation import (
    argument_error,
    describe,
    validate_argument,
    validate_choice,
    validate_dtype,
    validate_int,
)

__all__ = ["pad_sequences"]

_WHERE = "pad_sequences"


def _check_sequences(value: Any, name: str, where: str | None) -> list[Any]:
    """A sized collection of sized sequences (lists, tuples, arrays), returned as a list."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise argument_error(
            where, name,
            f"must be a list of sequences; received {describe(value)}.", TypeError,
        )
    sequences = list(value)
    for index, seq in enumerate(sequences):
        if not hasattr(seq, "__len__") or isinstance(seq, (str, bytes)):
            raise argument_error(
                where, name,
                f"must be a list of sequences; element {index} is {describe(seq)}.", TypeError,
            )
    return sequences


@validate_choice("truncating", choices=("pre", "post"))
@validate_choice("padding", choices=("pre", "post"))
@validate_dtype("dtype")
@validate_int("maxlen", min_value=0, allow_none=True)
@validate_argument("sequences", _check_sequences)
def pad_sequences(
    sequences: Sequence[Sequence[Any]],
    maxlen: int | None = None,
    dtype: Any = "int32",
    padding: str = "pre",
    truncating: str = "pre",
    value: Any = 0.0,
) -> np.ndarray:
    """Pads (or truncates) sequences to a common length: shape (num_samples, maxlen, ...).

    `maxlen` defaults to the longest sequence. Sequences longer than `maxlen` lose values
    at the start (`truncating="pre"`) or the end ("post"); shorter ones get `value` at the
    start (`padding="pre"`) or the end ("post"). Elements may be vectors: the trailing
    shape of the first non-empty sequence is kept and must match across sequences.
    String padding needs `dtype=object` or a string dtype.

    >>> pad_sequences([[1], [2, 3], [4, 5, 6]])
    array([[0, 0, 1],
           [0, 2, 3],
           [4, 5, 6]], dtype=int32)
    """
    _check_value(dtype, value)
    arrays = [_as_sequence_array(seq, index, dtype) for index, seq in enumerate(sequences)]
    dtype = _sized(dtype, value, arrays)
    sample_shape = next((a.shape[1:] for a in arrays if len(a)), ())
    if maxlen is None:
        maxlen = max((len(a) for a in arrays), default=0)
    out = np.full((len(arrays), maxlen) + sample_shape, value, dtype=dtype)
    for index, array in enumerate(arrays):
        if array.shape[1:] != sample_shape and len(array):
            raise argument_error(
                _WHERE, "sequences",
                f"must hold samples of one shape; element {index} has samples of shape "
                f"{array.shape[1:]}, expected {sample_shape} (from the first non-empty one).",
            )
        kept = _truncate(array, maxlen, truncating)
        if len(kept):
            if padding == "post":
                out[index, : len(kept)] = kept
            else:
                out[index, maxlen - len(kept):] = kept
    return out


def _truncate(array: np.ndarray, maxlen: int, truncating: str) -> np.ndarray:
    if len(array) <= maxlen:
        return array
    return array[len(array) - maxlen:] if truncating == "pre" else array[:maxlen]


def _check_value(dtype: np.dtype, value: Any) -> None:
    """A string `value` needs a string or object dtype; otherwise a number is expected."""
    if dtype.kind == "O":
        return
    if isinstance(value, str):
        if dtype.kind not in "US":
            raise argument_error(
                _WHERE, "value",
                f"is the string {value!r} but `dtype` is {dtype}; use dtype=object or a "
                "string dtype to pad with strings.",
            )
    elif not isinstance(value, (numbers.Number, np.generic)):
        raise argument_error(
            _WHERE, "value", f"must be a number or a string; received {describe(value)}.",
            TypeError,
        )


def _sized(dtype: np.dtype, value: Any, arrays: list[np.ndarray]) -> np.dtype:
    """An unsized string dtype (dtype=str) widened to fit the data and `value`."""
    if dtype.kind not in "US" or dtype.itemsize:
        return dtype
    return np.result_type(np.asarray(value).astype(dtype).dtype, *(a.dtype for a in arrays))


def _as_sequence_array(seq: Any, index: int, dtype: np.dtype) -> np.ndarray:
    try:
        array = np.asarray(seq)
        if dtype.kind in "iub" and array.dtype.kind == "f" and not np.isfinite(array).all():
            raise ValueError("non-finite values cannot be converted to an integer dtype")
        return array.astype(dtype, copy=False)
    except (ValueError, TypeError) as err:
        raise argument_error(
            _WHERE, "sequences",
            f"element {index} could not be converted to an array of {dtype}: {err}; "
            f"received {describe(seq)}.",
        ) from None

