"""Gradients of the recurrent cells and layers against central finite differences
(float64, tiny sizes): with respect to inputs, states and every weight."""

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from conftest import check_grad

CELLS = {
    "simple_rnn": lambda: layers.SimpleRNNCell(3, dtype="float64"),
    "lstm": lambda: layers.LSTMCell(3, dtype="float64"),
    "gru": lambda: layers.GRUCell(3, dtype="float64"),
    "gru_reset_before": lambda: layers.GRUCell(3, reset_after=False, dtype="float64"),
}


def _randomize(layer, rng):
    layer.set_weights([rng.standard_normal(w.shape) * 0.5 for w in layer.weights])


def check_weight_grads(layer, f, rtol=1e-5, atol=1e-7, eps=1e-6, seed=0):
    """d<cot, f()>/d(weight) from the tape vs finite differences on each weight."""
    rng = np.random.default_rng(seed)
    with lamina.GradientTape() as tape:
        out = f()
    cot = rng.standard_normal(out.shape)
    grads = tape.gradient(out, layer.trainable_weights,
                          output_gradients=ops.convert_to_tensor(cot))
    for w, g in zip(layer.trainable_weights, grads):
        base = w.numpy().copy()
        expected = np.zeros_like(base)
        for idx in np.ndindex(base.shape):
            for sign in (1, -1):
                bumped = base.copy()
                bumped[idx] += sign * eps
                w.assign(bumped)
                expected[idx] += sign * np.sum(f().numpy() * cot) / (2 * eps)
        w.assign(base)
        np.testing.assert_allclose(np.asarray(g), expected, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of {w.path}")


@pytest.mark.parametrize("kind", CELLS)
def test_cell_gradients_wrt_inputs_and_states(kind, rng):
    cell = CELLS[kind]()
    cell.build((None, 2))
    _randomize(cell, rng)
    x = rng.standard_normal((2, 2))
    states = [rng.standard_normal((2, 3)) for _ in cell.get_initial_state(2)]

    def f(x, *states):
        out, new_states = cell(x, list(states))
        return ops.concatenate([out] + list(new_states), axis=-1)

    check_grad(f, x, *states)


@pytest.mark.parametrize("kind", CELLS)
def test_cell_gradients_wrt_weights(kind, rng):
    cell = CELLS[kind]()
    cell.build((None, 2))
    _randomize(cell, rng)
    x = ops.convert_to_tensor(rng.standard_normal((2, 2)))
    states = [ops.convert_to_tensor(rng.standard_normal((2, 3)))
              for _ in cell.get_initial_state(2)]

    def f():
        out, new_states = cell(x, states)
        return ops.concatenate([out] + list(new_states), axis=-1)

    check_weight_grads(cell, f)


@pytest.mark.parametrize("layer_fn", [
    lambda: layers.LSTM(2, return_sequences=True, dtype="float64"),
    lambda: layers.GRU(2, go_backwards=True, return_sequences=True, dtype="float64"),
    lambda: layers.SimpleRNN(2, dtype="float64"),
], ids=["lstm", "gru_backwards", "simple_rnn"])
def test_layer_gradients_through_time_with_mask(layer_fn, rng):
    layer = layer_fn()
    seq = rng.standard_normal((2, 4, 2))
    mask = ops.convert_to_tensor(np.array([[1, 1, 0, 1], [0, 1, 1, 0]], bool))
    layer.build(seq.shape)
    _randomize(layer, rng)
    check_grad(lambda s: layer(s, mask=mask), seq)
    seq_t = ops.convert_to_tensor(seq)
    check_weight_grads(layer, lambda: layer(seq_t, mask=mask))


def test_gradient_wrt_initial_state(rng):
    layer = layers.LSTM(2, dtype="float64")
    seq = ops.convert_to_tensor(rng.standard_normal((2, 3, 2)))
    h0, c0 = rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    check_grad(lambda h, c: layer(seq, initial_state=[h, c]), h0, c0)


def test_bidirectional_and_time_distributed_gradients(rng):
    bi = layers.Bidirectional(layers.GRU(2, return_sequences=True, dtype="float64"),
                              dtype="float64")
    seq = rng.standard_normal((2, 3, 2))
    bi.build(seq.shape)
    check_grad(lambda s: bi(s), seq)
    td = layers.TimeDistributed(layers.Dense(2, activation="tanh", dtype="float64"),
                                dtype="float64")
    check_grad(lambda s: td(s), seq)
