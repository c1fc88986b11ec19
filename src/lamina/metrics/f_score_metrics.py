"""F-scores: `FBetaScore` and `F1Score` over (N, C) multi-class / multi-label data."""

from __future__ import annotations

from lamina import ops
from lamina.api_export import keras_export
from lamina.metrics.metric import Metric
from lamina.metrics.metrics_utils import EPSILON

_AVERAGES = (None, "micro", "macro", "weighted")


@keras_export("keras.metrics.FBetaScore")
class FBetaScore(Metric):
    """The F-beta score: `(1 + beta^2) * p * r / (beta^2 * p + r)`.

    Inputs are (N, C). Predictions become 0/1 by `threshold` (`y_pred > threshold`),
    or, with `threshold=None`, the largest prediction(s) of each row become 1.

    Args:
        average: None (one score per class), "micro" (global counts), "macro"
            (unweighted mean of the per-class scores) or "weighted" (mean weighted by
            each class's support).
        beta: the weight of recall relative to precision (a float > 0).
        threshold: a float in (0, 1], or None.
        name: the metric's name.
        dtype: the dtype of the result.

    Example:
    >>> m = FBetaScore(beta=2.0, threshold=0.5)
    >>> m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]],
    ...                [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
    >>> [round(v, 4) for v in m.result().numpy().tolist()]
    [0.3846, 0.9091, 0.8333]
    """

    def __init__(self, average: str | None = None, beta: float = 1.0,
                 threshold: float | None = None, name: str = "fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if average not in _AVERAGES:
            raise ValueError("Invalid `average` argument value. Expected one of: "
                             "{None, 'micro', 'macro', 'weighted'}. "
                             f"Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError("Invalid `beta` argument value. It should be > 0. "
                             f"Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python "
                                 f"float. Received: threshold={threshold} of type "
                                 f"'{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify "
                                 f"0 < threshold <= 1. Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape: tuple, y_pred_shape: tuple) -> None:
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(f"{type(self).__name__} expects 2D inputs with shape (batch_size, "
                             f"output_dim). Received input shapes: y_pred.shape={y_pred_shape} "
                             f"and y_true.shape={y_true_shape}.")
        shape = () if self.average == "micro" else (int(y_pred_shape[-1]),)
        for var in ("true_positives", "false_positives", "false_negatives",
                    "intermediate_weights"):
            setattr(self, var, self.add_variable(shape=shape, initializer="zeros",
                                                 dtype=self.dtype, name=var))
        self._num_classes = int(y_pred_shape[-1])
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        if not self._built:
            self._build(tuple(y_true.shape), tuple(y_pred.shape))
        if tuple(y_true.shape) != tuple(y_pred.shape) or len(y_pred.shape) != 2 \
                or y_pred.shape[-1] != self._num_classes:
            raise ValueError(f"{type(self).__name__}: expected y_true and y_pred of shape "
                             f"(batch_size, {self._num_classes}); received "
                             f"y_true.shape={tuple(y_true.shape)}, "
                             f"y_pred.shape={tuple(y_pred.shape)}")
        if self.threshold is None:
            row_max = ops.max(y_pred, axis=-1, keepdims=True)
            # The row maxima are positive, except that an all-zero row stays all zeros.
            predicted = ops.logical_and(ops.greater_equal(y_pred, row_max),
                                        ops.greater(ops.abs(y_pred), 1e-9))
        else:
            predicted = ops.greater(y_pred, self.threshold)
        y_pred = ops.cast(predicted, self.dtype)
        if sample_weight is not None:
            sample_weight = ops.convert_to_tensor(sample_weight, dtype=self.dtype)
            if len(sample_weight.shape) == 1:
                sample_weight = ops.expand_dims(sample_weight, 1)
            elif len(sample_weight.shape) == 0:
                sample_weight = ops.reshape(sample_weight, (1, 1))

        def weighted_sum(val):
            if sample_weight is not None:
                val = val * sample_weight
            return ops.sum(val, axis=self.axis)

        self.true_positives.assign_add(weighted_sum(y_pred * y_true))
        self.false_positives.assign_add(weighted_sum(y_pred * (1.0 - y_true)))
        self.false_negatives.assign_add(weighted_sum((1.0 - y_pred) * y_true))
        self.intermediate_weights.assign_add(weighted_sum(y_true))

    def result(self):
        if not self._built:
            raise ValueError(f"{type(self).__name__}: result() called before any update_state()")
        tp = self.true_positives.value
        precision = tp / (tp + self.false_positives.value + EPSILON)
        recall = tp / (tp + self.false_negatives.value + EPSILON)
        b2 = self.beta ** 2
        f = (1.0 + b2) * (precision * recall / (b2 * precision + recall + EPSILON))
        if self.average == "weighted":
            w = self.intermediate_weights.value
            return ops.sum(f * (w / (ops.sum(w) + EPSILON)))
        if self.average is not None:
            return ops.mean(f)
        return f

    def reset_state(self) -> None:
        for v in self.variables:
            v.assign(ops.zeros(v.shape, dtype=v.dtype))

    def get_config(self) -> dict:
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


@keras_export("keras.metrics.F1Score")
class F1Score(FBetaScore):
    """The F1 score: the harmonic mean of precision and recall (FBetaScore, beta=1).

    Args:
        average: None, "micro", "macro" or "weighted" (see FBetaScore).
        threshold: a float in (0, 1], or None (the largest prediction of each row).
        name: the metric's name.
        dtype: the dtype of the result.

    Example:
    >>> m = F1Score(threshold=0.5)
    >>> m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]],
    ...                [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
    >>> [round(v, 4) for v in m.result().numpy().tolist()]
    [0.5, 0.8, 0.6667]
    """

    def __init__(self, average: str | None = None, threshold: float | None = None,
                 name: str = "f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["beta"]
        return config
