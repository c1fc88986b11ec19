"""ops.moments / batch_normalization / normalize / layer_normalization /
rms_normalization against NumPy, with gradients against finite differences."""

import numpy as np
import pytest

import lamina
from lamina import ops
from conftest import assert_close, check_grad


@pytest.fixture
def x(rng):
    return rng.standard_normal((4, 3, 5)).astype("float32")


def test_moments_matches_numpy(x):
    mean, var = ops.moments(x, axes=[0, 1])
    assert_close(mean, x.mean((0, 1)), atol=1e-6)
    assert_close(var, x.var((0, 1)), rtol=1e-5, atol=1e-6)
    mean, var = ops.moments(x, axes=-1, keepdims=True)
    assert mean.shape == var.shape == (4, 3, 1)
    assert_close(var, x.var(-1, keepdims=True), rtol=1e-5, atol=1e-6)


def test_moments_of_ints_are_float32():
    mean, var = ops.moments(np.array([1, 2, 3, 4]), axes=0)
    assert mean.dtype == var.dtype == "float32"
    assert float(mean) == 2.5 and float(var) == 1.25


def test_moments_symbolic_shapes():
    mean, var = ops.moments(lamina.KerasTensor((None, 6, 4)), axes=[0, 1])
    assert mean.shape == var.shape == (4,)


def test_batch_normalization_matches_numpy(x, rng):
    mean, var = rng.standard_normal(5), rng.random(5) + 0.5
    offset, scale = rng.standard_normal(5), rng.standard_normal(5)
    y = ops.batch_normalization(x, mean.astype("float32"), var.astype("float32"), axis=-1,
                                offset=offset.astype("float32"),
                                scale=scale.astype("float32"), epsilon=1e-3)
    ref = (x - mean) / np.sqrt(var + 1e-3) * scale + offset
    assert_close(y, ref, rtol=1e-5, atol=1e-5)


def test_batch_normalization_along_axis_1(x):
    mean, var = x.mean((0, 2)), x.var((0, 2))
    y = ops.batch_normalization(x, mean, var, axis=1, epsilon=0.0)
    ref = (x - mean[:, None]) / np.sqrt(var[:, None])
    assert_close(y, ref, rtol=1e-4, atol=1e-5)


def test_batch_normalization_rejects_wrong_sizes(x):
    with pytest.raises(ValueError, match="size 5"):
        ops.batch_normalization(x, np.zeros(3, "float32"), np.ones(5, "float32"), axis=-1)


def test_normalize_l2_and_l1(x):
    assert_close(ops.normalize(x, axis=-1), x / np.linalg.norm(x, axis=-1, keepdims=True),
                 rtol=1e-5, atol=1e-6)
    assert_close(ops.normalize(x, axis=-1, order=1),
                 x / np.abs(x).sum(-1, keepdims=True), rtol=1e-5, atol=1e-6)
    assert_close(ops.normalize(np.zeros((2, 3), "float32")), np.zeros((2, 3)))  # no NaN
    with pytest.raises(ValueError, match="order"):
        ops.normalize(x, order=3)


def test_layer_normalization_matches_numpy(x, rng):
    gamma = rng.standard_normal((3, 5)).astype("float32")
    beta = rng.standard_normal((3, 5)).astype("float32")
    y = ops.layer_normalization(x, gamma, beta, axis=(1, 2), epsilon=1e-3)
    m = x.mean((1, 2), keepdims=True)
    v = x.var((1, 2), keepdims=True)
    assert_close(y, (x - m) / np.sqrt(v + 1e-3) * gamma + beta, rtol=1e-4, atol=1e-5)


def test_rms_normalization_matches_numpy(x):
    y = ops.rms_normalization(x, scale=np.full(5, 2.0, "float32"), epsilon=1e-6)
    ref = x / np.sqrt((x ** 2).mean(-1, keepdims=True) + 1e-6) * 2.0
    assert_close(y, ref, rtol=1e-5, atol=1e-5)


def test_gradients_through_the_statistics(rng):
    x = rng.standard_normal((3, 4))
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)

    def bn_train(x, gamma, beta):
        mean, var = ops.moments(x, axes=[0])
        return ops.batch_normalization(x, mean, var, axis=-1, offset=beta, scale=gamma)

    check_grad(bn_train, x, gamma, beta, rtol=1e-5, atol=1e-6)
    check_grad(lambda x, g, b: ops.layer_normalization(x, g, b), x, gamma, beta,
               rtol=1e-5, atol=1e-6)
    check_grad(lambda x: ops.normalize(x, axis=-1), x)
    check_grad(lambda x, s: ops.rms_normalization(x, s), x, gamma, rtol=1e-5, atol=1e-6)
