"""Accuracy metrics and functions: Keras's documented examples, NumPy references
over several weighted batches, ties in top-k, shapes and errors."""

from __future__ import annotations

import numpy as np
import pytest

from lamina import metrics

from conftest import assert_close


def run(metric, batches):
    for args in batches:
        metric.update_state(*args[:2], sample_weight=args[2] if len(args) > 2 else None)
    return float(metric.result())


# ------------------------------------------------------------- docstrings
@pytest.mark.parametrize("metric,y_true,y_pred,weights,plain,weighted", [
    (metrics.Accuracy, [[1], [2], [3], [4]], [[0], [2], [3], [4]], [1, 1, 0, 0], 0.75, 0.5),
    (metrics.BinaryAccuracy, [[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], [1, 0, 0, 1],
     0.75, 0.5),
    (metrics.CategoricalAccuracy, [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]],
     [0.7, 0.3], 0.5, 0.3),
    (metrics.SparseCategoricalAccuracy, [[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]],
     [0.7, 0.3], 0.5, 0.3),
    (lambda: metrics.TopKCategoricalAccuracy(k=1), [[0, 0, 1], [0, 1, 0]],
     [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], [0.7, 0.3], 0.5, 0.3),
    (lambda: metrics.SparseTopKCategoricalAccuracy(k=1), [2, 1],
     [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], [0.7, 0.3], 0.5, 0.3),
    (lambda: metrics.SparseTopKCategoricalAccuracy(k=1, from_sorted_ids=True), [2, 1],
     [[1, 0, 3], [1, 2, 3]], [0.7, 0.3], 0.5, 0.3),
])
def test_keras_docstring_examples(metric, y_true, y_pred, weights, plain, weighted):
    m = metric()
    m.update_state(y_true, y_pred)
    assert_close(m.result(), plain)
    m.reset_state()
    m.update_state(y_true, y_pred, sample_weight=weights)
    assert_close(m.result(), weighted)


def test_names_and_configs():
    assert metrics.Accuracy().get_config() == {"name": "accuracy", "dtype": "float32"}
    assert metrics.BinaryAccuracy(threshold=0.7).get_config() == {
        "name": "binary_accuracy", "dtype": "float32", "threshold": 0.7}
    assert metrics.CategoricalAccuracy().name == "categorical_accuracy"
    assert metrics.SparseCategoricalAccuracy().name == "sparse_categorical_accuracy"
    assert metrics.TopKCategoricalAccuracy(k=3).get_config() == {
        "name": "top_k_categorical_accuracy", "dtype": "float32", "k": 3}
    assert metrics.SparseTopKCategoricalAccuracy().get_config() == {
        "name": "sparse_top_k_categorical_accuracy", "dtype": "float32", "k": 5}
    assert metrics.SparseTopKCategoricalAccuracy(from_sorted_ids=True).get_config()[
        "from_sorted_ids"] is True


# ------------------------------------------------------- NumPy references
def test_binary_accuracy_batches_against_numpy(rng):
    m = metrics.BinaryAccuracy(threshold=0.3)
    hits = weights = 0.0
    for _ in range(4):
        y = rng.integers(0, 2, (8, 3)).astype(np.float32)
        p = rng.uniform(size=(8, 3)).astype(np.float32)
        w = rng.uniform(size=(8,)).astype(np.float32)
        m.update_state(y, p, sample_weight=w)
        per_sample = ((p > 0.3) == y).mean(axis=1)
        hits += (per_sample * w).sum()
        weights += w.sum()
        assert_close(m.result(), hits / weights, rtol=1e-5)
    m.reset_state()
    assert float(m.result()) == 0.0


def test_categorical_and_sparse_against_numpy(rng):
    cat, sparse = metrics.CategoricalAccuracy(), metrics.SparseCategoricalAccuracy()
    hits = weights = 0.0
    for _ in range(3):
        labels = rng.integers(0, 5, (16,))
        p = rng.uniform(size=(16, 5)).astype(np.float32)
        w = rng.uniform(size=(16,)).astype(np.float32)
        cat.update_state(np.eye(5, dtype=np.float32)[labels], p, sample_weight=w)
        sparse.update_state(labels[:, None], p, sample_weight=w)
        hits += ((p.argmax(axis=1) == labels) * w).sum()
        weights += w.sum()
    assert_close(cat.result(), hits / weights, rtol=1e-5)
    assert_close(sparse.result(), hits / weights, rtol=1e-5)


