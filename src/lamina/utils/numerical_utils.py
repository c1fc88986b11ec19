"""keras.utils.to_categorical and keras.utils.normalize, on NumPy data."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from lamina.utils.validation import argument_error, validate_array, validate_int

__all__ = ["to_categorical", "normalize"]


@validate_int("num_classes", min_value=1, allow_none=True)
@validate_array("x", dtype_kind="integer")
def to_categorical(x: ArrayLike, num_classes: int | None = None) -> np.ndarray:
    """Converts integer class labels to a one-hot float32 matrix (class axis last).

    `x` may have any shape; a trailing axis of size 1 is dropped first (as Keras does), so
    labels of shape (n, 1) give (n, num_classes). `num_classes` defaults to `max(x) + 1`.
    Labels must be integers (integral floats are accepted) in [0, num_classes).

    Unlike Keras, which returns a backend tensor for tensor input, this always returns a
    NumPy array.

    >>> to_categorical([0, 1, 2, 3], num_classes=4)
    array([[1., 0., 0., 0.],
           [0., 1., 0., 0.],
           [0., 0., 1., 0.],
           [0., 0., 0., 1.]], dtype=float32)
    """
    shape = x.shape
    if x.ndim > 1 and shape[-1] == 1:
        shape = shape[:-1]
    labels = x.reshape(-1)
    num_classes = _checked_num_classes(labels, num_classes)
    one_hot = np.zeros((labels.size, num_classes), dtype=np.float32)
    one_hot[np.arange(labels.size), labels] = 1.0
    return one_hot.reshape(shape + (num_classes,))


def _checked_num_classes(labels: np.ndarray, num_classes: int | None) -> int:
    where = "to_categorical"
    if labels.size and labels.min() < 0:
        raise argument_error(where, "x", f"must hold labels >= 0; found {labels.min()}.")
    if num_classes is None:
        if not labels.size:
            raise argument_error(
                where, "num_classes", "is required when `x` is empty (it cannot be inferred)."
            )
        return int(labels.max()) + 1
    if labels.size and labels.max() >= num_classes:
        raise argument_error(
            where, "x",
            f"must hold labels < num_classes={num_classes}; found {labels.max()}.",
        )
    return num_classes


@validate_int("order", min_value=1)
@validate_int("axis")
@validate_array("x", dtype_kind="numeric", min_ndim=1)
def normalize(x: ArrayLike, axis: int = -1, order: int = 2) -> np.ndarray:
    """Scales `x` so that its L`order` norm along `axis` is 1; all-zero vectors stay zero.

    Float input keeps its dtype; bool/int input gives float32. Keras's NumPy path maps
    `axis=0` to -1 (`axis or -1`); here `axis=0` means axis 0.

    >>> normalize([[3.0, 4.0], [0.0, 0.0]])
    array([[0.6, 0.8],
           [0. , 0. ]])
    """
    if not -x.ndim <= axis < x.ndim:
        raise argument_error(
            "normalize", "axis",
            f"must be in [{-x.ndim}, {x.ndim}) for `x` of rank {x.ndim}; received {axis}.",
        )
    values = x if x.dtype.kind == "f" else x.astype(np.float32)
    norm = np.linalg.norm(values, ord=order, axis=axis, keepdims=True)
    norm[norm == 0] = 1
    return (values / norm).astype(values.dtype, copy=False)
