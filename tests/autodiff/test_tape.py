"""GradientTape and grad/value_and_grad semantics, and an MLP against a hand-derived gradient."""

import numpy as np
import pytest

import lamina
from lamina import ops

from conftest import assert_close


def test_watch_and_gradient():
    x = ops.convert_to_tensor(3.0)
    with lamina.GradientTape() as tape:
        tape.watch(x)
        y = x * x + 2.0 * x
    assert float(tape.gradient(y, x)) == pytest.approx(8.0)


def test_unwatched_source_gets_none_or_zero():
    x = ops.convert_to_tensor(1.0)
    z = ops.convert_to_tensor(2.0)
    with lamina.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * 3.0
    assert tape.gradient(y, z) is None
    assert float(tape.gradient(y, z, unconnected_gradients="zero")) == 0.0


def test_non_persistent_tape_used_twice_raises():
    x = ops.convert_to_tensor(1.0)
    with lamina.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(y, x)


def test_persistent_tape_and_structures():
    x = ops.convert_to_tensor([1.0, 2.0])
    w = ops.convert_to_tensor([3.0, 4.0])
    with lamina.GradientTape(persistent=True) as tape:
        tape.watch([x, w])
        y = ops.sum(x * w)
    g = tape.gradient(y, {"x": x, "w": w})
    assert_close(g["x"], [3.0, 4.0])
    assert_close(g["w"], [1.0, 2.0])
    gx, gw = tape.gradient(y, (x, w))
    assert_close(gx, [3.0, 4.0])


def test_non_scalar_target_raises():
    x = ops.convert_to_tensor([1.0, 2.0])
    with lamina.GradientTape() as tape:
        tape.watch(x)
        y = x * 2.0
    with pytest.raises(ValueError, match=r"target must be a scalar, got shape \(2,\)"):
        tape.gradient(y, x)


def test_integer_inputs_get_no_gradient():
    i = ops.convert_to_tensor([1, 2])
    x = ops.convert_to_tensor([1.0, 2.0])
    with lamina.GradientTape() as tape:
        tape.watch([i, x])
        y = ops.sum(x * i)
    gi, gx = tape.gradient(y, [i, x])
    assert gi is None
    assert_close(gx, [1.0, 2.0])


def test_stop_gradient_and_stop_recording():
    x = ops.convert_to_tensor(2.0)
    with lamina.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * ops.stop_gradient(x)
        with tape.stop_recording():
            z = x * x
    assert float(tape.gradient(y, x)) == pytest.approx(2.0)
    assert tape.gradient(z, x) is None


def test_gradient_accumulates_over_reuse():
    x = ops.convert_to_tensor(1.5)
    with lamina.GradientTape() as tape:
        tape.watch(x)
        y = x * x * x  # x used three times
    assert float(tape.gradient(y, x)) == pytest.approx(3 * 1.5**2)


def test_grad_and_value_and_grad():
    f = lambda x: ops.sum(ops.square(x))  # noqa: E731
    g = ops.grad(f)(np.array([1.0, -2.0], np.float32))
    assert_close(g, [2.0, -4.0])
    value, grads = ops.value_and_grad(lambda a, b: ops.sum(a * b), argnums=(0, 1))(
        np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    assert float(value) == pytest.approx(11.0)
    assert_close(grads[0], [3.0, 4.0])
    assert_close(grads[1], [1.0, 2.0])
    (value, aux), gr = ops.value_and_grad(lambda x: (ops.sum(x), "aux"), has_aux=True)(np.ones(3))
    assert aux == "aux"


def test_higher_order_with_grad():
    d3 = ops.grad(ops.grad(ops.grad(lambda x: x ** 4.0)))
    assert float(d3(ops.convert_to_tensor(2.0))) == pytest.approx(24 * 2.0)


def test_mlp_gradient_matches_hand_derivation(rng):
    """Loss of a two-layer MLP (dense-relu-dense, softmax cross-entropy) through the tape,
    against gradients derived by hand in NumPy."""
    n, d, h, k = 16, 5, 8, 3
    x = rng.standard_normal((n, d))
    y = rng.integers(0, k, n)
    w1 = rng.standard_normal((d, h)) * 0.5
    b1 = rng.standard_normal(h) * 0.1
    w2 = rng.standard_normal((h, k)) * 0.5
    b2 = rng.standard_normal(k) * 0.1
    onehot = np.eye(k)[y]

    params = [ops.convert_to_tensor(p) for p in (w1, b1, w2, b2)]
    with lamina.GradientTape() as tape:
        tape.watch(params)
        tw1, tb1, tw2, tb2 = params
        hidden = ops.relu(ops.matmul(ops.convert_to_tensor(x), tw1) + tb1)
        logits = ops.matmul(hidden, tw2) + tb2
        logp = ops.log_softmax(logits, axis=-1)
        loss = -ops.mean(ops.sum(logp * ops.convert_to_tensor(onehot), axis=-1))
    grads = tape.gradient(loss, params)

    # By hand.
    z1 = x @ w1 + b1
    a1 = np.maximum(z1, 0)
    z2 = a1 @ w2 + b2
    p = np.exp(z2 - z2.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    dz2 = (p - onehot) / n
    dw2 = a1.T @ dz2
    db2 = dz2.sum(0)
    dz1 = (dz2 @ w2.T) * (z1 > 0)
    dw1 = x.T @ dz1
    db1 = dz1.sum(0)
    expected_loss = -np.mean(np.sum(np.log(p) * onehot, axis=1))
    assert float(loss) == pytest.approx(expected_loss, rel=1e-10)
    for g, e in zip(grads, (dw1, db1, dw2, db2)):
        assert_close(g, e, rtol=1e-9, atol=1e-12)


def test_relu_backward_is_itself_differentiable():
    """relu's VJP is a fused relu_grad kernel; its own VJP routes cotangents through
    the same mask, so d/dv of d/dx sum(relu(x) * v) is (x > 0)."""
    x = ops.convert_to_tensor(np.array([-1.5, -0.2, 0.3, 2.0]))
    v = ops.convert_to_tensor(np.array([1.0, 2.0, 3.0, 4.0]))
    with lamina.GradientTape() as outer:
        outer.watch(v)
        with lamina.GradientTape() as inner:
            inner.watch(x)
            y = ops.sum(ops.relu(x) * v)
        gx = inner.gradient(y, x)
        z = ops.sum(gx)
    np.testing.assert_array_equal(np.asarray(gx), [0.0, 0.0, 3.0, 4.0])
    np.testing.assert_array_equal(np.asarray(outer.gradient(z, v)), [0.0, 0.0, 1.0, 1.0])
