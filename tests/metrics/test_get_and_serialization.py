"""`metrics.get` for every string shortcut, Keras-format configs (serialize /
deserialize / JSON round trips), and the compile helpers' choices and names."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lamina import metrics
from lamina.metrics.metrics_utils import to_snake_case

CLASS_NAMES = [
    "Mean", "Sum", "MeanSquaredError", "RootMeanSquaredError", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "CosineSimilarity",
    "LogCoshError", "R2Score", "AUC", "FalseNegatives", "FalsePositives", "Precision", "Recall",
    "TrueNegatives", "TruePositives", "Accuracy", "BinaryAccuracy", "CategoricalAccuracy",
    "SparseCategoricalAccuracy", "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy",
    "F1Score", "FBetaScore",
]


@pytest.mark.parametrize("name", CLASS_NAMES)
def test_get_class_and_snake_names(name):
    cls = getattr(metrics, name)
    assert isinstance(metrics.get(name), cls)
    assert isinstance(metrics.get(to_snake_case(name)), cls)


@pytest.mark.parametrize("alias,cls,default_name", [
    ("mse", metrics.MeanSquaredError, "mean_squared_error"),
    ("MSE", metrics.MeanSquaredError, "mean_squared_error"),
    ("mae", metrics.MeanAbsoluteError, "mean_absolute_error"),
    ("MAE", metrics.MeanAbsoluteError, "mean_absolute_error"),
    ("mape", metrics.MeanAbsolutePercentageError, "mean_absolute_percentage_error"),
    ("MAPE", metrics.MeanAbsolutePercentageError, "mean_absolute_percentage_error"),
    ("msle", metrics.MeanSquaredLogarithmicError, "mean_squared_logarithmic_error"),
    ("MSLE", metrics.MeanSquaredLogarithmicError, "mean_squared_logarithmic_error"),
    ("accuracy", metrics.Accuracy, "accuracy"),
    ("binary_accuracy", metrics.BinaryAccuracy, "binary_accuracy"),
    ("categorical_accuracy", metrics.CategoricalAccuracy, "categorical_accuracy"),
    ("sparse_categorical_accuracy", metrics.SparseCategoricalAccuracy,
     "sparse_categorical_accuracy"),
    ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy, "top_k_categorical_accuracy"),
    ("sparse_top_k_categorical_accuracy", metrics.SparseTopKCategoricalAccuracy,
     "sparse_top_k_categorical_accuracy"),
    ("f1_score", metrics.F1Score, "f1_score"),
    ("root_mean_squared_error", metrics.RootMeanSquaredError, "root_mean_squared_error"),
])
def test_get_aliases_and_default_names(alias, cls, default_name):
    m = metrics.get(alias)
    assert type(m) is cls
    assert m.name == default_name


def test_get_auto_named_classes_are_snake_case():
    for name, prefix in [("auc", "auc"), ("precision", "precision"), ("recall", "recall"),
                         ("true_positives", "true_positives")]:
        got = metrics.get(name).name
        assert got == prefix or got.startswith(prefix + "_")


def test_get_passes_through_instances_functions_and_none():
    m = metrics.AUC()
    assert metrics.get(m) is m
    assert metrics.get(metrics.binary_accuracy) is metrics.binary_accuracy
    assert metrics.get(None) is None
    assert isinstance(metrics.get(metrics.Precision), metrics.Precision)


def test_get_unknown_names_are_clear():
    with pytest.raises(ValueError, match="Could not interpret metric identifier.*Known names"):
        metrics.get("acuracy")
    with pytest.raises(ValueError, match="Could not interpret metric identifier"):
        metrics.get(42)


@pytest.mark.parametrize("metric", [
    metrics.Mean(name="m"), metrics.Sum(dtype="float64"), metrics.Accuracy(),
    metrics.BinaryAccuracy(threshold=0.3), metrics.CategoricalAccuracy(),
    metrics.SparseCategoricalAccuracy(), metrics.TopKCategoricalAccuracy(k=2),
    metrics.SparseTopKCategoricalAccuracy(k=3, from_sorted_ids=True),
    metrics.Precision(thresholds=[0.3, 0.6], class_id=1), metrics.Recall(top_k=2),
    metrics.TruePositives(thresholds=0.7), metrics.FalseNegatives(),
    metrics.AUC(num_thresholds=33, curve="PR", multi_label=True, num_labels=2),
    metrics.AUC(thresholds=[0.25, 0.5]), metrics.F1Score(average="micro", threshold=0.4),
    metrics.FBetaScore(beta=0.5), metrics.MeanSquaredError(), metrics.RootMeanSquaredError(),
    metrics.MeanAbsoluteError(), metrics.MeanAbsolutePercentageError(),
    metrics.MeanSquaredLogarithmicError(), metrics.CosineSimilarity(axis=0),
    metrics.LogCoshError(), metrics.R2Score(class_aggregation=None),
    metrics.MeanMetricWrapper(metrics.sparse_top_k_categorical_accuracy, name="top3", k=3),
], ids=lambda m: type(m).__name__)
def test_keras_format_config_round_trip(metric):
    config = metrics.serialize(metric)
    assert config["module"] == "keras.metrics"
    assert config["class_name"] == type(metric).__name__
    assert config["registered_name"] is None
    config = json.loads(json.dumps(config))  # JSON-compatible
    rebuilt = metrics.deserialize(config)
    assert type(rebuilt) is type(metric)
    assert rebuilt.get_config() == metric.get_config()
    assert metrics.get(config).get_config() == metric.get_config()


def test_auc_serialized_form_matches_keras():
    config = metrics.serialize(metrics.AUC(name="auc"))
    assert config == {
        "module": "keras.metrics", "class_name": "AUC", "registered_name": None,
        "config": {"name": "auc", "dtype": "float32", "num_thresholds": 200, "curve": "ROC",
                   "summation_method": "interpolation", "multi_label": False,
                   "num_labels": None, "label_weights": None, "from_logits": False}}


def test_deserialize_keras_written_configs():
    m = metrics.deserialize({"module": "keras.metrics", "class_name": "BinaryAccuracy",
                             "config": {"name": "binary_accuracy", "dtype": "float32",
                                        "threshold": 0.5}, "registered_name": None})
    assert isinstance(m, metrics.BinaryAccuracy)
    m = metrics.deserialize({"module": "keras.src.metrics.confusion_metrics",
                             "class_name": "Precision",
                             "config": {"name": "precision", "dtype": "float32",
                                        "thresholds": None, "top_k": None, "class_id": None},
                             "registered_name": None})
    assert isinstance(m, metrics.Precision) and m.name == "precision"
    m = metrics.deserialize({"module": "keras.metrics", "class_name": "AUC",
                             "config": {"name": "auc", "dtype": {
                                 "module": "keras", "class_name": "DTypePolicy",
                                 "config": {"name": "float32"}, "registered_name": None}},
                             "registered_name": None})
    assert m.dtype == "float32"
    assert isinstance(metrics.deserialize("mse"), metrics.MeanSquaredError)


# ----------------------------------------------------------- compile helpers
@pytest.mark.parametrize("y_true,y_pred,cls", [
    ((32, 1), (32, 1), metrics.BinaryAccuracy),
    ((32,), (32, 1), metrics.BinaryAccuracy),
    ((32,), (32, 10), metrics.SparseCategoricalAccuracy),
    ((32, 1), (32, 10), metrics.SparseCategoricalAccuracy),
    ((32, 10), (32, 10), metrics.CategoricalAccuracy),
    ((8, 5), (8, 5, 7), metrics.SparseCategoricalAccuracy),
])
def test_accuracy_resolution_follows_keras(y_true, y_pred, cls):
    m = metrics.get_accuracy_for("mse", y_true, y_pred, name="acc")
    assert type(m) is cls and m.name == "acc"
    m = metrics.get_metric_for_compile("accuracy", np.zeros(y_true), np.zeros(y_pred))
    assert type(m) is cls and m.name == "accuracy"


def test_compile_names_follow_keras():
    assert metrics.get_metric_for_compile("mse", (4, 1), (4, 1)).name == "mse"
    assert metrics.get_metric_for_compile("ACC", (4, 1), (4, 1)).name == "ACC"
    assert metrics.get_metric_for_compile("mean_absolute_error").name == "mean_absolute_error"
    assert metrics.get_metric_for_compile(metrics.AUC(name="my_auc")).name == "my_auc"
    m = metrics.get_metric_for_compile(metrics.binary_accuracy)
    assert isinstance(m, metrics.MeanMetricWrapper) and m.name == "binary_accuracy"

    def MyMetric(y_true, y_pred):  # noqa: N802 - names are snake-cased
        return y_pred

    assert metrics.get_metric_for_compile(MyMetric).name == "my_metric"
    assert metrics.get_metric_for_compile(None) is None
