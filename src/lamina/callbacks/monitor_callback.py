"""`MonitorCallback`: shared logic of callbacks that watch a metric (min or max)."""

from __future__ import annotations

import math
import operator
import warnings

from lamina.callbacks.callback import Callback

# Metric names (without "val_") whose best value is the highest / the lowest.
_UP_WORDS = ("acc", "auc", "precision", "recall", "f1", "fbeta", "iou", "r2",
             "cosine_similarity", "true_positives", "true_negatives", "specificity",
             "sensitivity")
_DOWN_WORDS = ("loss", "error", "mse", "mae", "mape", "msle", "crossentropy", "hinge",
               "kl_divergence", "kld", "poisson", "logcosh", "false_positives",
               "false_negatives")


def _model_metrics(model) -> list:
    """The model's metrics, with containers (compile metrics) opened up."""
    found, todo = [], list(getattr(model, "metrics", None) or [])
    while todo:
        m = todo.pop(0)
        inner = getattr(m, "metrics", None)
        if isinstance(inner, (list, tuple)):
            todo.extend(inner)
        found.append(m)
    return found


def infer_direction(monitor: str, model=None) -> str | None:
    """"max" or "min" for a monitored name, or None when it can't be told.

    A metric object of the model with `_direction` ("up"/"down") decides first, as in
    Keras; then the name: losses and errors go down, accuracy, AUC, precision,
    recall, ... go up.
    """
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if name == "loss":
        return "min"
    try:
        metrics = _model_metrics(model) if model is not None else []
    except Exception:  # a model whose metrics aren't built yet
        metrics = []
    for m in metrics:
        if getattr(m, "name", None) == name and hasattr(m, "_direction"):
            return "max" if m._direction == "up" else "min"
    lowered = name.lower()
    if any(w in lowered for w in _DOWN_WORDS):
        return "min"
    if any(w in lowered for w in _UP_WORDS):
        return "max"
    return None


def check_mode(owner: str, mode: str) -> str:
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{owner} mode '{mode}' is unknown, fallback to auto mode.",
                      stacklevel=3)
        return "auto"
    return mode


class MonitorCallback(Callback):
    """Base of callbacks that compare a monitored value with the best one so far.

    `_set_monitor_op()` (called at the first epoch end, once the model's metrics are
    built) picks `<` or `>` from `mode`; `_is_improvement(value, reference)` applies it
    with `min_delta`.
    """

    def __init__(self, monitor: str = "val_loss", mode: str = "auto", baseline=None,
                 min_delta: float = 0) -> None:
        super().__init__()
        if not isinstance(monitor, str):
            raise TypeError(f"{type(self).__name__}: `monitor` must be a metric name "
                            f"(str), got {monitor!r}")
        self.monitor = monitor
        self.mode = check_mode(type(self).__name__, mode)
        self.best = baseline
        self._initial_best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self) -> None:
        direction = self.mode if self.mode != "auto" else infer_direction(self.monitor,
                                                                          self.model)
        if direction is None:
            raise ValueError(
                f"{type(self).__name__} callback received monitor={self.monitor}, but "
                "lamina isn't able to automatically determine whether that metric should "
                "be maximized or minimized. Pass `mode='max'` in order to monitor based on "
                "the highest metric value, or pass `mode='min'` in order to use the "
                "lowest value.")
        if direction == "min":
            self.monitor_op = operator.lt
            self.min_delta = -abs(self.min_delta)
        else:
            self.monitor_op = operator.gt
            self.min_delta = abs(self.min_delta)
        if self.best is None:
            self._reset_best()

    def _reset_best(self) -> None:
        """Best value back to the initial one (or +-inf), once the direction is known."""
        if self._initial_best is not None:
            self.best = self._initial_best
        elif self.monitor_op is not None:
            self.best = math.inf if self.monitor_op is operator.lt else -math.inf

    def _is_improvement(self, monitor_value, reference_value) -> bool:
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))
