"""Confusion-matrix metrics: `Precision`, `Recall`, `AUC`, and the raw counts
(`TruePositives`, `FalsePositives`, `TrueNegatives`, `FalseNegatives`)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from lamina import ops
from lamina.api_export import keras_export
from lamina.metrics import metrics_utils
from lamina.metrics.metric import Metric
from lamina.metrics.metrics_utils import EPSILON, divide_no_nan


def _check_class_id(class_id, who: str):
    if class_id is not None and (isinstance(class_id, bool) or not isinstance(class_id, int)
                                 or class_id < 0):
        raise ValueError(f"{who}: class_id must be a non-negative integer, got {class_id!r}")


def _check_top_k(top_k, who: str):
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise ValueError(f"{who}: top_k must be a positive integer, got {top_k!r}")


class _ConfusionMatrixConditionCount(Metric):
    """Counts one confusion-matrix cell at each threshold."""

    _key = ""

    def __init__(self, thresholds=None, name: str | None = None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = metrics_utils.parse_init_thresholds(thresholds, default_threshold=0.5)
        self._thresholds_distributed_evenly = \
            metrics_utils.is_evenly_distributed_thresholds(self.thresholds)
        self.accumulator = self.add_variable(shape=(len(self.thresholds),), initializer="zeros",
                                             name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        metrics_utils.update_confusion_matrix_variables(
            {self._key: self.accumulator}, y_true, y_pred, thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight)

    def result(self):
        value = self.accumulator.value
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds}


@keras_export("keras.metrics.TruePositives")
class TruePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true positives, at each threshold (default 0.5).

    Example:
    >>> m = TruePositives()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> float(m.result())
    2.0
    """

    _key = metrics_utils.TRUE_POSITIVES

    def __init__(self, thresholds=None, name: str | None = None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)


@keras_export("keras.metrics.FalsePositives")
class FalsePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false positives, at each threshold (default 0.5).

    Example:
    >>> m = FalsePositives()
    >>> m.update_state([0, 1, 0, 0], [0, 0, 1, 1])
    >>> float(m.result())
    2.0
    """

    _key = metrics_utils.FALSE_POSITIVES

    def __init__(self, thresholds=None, name: str | None = None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)


@keras_export("keras.metrics.TrueNegatives")
class TrueNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true negatives, at each threshold (default 0.5).

    Example:
    >>> m = TrueNegatives()
    >>> m.update_state([0, 1, 0, 0], [1, 1, 0, 0])
    >>> float(m.result())
    2.0
    """

    _key = metrics_utils.TRUE_NEGATIVES

    def __init__(self, thresholds=None, name: str | None = None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)


