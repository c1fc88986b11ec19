"""SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, ActivityRegularization:
training vs inference, the structure of the noise, seeds, configs and errors."""

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from conftest import assert_close


@pytest.mark.parametrize("cls,shape,data_format,spatial", [
    (layers.SpatialDropout1D, (4, 6, 8), None, (1,)),
    (layers.SpatialDropout2D, (4, 5, 6, 8), "channels_last", (1, 2)),
    (layers.SpatialDropout2D, (4, 8, 5, 6), "channels_first", (2, 3)),
    (layers.SpatialDropout3D, (4, 2, 3, 4, 8), "channels_last", (1, 2, 3)),
    (layers.SpatialDropout3D, (4, 8, 2, 3, 4), "channels_first", (2, 3, 4)),
])
def test_spatial_dropout_drops_whole_feature_maps(cls, shape, data_format, spatial):
    kwargs = {} if data_format is None else {"data_format": data_format}
    layer = cls(0.5, seed=3, **kwargs)
    x = np.ones(shape, "float32")
    y = layer(x, training=True).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0}
    # constant over the spatial axes: one keep flag per (sample, channel)
    assert np.all(y == y.max(axis=spatial, keepdims=True))
    assert 0 < (y == 0).mean() < 1
    assert_close(layer(x, training=False), x)


def test_spatial_dropout_seed_reproducible_and_advancing():
    x = np.ones((8, 3, 16), "float32")
    a, b = layers.SpatialDropout1D(0.5, seed=7), layers.SpatialDropout1D(0.5, seed=7)
    first = a(x, training=True).numpy()
    assert_close(first, b(x, training=True))
    assert not np.array_equal(first, a(x, training=True).numpy())  # the generator advances


def test_spatial_dropout_config_and_errors():
    cfg = layers.SpatialDropout1D(0.3, seed=1).get_config()
    assert set(cfg) == {"rate", "seed", "name", "dtype"}
    cfg2 = layers.SpatialDropout2D(0.3, data_format="channels_first").get_config()
    assert set(cfg2) == {"rate", "seed", "name", "dtype", "data_format"}
    assert cfg2["data_format"] == "channels_first"
    assert layers.SpatialDropout2D.from_config(cfg2).data_format == "channels_first"
    assert layers.SpatialDropout3D(0.1).get_config()["data_format"] == "channels_last"
    with pytest.raises(ValueError, match="data_format"):
        layers.SpatialDropout2D(0.5, data_format="nhwc")
    with pytest.raises(ValueError, match="rate"):
        layers.SpatialDropout1D(1.5)
    with pytest.raises(ValueError, match="ndim|rank|expected"):
        layers.SpatialDropout2D(0.5)(ops.ones((2, 3, 4)))


def test_gaussian_noise_statistics_and_inference():
    x = np.zeros((200, 100), "float32")
    layer = layers.GaussianNoise(0.5, seed=1)
    y = layer(x, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 0.5) < 0.02
    assert_close(layer(x, training=False), x)
    assert_close(layer(x), x)  # inference by default
    assert_close(layers.GaussianNoise(0.5, seed=1)(x, training=True), y)


def test_gaussian_dropout_statistics_and_inference():
    x = np.ones((200, 100), "float32")
    rate = 0.2
    layer = layers.GaussianDropout(rate, seed=2)
    y = layer(x, training=True).numpy()
    assert abs(y.mean() - 1) < 0.02
    assert abs(y.std() - np.sqrt(rate / (1 - rate))) < 0.02
    assert_close(layer(x, training=False), x)
    assert_close(layers.GaussianDropout(rate, seed=2)(x, training=True), y)


def test_noise_gradients_pass_through_the_noise():
    x = ops.convert_to_tensor(np.full((3, 4), 2.0))
    layer = layers.GaussianDropout(0.3, seed=5, dtype="float64")
    with lamina.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        total = ops.sum(y)
    g = tape.gradient(total, x)
    assert_close(g, y.numpy() / 2.0, rtol=1e-12)  # d(x * noise)/dx = noise


def test_noise_configs_and_errors():
    assert set(layers.GaussianNoise(0.1, seed=3).get_config()) == \
        {"name", "trainable", "dtype", "stddev", "seed"}
    assert set(layers.GaussianDropout(0.1).get_config()) == \
        {"name", "trainable", "dtype", "rate", "seed"}
    assert layers.GaussianNoise.from_config(layers.GaussianNoise(0.25).get_config()).stddev == 0.25
    with pytest.raises(ValueError, match="stddev"):
        layers.GaussianNoise(-1.0)
    with pytest.raises(ValueError, match="rate"):
        layers.GaussianDropout(1.0)
    assert layers.GaussianNoise(0.1)(lamina.KerasTensor((None, 3))).shape == (None, 3)


def test_activity_regularization_adds_the_penalty():
    layer = layers.ActivityRegularization(l1=0.1, l2=0.01)
    x = np.array([[1.0, -2.0], [3.0, 0.0]], "float32")
    assert_close(layer(x), x)
    expected = (0.1 * np.abs(x).sum() + 0.01 * (x ** 2).sum()) / 2
    assert len(layer.losses) == 1
    assert_close(layer.losses[0], expected, rtol=1e-6)
    cfg = layer.get_config()
    assert set(cfg) == {"name", "trainable", "dtype", "l1", "l2"}
    assert layers.ActivityRegularization.from_config(cfg).l1 == pytest.approx(0.1)
