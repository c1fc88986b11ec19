"""lamina.losses: each loss against a NumPy implementation of Keras's documented
formula, for every reduction and with sample weights; Keras's docstring numbers;
logits vs probabilities; stability; label smoothing; ignore_class; gradients."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from conftest import assert_close, check_grad
from lamina import losses, ops

EPS = 1e-7


# ------------------------------------------------------------ NumPy references
def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _log_softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))


def np_mse(t, p):
    return np.mean((t - p) ** 2, axis=-1)


def np_mae(t, p):
    return np.mean(np.abs(t - p), axis=-1)


def np_mape(t, p):
    return 100.0 * np.mean(np.abs((t - p) / np.maximum(np.abs(t), EPS)), axis=-1)


def np_msle(t, p):
    return np.mean((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2, axis=-1)


def np_huber(t, p, delta=1.0):
    e = np.abs(p - t)
    return np.mean(np.where(e <= delta, 0.5 * e ** 2, delta * e - 0.5 * delta ** 2), axis=-1)


def np_logcosh(t, p):
    return np.mean(np.log(np.cosh(p - t)), axis=-1)


def np_kld(t, p):
    t, p = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    return np.sum(t * np.log(t / p), axis=-1)


def np_poisson(t, p):
    return np.mean(p - t * np.log(p + EPS), axis=-1)


def _hinge_labels(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def np_hinge(t, p):
    return np.mean(np.maximum(1 - _hinge_labels(t) * p, 0), axis=-1)


def np_squared_hinge(t, p):
    return np.mean(np.maximum(1 - _hinge_labels(t) * p, 0) ** 2, axis=-1)


def np_categorical_hinge(t, p):
    pos = np.sum(t * p, axis=-1)
    neg = np.max((1 - t) * p, axis=-1)
    return np.maximum(neg - pos + 1, 0)


def np_cosine(t, p, axis=-1):
    tn = t / np.sqrt(np.maximum(np.sum(t * t, axis=axis, keepdims=True), 1e-12))
    pn = p / np.sqrt(np.maximum(np.sum(p * p, axis=axis, keepdims=True), 1e-12))
    return -np.sum(tn * pn, axis=axis)


def np_bce(t, p, from_logits=False, label_smoothing=0.0, axis=-1):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        p = _sigmoid(p)
    p = np.clip(p, EPS, 1 - EPS)
    return np.mean(-(t * np.log(p) + (1 - t) * np.log(1 - p)), axis=axis)


def np_focal(t, p, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
             label_smoothing=0.0, axis=-1):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        p = _sigmoid(p)
    pc = np.clip(p, EPS, 1 - EPS)
    bce = -(t * np.log(pc) + (1 - t) * np.log(1 - pc))
    p_t = t * p + (1 - t) * (1 - p)
    out = (1 - p_t) ** gamma * bce
    if apply_class_balancing:
        out = (t * alpha + (1 - t) * (1 - alpha)) * out
    return np.mean(out, axis=axis)


def np_cce(t, p, from_logits=False, label_smoothing=0.0, axis=-1):
    if label_smoothing:
        t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    if from_logits:
        logp = _log_softmax(p, axis)
    else:
        logp = np.log(np.clip(p / np.sum(p, axis=axis, keepdims=True), EPS, 1 - EPS))
    return -np.sum(t * logp, axis=axis)


def np_cfce(t, p, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    if label_smoothing:
        t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    if from_logits:
        p = np.exp(_log_softmax(p, axis))
    p = np.clip(p / np.sum(p, axis=axis, keepdims=True), EPS, 1 - EPS)
    return np.sum(alpha * (1 - p) ** gamma * -t * np.log(p), axis=axis)


def np_scce(t, p, from_logits=False, axis=-1):
    t = np.asarray(t).astype(np.int64)
    if t.ndim == p.ndim:
        t = t[..., 0]
    onehot = np.moveaxis(np.eye(p.shape[axis])[t], -1, axis)
    return np_cce(onehot, p, from_logits=from_logits, axis=axis)


def np_dice(t, p, axis=None):
    inter = np.sum(t * p, axis=axis)
    return 1 - 2 * inter / (np.sum(t, axis=axis) + np.sum(p, axis=axis) + EPS)


def np_tversky(t, p, alpha=0.5, beta=0.5, axis=None):
    tp = np.sum(t * p, axis=axis)
    fp = np.sum((1 - p) * t, axis=axis)
    fn = np.sum(p * (1 - t), axis=axis)
    return 1 - tp / (tp + alpha * fp + beta * fn + EPS)


def np_reduce(values, sample_weight=None, reduction="sum_over_batch_size"):
    values = np.asarray(values, dtype=np.float64)
    if sample_weight is not None:
        sw = np.asarray(sample_weight, dtype=np.float64)
        # Keras's rank alignment: a trailing 1 is squeezed, or a rank-1 side expanded.
        if sw.ndim == values.ndim - 1 and values.shape[-1] == 1:
            if sw.ndim == 1:
                sw = sw[:, None]
            else:
                values = values[..., 0]
        elif values.ndim == sw.ndim - 1 and sw.shape[-1] == 1:
            if values.ndim == 1:
                values = values[:, None]
            else:
                sw = sw[..., 0]
        values = values * sw
    if reduction in (None, "none"):
        return values
    if reduction == "sum":
        return np.sum(values)
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return np.sum(values) / np.sum(sw)
    return np.mean(values)


# ------------------------------------------------------------------ cases
def _probs(rng, shape):
    return rng.uniform(0.05, 0.95, shape)


def _onehot(rng, shape):
    return np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])]


def _dist(rng, shape):
    x = rng.uniform(0.1, 1.0, shape)
    return x / x.sum(-1, keepdims=True)


# name -> (class, class kwargs, function, numpy reference, y_true maker, y_pred maker)
CASES = {
    "mse": (losses.MeanSquaredError, {}, losses.mean_squared_error, np_mse,
            lambda r, s: r.normal(size=s), lambda r, s: r.normal(size=s)),
    "mae": (losses.MeanAbsoluteError, {}, losses.mean_absolute_error, np_mae,
            lambda r, s: r.normal(size=s), lambda r, s: r.normal(size=s)),
    "mape": (losses.MeanAbsolutePercentageError, {}, losses.mean_absolute_percentage_error,
             np_mape, lambda r, s: r.uniform(0.5, 2, s) * r.choice([-1, 1], s),
             lambda r, s: r.normal(size=s)),
    "msle": (losses.MeanSquaredLogarithmicError, {}, losses.mean_squared_logarithmic_error,
             np_msle, lambda r, s: r.uniform(0, 3, s), lambda r, s: r.uniform(0, 3, s)),
    "huber": (losses.Huber, {"delta": 0.7}, lambda t, p: losses.huber(t, p, delta=0.7),
              lambda t, p: np_huber(t, p, 0.7), lambda r, s: r.normal(size=s),
              lambda r, s: r.normal(size=s)),
    "logcosh": (losses.LogCosh, {}, losses.log_cosh, np_logcosh,
                lambda r, s: r.normal(size=s), lambda r, s: r.normal(size=s)),
    "kld": (losses.KLDivergence, {}, losses.kl_divergence, np_kld, _dist, _dist),
    "poisson": (losses.Poisson, {}, losses.poisson, np_poisson,
                lambda r, s: r.poisson(2.0, s).astype(float), lambda r, s: r.uniform(0.1, 4, s)),
    "hinge": (losses.Hinge, {}, losses.hinge, np_hinge,
              lambda r, s: r.integers(0, 2, s).astype(float), lambda r, s: r.normal(size=s)),
    "hinge_pm1": (losses.Hinge, {}, losses.hinge, np_hinge,
                  lambda r, s: r.choice([-1.0, 1.0], s), lambda r, s: r.normal(size=s)),
    "squared_hinge": (losses.SquaredHinge, {}, losses.squared_hinge, np_squared_hinge,
                      lambda r, s: r.integers(0, 2, s).astype(float),
                      lambda r, s: r.normal(size=s)),
    "categorical_hinge": (losses.CategoricalHinge, {}, losses.categorical_hinge,
                          np_categorical_hinge, _onehot, lambda r, s: r.normal(size=s)),
    "cosine": (losses.CosineSimilarity, {}, losses.cosine_similarity, np_cosine,
               lambda r, s: r.normal(size=s), lambda r, s: r.normal(size=s)),
    "bce": (losses.BinaryCrossentropy, {}, losses.binary_crossentropy, np_bce,
            lambda r, s: r.integers(0, 2, s).astype(float), _probs),
    "bce_logits": (losses.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.2},
                   lambda t, p: losses.binary_crossentropy(t, p, from_logits=True,
                                                           label_smoothing=0.2),
                   lambda t, p: np_bce(t, p, from_logits=True, label_smoothing=0.2),
                   lambda r, s: r.integers(0, 2, s).astype(float),
                   lambda r, s: r.normal(scale=3, size=s)),
    "focal": (losses.BinaryFocalCrossentropy, {"gamma": 1.5}, 
              lambda t, p: losses.binary_focal_crossentropy(t, p, gamma=1.5),
              lambda t, p: np_focal(t, p, gamma=1.5),
              lambda r, s: r.integers(0, 2, s).astype(float), _probs),
    "focal_logits_balanced": (
        losses.BinaryFocalCrossentropy,
        {"from_logits": True, "apply_class_balancing": True, "alpha": 0.4, "gamma": 3.0,
         "label_smoothing": 0.1},
        lambda t, p: losses.binary_focal_crossentropy(t, p, True, 0.4, 3.0, True, 0.1),
        lambda t, p: np_focal(t, p, True, 0.4, 3.0, True, 0.1),
        lambda r, s: r.integers(0, 2, s).astype(float), lambda r, s: r.normal(scale=2, size=s)),
    "cce": (losses.CategoricalCrossentropy, {}, losses.categorical_crossentropy, np_cce,
            _onehot, lambda r, s: r.uniform(0.01, 1, s)),
    "cce_logits_smooth": (
        losses.CategoricalCrossentropy, {"from_logits": True, "label_smoothing": 0.1},
        lambda t, p: losses.categorical_crossentropy(t, p, from_logits=True, label_smoothing=0.1),
        lambda t, p: np_cce(t, p, from_logits=True, label_smoothing=0.1),
        _onehot, lambda r, s: r.normal(scale=3, size=s)),
    "cfce": (losses.CategoricalFocalCrossentropy, {}, losses.categorical_focal_crossentropy,
             np_cfce, _onehot, lambda r, s: r.uniform(0.01, 1, s)),
    "cfce_logits": (
        losses.CategoricalFocalCrossentropy, {"from_logits": True, "gamma": 1.5, "alpha": 0.5},
        lambda t, p: losses.categorical_focal_crossentropy(t, p, 0.5, 1.5, from_logits=True),
        lambda t, p: np_cfce(t, p, 0.5, 1.5, from_logits=True),
        _onehot, lambda r, s: r.normal(scale=2, size=s)),
}

REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None, "none"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_function_matches_reference(name, rng):
    _, _, fn, ref, make_t, make_p = CASES[name]
    for shape in [(5, 4), (2, 3, 4)]:
        t, p = make_t(rng, shape), make_p(rng, shape)
        out = fn(t.astype(np.float32), p.astype(np.float32))
        assert_close(out, ref(t, p), rtol=2e-5, atol=2e-5, dtype="float32")
        out64 = fn(t, p)
        assert_close(out64, ref(t, p), rtol=1e-10, atol=1e-10, dtype="float64")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_class_reductions_and_sample_weights(name, reduction, rng):
    cls, kwargs, _, ref, make_t, make_p = CASES[name]
    loss = cls(reduction=reduction, **kwargs)
    t, p = make_t(rng, (6, 3)), make_p(rng, (6, 3))
    per_sample = ref(t, p)
    assert_close(loss(t, p), np_reduce(per_sample, None, reduction), rtol=2e-5, atol=2e-5,
                 dtype="float32")
    sw = rng.uniform(0, 2, 6)
    assert_close(loss(t, p, sample_weight=sw), np_reduce(per_sample, sw, reduction), rtol=2e-5,
                 atol=2e-5)
    # A (batch, 1) weight against (batch,) losses: Keras expands the losses to
    # (batch, 1) (visible with reduction None), the reduced values are the same.
    assert_close(loss(t, p, sample_weight=sw[:, None]),
                 np_reduce(per_sample, sw[:, None], reduction), rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("name", ["mse", "bce", "cce", "hinge", "huber"])
def test_per_timestep_losses_and_weights(name, rng):
    """3-D inputs give (batch, time) losses; (batch, time) weights weight each step."""
    cls, kwargs, _, ref, make_t, make_p = CASES[name]
    t, p = make_t(rng, (3, 5, 4)), make_p(rng, (3, 5, 4))
    sw = rng.uniform(0, 1, (3, 5))
    per = ref(t, p)
    assert_close(cls(reduction=None, **kwargs)(t, p, sample_weight=sw), per * sw, rtol=2e-5,
                 atol=2e-6)
    assert_close(cls(**kwargs)(t, p, sample_weight=sw), np.mean(per * sw), rtol=2e-5, atol=2e-6)
    # A (batch, 1) weight broadcasts over the time steps.
    sw1 = rng.uniform(0, 1, (3, 1))
    assert_close(cls(**kwargs)(t, p, sample_weight=sw1), np.mean(per * sw1), rtol=2e-5,
                 atol=2e-6)


def test_rank_alignment_of_labels():
    """(batch,) labels against (batch, 1) predictions compare elementwise, not as an
    outer product (Keras's squeeze_or_expand_to_same_rank)."""
    t = np.array([0.0, 1.0, 2.0])
    p = np.array([[0.5], [1.0], [4.0]])
    assert_close(losses.MeanSquaredError(reduction=None)(t, p), [0.25, 0.0, 4.0])
    assert_close(losses.mean_squared_error(t, p), [0.25, 0.0, 4.0])
    assert_close(losses.BinaryCrossentropy(reduction=None)([1.0, 0.0], [[0.9], [0.2]]),
                 [-np.log(0.9), -np.log(0.8)], rtol=1e-5)


# ------------------------------------------------------- Keras's documented numbers
def test_keras_docstring_numbers_binary():
    y_true = np.array([[0, 1], [0, 0]])
    logits = np.array([[-18.6, 0.51], [2.94, -12.8]])
    bce = losses.BinaryCrossentropy(from_logits=True)
    assert_close(bce([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8]), 0.8654, rtol=1e-4)
    assert_close(bce(y_true, logits), 0.8654, rtol=1e-4)
    assert_close(bce(y_true, logits, sample_weight=[0.8, 0.2]), 0.243, rtol=3e-3)
    assert_close(losses.BinaryCrossentropy(from_logits=True, reduction="sum")(y_true, logits),
                 1.730, rtol=1e-3)
    assert_close(losses.BinaryCrossentropy(from_logits=True, reduction=None)(y_true, logits),
                 [0.235, 1.496], rtol=2e-3)
    assert_close(losses.binary_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]),
                 [0.916, 0.714], rtol=1e-3)


