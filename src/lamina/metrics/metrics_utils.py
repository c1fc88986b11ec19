"""Helpers shared by the metrics: rank alignment, thresholds, confusion-matrix
updates and top-k membership, all computed with `lamina.ops`."""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from lamina.losses.loss import squeeze_or_expand_to_same_rank  # noqa: F401 - re-exported
from lamina import ops

EPSILON = 1e-7  # Keras's backend.epsilon()
NEG_INF = -1e10  # the value Keras gives to predictions outside the top k


_CONSTANTS: dict = {}


def constant(value: float, dtype: str):
    """A cached scalar tensor (converting Python scalars costs more than the op)."""
    key = (value, dtype)
    t = _CONSTANTS.get(key)
    if t is None:
        if len(_CONSTANTS) > 1024:
            _CONSTANTS.clear()
        t = _CONSTANTS[key] = ops.convert_to_tensor(np.asarray(value, dtype=dtype))
    return t


_THRESHOLDS: dict = {}


def threshold_tensor(thresholds, dtype: str, rank: int):
    """The thresholds as a (T, 1) (rank 2) or (T, 1, 1) (rank 3) tensor, cached."""
    key = (tuple(float(t) for t in thresholds), dtype, rank)
    t = _THRESHOLDS.get(key)
    if t is None:
        arr = np.asarray(key[0], dtype=dtype).reshape((-1,) + (1,) * (rank - 1))
        if len(_THRESHOLDS) > 256:
            _THRESHOLDS.clear()
        t = _THRESHOLDS[key] = ops.convert_to_tensor(arr)
    return t


def to_snake_case(name: str) -> str:
    """Keras's snake case of a class name: "TopKCategoricalAccuracy" ->
    "top_k_categorical_accuracy", "AUC" -> "auc"."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def divide_no_nan(x, y):
    """x / y, and 0 where y == 0."""
    x = ops.convert_to_tensor(x)
    y = ops.convert_to_tensor(y)
    dtype = y.dtype
    zero = ops.equal(y, constant(0.0, dtype))
    quotient = ops.divide(x, ops.where(zero, constant(1.0, dtype), y))
    return ops.where(zero, constant(0.0, quotient.dtype), quotient)


def parse_init_thresholds(thresholds, default_threshold: float = 0.5) -> list:
    """The thresholds as a list of floats, each checked to lie in [0, 1]."""
    if thresholds is not None:
        values = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) \
            else [thresholds]
        bad = [t for t in values if t is None or not isinstance(t, (int, float, np.number))
               or not 0 <= t <= 1]
        if bad:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
        return [float(t) for t in values]
    return [float(default_threshold)]


def is_evenly_distributed_thresholds(thresholds) -> bool:
    """True when the thresholds are i/(n-1) for i = 0..n-1 (n >= 3), within epsilon."""
    thresholds = np.asarray(thresholds, dtype=np.float64)
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=EPSILON))


def in_top_k(targets, predictions, k: int):
    """Whether each target class is among the `k` largest predictions of its row,
    as TensorFlow's in_top_k: a class tied with the k-th largest counts as in, and a
    NaN prediction at the target never does.

    targets: int (N,); predictions: (N, C). Returns bool (N,).
    """
    predictions = ops.convert_to_tensor(predictions)
    targets = ops.cast(ops.convert_to_tensor(targets), "int32")
    at_target = ops.take_along_axis(predictions, ops.expand_dims(targets, -1), axis=-1)
    at_target = ops.where(ops.isnan(at_target), constant(-np.inf, at_target.dtype), at_target)
    n_greater = ops.sum(ops.cast(ops.greater(predictions, at_target), "int32"), axis=-1)
    return ops.less(n_greater, constant(int(k), "int32"))


def top_k_mask(x, k: int):
    """1.0 where an entry is among the `k` largest of its last axis, else 0.0; ties
    go to the lower index (as `top_k`). x: (..., C)."""
    x = ops.convert_to_tensor(x)
    c = x.shape[-1]
    if k >= c:
        return ops.ones_like(x)
    xi = ops.expand_dims(x, -1)   # (..., C, 1): the candidate j
    xo = ops.expand_dims(x, -2)   # (..., 1, C): the others i
    before = _BEFORE.get(c)
    if before is None:  # [j, i]: i < j
        idx = np.arange(c)
        before = _BEFORE[c] = ops.convert_to_tensor(idx[None, :] < idx[:, None])
    beats = ops.logical_or(ops.greater(xo, xi), ops.logical_and(ops.equal(xo, xi), before))
    rank = ops.sum(ops.cast(beats, "int32"), axis=-1)
    return ops.cast(ops.less(rank, constant(int(k), "int32")), x.dtype)


_BEFORE: dict = {}


def filter_top_k(x, k: int):
    """Keeps the top `k` entries of the last axis and sets the others to NEG_INF."""
    mask = top_k_mask(x, k)
    return x * mask + NEG_INF * (1.0 - mask)


def _segment_sum(data, segment_ids, num_segments: int):
    """Sums of `data` (1-D) by integer `segment_ids` in [0, num_segments): the native
    scatter-add behind `take`'s gradient."""
    from lamina.ops import indexing

    return indexing._SCATTER_ADD.bind(data, segment_ids, axis=0, n=num_segments)


