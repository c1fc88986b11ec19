"""`lamina.metrics`: Keras 3's metrics (`keras.metrics`), stateful across batches.

`get(identifier)` resolves class names, their snake-case names and Keras's short
names ("mse", "mae", "mape", "msle") to metric instances; `serialize` /
`deserialize` use Keras's config format. For `compile(metrics=[...])`, the
Trainer resolves each entry with `get_metric_for_compile` (Keras's rules for
"accuracy"/"acc" and for history names).
"""

from __future__ import annotations

import inspect
from typing import Any, Sequence

from lamina.api_export import keras_export
from lamina.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from lamina.metrics.confusion_metrics import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from lamina.metrics.f_score_metrics import F1Score, FBetaScore
from lamina.metrics.metric import Metric
from lamina.metrics.metrics_utils import to_snake_case
from lamina.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum
from lamina.metrics.regression_metrics import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from lamina.saving import serialization_lib

ALL_OBJECTS = (
    Metric, Mean, Sum, MeanMetricWrapper,
    MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError, R2Score,
    AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives,
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    F1Score, FBetaScore,
)
ALL_OBJECTS_DICT: dict[str, Any] = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update({
    "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
})


@keras_export("keras.metrics.serialize")
def serialize(metric) -> dict:
    """The Keras config of a metric (or metric function).

    Example:
    >>> serialize(AUC())["class_name"]
    'AUC'
    """
    return serialization_lib.serialize_keras_object(metric)


@keras_export("keras.metrics.deserialize")
def deserialize(config, custom_objects: dict | None = None):
    """Rebuilds a metric (or metric function) from its config or name.

    Example:
    >>> deserialize({"module": "keras.metrics", "class_name": "AUC",
    ...              "config": {"num_thresholds": 5}, "registered_name": None}).num_thresholds
    5
    """
    return serialization_lib.deserialize_keras_object(
        config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects,
        printable_module_name="metric")


@keras_export("keras.metrics.get")
def get(identifier):
    """A metric from a name ("AUC", "auc", "mse", "binary_accuracy", ...), a config
    dict, a Metric instance or class, or a function (returned as is).

    Example:
    >>> get("mse").name
    'mean_squared_error'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
        if obj is None:
            raise ValueError(
                f"Could not interpret metric identifier: {identifier!r}. Known names: "
                f"{', '.join(sorted(ALL_OBJECTS_DICT))}, and in compile() 'accuracy'/'acc'.")
    else:
        obj = identifier
    if callable(obj):
        if inspect.isclass(obj):
            obj = obj()
        return obj
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


def _shape(x) -> tuple:
    if x is None:
        return ()
    if isinstance(x, (tuple, list)) and all(d is None or isinstance(d, int) for d in x):
        return tuple(x)
    return tuple(getattr(x, "shape", ()))


def accuracy_kind(y_true_shape: Sequence, y_pred_shape: Sequence) -> str:
    """Which accuracy Keras's compile picks for "accuracy": "binary" when the
    predictions' last axis has size 1, "sparse_categorical" when the labels have a lower
    rank (or a last axis of 1 against several classes), else "categorical"."""
    y_true_shape, y_pred_shape = tuple(y_true_shape), tuple(y_pred_shape)
    t_last = y_true_shape[-1] if y_true_shape else None
    p_last = y_pred_shape[-1] if y_pred_shape else None
    if p_last == 1:
        return "binary"
    if len(y_true_shape) < len(y_pred_shape) or (t_last == 1 and p_last is not None
                                                and p_last > 1):
        return "sparse_categorical"
    return "categorical"


def get_accuracy_for(loss=None, y_true_shape: Sequence = (), y_pred_shape: Sequence = (),
                     name: str = "accuracy") -> Metric:
    """The accuracy metric Keras 3's `compile` uses for "accuracy"/"acc", named `name`.

    Like Keras 3, the choice depends on the shapes only (`loss` is accepted for
    callers that have it and is ignored): BinaryAccuracy, SparseCategoricalAccuracy or
    CategoricalAccuracy (see `accuracy_kind`).

    Example:
    >>> type(get_accuracy_for(None, (32,), (32, 10))).__name__
    'SparseCategoricalAccuracy'
    """
    kind = accuracy_kind(_shape(y_true_shape), _shape(y_pred_shape))
    cls = {"binary": BinaryAccuracy, "sparse_categorical": SparseCategoricalAccuracy,
           "categorical": CategoricalAccuracy}[kind]
    return cls(name=str(name))


def get_metric_for_compile(identifier, y_true=None, y_pred=None) -> Metric | None:
    """Resolves one entry of `compile(metrics=[...])` as Keras 3 does.

    "accuracy"/"acc" (any case) becomes the accuracy that fits the shapes of `y_true`
    and `y_pred` (arrays or shape tuples); anything else goes through `get`. A string
    entry names the metric (its history key): "mse" -> "mse", "acc" -> "acc"; a
    function is wrapped in MeanMetricWrapper and named after it.

    Example:
    >>> get_metric_for_compile("mse", (4, 1), (4, 1)).name
    'mse'
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        metric = get_accuracy_for(None, _shape(y_true), _shape(y_pred), name=identifier)
    else:
        metric = get(identifier)
    if isinstance(identifier, str):
        name = identifier
    elif hasattr(metric, "name"):
        name = metric.name
    elif hasattr(metric, "__name__"):
        name = to_snake_case(metric.__name__)
    else:
        name = to_snake_case(type(metric).__name__)
    if not isinstance(metric, Metric):
        metric = MeanMetricWrapper(metric, name=name)
    metric.name = name
    return metric


__all__ = [cls.__name__ for cls in ALL_OBJECTS] + [
    "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "mean_squared_error",
    "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
    "log_cosh", "serialize", "deserialize", "get", "get_accuracy_for", "get_metric_for_compile",
    "accuracy_kind",
]
