"""Pooling layers: outputs against NumPy, gradients, Keras configs and shapes."""

import json

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from lamina.saving import deserialize_keras_object, serialize_keras_object
from conftest import assert_close, check_grad

POOL_KEYS = {"name", "trainable", "dtype", "pool_size", "padding", "strides", "data_format"}
GLOBAL_KEYS = {"name", "trainable", "dtype", "data_format", "keepdims"}


def np_pool(x, k, s, padding, mode):
    r = x.ndim - 2
    if padding == "valid":
        outs = [(x.shape[1 + i] - k[i]) // s[i] + 1 for i in range(r)]
        pads = [0] * r
    else:
        outs = [-(-x.shape[1 + i] // s[i]) for i in range(r)]
        pads = [max((outs[i] - 1) * s[i] + k[i] - x.shape[1 + i], 0) // 2 for i in range(r)]
    y = np.zeros((x.shape[0], *outs, x.shape[-1]))
    for o in np.ndindex(*outs):
        sl = tuple(slice(max(o[i] * s[i] - pads[i], 0), min(o[i] * s[i] - pads[i] + k[i], x.shape[1 + i]))
                   for i in range(r))
        win = x[(slice(None),) + sl]
        axes = tuple(range(1, r + 1))
        y[(slice(None),) + o] = win.max(axis=axes) if mode == "max" else win.mean(axis=axes)
    return y


@pytest.mark.parametrize("cls,mode,shape,kwargs", [
    (layers.MaxPooling1D, "max", (2, 9, 3), {}),
    (layers.MaxPooling1D, "max", (2, 9, 3), dict(pool_size=3, strides=2, padding="same")),
    (layers.MaxPooling2D, "max", (2, 7, 8, 3), {}),
    (layers.MaxPooling2D, "max", (2, 7, 8, 3), dict(pool_size=(3, 2), strides=1, padding="same")),
    (layers.MaxPooling3D, "max", (1, 5, 4, 6, 2), dict(padding="same")),
    (layers.AveragePooling1D, "average", (2, 9, 3), dict(padding="same")),
    (layers.AveragePooling2D, "average", (2, 7, 8, 3), dict(pool_size=3, strides=2, padding="same")),
    (layers.AveragePooling2D, "average", (2, 7, 8, 3), {}),
    (layers.AveragePooling3D, "average", (1, 5, 4, 6, 2), dict(pool_size=(2, 1, 3))),
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_pooling_layer_matches_numpy(rng, cls, mode, shape, kwargs, data_format):
    layer = cls(data_format=data_format, **kwargs)
    x = rng.standard_normal(shape).astype("float32")
    ref = np_pool(x, layer.pool_size, layer.strides, layer.padding, mode)
    if data_format == "channels_first":
        x, ref = np.moveaxis(x, -1, 1).copy(), np.moveaxis(ref, -1, 1)
    y = layer(x)
    assert_close(y, ref, rtol=1e-6, atol=1e-6, dtype="float32")
    assert layer.compute_output_shape((None,) + x.shape[1:]) == (None,) + y.shape[1:]


def test_pooling_defaults_config_and_aliases():
    layer = layers.MaxPooling2D()
    assert layer.pool_size == (2, 2) and layer.strides == (2, 2)
    config = layer.get_config()
    assert set(config) == POOL_KEYS
    assert config["padding"] == "valid" and config["data_format"] == "channels_last"
    clone = deserialize_keras_object(json.loads(json.dumps(serialize_keras_object(layer))))
    assert isinstance(clone, layers.MaxPooling2D) and clone.get_config() == config
    for cls in (layers.MaxPooling1D, layers.MaxPooling3D, layers.AveragePooling1D,
                layers.AveragePooling2D, layers.AveragePooling3D):
        assert set(cls().get_config()) == POOL_KEYS
        assert cls.from_config(cls(strides=1).get_config()).strides == (1,) * len(cls().pool_size)
    assert layers.MaxPool2D is layers.MaxPooling2D and layers.AvgPool1D is layers.AveragePooling1D
    assert layers.MaxPooling1D().pool_size == (2,) and layers.AveragePooling3D().pool_size == (2, 2, 2)


def test_pooling_gradients(rng):
    x = rng.permutation(2 * 5 * 5 * 2).reshape(2, 5, 5, 2).astype(np.float64)
    check_grad(lambda a: layers.MaxPooling2D(2, padding="same", dtype="float64")(a), x)
    check_grad(lambda a: layers.AveragePooling2D(3, 2, padding="same", dtype="float64")(a), rng.standard_normal((2, 5, 5, 2)))
    check_grad(lambda a: layers.MaxPooling1D(3, 1, data_format="channels_first", dtype="float64")(a),
               rng.permutation(24).reshape(2, 3, 4).astype(np.float64))


def test_pooling_errors():
    with pytest.raises(ValueError, match="padding"):
        layers.MaxPooling2D(padding="full")
    with pytest.raises(ValueError, match="pool_size"):
        layers.MaxPooling2D(pool_size=0)
    with pytest.raises(ValueError, match="pool_size must have 2 entries"):
        layers.AveragePooling2D(pool_size=(2, 2, 2))
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.MaxPooling2D()(np.ones((2, 4, 4), "float32"))
    with pytest.raises(ValueError, match="output size would be negative"):
        layers.MaxPooling2D(5).compute_output_shape((None, 4, 4, 3))


def test_symbolic_pooling():
    kt = lamina.KerasTensor((None, 26, 26, 32))
    assert layers.MaxPooling2D()(kt).shape == (None, 13, 13, 32)
    assert layers.AveragePooling2D(3, 2, padding="same")(lamina.KerasTensor((None, None, 7, 4))).shape == \
        (None, None, 4, 4)


# ----------------------------------------------------------------- global
@pytest.mark.parametrize("cls,mode,rank", [
    (layers.GlobalMaxPooling1D, "max", 1), (layers.GlobalMaxPooling2D, "max", 2),
    (layers.GlobalMaxPooling3D, "max", 3), (layers.GlobalAveragePooling1D, "mean", 1),
    (layers.GlobalAveragePooling2D, "mean", 2), (layers.GlobalAveragePooling3D, "mean", 3)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling(rng, cls, mode, rank, data_format, keepdims):
    shape = (2,) + (3, 4, 5)[:rank] + (6,)
    x = rng.standard_normal(shape).astype("float32")
    if data_format == "channels_first":
        x = np.moveaxis(x, -1, 1).copy()
        axes = tuple(range(2, rank + 2))
    else:
        axes = tuple(range(1, rank + 1))
    layer = cls(data_format=data_format, keepdims=keepdims)
    y = layer(x)
    ref = getattr(np, mode)(x, axis=axes, keepdims=keepdims)
    assert_close(y, ref, rtol=1e-6, atol=1e-6)
    assert layer.compute_output_shape((None,) + x.shape[1:]) == (None,) + ref.shape[1:]
    config = layer.get_config()
    assert set(config) == GLOBAL_KEYS and config["keepdims"] == keepdims
    assert cls.from_config(config).get_config() == config


def test_global_average_pooling1d_mask(rng):
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
    y = layers.GlobalAveragePooling1D()(x, mask=ops.convert_to_tensor(mask))
    assert_close(y, np.stack([x[0, :2].mean(0), x[1].mean(0)]), rtol=1e-6, atol=1e-6)


def test_global_pooling_gradients(rng):
    check_grad(lambda a: layers.GlobalAveragePooling2D(dtype="float64")(a), rng.standard_normal((2, 3, 3, 2)))
    check_grad(lambda a: layers.GlobalMaxPooling1D(dtype="float64")(a), rng.permutation(12).reshape(2, 3, 2) * 1.0)


def test_mnist_convnet_shapes():
    model_layers = [layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(),
                    layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(), layers.Flatten(),
                    layers.Dense(10, activation="softmax")]
    x = np.random.default_rng(0).standard_normal((4, 28, 28, 1)).astype("float32")
    shapes = []
    for layer in model_layers:
        x = layer(x)
        shapes.append(tuple(x.shape))
    assert shapes == [(4, 26, 26, 32), (4, 13, 13, 32), (4, 11, 11, 64), (4, 5, 5, 64), (4, 1600),
                      (4, 10)]
