"""LayerNormalization, GroupNormalization and UnitNormalization against NumPy,
with gradients, configs and errors."""

import json

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from conftest import assert_close, check_grad

BETA_GAMMA = {"beta_initializer", "gamma_initializer", "beta_regularizer",
              "gamma_regularizer", "beta_constraint", "gamma_constraint"}
BASE = {"name", "trainable", "dtype"}


def _group_norm_ref(x, groups, gamma, beta, eps):
    n, c = x.shape[0], x.shape[-1]
    g = x.reshape(x.shape[:-1] + (groups, c // groups))
    axes = tuple(range(1, g.ndim - 2)) + (g.ndim - 1,)
    mean, var = g.mean(axes, keepdims=True), g.var(axes, keepdims=True)
    return ((g - mean) / np.sqrt(var + eps)).reshape(x.shape) * gamma + beta


# ------------------------------------------------------------- LayerNormalization
def test_layer_norm_matches_numpy(rng):
    x = rng.standard_normal((4, 3, 6)).astype("float32")
    ln = layers.LayerNormalization(epsilon=1e-3)
    ln.build(x.shape)
    gamma = rng.standard_normal(6).astype("float32")
    beta = rng.standard_normal(6).astype("float32")
    ln.gamma.assign(gamma)
    ln.beta.assign(beta)
    ref = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-3)
    assert_close(ln(x), ref * gamma + beta, rtol=1e-4, atol=1e-5)


def test_layer_norm_over_several_axes(rng):
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    ln = layers.LayerNormalization(axis=[1, 2], center=False)
    y = ln(x)
    assert ln.gamma.shape == (3, 4) and ln.beta is None
    m, v = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    assert_close(y, (x - m) / np.sqrt(v + 1e-3), rtol=1e-4, atol=1e-5)


def test_layer_norm_rms_scaling(rng):
    x = rng.standard_normal((3, 5)).astype("float32") + 2
    ln = layers.LayerNormalization(rms_scaling=True)
    y = ln(x)
    assert ln.beta is None and ln.gamma is not None
    assert_close(y, x / np.sqrt((x ** 2).mean(-1, keepdims=True) + 1e-3), rtol=1e-5, atol=1e-6)


def test_layer_norm_gradients(rng):
    ln = layers.LayerNormalization(dtype="float64")
    ln.build((3, 4))
    ln.gamma.assign(rng.standard_normal(4))
    check_grad(lambda t: ln(t), rng.standard_normal((3, 4)), rtol=1e-5, atol=1e-6)
    ln_rms = layers.LayerNormalization(rms_scaling=True, dtype="float64")
    check_grad(lambda t: ln_rms(t), rng.standard_normal((3, 4)), rtol=1e-5, atol=1e-6)


def test_layer_norm_config_and_errors():
    ln = layers.LayerNormalization(axis=(1, 2), epsilon=1e-5, rms_scaling=True)
    config = ln.get_config()
    assert set(config) == BASE | BETA_GAMMA | {"axis", "epsilon", "center", "scale",
                                               "rms_scaling"}
    assert config["axis"] == [1, 2]
    json.dumps(config)
    assert layers.LayerNormalization.from_config(config).get_config()["axis"] == [1, 2]
    with pytest.raises(TypeError, match="axis"):
        layers.LayerNormalization(axis="last")
    with pytest.raises(ValueError, match="out of range"):
        layers.LayerNormalization(axis=4)(ops.ones((2, 3)))
    out = layers.LayerNormalization()(lamina.KerasTensor((None, 5, 8)))
    assert out.shape == (None, 5, 8)


# ------------------------------------------------------------- GroupNormalization
def test_group_norm_matches_numpy(rng):
    x = rng.standard_normal((2, 4, 5, 6)).astype("float32")
    gn = layers.GroupNormalization(groups=3, epsilon=1e-3)
    gn.build(x.shape)
    gamma = rng.standard_normal(6).astype("float32")
    beta = rng.standard_normal(6).astype("float32")
    gn.gamma.assign(gamma)
    gn.beta.assign(beta)
    assert_close(gn(x), _group_norm_ref(x, 3, gamma, beta, 1e-3), rtol=1e-4, atol=1e-5)


def test_group_norm_channels_first(rng):
    x = rng.standard_normal((2, 4, 5)).astype("float32")
    gn = layers.GroupNormalization(groups=2, axis=1)
    y = gn(x)
    ref = _group_norm_ref(np.moveaxis(x, 1, -1), 2, 1.0, 0.0, 1e-3)
    assert_close(y, np.moveaxis(ref, -1, 1), rtol=1e-4, atol=1e-5)


def test_group_norm_extremes_are_layer_and_instance_norm(rng):
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    one = layers.GroupNormalization(groups=1)(x)
    m, v = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    assert_close(one, (x - m) / np.sqrt(v + 1e-3), rtol=1e-4, atol=1e-5)
    inst = layers.GroupNormalization(groups=4)(x)
    m, v = x.mean(1, keepdims=True), x.var(1, keepdims=True)
    assert_close(inst, (x - m) / np.sqrt(v + 1e-3), rtol=1e-4, atol=1e-5)


def test_group_norm_gradients(rng):
    gn = layers.GroupNormalization(groups=2, dtype="float64")
    gn.build((2, 3, 4))
    gn.gamma.assign(rng.standard_normal(4))
    check_grad(lambda t: gn(t), rng.standard_normal((2, 3, 4)), rtol=1e-5, atol=1e-6)


def test_group_norm_config_and_errors():
    gn = layers.GroupNormalization(groups=4, axis=1)
    config = gn.get_config()
    assert set(config) == BASE | BETA_GAMMA | {"groups", "axis", "epsilon", "center", "scale"}
    assert layers.GroupNormalization.from_config(config).groups == 4
    with pytest.raises(ValueError, match="cannot be more than the number of channels"):
        layers.GroupNormalization(groups=8)(ops.ones((2, 4)))
    with pytest.raises(ValueError, match="multiple of the number of groups"):
        layers.GroupNormalization(groups=3)(ops.ones((2, 4)))
    with pytest.raises(ValueError, match="positive"):
        layers.GroupNormalization(groups=0)
    out = layers.GroupNormalization(groups=2)(lamina.KerasTensor((None, None, 4)))
    assert out.shape == (None, None, 4)


# -------------------------------------------------------------- UnitNormalization
def test_unit_norm_matches_numpy(rng):
    x = rng.standard_normal((3, 4, 5)).astype("float32")
    assert_close(layers.UnitNormalization()(x), x / np.linalg.norm(x, axis=-1, keepdims=True),
                 rtol=1e-5, atol=1e-6)
    y = layers.UnitNormalization(axis=[1, 2])(x)
    assert_close(y, x / np.sqrt((x ** 2).sum((1, 2), keepdims=True)), rtol=1e-5, atol=1e-6)
    assert_close(layers.UnitNormalization()(np.zeros((1, 3), "float32")), np.zeros((1, 3)))


def test_unit_norm_gradient_config_and_errors(rng):
    check_grad(lambda t: layers.UnitNormalization(dtype="float64")(t),
               rng.standard_normal((2, 3)))
    un = layers.UnitNormalization(axis=(1, 2))
    assert un.get_config() == {"name": un.name, "trainable": True,
                               "dtype": un.get_config()["dtype"], "axis": [1, 2]}
    with pytest.raises(TypeError, match="axis"):
        layers.UnitNormalization(axis=1.5)
    assert layers.UnitNormalization()(lamina.KerasTensor((None, 3))).shape == (None, 3)