_SUFFIX: dict = {}


def _strict_suffix_matrix(n: int, dtype: str):
    """S with S[i, k] = 1 where k > i: `S @ v` gives the sums of v past each index."""
    key = (n, dtype)
    t = _SUFFIX.get(key)
    if t is None:
        idx = np.arange(n)
        t = _SUFFIX[key] = ops.convert_to_tensor((idx[None, :] > idx[:, None]).astype(dtype))
    return t


def _bucketed_positive_counts(y_pred, true_w, false_w, num_thresholds: int,
                              with_epsilon: bool, dtype: str):
    """TP and FP at evenly spaced thresholds i/(T-1) in O(N + T^2) (Keras's bucketed
    path): each prediction falls in bucket ceil(p (T-1)) - 1 and counts as positive for
    every threshold up to its bucket. y_pred/true_w/false_w: (M,) or (N, L)."""
    t = num_thresholds
    bucket = ops.ceil(ops.multiply(ops.clip(y_pred, 0.0, 1.0), constant(float(t - 1), dtype)))
    # bucket is (original bucket + 1), in [0, T-1]; 0 passes no threshold, except that
    # with the -epsilon first threshold every prediction passes it.
    if with_epsilon:
        bucket = ops.maximum(bucket, constant(1.0, dtype))
    ids = ops.cast(bucket, "int32")
    suffix = _strict_suffix_matrix(t, dtype)
    if len(y_pred.shape) == 2:  # multi-label: one segment per (bucket, label)
        n_labels = y_pred.shape[1]
        label_ids = _label_offsets(n_labels)
        ids = ops.reshape(ops.add(ops.multiply(ids, constant(n_labels, "int32")), label_ids),
                          (-1,))
        size = t * n_labels
        tp_b = ops.reshape(_segment_sum(ops.reshape(true_w, (-1,)), ids, size),
                           (t, n_labels))
        fp_b = ops.reshape(_segment_sum(ops.reshape(false_w, (-1,)), ids, size), (t, n_labels))
    else:
        tp_b = _segment_sum(true_w, ids, t)
        fp_b = _segment_sum(false_w, ids, t)
    return ops.matmul(suffix, tp_b), ops.matmul(suffix, fp_b)


_LABEL_OFFSETS: dict = {}


def _label_offsets(n: int):
    t = _LABEL_OFFSETS.get(n)
    if t is None:
        t = _LABEL_OFFSETS[n] = ops.convert_to_tensor(np.arange(n, dtype=np.int32)[None, :])
    return t


TRUE_POSITIVES = "tp"
FALSE_POSITIVES = "fp"
TRUE_NEGATIVES = "tn"
FALSE_NEGATIVES = "fn"
_KEYS = (TRUE_POSITIVES, FALSE_POSITIVES, TRUE_NEGATIVES, FALSE_NEGATIVES)