def test_keras_docstring_numbers_focal():
    y = np.array([[0, 1], [0, 0]])
    x = np.array([[-18.6, 0.51], [2.94, -12.8]])
    F = losses.BinaryFocalCrossentropy
    assert_close(F(gamma=2, from_logits=True)([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8]), 0.691,
                 rtol=1e-3)
    assert_close(F(apply_class_balancing=True, gamma=2, from_logits=True)(
        [0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8]), 0.51, rtol=1e-2)
    assert_close(F(gamma=3, from_logits=True)(y, x), 0.647, rtol=1e-3)
    assert_close(F(apply_class_balancing=True, gamma=3, from_logits=True)(y, x), 0.482, rtol=1e-3)
    assert_close(F(gamma=3, from_logits=True)(y, x, sample_weight=[0.8, 0.2]), 0.133, rtol=3e-3)
    assert_close(F(apply_class_balancing=True, gamma=3, from_logits=True)(
        y, x, sample_weight=[0.8, 0.2]), 0.097, rtol=5e-3)
    assert_close(F(gamma=4, from_logits=True, reduction="sum")(y, x), 1.222, rtol=1e-3)
    assert_close(F(apply_class_balancing=True, gamma=4, from_logits=True, reduction="sum")(y, x),
                 0.914, rtol=1e-3)
    assert_close(F(gamma=5, from_logits=True, reduction=None)(y, x), [0.0017, 1.1561],
                 rtol=3e-2, atol=1e-4)
    assert_close(F(apply_class_balancing=True, gamma=5, from_logits=True, reduction=None)(y, x),
                 [0.0004, 0.8670], rtol=3e-2, atol=1e-4)
    assert_close(losses.binary_focal_crossentropy(y, [[0.6, 0.4], [0.4, 0.6]], gamma=2),
                 [0.330, 0.206], rtol=2e-3)


