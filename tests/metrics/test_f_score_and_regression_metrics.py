"""F-scores and regression metrics: Keras's documented examples, NumPy references
over weighted batches, configs and errors."""

from __future__ import annotations

import numpy as np
import pytest

from lamina import metrics

from conftest import assert_close

Y_TRUE = np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]], np.int32)
Y_PRED = np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]], np.float32)


# --------------------------------------------------------------- F-scores
def test_f1_and_fbeta_docstring_examples():
    assert_close(metrics.F1Score(threshold=0.5)(Y_TRUE, Y_PRED), [0.5, 0.8, 0.6666667],
                 rtol=1e-5)
    assert_close(metrics.FBetaScore(beta=2.0, threshold=0.5)(Y_TRUE, Y_PRED),
                 [0.3846154, 0.90909094, 0.8333334], rtol=1e-5)


def np_fbeta(batches, beta, average, threshold):
    tp = fp = fn = support = 0.0
    for y, p, w in batches:
        y = y.astype(np.float64)
        if threshold is None:
            pred = ((p >= p.max(axis=1, keepdims=True)) & (np.abs(p) > 1e-9)).astype(float)
        else:
            pred = (p > threshold).astype(float)
        w = np.ones((len(y), 1)) if w is None else w[:, None]
        axis = None if average == "micro" else 0
        tp = tp + (pred * y * w).sum(axis=axis)
        fp = fp + (pred * (1 - y) * w).sum(axis=axis)
        fn = fn + ((1 - pred) * y * w).sum(axis=axis)
        support = support + (y * w).sum(axis=axis)
    eps = 1e-7
    prec = tp / (tp + fp + eps)
    rec = tp / (tp + fn + eps)
    f = (1 + beta ** 2) * prec * rec / (beta ** 2 * prec + rec + eps)
    if average == "weighted":
        return (f * support / (np.sum(support) + eps)).sum()
    if average is not None:
        return np.mean(f)
    return f


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("threshold", [None, 0.4])
@pytest.mark.parametrize("beta", [1.0, 0.5])
def test_fbeta_against_numpy(rng, average, threshold, beta):
    m = metrics.FBetaScore(average=average, beta=beta, threshold=threshold)
    batches = []
    for i in range(3):
        y = rng.integers(0, 2, (10, 4))
        p = rng.uniform(size=(10, 4)).astype(np.float32)
        p[0] = 0.0  # an all-zero row predicts nothing
        w = rng.uniform(size=(10,)).astype(np.float32) if i else None
        batches.append((y, p, w))
        m.update_state(y, p, sample_weight=w)
    assert_close(m.result(), np_fbeta(batches, beta, average, threshold), rtol=1e-4, atol=1e-6)
    m.reset_state()
    assert np.all(np.asarray(m.result()) == 0)


def test_fscore_configs():
    assert metrics.F1Score(average="macro", threshold=0.3).get_config() == {
        "name": "f1_score", "dtype": "float32", "average": "macro", "threshold": 0.3}
    config = metrics.FBetaScore(average="weighted", beta=2.0, name="f2").get_config()
    assert config == {"name": "f2", "dtype": "float32", "average": "weighted", "beta": 2.0,
                      "threshold": None}
    assert metrics.FBetaScore.from_config(config).beta == 2.0


def test_fscore_errors_are_clear():
    with pytest.raises(ValueError, match="average"):
        metrics.F1Score(average="samples")
    with pytest.raises(ValueError, match="beta"):
        metrics.FBetaScore(beta=0.0)
    with pytest.raises(ValueError, match="beta"):
        metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="threshold"):
        metrics.F1Score(threshold=1.5)
    with pytest.raises(ValueError, match="threshold"):
        metrics.F1Score(threshold=1)
    with pytest.raises(ValueError, match="2D inputs"):
        metrics.F1Score().update_state([1, 0], [0.2, 0.8])
    m = metrics.F1Score()
    m.update_state(Y_TRUE, Y_PRED)
    with pytest.raises(ValueError, match=r"\(batch_size, 3\)"):
        m.update_state(np.ones((2, 4)), np.ones((2, 4)))


# ------------------------------------------------------------- regression
@pytest.mark.parametrize("cls,plain,weighted", [
    (metrics.MeanSquaredError, 0.25, 0.5),
    (metrics.MeanAbsoluteError, 0.25, 0.5),
    (metrics.MeanAbsolutePercentageError, 250000000.0, 500000000.0),
    (metrics.MeanSquaredLogarithmicError, 0.12011322, 0.24022643),
    (metrics.RootMeanSquaredError, 0.5, 0.70710677),
    (metrics.LogCoshError, 0.10844523, 0.21689045),
])
def test_regression_docstring_examples(cls, plain, weighted):
    m = cls()
    m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    assert_close(m.result(), plain, rtol=1e-5)
    m.reset_state()
    m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]], sample_weight=[1, 0])
    assert_close(m.result(), weighted, rtol=1e-5)


