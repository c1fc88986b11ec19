"""Core layers against NumPy references: Dense, Activation, Flatten, Reshape,
Permute, RepeatVector, Dropout, Lambda, Identity, Input/InputLayer."""

import json

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from lamina.saving import deserialize_keras_object, serialize_keras_object
from conftest import assert_close, check_grad


@pytest.fixture
def x(rng):
    return rng.standard_normal((4, 5)).astype("float32")


def test_dense_2d_matches_numpy(x):
    layer = layers.Dense(3, activation="relu")
    y = layer(x)
    ref = np.maximum(x @ layer.kernel.numpy() + layer.bias.numpy(), 0)
    assert_close(y, ref, rtol=1e-5, atol=1e-6)
    assert layer.kernel.shape == (5, 3) and layer.bias.shape == (3,)


def test_dense_contracts_last_axis_of_nd_input(rng):
    x = rng.standard_normal((2, 3, 5)).astype("float32")
    layer = layers.Dense(4, use_bias=False)
    y = layer(x)
    assert y.shape == (2, 3, 4) and layer.bias is None
    assert_close(y, np.einsum("btd,du->btu", x, layer.kernel.numpy()), rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape((None, 3, 5)) == (None, 3, 4)


def test_dense_initializers_and_config():
    layer = layers.Dense(2, kernel_initializer="ones", bias_initializer=lamina.initializers.Constant(0.5))
    y = layer(np.ones((1, 3), "float32"))
    assert_close(y, [[3.5, 3.5]])
    config = layer.get_config()
    assert config["units"] == 2 and config["activation"] == "linear"
    assert config["kernel_initializer"]["class_name"] == "Ones"
    assert config["dtype"]["class_name"] == "DTypePolicy"
    json.dumps(serialize_keras_object(layer))  # JSON-compatible
    clone = deserialize_keras_object(serialize_keras_object(layer))
    assert isinstance(clone, layers.Dense) and clone.built and clone.units == 2


@pytest.mark.parametrize("units", [0, -1, 2.5, "3", True])
def test_dense_rejects_bad_units(units):
    with pytest.raises(ValueError, match="invalid value for `units`"):
        layers.Dense(units)


def test_dense_needs_known_last_dim():
    with pytest.raises(ValueError, match="last dimension of the input must be known"):
        layers.Dense(2)(lamina.KerasTensor((None, None)))


def test_dense_gradient_matches_finite_differences(rng):
    layer = layers.Dense(3, activation="tanh", dtype="float64")
    layer.build((None, 4))
    k, b = layer.kernel.numpy(), layer.bias.numpy()
    x = rng.standard_normal((2, 4))

    def f(x_):
        return layer(x_)

    check_grad(f, x)
    assert_close(layer(x), np.tanh(x @ k + b), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,ref", [
    ("relu", lambda v: np.maximum(v, 0)),
    ("sigmoid", lambda v: 1 / (1 + np.exp(-v))),
    ("tanh", np.tanh),
    ("linear", lambda v: v),
    ("softmax", lambda v: np.exp(v) / np.exp(v).sum(-1, keepdims=True)),
])
def test_activation_layer(name, ref, x):
    layer = layers.Activation(name)
    assert_close(layer(x), ref(x), rtol=1e-5, atol=1e-6)
    assert layer.get_config()["activation"] == name


def test_flatten(rng):
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    assert_close(layers.Flatten()(x), x.reshape(2, 12))
    assert_close(layers.Flatten(data_format="channels_first")(x),
                 np.transpose(x, (0, 2, 1)).reshape(2, 12))
    assert layers.Flatten().compute_output_shape((None, 3, 4)) == (None, 12)
    assert layers.Flatten().compute_output_shape((None, None, 4)) == (None, None)
    assert layers.Flatten()(np.ones((5,), "float32")).shape == (5, 1)


def test_reshape(rng):
    x = rng.standard_normal((2, 12)).astype("float32")
    assert_close(layers.Reshape((3, 4))(x), x.reshape(2, 3, 4))
    assert_close(layers.Reshape((-1, 2))(x), x.reshape(2, 6, 2))
    assert layers.Reshape((-1, 2)).compute_output_shape((None, 12)) == (None, 6, 2)
    with pytest.raises(ValueError, match="does not match target_shape"):
        layers.Reshape((5, 5))(x)