@keras_export("keras.metrics.FalseNegatives")
class FalseNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false negatives, at each threshold (default 0.5).

    Example:
    >>> m = FalseNegatives()
    >>> m.update_state([0, 1, 1, 1], [0, 1, 0, 0])
    >>> float(m.result())
    2.0
    """

    _key = metrics_utils.FALSE_NEGATIVES

    def __init__(self, thresholds=None, name: str | None = None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)


class _PrecisionRecallBase(Metric):
    _other_key = ""
    _other_name = ""

    def __init__(self, thresholds=None, top_k: int | None = None, class_id: int | None = None,
                 name: str | None = None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        who = type(self).__name__
        _check_top_k(top_k, who)
        _check_class_id(class_id, who)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else metrics_utils.NEG_INF
        self.thresholds = metrics_utils.parse_init_thresholds(thresholds, default_threshold=default)
        self._thresholds_distributed_evenly = \
            metrics_utils.is_evenly_distributed_thresholds(self.thresholds)
        n = len(self.thresholds)
        self.true_positives = self.add_variable(shape=(n,), initializer="zeros",
                                                name="true_positives")
        setattr(self, self._other_name, self.add_variable(shape=(n,), initializer="zeros",
                                                          name=self._other_name))

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        """Accumulates true positives and the other count for this batch; `y_pred`
        holds probabilities (compared with the thresholds), `y_true` labels (non-zero is
        positive)."""
        metrics_utils.update_confusion_matrix_variables(
            {metrics_utils.TRUE_POSITIVES: self.true_positives,
             self._other_key: getattr(self, self._other_name)},
            y_true, y_pred, thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            top_k=self.top_k, class_id=self.class_id, sample_weight=sample_weight)

    def result(self):
        tp = self.true_positives.value
        value = divide_no_nan(tp, tp + getattr(self, self._other_name).value)
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


@keras_export("keras.metrics.Precision")
class Precision(_PrecisionRecallBase):
    """The precision of the predictions: `tp / (tp + fp)`.

    A prediction is positive when it is above the threshold (default 0.5). With
    `top_k`, only the `k` largest predictions of each row can be positive; with
    `class_id`, only that class's column is scored.

    Args:
        thresholds: a float or list of floats in [0, 1]; the result has one value per
            threshold (a scalar for a single threshold).
        top_k: score only the top `k` predictions of each row.
        class_id: score only this class.
        name: the metric's name.
        dtype: the dtype of the result.

    Example:
    >>> m = Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """

    _other_key = metrics_utils.FALSE_POSITIVES
    _other_name = "false_positives"


@keras_export("keras.metrics.Recall")
class Recall(_PrecisionRecallBase):
    """The recall of the predictions: `tp / (tp + fn)`.

    Takes the same arguments as `Precision` (thresholds, top_k, class_id).

    Example:
    >>> m = Recall()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """

    _other_key = metrics_utils.FALSE_NEGATIVES
    _other_name = "false_negatives"


_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "minoring", "majoring")


def _curve(curve) -> str:
    value = getattr(curve, "value", curve)
    if isinstance(value, str) and value.lower() in _CURVES:
        return _CURVES[value.lower()]
    raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are '
                     '["PR", "ROC", "PRGAIN"]')


def _summation(method) -> str:
    value = getattr(method, "value", method)
    if isinstance(value, str) and value.lower() in _SUMMATIONS:
        return value.lower()
    raise ValueError(f'Invalid AUC summation method value: "{method}". Expected values are '
                     '["interpolation", "majoring", "minoring"]')


@keras_export("keras.metrics.AUC")
class AUC(Metric):
    """The area under the ROC or PR curve, by a Riemann sum over thresholds.

    Predictions are compared with `num_thresholds` thresholds: `num_thresholds - 2`
    evenly spaced in (0, 1) plus `-epsilon` and `1 + epsilon` at the ends (or the given
    `thresholds` with those two ends). The metric keeps true/false positive/negative
    counts per threshold; `result()` sums the curve's trapezoids ("interpolation", the
    default; for PR, Davis & Goadrich's interpolation), or lower ("minoring") or upper
    ("majoring") rectangles.

    Args:
        num_thresholds: the number of thresholds (> 1; default 200).
        curve: "ROC" (default), "PR" or "PRGAIN".
        summation_method: "interpolation", "minoring" or "majoring".
        name: the metric's name.
        dtype: the dtype of the result.
        thresholds: explicit thresholds in [0, 1] (then `num_thresholds` is ignored).
        multi_label: treat each column of (N, L) data as its own label, and average
            the per-label AUCs (weighted by `label_weights`).
        num_labels: the number of labels with `multi_label` (else taken from the data).
        label_weights: per-label weights (multi-label average, or example weights).
        from_logits: apply a sigmoid to the predictions first.

    Example:
    >>> m = AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> float(m.result())
    0.75
    """

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: str | None = None, dtype=None,
                 thresholds: Sequence[float] | None = None, multi_label: bool = False,
                 num_labels: int | None = None, label_weights=None, from_logits: bool = False):
        self._direction = "up"
        self.curve = _curve(curve)
        self.summation_method = _summation(summation_method)
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            thresholds = sorted(metrics_utils.parse_init_thresholds(thresholds))
            self.num_thresholds = len(thresholds) + 2
            self._thresholds_distributed_evenly = metrics_utils.is_evenly_distributed_thresholds(
                [0.0] + thresholds + [1.0])
        else:
            if isinstance(num_thresholds, bool) \
                    or not isinstance(num_thresholds, (int, np.integer)) or num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = int(num_thresholds)
            thresholds = [(i + 1) * 1.0 / (self.num_thresholds - 1)
                          for i in range(self.num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        self._thresholds = np.array([0.0 - EPSILON] + list(thresholds) + [1.0 + EPSILON])
        super().__init__(name=name, dtype=dtype)
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        if label_weights is not None:
            if isinstance(label_weights, dict) and "config" in label_weights:  # a __tensor__
                label_weights = label_weights["config"]["value"]
            label_weights = ops.cast(ops.convert_to_tensor(np.asarray(label_weights)), self.dtype)
            if len(label_weights.shape) != 1:
                raise ValueError("AUC: label_weights must be a 1-D list of per-label weights, "
                                 f"got shape {tuple(label_weights.shape)}")
        self.label_weights = label_weights
        self._from_logits = bool(from_logits)
        self._built = False
        if self.multi_label:
            if num_labels:
                self._build((None, num_labels))
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self) -> list:
        """The thresholds, including the two epsilon-padded ends."""
        return list(self._thresholds)

    def _build(self, shape) -> None:
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(f"`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                                 f"{len(shape)}. Full shape received for `y_pred`: {shape}")
            self._num_labels = int(shape[1])
            variable_shape = (self.num_thresholds, self._num_labels)
        else:
            variable_shape = (self.num_thresholds,)
        self._build_input_shape = shape
        for var in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, var, self.add_variable(shape=variable_shape, initializer="zeros",
                                                 name=var))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        """Accumulates the confusion-matrix counts of this batch at every threshold."""
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.convert_to_tensor(y_true)
        if not self._built:
            self._build(tuple(y_pred.shape))
        if self.multi_label and (len(y_pred.shape) != 2 or y_pred.shape[1] != self._num_labels):
            raise ValueError(f"AUC(multi_label=True): expected y_pred of shape (N, "
                             f"{self._num_labels}), got {tuple(y_pred.shape)}")
        if self.label_weights is not None and len(y_pred.shape) >= 1 \
                and y_pred.shape[-1] != self.label_weights.shape[0]:
            raise ValueError(f"AUC: label_weights has {self.label_weights.shape[0]} entries but "
                             f"y_pred has {y_pred.shape[-1]} labels")
        if self._from_logits:
            y_pred = ops.sigmoid(y_pred)
        metrics_utils.update_confusion_matrix_variables(
            {metrics_utils.TRUE_POSITIVES: self.true_positives,
             metrics_utils.TRUE_NEGATIVES: self.true_negatives,
             metrics_utils.FALSE_POSITIVES: self.false_positives,
             metrics_utils.FALSE_NEGATIVES: self.false_negatives},
            y_true, y_pred, self._thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight, multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights)

    def _average(self, by_label):
        if self.label_weights is None:
            return ops.mean(by_label)
        return divide_no_nan(ops.sum(by_label * self.label_weights), ops.sum(self.label_weights))

    def interpolate_pr_auc(self):
        """The PR-AUC with Davis & Goadrich's (2006) interpolation between thresholds."""
        n = self.num_thresholds
        tp = self.true_positives.value
        fp = self.false_positives.value
        fn = self.false_negatives.value
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        prec_slope = divide_no_nan(dtp, ops.maximum(dp, 0.0))
        intercept = tp[1:] - prec_slope * p[1:]
        both_pos = ops.logical_and(ops.greater(p[: n - 1], 0.0), ops.greater(p[1:], 0.0))
        safe_p_ratio = ops.where(both_pos, divide_no_nan(p[: n - 1], ops.maximum(p[1:], 0.0)),
                                 ops.ones_like(p[1:]))
        increment = divide_no_nan(prec_slope * (dtp + intercept * ops.log(safe_p_ratio)),
                                  ops.maximum(tp[1:] + fn[1:], 0.0))
        if self.multi_label:
            return self._average(ops.sum(increment, axis=0))
        return ops.sum(increment)

    def result(self):
        if not self._built:
            return ops.zeros((), dtype=self.dtype)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        n = self.num_thresholds
        tp = self.true_positives.value
        fp = self.false_positives.value
        tn = self.true_negatives.value
        fn = self.false_negatives.value
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:  # PRGAIN: gains relative to the positive-label prior.
            scale = divide_no_nan(tp + fn, tn + fp)
            recall_gain = 1.0 - scale * divide_no_nan(fn, tp)
            precision_gain = 1.0 - scale * divide_no_nan(fp, tp)
            no_tp = ops.equal(tp, 0.0)
            recall_gain = ops.maximum(ops.where(no_tp, ops.zeros_like(tp), recall_gain), 0.0)
            precision_gain = ops.where(no_tp, ops.ones_like(tp), precision_gain)
            x, y = recall_gain, precision_gain
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = ops.minimum(y[: n - 1], y[1:])
        else:
            heights = ops.maximum(y[: n - 1], y[1:])
        terms = (x[: n - 1] - x[1:]) * heights
        if self.multi_label:
            return self._average(ops.sum(terms, axis=0))
        return ops.sum(terms)

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()

    def get_config(self) -> dict:
        label_weights = self.label_weights
        if label_weights is not None:
            label_weights = [float(v) for v in np.asarray(label_weights)]
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": label_weights,
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self.thresholds[1:-1]]
        return config
