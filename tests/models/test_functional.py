"""The functional API: Model(inputs, outputs), graphs, training, configs, summary."""

import json

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.models.functional import Functional
from lamina.saving import serialization_lib


def _relu(x):
    return np.maximum(x, 0)


def _mlp():
    inputs = lamina.Input(shape=(4,), name="x")
    h = layers.Dense(8, activation="relu", name="hidden")(inputs)
    outputs = layers.Dense(3, name="logits")(h)
    return lamina.Model(inputs, outputs, name="mlp")


def _two_in_two_out():
    a = lamina.Input(shape=(4,), name="a")
    b = lamina.Input(shape=(2,), name="b")
    ha = layers.Dense(8, activation="relu", name="ha")(a)
    hb = layers.Dense(8, activation="relu", name="hb")(b)
    out_a = layers.Dense(1, name="out_a")(ha)
    out_b = layers.Dense(3, activation="softmax", name="out_b")(hb)
    return lamina.Model({"a": a, "b": b}, [out_a, out_b], name="two")


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = {"a": rng.random((n, 4)).astype("float32"), "b": rng.random((n, 2)).astype("float32")}
    ya = x["a"].sum(axis=1, keepdims=True)
    yb = np.clip((x["b"][:, 0] * 3).astype("int32"), 0, 2)
    return x, ya, yb


# ----------------------------------------------------------- construction
def test_model_dispatches_to_functional_and_records_nodes():
    model = _mlp()
    assert type(model) is Functional and isinstance(model, lamina.Model)
    assert [l.name for l in model.layers] == ["x", "hidden", "logits"]
    assert model.input_shape == (None, 4) and model.output_shape == (None, 3)
    assert model.output_names == ["logits"] and model.input_names == ["x"]
    hidden = model.get_layer("hidden")
    assert len(hidden._inbound_nodes) == 1
    out = model.outputs[0]
    assert out._keras_history.operation is model.get_layer("logits")
    assert tuple(out._keras_history)[1:] == (0, 0)