def test_permute(rng):
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    assert_close(layers.Permute((2, 1))(x), np.transpose(x, (0, 2, 1)))
    with pytest.raises(ValueError, match="consecutive and start from 1"):
        layers.Permute((0, 1))


def test_repeat_vector(rng):
    x = rng.standard_normal((2, 3)).astype("float32")
    assert_close(layers.RepeatVector(4)(x), np.repeat(x[:, None, :], 4, axis=1))
    with pytest.raises(ValueError, match="expected ndim=2"):
        layers.RepeatVector(2)(np.ones((2, 3, 4), "float32"))


def test_dropout_training_and_inference():
    x = np.ones((200, 100), "float32")
    layer = layers.Dropout(0.25, seed=1)
    assert_close(layer(x), x)  # inference by default
    y = np.asarray(layer(x, training=True))
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.02
    assert_close(y[kept], np.full(kept.sum(), 1 / 0.75), rtol=1e-6)
    with pytest.raises(ValueError, match="Expected a float value between 0 and 1"):
        layers.Dropout(1.5)


def test_dropout_noise_shape_broadcasts():
    y = np.asarray(layers.Dropout(0.5, noise_shape=(None, 1), seed=3)(np.ones((50, 8), "float32"), training=True))
    for row in y:
        assert len(set(row.tolist())) == 1  # a whole row is kept or dropped


def test_lambda_layer_and_safe_mode():
    layer = layers.Lambda(lambda t: t * 2 + 1)
    assert_close(layer(np.ones(3, "float32")), [3.0, 3.0, 3.0])
    assert layer.compute_output_shape((None, 3)) == (None, 3)
    config = serialize_keras_object(layer)
    with pytest.raises(ValueError, match="disallowed by default"):
        deserialize_keras_object(config)
    clone = deserialize_keras_object(config, safe_mode=False)
    assert_close(clone(np.ones(2, "float32")), [3.0, 3.0])


def test_lambda_with_named_function_round_trips():
    layer = layers.Lambda(ops.relu)
    clone = deserialize_keras_object(serialize_keras_object(layer))
    assert_close(clone(np.array([-1.0, 2.0], "float32")), [0.0, 2.0])


def test_identity():
    x = np.arange(3, dtype="float32")
    assert_close(layers.Identity()(x), x)


def test_input_and_input_layer():
    t = lamina.Input(shape=(3, 4), name="img")
    assert isinstance(t, lamina.KerasTensor) and t.shape == (None, 3, 4)
    layer = layers.InputLayer(batch_shape=(8, 2))
    assert layer.output.shape == (8, 2)
    assert layer.get_config()["batch_shape"] == [8, 2]
    with pytest.raises(ValueError, match="either `shape` or `batch_shape`"):
        layers.InputLayer(shape=(2,), batch_shape=(None, 2))


def test_unknown_activation_fails_at_construction_listing_known_names():
    with pytest.raises(ValueError, match="relu") as info:
        layers.Dense(2, activation="not_an_activation")
    assert "not_an_activation" in str(info.value)


def test_dense_config_has_exactly_keras_keys():
    config = layers.Dense(4).get_config()
    assert set(config) == {"name", "trainable", "dtype", "units", "activation", "use_bias",
                           "kernel_initializer", "bias_initializer", "kernel_regularizer",
                           "bias_regularizer", "kernel_constraint", "bias_constraint"}


def test_forward_pass_of_built_model_equals_numpy(rng):
    model = lamina.Sequential([lamina.Input(shape=(6,)), layers.Dense(5, activation="tanh"),
                               layers.Dense(3, activation="sigmoid")])
    x = rng.standard_normal((7, 6)).astype("float32")
    k1, b1, k2, b2 = model.get_weights()
    ref = 1 / (1 + np.exp(-(np.tanh(x @ k1 + b1) @ k2 + b2)))
    assert_close(model(x), ref, rtol=1e-5, atol=1e-6)
