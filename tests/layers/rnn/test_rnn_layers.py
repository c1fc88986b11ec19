"""SimpleRNN, LSTM, GRU and RNN(cell) against NumPy references of Keras's equations:
sequences, states, go_backwards, masks, stateful calls, initial states, symbolic calls,
configs and errors."""

import json

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from lamina.saving import deserialize_keras_object, serialize_keras_object
from conftest import assert_close
from rnn_reference import run_rnn, step_for, zero_states

LAYERS = {
    "simple_rnn": lambda **kw: layers.SimpleRNN(3, **kw),
    "lstm": lambda **kw: layers.LSTM(3, **kw),
    "gru": lambda **kw: layers.GRU(3, **kw),
    "gru_reset_before": lambda **kw: layers.GRU(3, reset_after=False, **kw),
}


@pytest.fixture
def seq(rng):
    return rng.standard_normal((2, 5, 4)).astype("float32")


def _randomize(layer, rng):
    """Non-trivial biases (the default ones are mostly zero)."""
    layer.set_weights([rng.standard_normal(w.shape).astype(w.dtype) * 0.5
                       for w in layer.weights])


@pytest.mark.parametrize("kind", LAYERS)
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_output_matches_reference(kind, return_sequences, go_backwards, seq, rng):
    layer = LAYERS[kind](return_sequences=return_sequences, go_backwards=go_backwards)
    layer.build(seq.shape)
    _randomize(layer, rng)
    y = layer(seq)
    last, outs, _ = run_rnn(step_for(layer), seq.astype(np.float64), zero_states(layer, 2),
                            go_backwards=go_backwards)
    assert_close(y, outs if return_sequences else last, rtol=1e-5, atol=1e-5)
    assert y.dtype == "float32"


@pytest.mark.parametrize("kind", LAYERS)
def test_return_state_matches_reference(kind, seq, rng):
    layer = LAYERS[kind](return_sequences=True, return_state=True)
    layer.build(seq.shape)
    _randomize(layer, rng)
    out = layer(seq)
    _, outs, states = run_rnn(step_for(layer), seq, zero_states(layer, 2))
    assert isinstance(out, list) and len(out) == 1 + len(states)
    assert_close(out[0], outs, rtol=1e-5, atol=1e-5)
    for got, want in zip(out[1:], states):
        assert_close(got, want, rtol=1e-5, atol=1e-5)


def test_lstm_state_order_is_h_then_c(seq):
    _, h, c = layers.LSTM(3, return_state=True)(seq)
    assert h.shape == c.shape == (2, 3)
    assert not np.allclose(h.numpy(), c.numpy())
    assert np.all(np.abs(h.numpy()) < 1)  # h = o * tanh(c) is bounded, c is not


@pytest.mark.parametrize("kind", LAYERS)
@pytest.mark.parametrize("go_backwards", [False, True])
def test_mask_carries_previous_state_and_output(kind, go_backwards, seq, rng):
    mask = np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1]], bool)
    layer = LAYERS[kind](return_sequences=True, return_state=True, go_backwards=go_backwards)
    layer.build(seq.shape)
    _randomize(layer, rng)
    out = layer(seq, mask=mask)
    _, outs, states = run_rnn(step_for(layer), seq, zero_states(layer, 2), mask=mask,
                              go_backwards=go_backwards)
    assert_close(out[0], outs, rtol=1e-5, atol=1e-5)
    for got, want in zip(out[1:], states):
        assert_close(got, want, rtol=1e-5, atol=1e-5)
    # the second sample's first step is masked: its output there is zero
    if not go_backwards:
        assert np.all(out[0].numpy()[1, 0] == 0)
    assert out[0]._keras_mask is not None


def test_masked_tail_equals_shorter_sequence(seq):
    layer = layers.LSTM(3)
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    full = layer(seq, mask=mask).numpy()
    short = layer(seq[:1, :3]).numpy()
    assert_close(full[:1], short, rtol=1e-6, atol=1e-6)