def test_keras_docstring_numbers_categorical():
    y_true = np.array([[0, 1, 0], [0, 0, 1]])
    y_pred = np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    cce = losses.CategoricalCrossentropy()
    assert_close(cce(y_true, y_pred), 1.177, rtol=1e-3)
    assert_close(cce(y_true, y_pred, sample_weight=np.array([0.3, 0.7])), 0.814, rtol=1e-3)
    assert_close(losses.CategoricalCrossentropy(reduction="sum")(y_true, y_pred), 2.354,
                 rtol=1e-3)
    assert_close(losses.CategoricalCrossentropy(reduction=None)(y_true, y_pred), [0.0513, 2.303],
                 rtol=1e-3)
    assert_close(losses.categorical_crossentropy(y_true, y_pred), [0.0513, 2.303], rtol=1e-3)
    cfce = losses.CategoricalFocalCrossentropy()
    assert_close(cfce(y_true, y_pred), 0.23315276, rtol=1e-5)
    assert_close(cfce(y_true, y_pred, sample_weight=np.array([0.3, 0.7])), 0.1632, rtol=1e-3)
    assert_close(losses.CategoricalFocalCrossentropy(reduction="sum")(y_true, y_pred), 0.46631,
                 rtol=1e-4)
    assert_close(losses.CategoricalFocalCrossentropy(reduction=None)(y_true, y_pred),
                 [3.2058331e-05, 4.6627346e-01], rtol=1e-4)
    assert_close(losses.categorical_focal_crossentropy(
        y_true, [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]]), [2.63401289e-04, 6.75912094e-01],
        rtol=1e-4)


