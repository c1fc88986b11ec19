"""Precision, Recall, the confusion counts and AUC: Keras's documented examples,
NumPy references (thresholds, top_k, class_id, sample weights, several batches), the
AUC curves and summation methods, multi-label AUC, configs and errors."""

from __future__ import annotations

import numpy as np
import pytest

from lamina import metrics

from conftest import assert_close


# ------------------------------------------------------------ references
def np_counts(y_true, y_pred, thresholds, weights=None):
    """(T,) TP, FP, TN, FN of flattened data: positive when y_pred > t."""
    y = (np.asarray(y_true, np.float64).ravel() != 0)
    p = np.asarray(y_pred, np.float64).ravel()
    w = np.ones_like(p) if weights is None else np.broadcast_to(
        np.asarray(weights, np.float64), np.shape(y_pred)).ravel()
    pos = p[None, :] > np.asarray(thresholds, np.float64)[:, None]
    tp = (pos & y).astype(float) @ w
    fp = (pos & ~y).astype(float) @ w
    fn = (~pos & y).astype(float) @ w
    tn = (~pos & ~y).astype(float) @ w
    return tp, fp, tn, fn


def safe_div(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


def np_auc(tp, fp, tn, fn, curve="ROC", summation="interpolation"):
    """Keras's AUC formulas on counts of shape (T,) or (T, L) (per-label AUCs)."""
    n = len(tp)
    if curve == "PR" and summation == "interpolation":
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = safe_div(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        ratio = np.where((p[:-1] > 0) & (p[1:] > 0), safe_div(p[:-1], np.maximum(p[1:], 0)), 1.0)
        return np.sum(safe_div(slope * (dtp + intercept * np.log(ratio)),
                               np.maximum(tp[1:] + fn[1:], 0)), axis=0)
    recall = safe_div(tp, tp + fn)
    if curve == "ROC":
        x, y = safe_div(fp, fp + tn), recall
    elif curve == "PR":
        x, y = recall, safe_div(tp, tp + fp)
    else:
        scale = safe_div(tp + fn, tn + fp)
        rg = 1 - scale * safe_div(fn, tp)
        pg = 1 - scale * safe_div(fp, tp)
        rg = np.maximum(np.where(tp == 0, 0.0, rg), 0)
        pg = np.where(tp == 0, 1.0, pg)
        x, y = rg, pg
    if summation == "interpolation":
        h = (y[: n - 1] + y[1:]) / 2
    elif summation == "minoring":
        h = np.minimum(y[: n - 1], y[1:])
    else:
        h = np.maximum(y[: n - 1], y[1:])
    return np.sum((x[: n - 1] - x[1:]) * h, axis=0)


def auc_thresholds(n):
    return [-1e-7] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1 + 1e-7]


# ------------------------------------------------------------- docstrings
def test_precision_docstring_examples():
    m = metrics.Precision()
    m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    assert_close(m.result(), 2 / 3)
    m.reset_state()
    m.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    assert_close(m.result(), 1.0)
    m = metrics.Precision(top_k=2)
    m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    assert_close(m.result(), 0.0)
    m = metrics.Precision(top_k=4)
    m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    assert_close(m.result(), 0.5)


def test_recall_docstring_examples():
    m = metrics.Recall()
    m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    assert_close(m.result(), 2 / 3)
    m.reset_state()
    m.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    assert_close(m.result(), 1.0)


@pytest.mark.parametrize("cls,y_true,y_pred", [
    (metrics.TruePositives, [0, 1, 1, 1], [1, 0, 1, 1]),
    (metrics.FalsePositives, [0, 1, 0, 0], [0, 0, 1, 1]),
    (metrics.TrueNegatives, [0, 1, 0, 0], [1, 1, 0, 0]),
    (metrics.FalseNegatives, [0, 1, 1, 1], [0, 1, 0, 0]),
])
def test_count_docstring_examples(cls, y_true, y_pred):
    m = cls()
    m.update_state(y_true, y_pred)
    assert float(m.result()) == 2.0
    m.reset_state()
    m.update_state(y_true, y_pred, sample_weight=[0, 0, 1, 0])
    assert float(m.result()) == 1.0


def test_auc_docstring_example():
    m = metrics.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    assert_close(m.true_positives.numpy(), [2, 1, 0])
    assert_close(m.false_positives.numpy(), [2, 0, 0])
    assert_close(m.false_negatives.numpy(), [0, 1, 2])
    assert_close(m.true_negatives.numpy(), [0, 2, 2])
    assert_close(m.result(), 0.75)
    m.reset_state()
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    assert_close(m.result(), 1.0)


# -------------------------------------------------------------- Precision
@pytest.mark.parametrize("thresholds", [None, 0.3, [0.0, 0.25, 0.7, 1.0], [0.0, 0.5, 1.0]])
def test_precision_recall_counts_against_numpy(rng, thresholds):
    prec = metrics.Precision(thresholds=thresholds)
    rec = metrics.Recall(thresholds=thresholds)
    counts = metrics.TruePositives(thresholds=thresholds), metrics.FalsePositives(
        thresholds=thresholds), metrics.TrueNegatives(thresholds=thresholds), \
        metrics.FalseNegatives(thresholds=thresholds)
    t = [0.5] if thresholds is None else np.atleast_1d(thresholds)
    total = np.zeros((4, len(t)))
    for _ in range(3):
        y = rng.integers(0, 2, (12, 3))
        p = rng.uniform(size=(12, 3)).astype(np.float32)
        p[0, 0] = 0.5  # exactly on a threshold: not positive (strictly greater)
        w = rng.uniform(size=(12,)).astype(np.float32)
        for m in (prec, rec) + counts:
            m.update_state(y, p, sample_weight=w)
        total += np.stack(np_counts(y, p, t, w[:, None]))
    tp, fp, tn, fn = total
    squeeze = (lambda a: a[0]) if len(t) == 1 else (lambda a: a)
    assert_close(prec.result(), squeeze(safe_div(tp, tp + fp)), rtol=1e-5)
    assert_close(rec.result(), squeeze(safe_div(tp, tp + fn)), rtol=1e-5)
    for m, ref in zip(counts, (tp, fp, tn, fn)):
        assert_close(m.result(), squeeze(ref), rtol=1e-5, atol=1e-4)
    prec.reset_state()
    assert np.all(np.asarray(prec.result()) == 0)


def test_precision_class_id_and_top_k_against_numpy(rng):
    m = metrics.Precision(top_k=2, class_id=1)
    r = metrics.Recall(top_k=2)
    tp1 = fp1 = tp = fn = 0.0
    for _ in range(3):
        y = rng.integers(0, 2, (10, 5))
        p = rng.uniform(size=(10, 5)).astype(np.float32)
        m.update_state(y, p)
        r.update_state(y, p)
        top = np.argsort(-p, axis=1, kind="stable")[:, :2]
        in_top = np.zeros_like(p, bool)
        np.put_along_axis(in_top, top, True, axis=1)
        tp1 += (in_top[:, 1] & (y[:, 1] == 1)).sum()
        fp1 += (in_top[:, 1] & (y[:, 1] == 0)).sum()
        tp += (in_top & (y == 1)).sum()
        fn += (~in_top & (y == 1)).sum()
    assert_close(m.result(), tp1 / (tp1 + fp1))
    assert_close(r.result(), tp / (tp + fn))


def test_top_k_ties_go_to_the_lower_index():
    m = metrics.Precision(top_k=1)
    m.update_state([[0, 1, 0]], [[0.5, 0.5, 0.1]])  # top 1 is index 0 (a tie, lower index)
    assert float(m.result()) == 0.0


def test_precision_multiple_thresholds_returns_vector():
    m = metrics.Precision(thresholds=[0.1, 0.9])
    m.update_state([1, 0, 1], [0.5, 0.5, 0.95])
    assert_close(m.result(), [2 / 3, 1.0])


def test_precision_config_round_trip():
    m = metrics.Precision(thresholds=[0.2, 0.6], top_k=3, class_id=2, name="p")
    config = m.get_config()
    assert config == {"name": "p", "dtype": "float32", "thresholds": [0.2, 0.6], "top_k": 3,
                      "class_id": 2}
    m2 = metrics.Precision.from_config(config)
    assert m2.thresholds == [0.2, 0.6] and m2.top_k == 3 and m2.class_id == 2
    assert metrics.Recall(name="recall").get_config() == {"name": "recall", "dtype": "float32",
                                             "thresholds": None, "top_k": None, "class_id": None}


def test_confusion_errors_are_clear():
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]"):
        metrics.Precision(thresholds=1.5)
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]"):
        metrics.Recall(thresholds=[0.5, -0.1])
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]"):
        metrics.AUC(thresholds=[0.5, 2.0])
    with pytest.raises(ValueError, match="top_k"):
        metrics.Precision(top_k=0)
    with pytest.raises(ValueError, match="class_id"):
        metrics.Recall(class_id=-1)
    with pytest.raises(ValueError, match="class_id"):
        metrics.Precision(class_id=0).update_state([0, 1], [0.2, 0.7])
    with pytest.raises(ValueError, match="out of range"):
        metrics.Precision(class_id=5).update_state([[0, 1]], [[0.2, 0.7]])
    with pytest.raises(ValueError, match="same shape"):
        metrics.Precision().update_state([[0, 1, 1]], [[0.2, 0.7]])


