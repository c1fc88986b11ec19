"""Bidirectional and TimeDistributed against NumPy references; configs and errors."""

import json

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from lamina.saving import deserialize_keras_object, serialize_keras_object
from conftest import assert_close
from rnn_reference import run_rnn, step_for, zero_states


@pytest.fixture
def seq(rng):
    return rng.standard_normal((2, 5, 4)).astype("float32")


def _reference(bi, seq, mask=None):
    """(forward outputs, backward outputs in time order, forward states, backward states)."""
    _, fw, fw_states = run_rnn(step_for(bi.forward_layer), seq, zero_states(bi.forward_layer, 2),
                               mask=mask)
    _, bw, bw_states = run_rnn(step_for(bi.backward_layer), seq,
                               zero_states(bi.backward_layer, 2), mask=mask, go_backwards=True)
    return fw, bw[:, ::-1], fw_states, bw_states


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_sequences(merge_mode, seq):
    bi = layers.Bidirectional(layers.LSTM(3, return_sequences=True), merge_mode=merge_mode)
    out = bi(seq)
    fw, bw, _, _ = _reference(bi, seq)
    expected = {"concat": np.concatenate([fw, bw], -1), "sum": fw + bw, "mul": fw * bw,
                "ave": (fw + bw) / 2, None: None}[merge_mode]
    if merge_mode is None:
        assert isinstance(out, list) and len(out) == 2
        assert_close(out[0], fw, rtol=1e-5, atol=1e-5)
        assert_close(out[1], bw, rtol=1e-5, atol=1e-5)
    else:
        assert_close(out, expected, rtol=1e-5, atol=1e-5)


def test_bidirectional_last_output_and_states(seq):
    bi = layers.Bidirectional(layers.GRU(3, return_state=True))
    out, fw_h, bw_h = bi(seq)
    fw, bw, fw_states, bw_states = _reference(bi, seq)
    assert_close(out, np.concatenate([fw[:, -1], bw[:, 0]], -1), rtol=1e-5, atol=1e-5)
    assert_close(fw_h, fw_states[0], rtol=1e-5, atol=1e-5)
    assert_close(bw_h, bw_states[0], rtol=1e-5, atol=1e-5)


def test_bidirectional_with_mask_and_names(seq):
    bi = layers.Bidirectional(layers.SimpleRNN(3, return_sequences=True, name="rnn"))
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    out = bi(seq, mask=mask)
    fw, bw, _, _ = _reference(bi, seq, mask=mask)
    assert_close(out, np.concatenate([fw, bw], -1), rtol=1e-5, atol=1e-5)
    assert bi.forward_layer.name == "forward_rnn" and bi.backward_layer.name == "backward_rnn"
    assert bi.backward_layer.go_backwards and not bi.forward_layer.go_backwards
    assert len(bi.weights) == 6
    assert out._keras_mask is not None


def test_bidirectional_initial_state_and_backward_layer(seq, rng):
    fwd = layers.LSTM(3, return_sequences=True)
    bwd = layers.GRU(3, return_sequences=True, go_backwards=True)
    bi = layers.Bidirectional(fwd, backward_layer=bwd, merge_mode="sum")
    assert bi.backward_layer is bwd
    init = [ops.convert_to_tensor(rng.standard_normal((2, 3)).astype("float32"))
            for _ in range(3)]
    out = bi(seq, initial_state=init)
    _, fw, _ = run_rnn(step_for(bi.forward_layer), seq, [s.numpy() for s in init[:2]])
    _, bw, _ = run_rnn(step_for(bwd), seq, [init[2].numpy()], go_backwards=True)
    assert_close(out, fw + bw[:, ::-1], rtol=1e-5, atol=1e-5)


def test_bidirectional_symbolic_and_config():
    bi = layers.Bidirectional(layers.LSTM(3, return_sequences=True, return_state=True))
    out = bi(lamina.KerasTensor((None, 6, 4)))
    assert [t.shape for t in out] == [(None, 6, 6)] + [(None, 3)] * 4
    config = bi.get_config()
    assert {"merge_mode", "layer", "backward_layer"} <= set(config)
    json.dumps(config)
    clone = deserialize_keras_object(serialize_keras_object(bi))
    assert isinstance(clone, layers.Bidirectional)
    assert clone.forward_layer.name == "forward_" + bi.forward_layer.name.removeprefix("forward_")
    assert clone.backward_layer.go_backwards and clone.merge_mode == "concat"


def test_bidirectional_errors():
    with pytest.raises(ValueError, match="Layer` instance"):
        layers.Bidirectional("lstm")
    with pytest.raises(ValueError, match="Invalid merge mode"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="different `go_backwards`"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2))
    with pytest.raises(ValueError, match="same `return_sequences`"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(
            2, go_backwards=True, return_sequences=True))
    with pytest.raises(ValueError, match="recurrent layer"):
        layers.Bidirectional(layers.Dense(2))


def test_time_distributed_dense(seq):
    td = layers.TimeDistributed(layers.Dense(6, activation="relu"))
    out = td(seq)
    dense = td.layer
    assert_close(out, np.maximum(seq @ dense.kernel.numpy() + dense.bias.numpy(), 0),
                 rtol=1e-5, atol=1e-6)
    assert td.compute_output_shape((None, 5, 4)) == (None, 5, 6)
    assert td(lamina.KerasTensor((None, None, 4))).shape == (None, None, 6)


def test_time_distributed_over_images_and_mask(rng):
    x = rng.standard_normal((2, 3, 4, 5)).astype("float32")
    td = layers.TimeDistributed(layers.Flatten())
    assert td(x).shape == (2, 3, 20)
    mask = np.array([[1, 0, 1], [1, 1, 1]], bool)
    seq = td(x)
    seq._keras_mask = ops.convert_to_tensor(mask)
    out = layers.TimeDistributed(layers.Dense(2))(seq)
    assert out._keras_mask.numpy().tolist() == mask.tolist()


def test_time_distributed_config_and_errors():
    td = layers.TimeDistributed(layers.Dense(3))
    clone = deserialize_keras_object(serialize_keras_object(td))
    assert isinstance(clone.layer, layers.Dense) and clone.layer.units == 3
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        td(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match="Layer` instance"):
        layers.TimeDistributed(3)