def test_keras_docstring_numbers_sparse():
    y_pred = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
    scce = losses.SparseCategoricalCrossentropy()
    assert_close(scce([1, 2], y_pred), 1.177, rtol=1e-3)
    assert_close(scce([1, 2], y_pred, sample_weight=np.array([0.3, 0.7])), 0.814, rtol=1e-3)
    assert_close(losses.SparseCategoricalCrossentropy(reduction="sum")([1, 2], y_pred), 2.354,
                 rtol=1e-3)
    assert_close(losses.SparseCategoricalCrossentropy(reduction=None)([1, 2], y_pred),
                 [0.0513, 2.303], rtol=1e-3)
    assert_close(losses.sparse_categorical_crossentropy([1, 2], y_pred), [0.0513, 2.303],
                 rtol=1e-3)


def test_keras_docstring_numbers_regression():
    assert_close(losses.Huber()([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]), 0.155, rtol=1e-5)
    assert_close(losses.LogCosh()([[0., 1.], [0., 0.]], [[1., 1.], [0., 0.]]), 0.108, rtol=5e-3)
    assert_close(losses.cosine_similarity([[0., 1.], [1., 1.], [1., 1.]],
                                          [[1., 0.], [1., 1.], [-1., -1.]]),
                 [0.0, -1.0, 1.0], atol=1e-6)
    y_true = np.array([[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]])
    y_pred = np.array([[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]])
    assert_close(losses.dice(y_true, y_pred, axis=(1, 2, 3)), [0.5, 0.75757575], rtol=1e-5)
    assert_close(losses.dice(y_true, y_pred), 0.6164384, rtol=1e-5)
    assert_close(losses.Dice(axis=(1, 2, 3), reduction=None)(y_true, y_pred), [0.5, 0.75757575],
                 rtol=1e-5)