def update_confusion_matrix_variables(variables: dict, y_true, y_pred, thresholds: Sequence[float],
                                      top_k: int | None = None, class_id: int | None = None,
                                      sample_weight=None, multi_label: bool = False,
                                      label_weights=None,
                                      thresholds_distributed_evenly: bool = False) -> None:
    """Adds this batch's (weighted) confusion-matrix counts at each threshold to the
    variables (keys "tp", "fp", "tn", "fn"), as Keras does.

    A prediction is positive at threshold t when it is strictly greater than t; a label
    is positive when it is non-zero. Without `multi_label` every entry of the batch
    counts as one example and the variables have shape (T,); with it they are (T, L).
    With evenly spaced thresholds (AUC's default), the counts come from Keras's bucketed
    algorithm (predictions clipped to [0, 1], one bucket per threshold interval) in
    O(N + T^2) instead of O(N T).
    """
    unknown = [k for k in variables if k not in _KEYS]
    if unknown:
        raise ValueError(f"Invalid keys {unknown}; expected some of {list(_KEYS)}")
    if multi_label and label_weights is not None:
        raise ValueError("`label_weights` for multilabel data should be handled outside of "
                         "`update_confusion_matrix_variables` when `multi_label` is True.")
    var_dtype = next(iter(variables.values())).dtype
    y_true = ops.cast(ops.convert_to_tensor(y_true), var_dtype)
    y_pred = ops.cast(ops.convert_to_tensor(y_pred), var_dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if tuple(y_pred.shape) != tuple(y_true.shape):
        raise ValueError(f"y_true and y_pred must have the same shape; received "
                         f"y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}")
    if sample_weight is not None:
        sample_weight = ops.cast(ops.convert_to_tensor(sample_weight), var_dtype)
        sample_weight = ops.expand_dims(sample_weight, -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight,
                                                          expand_rank_1=False)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if len(y_pred.shape) == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {tuple(y_pred.shape)}")
        n_classes = y_pred.shape[-1]
        if not 0 <= class_id < n_classes:
            raise ValueError(f"class_id {class_id} is out of range for {n_classes} classes")
        y_true = y_true[..., class_id:class_id + 1]
        y_pred = y_pred[..., class_id:class_id + 1]
    with_epsilon = bool(thresholds[0] < 0.0 or thresholds[-1] > 1.0)

    labels = ops.cast(ops.not_equal(y_true, 0), var_dtype)
    if sample_weight is not None:
        weights = ops.broadcast_to(sample_weight, tuple(y_pred.shape))
    else:
        weights = None
    if label_weights is not None:
        lw = ops.broadcast_to(ops.cast(ops.convert_to_tensor(label_weights), var_dtype),
                              tuple(y_pred.shape))
        weights = lw if weights is None else weights * lw
    one = constant(1.0, var_dtype)

    if multi_label:
        if len(y_pred.shape) != 2:
            raise ValueError(f"multi_label needs y_pred of rank 2, got shape {tuple(y_pred.shape)}")
        false_labels = ops.subtract(one, labels)
        true_w = labels if weights is None else labels * weights
        false_w = false_labels if weights is None else false_labels * weights
        if thresholds_distributed_evenly:
            tp, fp = _bucketed_positive_counts(y_pred, true_w, false_w, len(thresholds),
                                               with_epsilon, var_dtype)
        else:  # (T, N, L) comparisons, summed over the examples.
            pos = ops.cast(ops.greater(ops.expand_dims(y_pred, 0),
                                       threshold_tensor(thresholds, var_dtype, 3)), var_dtype)
            tp = ops.sum(pos * true_w, axis=1)
            fp = ops.sum(pos * false_w, axis=1)
        total_true = ops.sum(true_w, axis=0)
        total_false = ops.sum(false_w, axis=0)
    else:
        m = 1
        for d in y_pred.shape:
            m *= d
        if len(y_pred.shape) != 1:
            labels = ops.reshape(labels, (m,))
            if weights is not None:
                weights = ops.reshape(weights, (m,))
        true_w = labels if weights is None else labels * weights
        false_w = ops.subtract(one, labels)
        if weights is not None:
            false_w = false_w * weights
        if thresholds_distributed_evenly:
            flat_pred = y_pred if len(y_pred.shape) == 1 else ops.reshape(y_pred, (m,))
            tp, fp = _bucketed_positive_counts(flat_pred, true_w, false_w, len(thresholds),
                                               with_epsilon, var_dtype)
        else:  # (T, M) comparisons, then a matrix-vector product per count.
            pos = ops.cast(ops.greater(ops.reshape(y_pred, (1, m)),
                                       threshold_tensor(thresholds, var_dtype, 2)), var_dtype)
            tp = ops.matmul(pos, true_w)
            fp = ops.matmul(pos, false_w)
        total_true = ops.sum(true_w)
        total_false = ops.sum(false_w)

    if TRUE_POSITIVES in variables:
        variables[TRUE_POSITIVES].assign_add(tp)
    if FALSE_POSITIVES in variables:
        variables[FALSE_POSITIVES].assign_add(fp)
    if TRUE_NEGATIVES in variables:
        variables[TRUE_NEGATIVES].assign_add(total_false - fp)
    if FALSE_NEGATIVES in variables:
        variables[FALSE_NEGATIVES].assign_add(total_true - tp)