# -------------------------------------------------------------------- AUC
def test_auc_thresholds_are_epsilon_padded():
    m = metrics.AUC(num_thresholds=5)
    assert_close(m.thresholds, [-1e-7, 0.25, 0.5, 0.75, 1 + 1e-7])
    m = metrics.AUC(thresholds=[0.7, 0.2])
    assert m.num_thresholds == 4
    assert_close(m.thresholds, [-1e-7, 0.2, 0.7, 1 + 1e-7])


@pytest.mark.parametrize("curve", ["ROC", "PR", "PRGAIN"])
@pytest.mark.parametrize("summation", ["interpolation", "minoring", "majoring"])
def test_auc_curves_and_summations_against_numpy(rng, curve, summation):
    m = metrics.AUC(num_thresholds=20, curve=curve, summation_method=summation)
    thresholds = auc_thresholds(20)
    total = np.zeros((4, 20))
    for _ in range(3):
        y = rng.integers(0, 2, (32,))
        p = np.clip(y * 0.3 + rng.uniform(size=(32,)) * 0.7, 0, 1).astype(np.float32)
        w = rng.uniform(size=(32,)).astype(np.float32)
        m.update_state(y, p, sample_weight=w)
        total += np.stack(np_counts(y, p, thresholds, w))
        assert_close(m.result(), np_auc(*total, curve=curve, summation=summation),
                     rtol=1e-4, atol=1e-5)
    m.reset_state()
    assert float(m.result()) == 0.0