@pytest.mark.parametrize("axis", [None, (1,), (1, 2)])
def test_dice_and_tversky(axis, rng):
    t = rng.integers(0, 2, (3, 4, 2)).astype(float)
    p = rng.uniform(0, 1, (3, 4, 2))
    assert_close(losses.dice(t, p, axis=axis), np_dice(t, p, axis), rtol=1e-10)
    assert_close(losses.tversky(t, p, 0.3, 0.7, axis=axis), np_tversky(t, p, 0.3, 0.7, axis),
                 rtol=1e-10)
    assert_close(losses.tversky(t, p, axis=axis), np_dice(t, p, axis), rtol=1e-6)


# ------------------------------------------------------- logits and probabilities
def test_binary_from_logits_matches_probabilities(rng):
    t = rng.integers(0, 2, (8, 5)).astype(float)
    x = rng.normal(scale=2, size=(8, 5))
    assert_close(losses.binary_crossentropy(t, x, from_logits=True),
                 losses.binary_crossentropy(t, _sigmoid(x)), rtol=1e-6)
    assert_close(losses.binary_focal_crossentropy(t, x, from_logits=True, gamma=2.5),
                 losses.binary_focal_crossentropy(t, _sigmoid(x), gamma=2.5), rtol=1e-6)


def test_categorical_from_logits_matches_probabilities(rng):
    t = _onehot(rng, (8, 5))
    x = rng.normal(scale=2, size=(8, 5))
    probs = np.exp(_log_softmax(x))
    assert_close(losses.categorical_crossentropy(t, x, from_logits=True),
                 losses.categorical_crossentropy(t, probs), rtol=1e-6)
    labels = np.argmax(t, -1)
    assert_close(losses.sparse_categorical_crossentropy(labels, x, from_logits=True),
                 losses.categorical_crossentropy(t, x, from_logits=True), rtol=1e-10)
    assert_close(losses.sparse_categorical_crossentropy(labels, probs),
                 losses.categorical_crossentropy(t, probs), rtol=1e-10)