def test_functional_mlp_matches_numpy():
    model = _mlp()
    x = np.random.default_rng(1).random((5, 4)).astype("float32")
    k1, b1, k2, b2 = model.get_weights()
    expected = _relu(x @ k1 + b1) @ k2 + b2
    np.testing.assert_allclose(np.asarray(model(x)), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_keyword_form_and_list_structures():
    a = lamina.Input(shape=(3,), name="kw_in")
    out = layers.Dense(2, name="kw_out")(a)
    model = lamina.Model(inputs=[a], outputs=[out])
    y = model([np.ones((2, 3), "float32")])
    assert isinstance(y, list) and np.asarray(y[0]).shape == (2, 2)
    cfg = model.get_config()
    assert cfg["input_layers"] == [["kw_in", 0, 0]] and cfg["output_layers"] == [["kw_out", 0, 0]]


def test_shared_layer_has_one_set_of_weights():
    a = lamina.Input(shape=(4,), name="s_a")
    b = lamina.Input(shape=(4,), name="s_b")
    shared = layers.Dense(4, name="shared_dense")
    merged_in = [shared(a), shared(b)]
    out = layers.Dense(1, name="s_out")(shared(merged_in[0]))
    model = lamina.Model([a, b], [out, merged_in[1]])
    assert len(shared._inbound_nodes) == 3
    assert len(model.weights) == 4  # shared kernel/bias + s_out kernel/bias
    xa, xb = np.ones((2, 4), "float32"), np.full((2, 4), 2.0, "float32")
    out_val, b_val = model([xa, xb])
    k, bias = shared.get_weights()
    np.testing.assert_allclose(np.asarray(b_val), xb @ k + bias, rtol=1e-5)
    cfg = model.get_config()
    shared_cfg = [l for l in cfg["layers"] if l["name"] == "shared_dense"][0]
    histories = [n["args"][0]["config"]["keras_history"] for n in shared_cfg["inbound_nodes"]]
    assert histories == [["s_a", 0, 0], ["s_b", 0, 0], ["shared_dense", 0, 0]]


def test_nested_functional_and_sequential_models():
    inner_in = lamina.Input(shape=(4,), name="inner_in")
    inner = lamina.Model(inner_in, layers.Dense(3, name="inner_dense")(inner_in), name="inner")
    seq = lamina.Sequential([lamina.Input(shape=(3,)), layers.Dense(2, name="seq_dense")],
                            name="seq")
    x = lamina.Input(shape=(4,), name="outer_in")
    out = seq(inner(x))
    model = lamina.Model(x, out, name="outer")
    assert [l.name for l in model.layers] == ["outer_in", "inner", "seq"]
    assert len(model.weights) == 4
    data = np.random.default_rng(2).random((3, 4)).astype("float32")
    k1, b1, k2, b2 = model.get_weights()
    np.testing.assert_allclose(np.asarray(model(data)), (data @ k1 + b1) @ k2 + b2, rtol=1e-5)
    # The nested models' own layers got no extra nodes from the outer call.
    assert len(inner.get_layer("inner_dense")._inbound_nodes) == 1


def test_dict_and_list_inputs_are_matched_by_name():
    model = _two_in_two_out()
    x, _, _ = _data(4)
    by_dict = model(x)
    by_list = model([x["a"], x["b"]])  # keys "a" < "b": list in sorted-key order
    for p, q in zip(by_dict, by_list):
        np.testing.assert_allclose(np.asarray(p), np.asarray(q))
    with pytest.raises(ValueError, match="missing"):
        model({"a": x["a"]})


def test_training_flag_reaches_layers():
    x = lamina.Input(shape=(100,), name="drop_in")
    model = lamina.Model(x, layers.Dropout(0.5, name="drop")(x))
    data = np.ones((4, 100), "float32")
    np.testing.assert_array_equal(np.asarray(model(data)), data)
    trained = np.asarray(model(data, training=True))
    assert (trained == 0).any() and (trained != 1).any()


# --------------------------------------------------------------- training
def test_multi_input_multi_output_training_history_keys():
    model = _two_in_two_out()
    model.compile("adam", loss={"out_a": "mse", "out_b": "sparse_categorical_crossentropy"},
                  loss_weights={"out_a": 2.0, "out_b": 1.0},
                  metrics={"out_a": ["mae"], "out_b": ["accuracy"]})
    x, ya, yb = _data()
    history = model.fit(x, {"out_a": ya, "out_b": yb}, epochs=8, batch_size=16, verbose=0,
                        validation_data=(x, [ya, yb]))
    h = history.history
    assert set(h) == {"loss", "out_a_loss", "out_b_loss", "out_a_mae", "out_b_accuracy",
                      "val_loss", "val_out_a_loss", "val_out_b_loss", "val_out_a_mae",
                      "val_out_b_accuracy"}
    assert h["loss"][-1] < h["loss"][0]
    assert h["out_a_loss"][-1] < h["out_a_loss"][0]
    logs = model.evaluate(x, [ya, yb], verbose=0, return_dict=True)
    # The total is the weighted sum of the per-output losses.
    np.testing.assert_allclose(logs["loss"], 2 * logs["out_a_loss"] + logs["out_b_loss"],
                               rtol=1e-4)


def test_list_losses_and_nested_metric_lists():
    model = _two_in_two_out()
    model.compile("sgd", loss=["mse", "sparse_categorical_crossentropy"],
                  metrics=[["mse"], ["accuracy"]])
    x, ya, yb = _data(32)
    logs = model.train_on_batch(x, [ya, yb], return_dict=True)
    assert set(logs) == {"loss", "out_a_loss", "out_b_loss", "out_a_mse", "out_b_accuracy"}
    with pytest.raises(ValueError, match="output names"):
        model.compile("sgd", loss={"nope": "mse"})


def test_dict_outputs_use_dict_keys():
    a = lamina.Input(shape=(4,), name="da")
    model = lamina.Model(a, {"reg": layers.Dense(1, name="r")(a),
                             "cls": layers.Dense(2, activation="softmax", name="c")(a)})
    model.compile("adam", loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  metrics={"cls": ["accuracy"]})
    x, ya, yb = _data(16)
    logs = model.train_on_batch(x["a"], {"reg": ya, "cls": np.clip(yb, 0, 1)}, return_dict=True)
    assert set(logs) == {"loss", "reg_loss", "cls_loss", "cls_accuracy"}
    assert set(model.predict(x["a"], verbose=0)) == {"reg", "cls"}


# ----------------------------------------------------------------- config
def _config_model():
    a = lamina.Input(shape=(4,), name="cfg_a")
    b = lamina.Input(shape=(2,), name="cfg_b")
    shared = layers.Dense(4, activation="relu", name="cfg_shared")
    h = shared(shared(a))
    inner_in = lamina.Input(shape=(4,), name="cfg_inner_in")
    inner = lamina.Model(inner_in, layers.Dense(3, name="cfg_inner_dense")(inner_in),
                         name="cfg_inner")
    y = inner(h)
    z = lamina.Sequential([lamina.Input(shape=(2,)), layers.Dense(2, name="cfg_sd")],
                          name="cfg_seq")(b)
    d = layers.Dropout(0.2, name="cfg_drop")(z, training=False)
    return lamina.Model([a, b], {"y": layers.Dense(1, name="cfg_y")(y), "z": d, "mid": y},
                        name="cfg_model")


def test_get_config_has_keras_functional_format():
    cfg = _config_model().get_config()
    assert set(cfg) == {"name", "trainable", "layers", "input_layers", "output_layers"}
    assert cfg["input_layers"] == [["cfg_a", 0, 0], ["cfg_b", 0, 0]]
    # A nested Functional as an output counts its own node first, as in Keras.
    assert cfg["output_layers"] == {"y": ["cfg_y", 0, 0], "z": ["cfg_drop", 0, 0],
                                    "mid": ["cfg_inner", 1, 0]}
    by_name = {l["name"]: l for l in cfg["layers"]}
    assert [l["name"] for l in cfg["layers"]][:3] == ["cfg_a", "cfg_shared", "cfg_b"]
    assert by_name["cfg_a"]["inbound_nodes"] == []
    assert by_name["cfg_a"]["class_name"] == "InputLayer"
    inner = by_name["cfg_inner"]
    assert (inner["module"], inner["class_name"]) == ("keras.src.models.functional",
                                                      "Functional")
    assert inner["inbound_nodes"] == [{
        "args": [{"class_name": "__keras_tensor__",
                  "config": {"shape": [None, 4], "dtype": "float32",
                             "keras_history": ["cfg_shared", 1, 0]}}],
        "kwargs": {"mask": None}}]
    assert by_name["cfg_drop"]["inbound_nodes"][0]["kwargs"] == {"training": False}
    assert by_name["cfg_y"]["inbound_nodes"][0]["kwargs"] == {}


def test_config_json_round_trip_gives_same_model():
    model = _config_model()
    cfg = json.loads(json.dumps(serialization_lib.serialize_keras_object(model)))
    clone = serialization_lib.deserialize_keras_object(cfg)
    assert type(clone) is Functional
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    assert clone.get_config() == model.get_config()
    clone.set_weights(model.get_weights())
    xa = np.random.default_rng(3).random((5, 4)).astype("float32")
    xb = np.random.default_rng(4).random((5, 2)).astype("float32")
    out, out2 = model([xa, xb]), clone([xa, xb])
    for key in out:
        np.testing.assert_allclose(np.asarray(out[key]), np.asarray(out2[key]), rtol=1e-6)
    # Model.from_config dispatches functional configs too.
    assert type(lamina.Model.from_config(model.get_config())) is Functional


def test_from_config_reads_a_keras_written_config():
    # As Keras 3.15 writes it (single tensors give flat [name, 0, 0] entries).
    cfg = {
        "name": "k", "trainable": True,
        "layers": [
            {"module": "keras.layers", "class_name": "InputLayer",
             "config": {"batch_shape": [None, 3], "dtype": "float32", "sparse": False,
                        "ragged": False, "name": "k_in"},
             "registered_name": None, "name": "k_in", "inbound_nodes": []},
            {"module": "keras.layers", "class_name": "Dense",
             "config": {"name": "k_dense", "trainable": True, "units": 2,
                        "activation": "relu"},
             "registered_name": None, "build_config": {"input_shape": [None, 3]},
             "name": "k_dense",
             "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {
                 "shape": [None, 3], "dtype": "float32", "keras_history": ["k_in", 0, 0]}}],
                 "kwargs": {}}]},
        ],
        "input_layers": ["k_in", 0, 0], "output_layers": ["k_dense", 0, 0],
    }
    model = lamina.Model.from_config(cfg)
    assert model.output_shape == (None, 2) and model.name == "k"
    assert model.get_config()["input_layers"] == ["k_in", 0, 0]


