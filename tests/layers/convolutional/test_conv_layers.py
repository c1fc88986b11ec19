"""Convolution layers: outputs against NumPy from the layers' own weights,
gradients against finite differences, Keras config keys, shapes and errors."""

import itertools
import json

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from lamina.saving import deserialize_keras_object, serialize_keras_object
from conftest import assert_close, check_grad

BASE_KEYS = {"name", "trainable", "dtype"}
CONV_KEYS = BASE_KEYS | {
    "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
    "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
    "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"}
DEPTHWISE_KEYS = BASE_KEYS | {
    "depth_multiplier", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
    "activation", "use_bias", "depthwise_initializer", "bias_initializer",
    "depthwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint",
    "bias_constraint"}
SEPARABLE_KEYS = BASE_KEYS | {
    "depth_multiplier", "filters", "kernel_size", "strides", "padding", "data_format",
    "dilation_rate", "activation", "use_bias", "depthwise_initializer", "pointwise_initializer",
    "bias_initializer", "depthwise_regularizer", "pointwise_regularizer", "bias_regularizer",
    "activity_regularizer", "depthwise_constraint", "pointwise_constraint", "bias_constraint"}
TRANSPOSE_KEYS = CONV_KEYS - {"groups"}


def same_pads(n, k, s, d=1):
    dk = (k - 1) * d + 1
    out = -(-n // s)
    total = max((out - 1) * s + dk - n, 0)
    return total // 2, total - total // 2


def np_conv(x, w, s, pads, d=None):
    """Channels-last conv with explicit (lo, hi) pads; groups from the kernel."""
    r = x.ndim - 2
    d = d or (1,) * r
    xp = np.pad(x.astype(np.float64), [(0, 0)] + list(pads) + [(0, 0)])
    ks = w.shape[:-2]
    out = [(xp.shape[1 + i] - ((ks[i] - 1) * d[i] + 1)) // s[i] + 1 for i in range(r)]
    G = x.shape[-1] // w.shape[-2]
    Cg, Fg = w.shape[-2], w.shape[-1] // G
    y = np.zeros((x.shape[0], *out, w.shape[-1]))
    for t in itertools.product(*[range(k) for k in ks]):
        sl = tuple(slice(t[i] * d[i], t[i] * d[i] + (out[i] - 1) * s[i] + 1, s[i]) for i in range(r))
        patch = xp[(slice(None),) + sl]
        for g in range(G):
            y[..., g * Fg:(g + 1) * Fg] += patch[..., g * Cg:(g + 1) * Cg] @ w[t][:, g * Fg:(g + 1) * Fg]
    return y


# ------------------------------------------------------------------ Conv*D
@pytest.mark.parametrize("cls,shape,kwargs", [
    (layers.Conv1D, (2, 9, 3), dict(filters=4, kernel_size=3)),
    (layers.Conv1D, (2, 9, 4), dict(filters=4, kernel_size=2, strides=2, padding="same", groups=2)),
    (layers.Conv2D, (2, 7, 8, 3), dict(filters=5, kernel_size=3, padding="same")),
    (layers.Conv2D, (2, 9, 9, 2), dict(filters=3, kernel_size=(3, 2), dilation_rate=2)),
    (layers.Conv2D, (2, 7, 8, 6), dict(filters=4, kernel_size=3, strides=2, groups=2)),
    (layers.Conv3D, (2, 5, 6, 5, 2), dict(filters=3, kernel_size=2, padding="same")),
])
def test_conv_layer_matches_numpy(rng, cls, shape, kwargs):
    layer = cls(activation="relu", bias_initializer="random_normal", **kwargs)
    x = rng.standard_normal(shape).astype("float32")
    y = layer(x)
    k, b = layer.kernel.numpy(), layer.bias.numpy()
    r = len(shape) - 2
    s = layer.strides
    d = layer.dilation_rate
    pads = [(0, 0)] * r if layer.padding == "valid" else \
        [same_pads(shape[1 + i], k.shape[i], s[i], d[i]) for i in range(r)]
    ref = np.maximum(np_conv(x, k, s, pads, d) + b, 0)
    assert_close(y, ref, rtol=1e-4, atol=1e-4, dtype="float32")
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + y.shape[1:]
    assert k.shape == layer.kernel_size + (shape[-1] // layer.groups, layer.filters)


def test_conv1d_causal_padding(rng):
    layer = layers.Conv1D(2, 3, padding="causal", dilation_rate=2, use_bias=False)
    x = rng.standard_normal((2, 7, 3)).astype("float32")
    y = layer(x)
    ref = np_conv(x, layer.kernel.numpy(), (1,), [(4, 0)], (2,))
    assert y.shape == (2, 7, 2)
    assert_close(y, ref, rtol=1e-4, atol=1e-5)
    # Output t sees inputs <= t only.
    x2 = x.copy()
    x2[:, 5:] = 0
    assert_close(layer(x2)[:, :5], y[:, :5], rtol=1e-5, atol=1e-6)


def test_conv2d_channels_first(rng):
    layer = layers.Conv2D(4, 3, strides=2, padding="same", data_format="channels_first")
    x = rng.standard_normal((2, 3, 7, 6)).astype("float32")
    y = layer(x)
    assert y.shape == (2, 4, 4, 3)
    xl = np.moveaxis(x, 1, -1)
    ref = np_conv(xl, layer.kernel.numpy(), (2, 2), [same_pads(7, 3, 2), same_pads(6, 3, 2)])
    assert_close(y, np.moveaxis(ref + layer.bias.numpy(), -1, 1), rtol=1e-4, atol=1e-4)
    assert layer.compute_output_shape((None, 3, 7, 6)) == (None, 4, 4, 3)


def test_conv2d_gradients(rng):
    layer = layers.Conv2D(2, 3, strides=2, padding="same", activation="tanh", dtype="float64",
                          bias_initializer="random_normal")
    layer.build((None, 5, 5, 2))
    check_grad(lambda x: layer(x), rng.standard_normal((2, 5, 5, 2)))

    x = ops.convert_to_tensor(rng.standard_normal((2, 5, 5, 2)))
    k0, b0 = layer.kernel.numpy(), layer.bias.numpy()

    def f(k, b):
        layer.kernel.assign(k)
        layer.bias.assign(b)
        return layer(x)

    check_grad(f, k0, b0)


def test_conv_layer_trains_its_weights(rng):
    layer = layers.Conv2D(2, 3)
    x = ops.convert_to_tensor(rng.standard_normal((2, 5, 5, 1)).astype("float32"))
    with lamina.GradientTape() as tape:
        loss = ops.sum(layer(x))
    grads = tape.gradient(loss, layer.trainable_weights)
    assert [g.shape for g in grads] == [(3, 3, 1, 2), (2,)]
    assert_close(grads[1], np.full(2, 18.0))  # d sum / d bias: one per output pixel


def test_conv_config_has_keras_keys_and_round_trips():
    layer = layers.Conv2D(8, (3, 3), strides=2, padding="same", activation="relu",
                          kernel_regularizer="l2", name="c")
    config = layer.get_config()
    assert set(config) == CONV_KEYS
    assert config["kernel_size"] == (3, 3) and config["strides"] == (2, 2)
    assert config["dilation_rate"] == (1, 1) and config["groups"] == 1
    assert config["data_format"] == "channels_last" and config["activation"] == "relu"
    assert config["kernel_regularizer"]["class_name"] == "L2"
    layer(np.ones((1, 8, 8, 3), "float32"))
    json.dumps(serialize_keras_object(layer))
    clone = deserialize_keras_object(serialize_keras_object(layer))
    assert isinstance(clone, layers.Conv2D) and clone.get_config() == config
    assert clone.kernel.shape == (3, 3, 3, 8)
    assert set(layers.Conv1D(2, 3).get_config()) == CONV_KEYS
    assert set(layers.Conv3D(2, 3).get_config()) == CONV_KEYS


def test_conv_symbolic_and_keras_aliases():
    kt = lamina.KerasTensor((None, 28, 28, 1))
    assert layers.Conv2D(32, 3)(kt).shape == (None, 26, 26, 32)
    assert layers.Conv2D(4, 3, padding="same", strides=2).compute_output_shape(
        (None, None, 9, 3)) == (None, None, 5, 4)
    assert layers.Convolution2D is layers.Conv2D
    assert serialize_keras_object(layers.Conv2D(2, 3))["class_name"] == "Conv2D"


@pytest.mark.parametrize("make,match", [
    (lambda: layers.Conv2D(0, 3), "filters"),
    (lambda: layers.Conv2D(4, 0), "kernel_size"),
    (lambda: layers.Conv2D(4, 3, strides=0), "strides"),
    (lambda: layers.Conv2D(4, 3, strides=2, dilation_rate=2), "strides > 1"),
    (lambda: layers.Conv2D(5, 3, groups=2), "divisible by the number of groups"),
    (lambda: layers.Conv2D(4, 3, padding="causal"), "padding"),
    (lambda: layers.Conv2D(4, (3, 3, 3)), "kernel_size must have 2 entries"),
    (lambda: layers.Conv2D(4, 3, data_format="NCHW"), "data_format"),
])
def test_conv_argument_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_conv_build_errors(rng):
    with pytest.raises(ValueError, match="input channels must be evenly divisible"):
        layers.Conv2D(4, 3, groups=2)(np.ones((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match="output size would be negative"):
        layers.Conv2D(4, 7)(np.ones((1, 5, 5, 3), "float32"))
    layer = layers.Conv2D(4, 3)
    layer(np.ones((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(np.ones((1, 5, 5, 2), "float32"))


# ----------------------------------------------------------- DepthwiseConv
def np_depthwise(x, w, s, pads):
    C, M = w.shape[-2:]
    return np_conv(x, w.reshape(w.shape[:-2] + (1, C * M)), s, pads)


@pytest.mark.parametrize("cls,shape", [(layers.DepthwiseConv1D, (2, 9, 3)),
                                       (layers.DepthwiseConv2D, (2, 7, 6, 3))])
def test_depthwise_layer_matches_numpy(rng, cls, shape):
    layer = cls(3, strides=2, padding="same", depth_multiplier=2, bias_initializer="ones")
    x = rng.standard_normal(shape).astype("float32")
    y = layer(x)
    r = len(shape) - 2
    pads = [same_pads(shape[1 + i], 3, 2) for i in range(r)]
    ref = np_depthwise(x, layer.kernel.numpy(), (2,) * r, pads) + 1.0
    assert_close(y, ref, rtol=1e-4, atol=1e-4)
    assert layer.kernel.shape == (3,) * r + (3, 2) and layer.bias.shape == (6,)
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + y.shape[1:]
    config = layer.get_config()
    assert set(config) == DEPTHWISE_KEYS and config["depth_multiplier"] == 2
    clone = cls.from_config(config)
    assert clone.get_config() == config


def test_depthwise_gradients(rng):
    layer = layers.DepthwiseConv2D(2, depth_multiplier=2, dtype="float64")
    layer.build((None, 4, 4, 2))
    check_grad(lambda x: layer(x), rng.standard_normal((2, 4, 4, 2)))
    x = ops.convert_to_tensor(rng.standard_normal((2, 4, 4, 2)))

    def f(k):
        layer.kernel.assign(k)
        return layer(x)

    check_grad(f, layer.kernel.numpy())


# ----------------------------------------------------------- SeparableConv
@pytest.mark.parametrize("cls,shape", [(layers.SeparableConv1D, (2, 9, 3)),
                                       (layers.SeparableConv2D, (2, 7, 6, 3))])
def test_separable_layer_matches_numpy(rng, cls, shape):
    layer = cls(4, 3, padding="same", depth_multiplier=2, bias_initializer="ones")
    x = rng.standard_normal(shape).astype("float32")
    y = layer(x)
    r = len(shape) - 2
    pads = [same_pads(shape[1 + i], 3, 1) for i in range(r)]
    mid = np_depthwise(x, layer.depthwise_kernel.numpy(), (1,) * r, pads)
    ref = mid @ layer.pointwise_kernel.numpy().reshape(6, 4) + 1.0
    assert_close(y, ref, rtol=1e-4, atol=1e-4)
    assert [w.name for w in layer.weights] == ["depthwise_kernel", "pointwise_kernel", "bias"]
    assert layer.pointwise_kernel.shape == (1,) * r + (6, 4)
    config = layer.get_config()
    assert set(config) == SEPARABLE_KEYS
    assert cls.from_config(config).get_config() == config


def test_separable_gradients(rng):
    layer = layers.SeparableConv2D(2, 2, dtype="float64")
    layer.build((None, 4, 4, 2))
    check_grad(lambda x: layer(x), rng.standard_normal((1, 4, 4, 2)))


# ------------------------------------------------------------ ConvTranspose
def np_conv_transpose(x, w, s, padding):
    """Scatter form for dilation 1 and no output_padding."""
    r = x.ndim - 2
    ks = w.shape[:-2]
    outs, los = [], []
    for i in range(r):
        n, k = x.shape[1 + i], ks[i]
        if padding == "valid":
            outs.append((n - 1) * s[i] + k + max(s[i] - k, 0))
            los.append(0)
        else:
            outs.append(n * s[i])
            los.append(same_pads(n * s[i], k, s[i])[0])
    y = np.zeros((x.shape[0], *outs, w.shape[-2]))
    for idx in np.ndindex(*x.shape[1:-1]):
        for t in itertools.product(*[range(k) for k in ks]):
            pos = [idx[i] * s[i] - los[i] + t[i] for i in range(r)]
            if all(0 <= pos[i] < outs[i] for i in range(r)):
                y[(slice(None),) + tuple(pos)] += x[(slice(None),) + idx] @ w[t].T
    return y


@pytest.mark.parametrize("cls,shape,padding", [(layers.Conv1DTranspose, (2, 5, 3), "valid"),
                                               (layers.Conv2DTranspose, (2, 4, 3, 3), "same"),
                                               (layers.Conv2DTranspose, (2, 4, 3, 3), "valid"),
                                               (layers.Conv3DTranspose, (1, 3, 2, 3, 2), "same")])
def test_conv_transpose_layer_matches_numpy(rng, cls, shape, padding):
    layer = cls(4, 3, strides=2, padding=padding, bias_initializer="ones")
    x = rng.standard_normal(shape).astype("float32")
    y = layer(x)
    r = len(shape) - 2
    ref = np_conv_transpose(x, layer.kernel.numpy(), (2,) * r, padding) + 1.0
    assert_close(y, ref, rtol=1e-4, atol=1e-4)
    assert layer.kernel.shape == (3,) * r + (4, shape[-1])
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + y.shape[1:]
    config = layer.get_config()
    assert set(config) == TRANSPOSE_KEYS
    assert cls.from_config(config).get_config() == config


def test_conv2d_transpose_output_padding_and_channels_first(rng):
    layer = layers.Conv2DTranspose(3, 3, strides=2, output_padding=1, data_format="channels_first")
    y = layer(rng.standard_normal((2, 2, 4, 5)).astype("float32"))
    assert y.shape == (2, 3, 10, 12)  # (n - 1) * 2 + 3 + 1
    assert layer.compute_output_shape((None, 2, 4, 5)) == (None, 3, 10, 12)
    config = layer.get_config()
    assert config["output_padding"] == (1, 1)
    assert layers.Conv2DTranspose.from_config(config).output_padding == (1, 1)
    with pytest.raises(ValueError, match="output_padding"):
        layers.Conv2DTranspose(3, 3, strides=2, output_padding=2)


def test_conv_transpose_gradients(rng):
    layer = layers.Conv2DTranspose(2, 3, strides=2, padding="same", dtype="float64")
    layer.build((None, 3, 3, 2))
    check_grad(lambda x: layer(x), rng.standard_normal((1, 3, 3, 2)))
