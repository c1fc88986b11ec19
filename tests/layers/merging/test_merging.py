"""Merging layers against NumPy: Add, Subtract, Multiply, Average, Maximum,
Minimum, Concatenate, Dot; broadcasting, symbolic lists, masks, functional forms,
configs and shape errors."""

import json

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from conftest import assert_close, check_grad

BASE = {"name", "trainable", "dtype"}


@pytest.fixture
def xs(rng):
    return [rng.standard_normal((4, 3)).astype("float32") for _ in range(3)]


@pytest.mark.parametrize("cls,fn,ref", [
    (layers.Add, layers.add, lambda a: a[0] + a[1] + a[2]),
    (layers.Multiply, layers.multiply, lambda a: a[0] * a[1] * a[2]),
    (layers.Average, layers.average, lambda a: (a[0] + a[1] + a[2]) / 3),
    (layers.Maximum, layers.maximum, lambda a: np.maximum(np.maximum(a[0], a[1]), a[2])),
    (layers.Minimum, layers.minimum, lambda a: np.minimum(np.minimum(a[0], a[1]), a[2])),
])
def test_elementwise_merges_match_numpy(cls, fn, ref, xs):
    assert_close(cls()(xs), ref(xs), rtol=1e-6)
    assert_close(fn(xs), ref(xs), rtol=1e-6)
    assert set(cls().get_config()) == BASE


def test_subtract(xs):
    assert_close(layers.Subtract()(xs[:2]), xs[0] - xs[1])
    assert_close(layers.subtract(xs[:2]), xs[0] - xs[1])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()(xs)


def test_broadcasting_as_keras(rng):
    a = rng.standard_normal((2, 3)).astype("float32")
    b = rng.standard_normal((2, 4, 3)).astype("float32")
    c = rng.standard_normal((2, 4, 1)).astype("float32")
    assert_close(layers.Add()([a, b, c]), a[:, None, :] + b + c, rtol=1e-6)
    assert layers.Add().compute_output_shape([(None, 3), (None, 4, 3)]) == (None, 4, 3)
    assert layers.Multiply().compute_output_shape([(None, 1, 5), (None, 7, None)]) == \
        (None, 7, 5)


def test_shape_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"incompatible shapes.*\(2, 3\).*\(2, 4\)"):
        layers.Add()([ops.ones((2, 3)), ops.ones((2, 4))])
    with pytest.raises(ValueError, match="different batch sizes"):
        layers.Maximum()([ops.ones((2, 3)), ops.ones((5, 3))])
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Add()(ops.ones((2, 3)))
    with pytest.raises(ValueError, match="at least 1"):
        layers.Add().compute_output_shape([])


def test_symbolic_lists_of_keras_tensors():
    a, b = lamina.KerasTensor((None, 4)), lamina.KerasTensor((None, 4))
    assert layers.Add()([a, b]).shape == (None, 4)
    assert layers.Concatenate()([a, lamina.KerasTensor((None, 2))]).shape == (None, 6)
    assert layers.Dot(axes=1)([a, b]).shape == (None, 1)
    assert layers.concatenate([a, b], axis=0).shape == (None, 4)


def test_gradients_of_merges(rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    check_grad(lambda x, y: layers.Multiply(dtype="float64")([x, y]), a, b)
    check_grad(lambda x, y: layers.Average(dtype="float64")([x, y]), a, b)
    check_grad(lambda x, y: layers.Concatenate(dtype="float64")([x, y]), a, b)
    check_grad(lambda x, y: layers.Dot(1, normalize=True, dtype="float64")([x, y]), a, b)


def test_merge_masks_are_combined():
    x = ops.ones((2, 3, 4))
    m1 = ops.convert_to_tensor(np.array([[1, 1, 0], [1, 0, 0]], bool))
    m2 = ops.convert_to_tensor(np.array([[1, 0, 1], [1, 1, 1]], bool))
    mask = layers.Add().compute_mask([x, x], [m1, m2])
    assert mask.numpy().tolist() == [[True, False, False], [True, False, False]]
    assert layers.Add().compute_mask([x, x], None) is None
    cat = layers.Concatenate(axis=1).compute_mask([x, x], [m1, None])
    assert cat.numpy().tolist() == [[True, True, False] + [True] * 3,
                                    [True, False, False] + [True] * 3]
    feat = layers.Concatenate().compute_mask([x, x], [m1, m2])
    assert feat.numpy().tolist() == mask.numpy().tolist()


# ------------------------------------------------------------------ Concatenate
def test_concatenate_matches_numpy(rng):
    a = rng.standard_normal((2, 3, 4)).astype("float32")
    b = rng.standard_normal((2, 5, 4)).astype("float32")
    assert_close(layers.Concatenate(axis=1)([a, b]), np.concatenate([a, b], 1))
    assert_close(layers.concatenate([a, a]), np.concatenate([a, a], -1))
    assert layers.Concatenate(axis=1).compute_output_shape([(None, 3, 4), (None, None, 4)]) == \
        (None, None, 4)
    with pytest.raises(ValueError, match=r"matching shapes except for the concatenation axis"):
        layers.Concatenate()([a, b])
    cfg = layers.Concatenate(axis=1).get_config()
    assert set(cfg) == BASE | {"axis"} and cfg["axis"] == 1
    assert layers.Concatenate.from_config(cfg).axis == 1


# -------------------------------------------------------------------------- Dot
def test_dot_matches_einsum(rng):
    a = rng.standard_normal((2, 3, 4)).astype("float32")
    b = rng.standard_normal((2, 5, 4)).astype("float32")
    assert_close(layers.Dot(axes=(2, 2))([a, b]), np.einsum("bik,bjk->bij", a, b), rtol=1e-5,
                 atol=1e-5)
    c = rng.standard_normal((2, 3, 6)).astype("float32")
    assert_close(layers.dot([a, c], axes=1), np.einsum("bki,bkj->bij", a, c), rtol=1e-5,
                 atol=1e-5)
    v, w = a[:, 0], b[:, 0]
    assert_close(layers.Dot(axes=-1)([v, w]), (v * w).sum(-1, keepdims=True), rtol=1e-5)


def test_dot_normalize_is_cosine_similarity(rng):
    v = rng.standard_normal((3, 5)).astype("float32")
    w = rng.standard_normal((3, 5)).astype("float32")
    cos = (v * w).sum(-1) / np.linalg.norm(v, axis=-1) / np.linalg.norm(w, axis=-1)
    assert_close(layers.Dot(axes=1, normalize=True)([v, w]), cos[:, None], rtol=1e-5, atol=1e-6)


def test_dot_config_and_errors():
    cfg = layers.Dot(axes=(1, 2), normalize=True).get_config()
    assert set(cfg) == BASE | {"axes", "normalize"} and cfg["axes"] == [1, 2]
    json.dumps(cfg)
    assert layers.Dot.from_config(cfg).axes == [1, 2]
    with pytest.raises(ValueError, match=r"axis values 3 \(at axis 1\) != 4"):
        layers.Dot(axes=1)([ops.ones((2, 3)), ops.ones((2, 4))])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Dot(axes=1)([ops.ones((2, 3))] * 3)
    with pytest.raises(ValueError, match="non-batch"):
        layers.Dot(axes=0)([ops.ones((2, 3)), ops.ones((2, 3))])
    with pytest.raises(TypeError, match="axes"):
        layers.Dot(axes="last")
