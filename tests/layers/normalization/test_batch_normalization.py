"""BatchNormalization against NumPy: training statistics, the moving-average
update, inference, trainable=False, masks, gradients, configs and errors."""

import json

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from conftest import assert_close, check_grad

KERAS_KEYS = {
    "name", "trainable", "dtype", "axis", "momentum", "epsilon", "center", "scale",
    "beta_initializer", "gamma_initializer", "moving_mean_initializer",
    "moving_variance_initializer", "beta_regularizer", "gamma_regularizer", "beta_constraint",
    "gamma_constraint", "renorm", "renorm_clipping", "renorm_momentum", "synchronized",
}


@pytest.fixture
def x(rng):
    return (rng.standard_normal((8, 3)) * 2 + 1).astype("float32")


def _set_affine(layer, rng, n):
    gamma, beta = rng.standard_normal(n).astype("float32"), rng.standard_normal(n).astype("float32")
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)
    return gamma, beta


def test_training_output_and_moving_average_update(x, rng):
    bn = layers.BatchNormalization(momentum=0.9, epsilon=1e-3)
    bn.build(x.shape)
    gamma, beta = _set_affine(bn, rng, 3)
    y = bn(x, training=True)
    mean, var = x.mean(0), x.var(0)
    assert_close(y, (x - mean) / np.sqrt(var + 1e-3) * gamma + beta, rtol=1e-5, atol=1e-5)
    assert_close(bn.moving_mean, 0.0 * 0.9 + mean * 0.1, atol=1e-6)
    assert_close(bn.moving_variance, 1.0 * 0.9 + var * 0.1, rtol=1e-6, atol=1e-6)
    x2 = x[:4] * 3
    bn(x2, training=True)
    assert_close(bn.moving_mean, (mean * 0.1) * 0.9 + x2.mean(0) * 0.1, rtol=1e-5, atol=1e-6)


def test_inference_uses_moving_statistics(x, rng):
    bn = layers.BatchNormalization()
    bn.build(x.shape)
    gamma, beta = _set_affine(bn, rng, 3)
    mm, mv = rng.standard_normal(3).astype("float32"), (rng.random(3) + 0.5).astype("float32")
    bn.moving_mean.assign(mm)
    bn.moving_variance.assign(mv)
    for training in (False, None):
        y = bn(x, training=training)
        assert_close(y, (x - mm) / np.sqrt(mv + 1e-3) * gamma + beta, rtol=1e-5, atol=1e-5)
    assert_close(bn.moving_mean, mm)  # untouched at inference


def test_trainable_false_runs_in_inference_mode(x):
    bn = layers.BatchNormalization()
    bn.trainable = False
    y = bn(x, training=True)
    assert_close(y, x / np.sqrt(1 + 1e-3), rtol=1e-5, atol=1e-6)
    assert_close(bn.moving_mean, np.zeros(3))
    assert bn.trainable_weights == [] and len(bn.non_trainable_weights) == 4


def test_channels_first_axis(rng):
    x = rng.standard_normal((2, 3, 4, 5)).astype("float32")
    bn = layers.BatchNormalization(axis=1, center=False, scale=False)
    y = bn(x, training=True)
    mean, var = x.mean((0, 2, 3), keepdims=True), x.var((0, 2, 3), keepdims=True)
    assert_close(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    assert bn.moving_mean.shape == (3,) and len(bn.weights) == 2


def test_mask_restricts_statistics(rng):
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 0, 0, 0]], bool)
    bn = layers.BatchNormalization(momentum=0.0, center=False, scale=False)
    bn(x, training=True, mask=ops.convert_to_tensor(mask))
    valid = x[mask]  # (5, 3)
    assert_close(bn.moving_mean, valid.mean(0), rtol=1e-5, atol=1e-6)
    assert_close(bn.moving_variance, valid.var(0), rtol=1e-5, atol=1e-6)