def np_in_top_k(labels, p, k):
    at = p[np.arange(len(labels)), labels]
    return ((p > at[:, None]).sum(axis=1) < k) & ~np.isnan(at)


@pytest.mark.parametrize("k", [1, 2, 4, 6])
def test_top_k_against_numpy(rng, k):
    top, sparse = metrics.TopKCategoricalAccuracy(k=k), metrics.SparseTopKCategoricalAccuracy(k=k)
    hits = n = 0.0
    for _ in range(3):
        labels = rng.integers(0, 6, (10,))
        p = rng.uniform(size=(10, 6)).astype(np.float32)
        top.update_state(np.eye(6)[labels], p)
        sparse.update_state(labels, p)
        hits += np_in_top_k(labels, p, k).sum()
        n += 10
    assert_close(top.result(), hits / n)
    assert_close(sparse.result(), hits / n)


def test_top_k_ties_count_as_in_and_nan_as_out():
    # Class 2 ties with the 1st-largest value: in the top 1 (as Keras's in_top_k).
    p = np.array([[0.1, 0.5, 0.5], [0.2, np.nan, 0.1]], np.float32)
    out = metrics.sparse_top_k_categorical_accuracy([2, 1], p, k=1).numpy()
    assert out.tolist() == [1.0, 0.0]


def test_functional_forms_shapes():
    assert metrics.binary_accuracy([[1], [0]], [[0.6], [0.7]]).numpy().tolist() == [[1.0], [0.0]]
    assert metrics.binary_accuracy([1, 0], [0.6, 0.7], threshold=0.65).numpy().tolist() == [0, 0]
    out = metrics.categorical_accuracy(np.eye(3)[[0, 1]], [[0.9, 0.1, 0], [0.9, 0.1, 0]])
    assert out.shape == (2,) and out.dtype == "float32"
    assert metrics.sparse_categorical_accuracy([[0], [1]], [[0.9, 0.1], [0.9, 0.1]]).shape == (2,)
    # Sequences: (N, T) labels against (N, T, C) predictions.
    labels = np.array([[0, 1, 2], [2, 1, 0]])
    p = np.eye(3, dtype=np.float32)[labels]
    assert metrics.sparse_categorical_accuracy(labels, p).numpy().tolist() == [[1, 1, 1]] * 2
    assert metrics.sparse_top_k_categorical_accuracy(labels, p, k=1).shape == (2, 3)
    assert metrics.top_k_categorical_accuracy(p, p, k=1).shape == (2, 3)


def test_accuracy_on_sequences_with_per_step_weights():
    m = metrics.SparseCategoricalAccuracy()
    labels = np.array([[0, 1], [1, 1]])
    p = np.array([[[0.9, 0.1], [0.9, 0.1]], [[0.1, 0.9], [0.1, 0.9]]], np.float32)
    m.update_state(labels, p, sample_weight=np.array([[1.0, 0.0], [1.0, 1.0]], np.float32))
    assert_close(m.result(), 1.0)


def test_int_predictions_and_labels():
    m = metrics.Accuracy()
    m.update_state(np.array([1, 2, 3]), np.array([1, 2, 4]))
    assert_close(m.result(), 2 / 3)


# ----------------------------------------------------------------- errors
def test_errors_are_clear():
    with pytest.raises(ValueError, match="threshold"):
        metrics.BinaryAccuracy(threshold=1.5)
    with pytest.raises(ValueError, match="threshold"):
        metrics.BinaryAccuracy(threshold=-0.5)
    with pytest.raises(ValueError, match="positive integer"):
        metrics.TopKCategoricalAccuracy(k=0)
    with pytest.raises(ValueError, match="positive integer"):
        metrics.sparse_top_k_categorical_accuracy([0], [[1.0, 0.0]], k=2.5)
    with pytest.raises(ValueError, match="number of classes"):
        metrics.categorical_accuracy(np.eye(3), np.ones((3, 4)))
    with pytest.raises(ValueError, match="one class index per row"):
        metrics.sparse_categorical_accuracy([0, 1, 2], np.ones((2, 4)))
    with pytest.raises(ValueError, match="one class index per row"):
        metrics.SparseTopKCategoricalAccuracy().update_state([0, 1, 2], np.ones((2, 4)))