# ---------------------------------------------------------------- summary
def test_summary_shows_connectivity():
    lines = []
    _config_model().summary(print_fn=lines.append, line_length=120)
    text = "\n".join(lines)
    assert "Connected to" in text
    assert "cfg_a[0][0]" in text and "cfg_shared[1][0]" in text
    assert "cfg_inner (Functional)" in text and "(None, 3)" in text
    row = [line for line in lines if "cfg_a (InputLayer)" in line][0]
    assert row.rstrip("│ ").endswith("-")


def test_summary_of_a_chain_has_no_connectivity_column():
    lines = []
    _mlp().summary(print_fn=lines.append)
    assert "Connected to" not in "\n".join(lines)
    assert any("x (InputLayer)" in line for line in lines)


# ----------------------------------------------------------------- errors
def test_disconnected_graph_names_the_tensor():
    a = lamina.Input(shape=(3,), name="conn_a")
    b = lamina.Input(shape=(3,), name="conn_b")
    out = layers.Dense(1, name="conn_out")(b)
    with pytest.raises(ValueError, match="Graph disconnected.*conn_out.*conn_b"):
        lamina.Model(a, out)


def test_non_keras_tensor_inputs_are_refused():
    out = layers.Dense(1)(lamina.Input(shape=(3,)))
    with pytest.raises(ValueError, match="must be KerasTensors.*ndarray"):
        lamina.Model(np.ones((1, 3)), out)
    with pytest.raises(ValueError, match="outputs"):
        lamina.Model(lamina.Input(shape=(3,)), "nope")


def test_duplicate_layer_names_are_refused():
    a = lamina.Input(shape=(3,), name="dup_in")
    h = layers.Dense(2, name="dup")(a)
    out = layers.Dense(2, name="dup")(h)
    with pytest.raises(ValueError, match='"dup" is used 2 times'):
        lamina.Model(a, out)


def test_intermediate_tensor_as_input_is_refused():
    a = lamina.Input(shape=(3,), name="mid_in")
    h = layers.Dense(2, name="mid_h")(a)
    with pytest.raises(ValueError, match="lamina.Input"):
        lamina.Model(h, layers.Dense(1)(h))


def test_wrong_input_shape_is_reported():
    model = _mlp()
    with pytest.raises(ValueError, match="expects shape"):
        model(np.ones((2, 5), "float32"))


def test_symbolic_call_of_model_infers_shapes_without_new_nodes():
    model = _mlp()
    hidden = model.get_layer("hidden")
    before = len(hidden._inbound_nodes)
    y = model(lamina.Input(shape=(4,)))
    assert y.shape == (None, 3)
    assert len(hidden._inbound_nodes) == before
    assert len(model._inbound_nodes) == 1