def test_auc_roc_approaches_the_exact_rank_statistic(rng):
    y = rng.integers(0, 2, (400,))
    p = np.clip(0.35 * y + rng.uniform(size=400) * 0.65, 0, 1).astype(np.float32)
    m = metrics.AUC(num_thresholds=2000)
    m.update_state(y, p)
    pos, neg = p[y == 1], p[y == 0]
    exact = ((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())
    assert abs(float(m.result()) - exact) < 2e-3


def test_auc_from_logits_and_custom_thresholds(rng):
    logits = rng.standard_normal((16,)).astype(np.float32)
    y = (logits + rng.standard_normal(16) > 0).astype(np.float32)
    a = metrics.AUC(from_logits=True, thresholds=[0.1, 0.3, 0.5, 0.8])
    b = metrics.AUC(thresholds=[0.1, 0.3, 0.5, 0.8])
    a.update_state(y, logits)
    b.update_state(y, 1 / (1 + np.exp(-logits)))
    assert_close(a.result(), b.result(), rtol=1e-5)
    counts = np_counts(y, 1 / (1 + np.exp(-logits.astype(np.float64))),
                       [-1e-7, 0.1, 0.3, 0.5, 0.8, 1 + 1e-7])
    assert_close(b.result(), np_auc(*counts), rtol=1e-5)


@pytest.mark.parametrize("label_weights", [None, [0.2, 1.0, 3.0]])
def test_auc_multi_label_against_numpy(rng, label_weights):
    m = metrics.AUC(num_thresholds=10, multi_label=True, label_weights=label_weights)
    thresholds = auc_thresholds(10)
    total = np.zeros((4, 10, 3))
    for _ in range(2):
        y = rng.integers(0, 2, (20, 3))
        p = rng.uniform(size=(20, 3)).astype(np.float32)
        w = rng.uniform(size=(20,)).astype(np.float32)
        m.update_state(y, p, sample_weight=w)
        for j in range(3):
            total[:, :, j] += np.stack(np_counts(y[:, j], p[:, j], thresholds, w))
    assert m.true_positives.shape == (10, 3)
    per_label = np_auc(*total)
    expected = per_label.mean() if label_weights is None else \
        (per_label * label_weights).sum() / np.sum(label_weights)
    assert_close(m.result(), expected, rtol=1e-5)


def test_auc_label_weights_without_multi_label_weight_examples(rng):
    y = rng.integers(0, 2, (8, 2))
    p = rng.uniform(size=(8, 2)).astype(np.float32)
    m = metrics.AUC(num_thresholds=7, label_weights=[1.0, 0.5])
    m.update_state(y, p)
    counts = np_counts(y, p, auc_thresholds(7), np.array([1.0, 0.5]))
    assert_close(m.result(), np_auc(*counts), rtol=1e-5)


def test_auc_config_round_trip():
    m = metrics.AUC(num_thresholds=50, curve="pr", summation_method="majoring", name="pr_auc",
                    multi_label=True, num_labels=3, label_weights=[1.0, 2.0, 3.0],
                    from_logits=True)
    config = m.get_config()
    assert config == {"name": "pr_auc", "dtype": "float32", "num_thresholds": 50, "curve": "PR",
                      "summation_method": "majoring", "multi_label": True, "num_labels": 3,
                      "label_weights": [1.0, 2.0, 3.0], "from_logits": True}
    m2 = metrics.AUC.from_config(config)
    assert m2.get_config() == config
    assert m2.true_positives.shape == (50, 3)
    t = metrics.AUC(thresholds=[0.3, 0.6]).get_config()
    assert t["thresholds"] == [0.3, 0.6] and t["num_thresholds"] == 4
    assert_close(metrics.AUC.from_config(t).thresholds, [-1e-7, 0.3, 0.6, 1 + 1e-7])


def test_auc_errors_are_clear():
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="Invalid AUC curve"):
        metrics.AUC(curve="XYZ")
    with pytest.raises(ValueError, match="summation method"):
        metrics.AUC(summation_method="trapezoid")
    with pytest.raises(ValueError, match="only when `multi_label` is True"):
        metrics.AUC(num_labels=3)
    with pytest.raises(ValueError, match="rank 2"):
        metrics.AUC(multi_label=True).update_state([0, 1], [0.1, 0.9])
    m = metrics.AUC(multi_label=True, num_labels=3)
    with pytest.raises(ValueError, match=r"shape \(N, 3\)"):
        m.update_state(np.zeros((4, 2)), np.zeros((4, 2)))


def test_auc_names():
    assert metrics.AUC(name="auc").name == "auc"
    a = metrics.AUC()
    assert a.name == "auc" or a.name.startswith("auc_")


def test_auc_clips_out_of_range_predictions_like_keras():
    m = metrics.AUC(num_thresholds=3)
    m.update_state([1, 1], [1.5, -0.5])
    assert_close(m.true_positives.numpy(), [2, 1, 0])
    assert_close(m.false_negatives.numpy(), [0, 1, 2])


def test_auc_large_batch_matches_reference(rng):
    y = rng.integers(0, 2, (5000,))
    p = rng.uniform(size=(5000,)).astype(np.float32)
    m = metrics.AUC(num_thresholds=200)
    m.update_state(y, p)
    counts = np_counts(y, p, auc_thresholds(200))
    assert_close(m.true_positives.numpy(), counts[0], atol=1)  # a boundary value may move
    assert_close(m.result(), np_auc(*counts), rtol=1e-4)