def test_cosine_similarity_docstring_example():
    m = metrics.CosineSimilarity(axis=1)
    m.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])
    assert_close(m.result(), 0.5, rtol=1e-5)
    m.reset_state()
    m.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]], sample_weight=[0.3, 0.7])
    assert_close(m.result(), 0.7, rtol=1e-5)


def test_r2_score_docstring_example():
    m = metrics.R2Score()
    m.update_state(np.array([[1], [4], [3]], np.float32), np.array([[2], [4], [4]], np.float32))
    assert_close(m.result(), 0.57142854, rtol=1e-5)


REFS = {
    "mse": lambda t, p: ((t - p) ** 2).mean(-1),
    "mae": lambda t, p: np.abs(t - p).mean(-1),
    "mape": lambda t, p: 100 * np.abs((t - p) / np.maximum(np.abs(t), 1e-7)).mean(-1),
    "msle": lambda t, p: ((np.log(np.maximum(p, 1e-7) + 1) - np.log(np.maximum(t, 1e-7) + 1))
                         ** 2).mean(-1),
    "logcosh": lambda t, p: np.log(np.cosh(p - t)).mean(-1),
    "cosine": lambda t, p: (t / np.linalg.norm(t, axis=-1, keepdims=True)
                            * p / np.linalg.norm(p, axis=-1, keepdims=True)).sum(-1),
}
CLASSES = {"mse": metrics.MeanSquaredError, "mae": metrics.MeanAbsoluteError,
           "mape": metrics.MeanAbsolutePercentageError,
           "msle": metrics.MeanSquaredLogarithmicError, "logcosh": metrics.LogCoshError,
           "cosine": metrics.CosineSimilarity}


@pytest.mark.parametrize("key", sorted(REFS))
def test_regression_against_numpy_over_weighted_batches(rng, key):
    m = CLASSES[key]()
    total = count = 0.0
    for _ in range(3):
        t = rng.uniform(0.5, 2.0, (8, 5)).astype(np.float32)
        p = rng.uniform(0.5, 2.0, (8, 5)).astype(np.float32)
        w = rng.uniform(size=(8,)).astype(np.float32)
        m.update_state(t, p, sample_weight=w)
        per = REFS[key](t.astype(np.float64), p.astype(np.float64))
        total += (per * w).sum()
        count += w.sum()
        assert_close(m.result(), total / count, rtol=1e-4)
    m.reset_state()
    assert float(m.result()) == 0.0


def test_rmse_against_numpy(rng):
    m = metrics.RootMeanSquaredError()
    total = count = 0.0
    for _ in range(3):
        t = rng.standard_normal((6, 3)).astype(np.float32)
        p = rng.standard_normal((6, 3)).astype(np.float32)
        m.update_state(t, p)
        total += ((t - p) ** 2).mean(axis=1).sum()
        count += 6
    assert_close(m.result(), np.sqrt(total / count), rtol=1e-5)


def test_r2_against_numpy(rng):
    for aggregation in (None, "uniform_average", "variance_weighted_average"):
        m = metrics.R2Score(class_aggregation=aggregation)
        ts, ps = [], []
        for _ in range(2):
            t = rng.standard_normal((10, 2)).astype(np.float32)
            p = (t + 0.5 * rng.standard_normal((10, 2))).astype(np.float32)
            m.update_state(t, p)
            ts.append(t)
            ps.append(p)
        t, p = np.concatenate(ts).astype(np.float64), np.concatenate(ps).astype(np.float64)
        ss_res = ((t - p) ** 2).sum(0)
        ss_tot = ((t - t.mean(0)) ** 2).sum(0)
        raw = 1 - ss_res / ss_tot
        expected = {None: raw, "uniform_average": raw.mean(),
                    "variance_weighted_average": (ss_tot * raw).sum() / ss_tot.sum()}[aggregation]
        assert_close(m.result(), expected, rtol=1e-4)


def test_regression_names_and_configs():
    for cls, name in [(metrics.MeanSquaredError, "mean_squared_error"),
                      (metrics.MeanAbsoluteError, "mean_absolute_error"),
                      (metrics.MeanAbsolutePercentageError, "mean_absolute_percentage_error"),
                      (metrics.MeanSquaredLogarithmicError, "mean_squared_logarithmic_error"),
                      (metrics.RootMeanSquaredError, "root_mean_squared_error"),
                      (metrics.LogCoshError, "logcosh")]:
        assert cls().get_config() == {"name": name, "dtype": "float32"}
    assert metrics.CosineSimilarity(axis=0).get_config() == {
        "name": "cosine_similarity", "dtype": "float32", "axis": 0}
    assert metrics.R2Score().get_config() == {"name": "r2_score", "dtype": "float32",
                                              "class_aggregation": "uniform_average",
                                              "num_regressors": 0}


def test_regression_errors_are_clear():
    with pytest.raises(ValueError, match="incompatible shapes"):
        metrics.MeanSquaredError().update_state(np.ones((4, 3)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="class_aggregation"):
        metrics.R2Score(class_aggregation="median")
    with pytest.raises(ValueError, match="num_regressors"):
        metrics.R2Score(num_regressors=-1)
