"""Accuracy metrics and their functional forms (Keras's `keras.metrics.*accuracy`)."""

from __future__ import annotations

from lamina import ops
from lamina.api_export import keras_export
from lamina.backend import dtypes
from lamina.metrics import metrics_utils
from lamina.metrics.metrics_utils import squeeze_or_expand_to_same_rank
from lamina.metrics.reduction_metrics import MeanMetricWrapper


def _check_k(k, who: str) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"{who}: k must be a positive integer, got {k!r}")
    return k


def _float(x):
    return ops.cast(x, dtypes.floatx())


def accuracy(y_true, y_pred):
    """1.0 where `y_true == y_pred`, else 0.0 (element-wise).

    Example:
    >>> accuracy([1, 2, 3], [1, 2, 4]).numpy()
    array([1., 1., 0.], dtype=float32)
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true, dtype=y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _float(ops.equal(y_true, y_pred))


@keras_export("keras.metrics.binary_accuracy")
def binary_accuracy(y_true, y_pred, threshold: float = 0.5):
    """1.0 where `(y_pred > threshold) == y_true`, else 0.0 (element-wise).

    Example:
    >>> binary_accuracy([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]).numpy()
    array([[1.], [1.], [1.], [0.]], dtype=float32)
    """
    y_pred = ops.convert_to_tensor(y_pred)
    if not dtypes.is_float(y_pred.dtype):
        y_pred = _float(y_pred)
    y_true = ops.convert_to_tensor(y_true, dtype=y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    cut = metrics_utils.constant(float(threshold), y_pred.dtype)
    predicted = ops.cast(ops.greater(y_pred, cut), y_true.dtype)
    return _float(ops.equal(y_true, predicted))


def _check_last_dims(y_true, y_pred, who: str) -> None:
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] != y_pred.shape[-1]:
        raise ValueError(f"{who}: y_true and y_pred must have the same number of classes; got "
                         f"y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}")


@keras_export("keras.metrics.categorical_accuracy")
def categorical_accuracy(y_true, y_pred):
    """1.0 where the arg max of one-hot `y_true` equals the arg max of `y_pred`.

    Example:
    >>> categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]).numpy()
    array([0., 1.], dtype=float32)
    """
    y_true = ops.convert_to_tensor(y_true)
    y_pred = ops.convert_to_tensor(y_pred)
    _check_last_dims(y_true, y_pred, "categorical_accuracy")
    true_ids = ops.argmax(y_true, axis=-1)
    original_shape = tuple(true_ids.shape)
    reshape = False
    if len(true_ids.shape) == len(y_pred.shape):  # y_true was (..., 1, C)? keep Keras's rule
        true_ids = ops.squeeze(true_ids, -1)
        reshape = True
    pred_ids = ops.cast(ops.argmax(y_pred, axis=-1), true_ids.dtype)
    matches = _float(ops.equal(true_ids, pred_ids))
    if reshape:
        matches = ops.reshape(matches, original_shape)
    return matches


@keras_export("keras.metrics.sparse_categorical_accuracy")
def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label `y_true` equals the arg max of `y_pred`.

    `y_true` is (N,) or (N, 1) for `y_pred` of shape (N, C).

    Example:
    >>> sparse_categorical_accuracy([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]).numpy()
    array([0., 1.], dtype=float32)
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if not dtypes.is_float(y_pred.dtype):
        y_pred = _float(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    original_shape = tuple(y_true.shape)
    reshape = False
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
        reshape = True
    if tuple(y_true.shape) != tuple(y_pred.shape[:-1]):
        raise ValueError(
            "sparse_categorical_accuracy: y_true must hold one class index per row of y_pred; "
            f"got y_true.shape={original_shape}, y_pred.shape={tuple(y_pred.shape)}")
    pred_ids = ops.cast(ops.argmax(y_pred, axis=-1), y_true.dtype)
    matches = _float(ops.equal(y_true, pred_ids))
    if reshape:
        matches = ops.reshape(matches, original_shape)
    if len(matches.shape) > 1 and matches.shape[-1] == 1:
        matches = ops.squeeze(matches, -1)
    return matches


def _flatten_for_top_k(y_true, y_pred):
    true_shape = tuple(y_true.shape)
    if len(y_pred.shape) > 2:
        y_pred = ops.reshape(y_pred, (-1, y_pred.shape[-1]))
    reshape = len(y_true.shape) > 1
    if reshape:
        y_true = ops.reshape(y_true, (-1,))
    return y_true, y_pred, true_shape, reshape


@keras_export("keras.metrics.top_k_categorical_accuracy")
def top_k_categorical_accuracy(y_true, y_pred, k: int = 5):
    """1.0 where the one-hot target is among the `k` largest predictions (ties with the
    k-th largest count as in, as Keras's `in_top_k`).

    Example:
    >>> top_k_categorical_accuracy([[0, 0, 1], [0, 1, 0]],
    ...                            [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=1).numpy()
    array([0., 1.], dtype=float32)
    """
    _check_k(k, "top_k_categorical_accuracy")
    y_true = ops.convert_to_tensor(y_true)
    y_pred = ops.convert_to_tensor(y_pred)
    _check_last_dims(y_true, y_pred, "top_k_categorical_accuracy")
    true_ids = ops.argmax(y_true, axis=-1)
    true_ids, y_pred, shape, reshape = _flatten_for_top_k(true_ids, y_pred)
    matches = _float(metrics_utils.in_top_k(true_ids, y_pred, k))
    return ops.reshape(matches, shape) if reshape else matches


@keras_export("keras.metrics.sparse_top_k_categorical_accuracy")
def sparse_top_k_categorical_accuracy(y_true, y_pred, k: int = 5, from_sorted_ids: bool = False):
    """1.0 where the integer target is among the `k` largest predictions.

    With `from_sorted_ids=True`, `y_pred` holds class ids sorted by score (as returned
    by `top_k`), and the target must be among its first `k` columns.

    Example:
    >>> sparse_top_k_categorical_accuracy([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=1).numpy()
    array([0., 1.], dtype=float32)
    """
    _check_k(k, "sparse_top_k_categorical_accuracy")
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    y_true = ops.cast(y_true, y_pred.dtype if from_sorted_ids else "int32")
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
        true_shape = tuple(y_true.shape) + (1,)
    else:
        true_shape = None
    if tuple(y_true.shape) != tuple(y_pred.shape[:-1]):
        raise ValueError(
            "sparse_top_k_categorical_accuracy: y_true must hold one class index per row of "
            f"y_pred; got y_true.shape={true_shape or tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}")
    y_true, y_pred, shape, reshape = _flatten_for_top_k(y_true, y_pred)
    if from_sorted_ids:
        first_k = y_pred[:, :k]
        matches = ops.any(ops.equal(ops.expand_dims(y_true, 1), first_k), axis=1)
    else:
        matches = metrics_utils.in_top_k(y_true, y_pred, k)
    matches = _float(matches)
    return ops.reshape(matches, shape) if reshape else matches


# ------------------------------------------------------------------ classes
@keras_export("keras.metrics.Accuracy")
class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels (a running mean of `accuracy`).

    Example:
    >>> m = Accuracy()
    >>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    >>> float(m.result())
    0.75
    """

    def __init__(self, name: str = "accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


@keras_export("keras.metrics.BinaryAccuracy")
class BinaryAccuracy(MeanMetricWrapper):
    """How often `y_pred > threshold` matches the binary labels.

    Args:
        name: the metric's name.
        dtype: the dtype of the result.
        threshold: the decision threshold on the predictions (default 0.5).

    Example:
    >>> m = BinaryAccuracy()
    >>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    >>> float(m.result())
    0.75
    """

    def __init__(self, name: str = "binary_accuracy", dtype=None, threshold: float = 0.5):
        if threshold is not None and (isinstance(threshold, bool)
                                      or not isinstance(threshold, (int, float))
                                      or threshold <= 0 or threshold >= 1):
            raise ValueError("Invalid value for argument `threshold`. Expected a value in "
                             f"interval (0, 1). Received: threshold={threshold}")
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


@keras_export("keras.metrics.CategoricalAccuracy")
class CategoricalAccuracy(MeanMetricWrapper):
    """How often the arg max of the predictions matches that of the one-hot labels.

    Example:
    >>> m = CategoricalAccuracy()
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name: str = "categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


@keras_export("keras.metrics.SparseCategoricalAccuracy")
class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the arg max of the predictions matches the integer labels.

    Example:
    >>> m = SparseCategoricalAccuracy()
    >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


@keras_export("keras.metrics.TopKCategoricalAccuracy")
class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target is among the top `k` predictions.

    Args:
        k: how many of the largest predictions count (default 5).
        name: the metric's name.
        dtype: the dtype of the result.

    Example:
    >>> m = TopKCategoricalAccuracy(k=1)
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype=None):
        _check_k(k, "TopKCategoricalAccuracy")
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


@keras_export("keras.metrics.SparseTopKCategoricalAccuracy")
class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer target is among the top `k` predictions.

    Args:
        k: how many of the largest predictions count (default 5).
        name: the metric's name.
        dtype: the dtype of the result.
        from_sorted_ids: `y_pred` holds class ids sorted by score, not scores.

    Example:
    >>> m = SparseTopKCategoricalAccuracy(k=1)
    >>> m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids: bool = False):
        _check_k(k, "SparseTopKCategoricalAccuracy")
        super().__init__(fn=sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids
        self._direction = "up"

    def get_config(self) -> dict:
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
