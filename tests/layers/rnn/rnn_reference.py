"""NumPy references of Keras's recurrent equations, computed from a layer's weights."""

from __future__ import annotations

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def simple_rnn_step(kernel, recurrent_kernel, bias=None):
    def step(x, states):
        z = x @ kernel + states[0] @ recurrent_kernel
        if bias is not None:
            z = z + bias
        h = np.tanh(z)
        return h, [h]
    return step


def lstm_step(kernel, recurrent_kernel, bias=None):
    def step(x, states):
        h, c = states
        z = x @ kernel + h @ recurrent_kernel
        if bias is not None:
            z = z + bias
        i, f, g, o = np.split(z, 4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        return h, [h, c]
    return step


def gru_step(kernel, recurrent_kernel, bias=None, reset_after=True):
    units = recurrent_kernel.shape[0]

    def step(x, states):
        h = states[0]
        if bias is None:
            b_in, b_rec = 0.0, 0.0
        elif reset_after:
            b_in, b_rec = bias[0], bias[1]
        else:
            b_in, b_rec = bias, 0.0
        x_z, x_r, x_h = np.split(x @ kernel + b_in, 3, axis=-1)
        if reset_after:
            r_z, r_r, r_h = np.split(h @ recurrent_kernel + b_rec, 3, axis=-1)
            z, r = sigmoid(x_z + r_z), sigmoid(x_r + r_r)
            hh = np.tanh(x_h + r * r_h)
        else:
            r_z, r_r = np.split(h @ recurrent_kernel[:, :2 * units], 2, axis=-1)
            z, r = sigmoid(x_z + r_z), sigmoid(x_r + r_r)
            hh = np.tanh(x_h + (r * h) @ recurrent_kernel[:, 2 * units:])
        h = z * h + (1 - z) * hh
        return h, [h]
    return step


def step_for(layer):
    """The reference step function of a built SimpleRNN / LSTM / GRU layer (or cell)."""
    cell = getattr(layer, "cell", layer)
    weights = [w.numpy() for w in cell.weights]
    name = type(cell).__name__
    if name == "SimpleRNNCell":
        return simple_rnn_step(*weights)
    if name == "LSTMCell":
        return lstm_step(*weights)
    if name == "GRUCell":
        return gru_step(*weights, reset_after=cell.reset_after)
    raise TypeError(name)


def run_rnn(step, x, states, mask=None, go_backwards=False):
    """Keras's loop: (last output, outputs in processing order, final states).
    Masked steps keep the states and repeat the previous output (zeros at first)."""
    steps = range(x.shape[1])
    if go_backwards:
        steps = reversed(steps)
    outputs, prev = [], None
    for t in steps:
        out, new = step(x[:, t], states)
        if mask is not None:
            m = mask[:, t][:, None]
            new = [np.where(m, n, s) for n, s in zip(new, states)]
            out = np.where(m, out, prev if prev is not None else np.zeros_like(out))
        states, prev = new, out
        outputs.append(out)
    return prev, np.stack(outputs, axis=1), states


def zero_states(layer, batch):
    cell = getattr(layer, "cell", layer)
    n = 2 if type(cell).__name__ == "LSTMCell" else 1
    return [np.zeros((batch, cell.units)) for _ in range(n)]
