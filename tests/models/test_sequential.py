"""Sequential: add/pop, early shape checks, build, call, configs, summary, get_layer."""

import io
import json

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.models import Sequential
from lamina.saving import deserialize_keras_object, serialize_keras_object
from conftest import assert_close


def mlp():
    return Sequential([lamina.Input(shape=(784,)), layers.Dense(64, activation="relu"),
                       layers.Dropout(0.2), layers.Dense(10, activation="softmax")], name="mlp")


def test_builds_as_soon_as_input_shape_is_known():
    model = mlp()
    assert model.built
    assert model.input_shape == (None, 784) and model.output_shape == (None, 10)
    assert [w.path for w in model.weights] == ["mlp/dense/kernel", "mlp/dense/bias",
                                               "mlp/dense_1/kernel", "mlp/dense_1/bias"] or \
        all(w.path.startswith("mlp/") for w in model.weights)
    assert model.count_params() == 784 * 64 + 64 + 64 * 10 + 10


def test_is_a_layer_and_nests():
    from lamina.models import Model
    inner = Sequential([layers.Dense(4)])
    outer = Sequential([lamina.Input(shape=(3,)), inner, layers.Dense(2)])
    assert isinstance(inner, Model) and isinstance(inner, layers.Layer)
    assert outer.output_shape == (None, 2)
    assert len(outer.weights) == 4


def test_incompatible_add_fails_at_add_and_names_layer_and_shapes():
    model = Sequential([lamina.Input(shape=(10,)), layers.Dense(5)])
    bad = layers.Reshape((3, 3), name="bad_reshape")
    with pytest.raises(ValueError, match=r"bad_reshape.*\(None, 5\)"):
        model.add(bad)
    assert len(model.layers) == 1  # the failed layer is not kept
    model.add(layers.Dense(2))
    assert model.output_shape == (None, 2)


def test_first_layer_input_shape_kwarg_creates_input():
    model = Sequential([layers.Dense(3, input_shape=(4,))])
    assert model.built and model.input_shape == (None, 4)


def test_deferred_build_on_first_call():
    model = Sequential([layers.Dense(3), layers.Dense(1)])
    assert not model.built
    with pytest.raises(AttributeError, match="no defined input shape"):
        model.input_shape
    y = model(np.ones((2, 5), "float32"))
    assert y.shape == (2, 1) and model.built


def test_layers_is_read_only_and_pop():
    model = mlp()
    listed = model.layers
    listed.append("junk")
    assert len(model.layers) == 3
    with pytest.raises(AttributeError):
        model.layers = []
    popped = model.pop()
    assert popped.name.startswith("dense") and model.output_shape == (None, 64)
    with pytest.raises(TypeError, match="no layers"):
        Sequential().pop()


def test_add_rejects_non_layers_and_duplicate_names():
    model = Sequential()
    with pytest.raises(ValueError, match="Only instances of"):
        model.add("dense")
    model.add(layers.Dense(2, name="d"))
    with pytest.raises(ValueError, match="unique names"):
        model.add(layers.Dense(2, name="d"))


def test_call_matches_manual_composition(rng):
    model = mlp()
    x = rng.standard_normal((5, 784)).astype("float32")
    d1, _, d2 = model.layers
    h = np.maximum(x @ d1.kernel.numpy() + d1.bias.numpy(), 0)
    logits = h @ d2.kernel.numpy() + d2.bias.numpy()
    ref = np.exp(logits - logits.max(-1, keepdims=True))
    ref /= ref.sum(-1, keepdims=True)
    assert_close(model(x), ref, rtol=1e-4, atol=1e-6)
    assert_close(model.predict_on_batch(x) if hasattr(model, "predict_on_batch") else model(x), ref,
                 rtol=1e-4, atol=1e-6)


def test_config_round_trip_in_keras_format():
    model = mlp()
    config = model.get_config()
    assert config["name"] == "mlp"
    assert config["layers"][0]["class_name"] == "InputLayer"
    assert config["layers"][1]["module"] == "keras.layers"
    assert config["layers"][1]["class_name"] == "Dense"
    assert config["build_input_shape"] == [None, 784]
    clone = Sequential.from_config(json.loads(json.dumps(config)))
    assert clone.output_shape == (None, 10)
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    clone.set_weights(model.get_weights())
    x = np.ones((2, 784), "float32")
    assert_close(clone(x), model(x))
    serialized = serialize_keras_object(model)
    assert serialized["class_name"] == "Sequential" and serialized["module"] == "keras"
    assert isinstance(deserialize_keras_object(serialized), Sequential)


def test_get_layer():
    model = mlp()
    assert model.get_layer(index=0) is model.layers[0]
    assert model.get_layer(name=model.layers[2].name) is model.layers[2]
    with pytest.raises(ValueError, match="no such layer"):
        model.get_layer(name="nope")
    with pytest.raises(ValueError, match="only has 3 layers"):
        model.get_layer(index=7)


def test_summary_table():
    model = mlp()
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert lines[0] == 'Model: "mlp"'
    assert "Layer (type)" in text and "Output Shape" in text and "Param #" in text
    assert "dense (Dense)" in text or "(Dense)" in text
    assert "(None, 64)" in text and "(None, 10)" in text
    assert "50,240" in text and "650" in text
    assert " Total params: 50,890 (198.79 KB)" in lines
    assert " Trainable params: 50,890 (198.79 KB)" in lines
    assert " Non-trainable params: 0 (0.00 B)" in lines


def test_summary_unbuilt_and_nested_and_line_length():
    model = Sequential([layers.Dense(3)], name="unbuilt")
    lines = []
    model.summary(print_fn=lines.append, line_length=60)
    text = "\n".join(lines)
    assert "?" in text and "0 (unbuilt)" in text
    assert max(len(l) for l in lines[1:-3]) <= 62
    outer = Sequential([lamina.Input(shape=(3,)), Sequential([layers.Dense(4)], name="inner")])
    lines = []
    outer.summary(print_fn=lines.append, expand_nested=True)
    assert any("└" in l and "(Dense)" in l for l in lines)


def test_non_trainable_counts_in_summary():
    model = mlp()
    model.layers[0].trainable = False
    lines = []
    model.summary(print_fn=lines.append)
    assert " Trainable params: 650 (2.54 KB)" in lines
    assert " Non-trainable params: 50,240 (196.25 KB)" in lines


def test_sequential_config_has_exactly_keras_keys():
    assert set(mlp().get_config()) == {"name", "trainable", "dtype", "layers", "build_input_shape"}