def test_categorical_probabilities_are_normalized(rng):
    """Keras 3 rescales y_pred to sum to 1 along the axis before the log."""
    t = _onehot(rng, (4, 3))
    p = rng.uniform(0.1, 1, (4, 3))
    assert_close(losses.categorical_crossentropy(t, p),
                 losses.categorical_crossentropy(t, 7.0 * p), rtol=1e-10)
    assert_close(losses.categorical_crossentropy(t, p), np_cce(t, p), rtol=1e-10)


def test_stability_of_huge_logits():
    x = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]], dtype=np.float32)
    z = np.array([[1.0, 0.0], [1.0, 0.0]], dtype=np.float32)
    out = losses.binary_crossentropy(z, x, from_logits=True)
    assert np.all(np.isfinite(np.asarray(out)))
    assert_close(out, [0.0, 1000.0], atol=1e-4)
    t = np.array([[1.0, 0.0], [1.0, 0.0]], dtype=np.float32)
    out = losses.categorical_crossentropy(t, x, from_logits=True)
    assert_close(out, [0.0, 2000.0], atol=1e-3)
    assert_close(losses.sparse_categorical_crossentropy([0, 0], x, from_logits=True),
                 [0.0, 2000.0], atol=1e-3)
    focal = losses.binary_focal_crossentropy(z, x, from_logits=True)
    assert np.all(np.isfinite(np.asarray(focal)))
    assert_close(focal, [0.0, 1000.0], atol=1e-3)
    # Probabilities of exactly 0 and 1 are clipped to [eps, 1 - eps].
    p = np.array([[0.0, 1.0]], dtype=np.float32)
    out = losses.binary_crossentropy([[1.0, 0.0]], p)
    assert np.all(np.isfinite(np.asarray(out)))
    one_minus = np.float32(1.0) - np.float32(1.0 - EPS)  # 1 - eps rounded in float32
    assert_close(out, [(-np.log(EPS) - np.log(one_minus)) / 2], rtol=1e-5)
    assert_close(losses.log_cosh([[0.0]], [[1000.0]]), [1000.0 - np.log(2.0)], rtol=1e-6)


def test_gradients_finite_for_huge_logits():
    import lamina

    x = ops.convert_to_tensor(np.array([[1000.0, -1000.0, 0.0]], dtype=np.float32))
    z = np.array([[1.0, 1.0, 0.0]], dtype=np.float32)
    with lamina.GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(losses.binary_crossentropy(z, x, from_logits=True))
    g = np.asarray(tape.gradient(y, x))
    # d/dx mean(softplus(x) - x z) = (sigmoid(x) - z) / 3
    assert_close(g, (np.array([[1.0, 0.0, 0.5]]) - z) / 3, atol=1e-6)
    with lamina.GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(losses.categorical_crossentropy([[0.0, 1.0, 0.0]], x, from_logits=True))
    assert_close(tape.gradient(y, x), [[1.0, -1.0, 0.0]], atol=1e-6)


# ------------------------------------------------------------ label smoothing
def test_label_smoothing(rng):
    t = rng.integers(0, 2, (4, 3)).astype(float)
    p = _probs(rng, (4, 3))
    smoothed = t * 0.7 + 0.15
    assert_close(losses.binary_crossentropy(t, p, label_smoothing=0.3),
                 np_bce(smoothed, p), rtol=1e-10)
    assert_close(losses.BinaryCrossentropy(label_smoothing=0.3, reduction=None)(t, p),
                 np_bce(smoothed, p), rtol=1e-5)
    oh = _onehot(rng, (4, 5))
    q = rng.uniform(0.01, 1, (4, 5))
    assert_close(losses.categorical_crossentropy(oh, q, label_smoothing=0.2),
                 np_cce(oh * 0.8 + 0.2 / 5, q), rtol=1e-10)
    assert_close(losses.CategoricalCrossentropy(label_smoothing=0.2, from_logits=True)(oh, q),
                 np.mean(np_cce(oh * 0.8 + 0.04, q, from_logits=True)), rtol=1e-5)


def test_label_smoothing_out_of_range():
    with pytest.raises(ValueError, match="label_smoothing"):
        losses.BinaryCrossentropy(label_smoothing=1.5)
    with pytest.raises(ValueError, match="label_smoothing"):
        losses.categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]], label_smoothing=-0.1)