def test_zero_output_for_mask(seq):
    layer = layers.RNN(layers.SimpleRNNCell(3), return_sequences=True,
                       zero_output_for_mask=True)
    mask = np.array([[1, 1, 0, 1, 0], [1, 1, 1, 1, 1]], bool)
    y = layer(seq, mask=mask).numpy()
    assert np.all(y[0, 2] == 0) and np.all(y[0, 4] == 0) and np.all(y[0, 3] != 0)


def test_embedding_mask_zero_reaches_the_lstm(rng):
    tokens = np.array([[3, 5, 0, 0], [2, 0, 7, 1]])
    emb = layers.Embedding(10, 4, mask_zero=True)
    lstm = layers.LSTM(3, return_sequences=True)
    y = lstm(emb(tokens))
    assert y._keras_mask.numpy().tolist() == (tokens != 0).tolist()
    vectors = emb.embeddings.numpy()[tokens]
    _, ref, _ = run_rnn(step_for(lstm), vectors, zero_states(lstm, 2), mask=tokens != 0)
    assert_close(y, ref, rtol=1e-5, atol=1e-5)
    # without return_sequences the mask stops at the RNN
    assert getattr(layers.LSTM(3)(emb(tokens)), "_keras_mask", None) is None


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_initial_state(kind, seq, rng):
    layer = LAYERS[kind]()
    layer.build(seq.shape)
    n = 2 if kind == "lstm" else 1
    init = [rng.standard_normal((2, 3)).astype("float32") for _ in range(n)]
    y = layer(seq, initial_state=[ops.convert_to_tensor(s) for s in init])
    last, _, _ = run_rnn(step_for(layer), seq, [s.astype(np.float64) for s in init])
    assert_close(y, last, rtol=1e-5, atol=1e-5)


def test_stateful_continues_across_calls(seq):
    layer = layers.LSTM(3, stateful=True, return_sequences=True)
    first = layer(seq[:, :2]).numpy()
    second = layer(seq[:, 2:]).numpy()
    whole = layers.LSTM(3, return_sequences=True)
    whole.build(seq.shape)
    whole.set_weights(layer.get_weights())
    ref = whole(seq).numpy()
    assert_close(np.concatenate([first, second], axis=1), ref, rtol=1e-5, atol=1e-6)
    # the states are variables, not weights (as Keras: weights stay interchangeable)
    assert len(layer.states) == 2 and len(layer.weights) == 3
    layer.reset_states()
    assert np.all(layer.states[0].numpy() == 0)
    assert_close(layer(seq[:, :2]), first, rtol=1e-6, atol=1e-6)


def test_stateful_batch_size_must_not_change(seq):
    layer = layers.GRU(3, stateful=True)
    layer(seq)
    with pytest.raises(ValueError, match="stateful with batch size 2.*1 samples"):
        layer(seq[:1])


def test_generic_rnn_with_builtin_and_custom_cells(seq, rng):
    cell = layers.LSTMCell(3)
    layer = layers.RNN(cell, return_sequences=True)
    y = layer(seq)
    _, ref, _ = run_rnn(step_for(cell), seq, zero_states(cell, 2))
    assert_close(y, ref, rtol=1e-5, atol=1e-5)

    class MinimalCell(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                    name="recurrent_kernel")

        def call(self, inputs, states):
            h = ops.matmul(inputs, self.kernel) + ops.matmul(states[0], self.recurrent_kernel)
            return h, [h]

    custom = MinimalCell(3)
    out, state = layers.RNN(custom, return_state=True)(seq)
    k, r = custom.kernel.numpy(), custom.recurrent_kernel.numpy()
    h = np.zeros((2, 3))
    for t in range(5):
        h = seq[:, t] @ k + h @ r
    assert_close(out, h, rtol=1e-4, atol=1e-5)
    assert_close(state, h, rtol=1e-4, atol=1e-5)


def test_stacked_cells_match_two_layers(seq):
    cells = [layers.LSTMCell(4), layers.GRUCell(3)]
    stacked = layers.RNN(cells, return_state=True)
    out, *states = stacked(seq)
    assert len(states) == 3 and out.shape == (2, 3)
    _, seq1, _ = run_rnn(step_for(cells[0]), seq, zero_states(cells[0], 2))
    last, _, _ = run_rnn(step_for(cells[1]), seq1, zero_states(cells[1], 2))
    assert_close(out, last, rtol=1e-5, atol=1e-5)
    clone = deserialize_keras_object(serialize_keras_object(stacked))
    assert isinstance(clone.cell, layers.StackedRNNCells)
    assert [type(c) for c in clone.cell.cells] == [layers.LSTMCell, layers.GRUCell]