def test_weights_names_and_order(x):
    bn = layers.BatchNormalization()
    bn(x)
    assert [w.name for w in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name for w in bn.trainable_weights] == ["gamma", "beta"]
    assert bn.count_params() == 12


def test_gradients_in_training_mode(rng):
    x = rng.standard_normal((5, 3))
    bn = layers.BatchNormalization(dtype="float64")
    bn.build(x.shape)
    bn.gamma.assign(rng.standard_normal(3))
    bn.beta.assign(rng.standard_normal(3))
    check_grad(lambda t: bn(t, training=True), x, rtol=1e-5, atol=1e-6)
    # gamma and beta: against the closed form sum(g * x_hat), sum(g)
    cot = rng.standard_normal((5, 3))
    with lamina.GradientTape() as tape:
        y = bn(ops.convert_to_tensor(x), training=True)
        loss = ops.sum(ops.multiply(y, cot))
    g_gamma, g_beta = tape.gradient(loss, [bn.gamma, bn.beta])
    x_hat = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3)
    assert_close(g_gamma, (cot * x_hat).sum(0), rtol=1e-10, atol=1e-10)
    assert_close(g_beta, cot.sum(0), rtol=1e-10, atol=1e-10)


def test_gradient_in_inference_mode_is_affine(rng):
    x = rng.standard_normal((4, 3))
    bn = layers.BatchNormalization(dtype="float64")
    check_grad(lambda t: bn(t, training=False), x)


def test_symbolic_and_output_shape():
    bn = layers.BatchNormalization()
    out = bn(lamina.KerasTensor((None, 7, 4)))
    assert out.shape == (None, 7, 4) and bn.moving_mean.shape == (4,)
    assert bn.compute_output_shape((None, None, 4)) == (None, None, 4)


def test_config_keys_and_round_trip():
    bn = layers.BatchNormalization(axis=1, momentum=0.8, epsilon=1e-5, center=False,
                                   gamma_regularizer="l2")
    config = bn.get_config()
    assert set(config) == KERAS_KEYS
    json.dumps(config)
    clone = layers.BatchNormalization.from_config(config)
    assert clone.axis == 1 and clone.momentum == 0.8 and clone.center is False
    assert clone.get_config() == config | {"name": clone.name}


def test_errors():
    with pytest.raises(ValueError, match="known size"):
        layers.BatchNormalization()(lamina.KerasTensor((None, None)))
    with pytest.raises(ValueError, match="out of range"):
        layers.BatchNormalization(axis=3)(ops.ones((2, 3)))
    with pytest.raises(TypeError, match="axis"):
        layers.BatchNormalization(axis=[1, 2])
    with pytest.raises(NotImplementedError, match="renorm"):
        layers.BatchNormalization(renorm=True)
    bn = layers.BatchNormalization()
    bn(ops.ones((2, 3)))
    with pytest.raises(ValueError):
        bn(ops.ones((2, 4)))  # the feature size is fixed by the first call


def test_fit_updates_moving_statistics_and_predict_uses_them(rng):
    x = (rng.standard_normal((64, 4)) * 3 + 5).astype("float32")
    y = rng.standard_normal((64, 1)).astype("float32")
    bn = layers.BatchNormalization(momentum=0.5)
    model = lamina.Sequential([lamina.Input(shape=(4,)), bn, layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    assert_close(bn.moving_mean, x.mean(0), rtol=0.2, atol=0.5)  # 12 updates at momentum 0.5
    mm, mv = bn.moving_mean.numpy(), bn.moving_variance.numpy()
    gamma, beta = bn.gamma.numpy(), bn.beta.numpy()
    dense = model.layers[-1]
    ref = ((x - mm) / np.sqrt(mv + 1e-3) * gamma + beta) @ dense.kernel.numpy() + dense.bias.numpy()
    assert_close(model.predict(x, verbose=0), ref, rtol=1e-4, atol=1e-4)
    assert_close(bn.moving_mean, mm)  # predict leaves the statistics alone