# ------------------------------------------------------------------ sparse
@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_label_shapes_and_dtypes(from_logits, rng):
    x = rng.normal(size=(6, 4)) if from_logits else _dist(rng, (6, 4))
    labels = rng.integers(0, 4, 6)
    expected = np_scce(labels, x, from_logits=from_logits)
    f = losses.sparse_categorical_crossentropy
    for y in (labels, labels[:, None], labels.astype(np.float32), labels.astype(np.int64),
              labels.astype(np.float32)[:, None]):
        assert_close(f(y, x, from_logits=from_logits), expected, rtol=1e-10)
    cls = losses.SparseCategoricalCrossentropy(from_logits=from_logits, reduction=None)
    assert_close(cls(labels[:, None], x), expected, rtol=2e-5)


def test_sparse_higher_rank_and_axis(rng):
    x = rng.normal(size=(2, 3, 5))
    labels = rng.integers(0, 5, (2, 3))
    assert_close(losses.sparse_categorical_crossentropy(labels, x, from_logits=True),
                 np_scce(labels, x, from_logits=True), rtol=1e-10)
    # Classes along axis 1 (channels-first).
    xc = np.moveaxis(x, -1, 1)
    assert_close(losses.sparse_categorical_crossentropy(labels, xc, from_logits=True, axis=1),
                 np_scce(labels, x, from_logits=True), rtol=1e-10)
    assert_close(losses.categorical_crossentropy(np.moveaxis(np.eye(5)[labels], -1, 1), xc,
                                                 from_logits=True, axis=1),
                 np_scce(labels, x, from_logits=True), rtol=1e-10)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_sparse_ignore_class(reduction, rng):
    x = rng.normal(size=(3, 4, 5))
    labels = rng.integers(0, 5, (3, 4))
    labels[0, 1] = labels[2, 3] = labels[1, 0] = -1
    valid = labels != -1
    per = np.where(valid, np_scce(np.where(valid, labels, 0), x, from_logits=True), 0.0)
    f = losses.sparse_categorical_crossentropy(labels, x, from_logits=True, ignore_class=-1)
    assert_close(f, per, rtol=1e-10)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1,
                                                reduction=reduction)
    out = loss(labels, x)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        expected = per.sum() / valid.sum()  # averaged over the valid entries only
    elif reduction == "sum":
        expected = per.sum()
    else:
        expected = per
    assert_close(out, expected, rtol=2e-5, atol=1e-7)
    sw = rng.uniform(0.5, 1.5, 3)
    out_w = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)(
        labels, x, sample_weight=sw)
    assert_close(out_w, (per * sw[:, None]).sum() / valid.sum(), rtol=2e-5)


def test_sparse_ignore_class_with_probabilities_has_finite_gradients(rng):
    import lamina

    p = ops.convert_to_tensor(_dist(rng, (4, 3)))
    labels = np.array([0, 255, 2, 1])
    loss = losses.SparseCategoricalCrossentropy(ignore_class=255, dtype="float64")
    with lamina.GradientTape() as tape:
        tape.watch(p)
        y = loss(labels, p)
    g = np.asarray(tape.gradient(y, p))
    assert np.all(np.isfinite(g))
    assert np.all(g[1] == 0)


def test_sparse_errors():
    with pytest.raises(ValueError, match=r"y_true.shape=\(3,\).*y_pred.shape=\(2, 4\)"):
        losses.sparse_categorical_crossentropy([0, 1, 2], np.ones((2, 4)))
    with pytest.raises(ValueError, match="at least one dimension"):
        losses.sparse_categorical_crossentropy(1, 0.5)