def test_cell_call_api(rng):
    x = rng.standard_normal((2, 4)).astype("float32")
    cell = layers.LSTMCell(3)
    h, (h2, c) = cell(x, cell.get_initial_state(2))
    assert h is h2 and c.shape == (2, 3)
    ref_h, ref_states = step_for(cell)(x, zero_states(cell, 2))
    assert_close(h, ref_h, rtol=1e-5, atol=1e-6)
    assert_close(c, ref_states[1], rtol=1e-5, atol=1e-6)
    gru = layers.GRUCell(3)
    out, state = gru(x, ops.zeros((2, 3)))  # a bare state gives a bare state back
    assert isinstance(state, lamina.Tensor) and state.shape == (2, 3)
    assert layers.SimpleRNNCell(5).state_size == 5
    assert layers.LSTMCell(5).state_size == [5, 5]


def test_weight_layouts_match_keras():
    lstm = layers.LSTM(5, name="lstm")
    lstm.build((None, 7, 3))
    assert [tuple(w.shape) for w in lstm.weights] == [(3, 20), (5, 20), (20,)]
    bias = lstm.cell.bias.numpy()
    assert np.all(bias[5:10] == 1) and np.all(bias[:5] == 0) and np.all(bias[10:] == 0)
    assert [w.path for w in lstm.weights] == ["lstm/lstm_cell/kernel",
                                             "lstm/lstm_cell/recurrent_kernel",
                                             "lstm/lstm_cell/bias"]
    gru = layers.GRU(5)
    gru.build((None, 7, 3))
    assert [tuple(w.shape) for w in gru.weights] == [(3, 15), (5, 15), (2, 15)]
    gru_v1 = layers.GRU(5, reset_after=False)
    gru_v1.build((None, 7, 3))
    assert tuple(gru_v1.weights[2].shape) == (15,)
    rnn = layers.SimpleRNN(5, use_bias=False)
    rnn.build((None, 7, 3))
    assert [tuple(w.shape) for w in rnn.weights] == [(3, 5), (5, 5)]
    # the recurrent kernel is orthogonal by default
    r = rnn.cell.recurrent_kernel.numpy()
    assert_close(r @ r.T, np.eye(5), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", LAYERS)
def test_symbolic_calls(kind):
    x = lamina.KerasTensor((None, 7, 4))
    y = LAYERS[kind](return_sequences=True)(x)
    assert isinstance(y, lamina.KerasTensor) and y.shape == (None, 7, 3)
    out = LAYERS[kind](return_state=True)(x)
    n = 2 if kind == "lstm" else 1
    assert [t.shape for t in out] == [(None, 3)] + [(None, 3)] * n
    layer = LAYERS[kind](return_sequences=True, return_state=True)
    assert layer.compute_output_shape((None, None, 4)) == [(None, None, 3)] + [(None, 3)] * n


def test_symbolic_call_keeps_the_mask():
    tokens = lamina.KerasTensor((None, 6), "int32")
    x = layers.Embedding(10, 4, mask_zero=True)(tokens)
    y = layers.GRU(3, return_sequences=True)(x)
    assert y.shape == (None, 6, 3) and y._keras_mask is not None


def test_in_a_sequential_model_trains(rng):
    x = rng.integers(1, 10, size=(32, 6))
    y = (x[:, 0] > 5).astype("float32")
    model = lamina.Sequential([lamina.Input((6,), dtype="int32"),
                               layers.Embedding(10, 8, mask_zero=True),
                               layers.LSTM(8), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("kind", LAYERS)
def test_dropout_only_in_training(kind, seq):
    layer = LAYERS[kind](dropout=0.5, recurrent_dropout=0.3, seed=1)
    base = layer(seq).numpy()
    assert_close(layer(seq, training=False), base)
    trained = layer(seq, training=True).numpy()
    assert trained.shape == base.shape and np.all(np.isfinite(trained))
    assert not np.allclose(trained, base)


def test_input_dropout_mask_is_shared_across_steps(seq):
    cell = layers.SimpleRNNCell(3, dropout=0.5, seed=3)
    layer = layers.RNN(cell, return_sequences=True)
    const = np.repeat(seq[:, :1], 5, axis=1)  # every step has the same input
    layer(const, training=True)
    mask = cell._dropout_mask.numpy()
    assert mask.shape == (2, 4) and set(np.unique(mask)) <= {0.0, 2.0}
    # a fresh mask for the next sequence
    layer(const, training=True)
    assert cell._dropout_mask is not None


# ------------------------------------------------------------------ configs
KERAS_RNN_KEYS = {"name", "trainable", "dtype", "return_sequences", "return_state",
                  "go_backwards", "stateful", "unroll", "zero_output_for_mask"}
CELL_KEYS = {"units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
             "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
             "bias_regularizer", "kernel_constraint", "recurrent_constraint",
             "bias_constraint", "dropout", "recurrent_dropout", "seed"}


@pytest.mark.parametrize("layer, extra", [
    (layers.SimpleRNN(3), set()),
    (layers.LSTM(3), {"recurrent_activation", "unit_forget_bias"}),
    (layers.GRU(3), {"recurrent_activation", "reset_after"}),
])
def test_layer_config_has_keras_keys(layer, extra):
    config = layer.get_config()
    assert set(config) == KERAS_RNN_KEYS | CELL_KEYS | extra | {"activity_regularizer"}
    json.dumps(config)
    clone = type(layer).from_config(config)
    assert clone.get_config() == {**config, "name": clone.name}


@pytest.mark.parametrize("cell, extra", [
    (layers.SimpleRNNCell(3), set()),
    (layers.LSTMCell(3), {"recurrent_activation", "unit_forget_bias"}),
    (layers.GRUCell(3), {"recurrent_activation", "reset_after"}),
])
def test_cell_config_has_keras_keys(cell, extra):
    config = cell.get_config()
    assert set(config) == {"name", "trainable", "dtype"} | CELL_KEYS | extra
    assert type(cell).from_config(config).get_config() == config


def test_config_round_trip_keeps_arguments():
    layer = layers.GRU(4, activation="relu", reset_after=False, go_backwards=True,
                       return_sequences=True, dropout=0.25, seed=7,
                       kernel_regularizer="l2")
    config = layer.get_config()
    assert config["activation"] == "relu" and config["reset_after"] is False
    assert config["dropout"] == 0.25 and config["seed"] == 7
    clone = deserialize_keras_object(serialize_keras_object(layer))
    assert isinstance(clone, layers.GRU) and clone.go_backwards and not clone.reset_after
    assert clone.units == 4 and clone.cell.kernel_regularizer is not None
    generic = layers.RNN(layers.LSTMCell(2), return_state=True)
    rebuilt = deserialize_keras_object(serialize_keras_object(generic))
    assert isinstance(rebuilt.cell, layers.LSTMCell) and rebuilt.return_state


def test_regularizers_join_losses(seq):
    layer = layers.LSTM(3, kernel_regularizer="l2", recurrent_regularizer="l1")
    layer(seq)
    assert len(layer.losses) == 2


# ------------------------------------------------------------------- errors
@pytest.mark.parametrize("units", [0, -2, 1.5, None])
def test_bad_units(units):
    with pytest.raises(ValueError, match="units"):
        layers.LSTM(units)


def test_bad_dropout():
    with pytest.raises(ValueError, match="dropout"):
        layers.GRU(3, dropout=1.5)


def test_needs_3d_input():
    with pytest.raises(ValueError, match=r"expected inputs of shape \(batch, time, features\)"):
        layers.LSTM(3)(np.zeros((2, 4), "float32"))


def test_wrong_initial_state(seq):
    with pytest.raises(ValueError, match="initial_state should be a list of 2"):
        layers.LSTM(3)(seq, initial_state=[ops.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"expected \(2, 3\)"):
        layers.GRU(3)(seq, initial_state=[ops.zeros((2, 4))])


def test_bad_cell():
    with pytest.raises(ValueError, match="`call` method and a `state_size`"):
        layers.RNN(object())