# --------------------------------------------------------------- gradients
GRAD_CASES = {
    "mse": lambda t, p: losses.mean_squared_error(t, p),
    "mae": lambda t, p: losses.mean_absolute_error(t, p),
    "mape": lambda t, p: losses.mean_absolute_percentage_error(t, p),
    "msle": lambda t, p: losses.mean_squared_logarithmic_error(t, p),
    "huber": lambda t, p: losses.huber(t, p, delta=0.5),
    "logcosh": lambda t, p: losses.log_cosh(t, p),
    "kld": lambda t, p: losses.kl_divergence(t, p),
    "poisson": lambda t, p: losses.poisson(t, p),
    "hinge": lambda t, p: losses.hinge(t, p),
    "squared_hinge": lambda t, p: losses.squared_hinge(t, p),
    "categorical_hinge": lambda t, p: losses.categorical_hinge(t, p),
    "cosine": lambda t, p: losses.cosine_similarity(t, p),
    "bce": lambda t, p: losses.binary_crossentropy(t, p, label_smoothing=0.1),
    "bce_logits": lambda t, p: losses.binary_crossentropy(t, p, from_logits=True),
    "focal": lambda t, p: losses.binary_focal_crossentropy(t, p, gamma=1.5),
    "focal_logits": lambda t, p: losses.binary_focal_crossentropy(
        t, p, apply_class_balancing=True, from_logits=True),
    "cce": lambda t, p: losses.categorical_crossentropy(t, p),
    "cce_logits": lambda t, p: losses.categorical_crossentropy(t, p, from_logits=True,
                                                               label_smoothing=0.1),
    "cfce_logits": lambda t, p: losses.categorical_focal_crossentropy(t, p, from_logits=True),
    "dice": lambda t, p: losses.dice(t, p, axis=(1,)),
    "tversky": lambda t, p: losses.tversky(t, p, 0.3, 0.7),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradient_vs_finite_differences(name, rng):
    fn = GRAD_CASES[name]
    shape = (3, 4)
    probs = _probs(rng, shape)
    if name in ("kld",):
        t, p = _dist(rng, shape), _dist(rng, shape)
    elif name in ("cce", "cce_logits", "cfce_logits", "categorical_hinge"):
        t, p = _onehot(rng, shape), probs if name == "cce" else rng.normal(size=shape)
    elif name in ("bce", "focal", "dice", "tversky"):
        t, p = rng.integers(0, 2, shape).astype(float), probs
    elif name in ("hinge", "squared_hinge", "bce_logits", "focal_logits"):
        t, p = rng.integers(0, 2, shape).astype(float), rng.normal(size=shape)
    elif name in ("msle", "poisson"):
        t, p = rng.uniform(0.5, 2, shape), rng.uniform(0.5, 2, shape)
    else:
        t, p = rng.normal(size=shape), rng.normal(size=shape)
    check_grad(lambda y: fn(t, y), p, rtol=1e-5, atol=1e-7)


def test_gradient_of_sparse_crossentropy(rng):
    labels = rng.integers(0, 4, 5)
    check_grad(lambda x: losses.sparse_categorical_crossentropy(labels, x, from_logits=True),
               rng.normal(size=(5, 4)))
    check_grad(lambda p: losses.sparse_categorical_crossentropy(labels, p),
               _dist(rng, (5, 4)))


def test_gradient_through_class_with_sample_weights(rng):
    t = _onehot(rng, (4, 3))
    sw = rng.uniform(0, 1, 4)
    loss = losses.CategoricalCrossentropy(from_logits=True, dtype="float64")
    check_grad(lambda x: loss(t, x, sample_weight=sw), rng.normal(size=(4, 3)))
    loss = losses.MeanSquaredError(reduction="mean_with_sample_weight", dtype="float64")
    check_grad(lambda x: loss(t, x, sample_weight=sw), rng.normal(size=(4, 3)))


def test_bce_logit_gradient_at_zero():
    """softplus(x) - x z has the exact gradient sigmoid(x) - z at x = 0."""
    check_grad(lambda x: losses.binary_crossentropy(np.array([[1.0, 0.0]]), x, from_logits=True),
               np.zeros((1, 2)))


# -------------------------------------------------------------- shape errors
@pytest.mark.parametrize("fn", [losses.mean_squared_error, losses.binary_crossentropy,
                                losses.hinge, losses.kl_divergence, losses.poisson])
def test_incompatible_shapes_name_both(fn):
    with pytest.raises(ValueError, match=r"y_true.shape=\(2, 3\), y_pred.shape=\(2, 4\)"):
        fn(np.zeros((2, 3)), np.ones((2, 4)))


def test_categorical_requires_equal_shapes():
    with pytest.raises(ValueError,
                       match=r"same shape.*y_true.shape=\(2, 1\).*y_pred.shape=\(2, 3\)"):
        losses.categorical_crossentropy(np.zeros((2, 1)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="same shape"):
        losses.CategoricalCrossentropy()(np.array([0, 1]), np.ones((2, 3)))


def test_categorical_warns_for_one_class():
    with pytest.warns(SyntaxWarning, match="binary_crossentropy"):
        losses.categorical_crossentropy([[1.0]], [[0.3]])


def test_axis_must_be_int():
    with pytest.raises(ValueError, match="axis"):
        losses.categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]], axis=True)
    with pytest.raises(ValueError, match="axis"):
        losses.binary_crossentropy([[0.0, 1.0]], [[0.5, 0.5]], axis="x")


def test_hinge_labels_not_binary_pass_unchanged():
    t = np.array([[-1.0, 1.0, 0.0]])  # not all in {0, 1}: used as given
    p = np.array([[0.3, -0.2, 0.5]])
    assert_close(losses.hinge(t, p), np.mean(np.maximum(1 - t * p, 0), -1), rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses.hinge([[0.0, 1.0]], [[0.3, 0.4]])
