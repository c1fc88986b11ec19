"""Shared test helpers: NumPy references and central finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import lamina
from lamina import ops


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def assert_close(actual, expected, rtol=1e-5, atol=1e-6, dtype=None):
    """Compares a lamina result with a NumPy reference: values, shape and dtype."""
    a = np.asarray(actual)
    e = np.asarray(expected)
    assert a.shape == e.shape, f"shape {a.shape} != expected {e.shape}"
    if dtype is not None:
        assert a.dtype == np.dtype(dtype), f"dtype {a.dtype} != expected {dtype}"
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, equal_nan=True)


def numeric_vjp(f, args, wrt, cotangent, eps=1e-6):
    """Central finite differences of <cotangent, f(args)> w.r.t. args[wrt], in float64."""
    args = [np.array(a, dtype=np.float64) if isinstance(a, np.ndarray) else a for a in args]
    x = args[wrt]
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        orig = x[idx]
        x[idx] = orig + eps
        plus = np.asarray(f(*[ops.convert_to_tensor(a) if isinstance(a, np.ndarray) else a for a in args]))
        x[idx] = orig - eps
        minus = np.asarray(f(*[ops.convert_to_tensor(a) if isinstance(a, np.ndarray) else a for a in args]))
        x[idx] = orig
        grad[idx] = np.sum((plus - minus) * cotangent) / (2 * eps)
    return grad


def check_grad(f, *args, wrt=None, rtol=1e-5, atol=1e-7, seed=0):
    """Checks the tape's VJP of `f` against central finite differences in float64.

    `args` are NumPy arrays (converted to float64 tensors) or other Python values
    passed through unchanged; `wrt` lists the indices of arrays to check (default:
    every float array argument).
    """
    rng = np.random.default_rng(seed)
    args = [np.asarray(a, dtype=np.float64) if isinstance(a, np.ndarray) else a for a in args]
    if wrt is None:
        wrt = [i for i, a in enumerate(args) if isinstance(a, np.ndarray)]
    tensors = [ops.convert_to_tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    with lamina.GradientTape(persistent=True) as tape:
        for i in wrt:
            tape.watch(tensors[i])
        out = f(*tensors)
    cot = rng.standard_normal(np.shape(out)).astype(np.float64)
    grads = tape.gradient(out, [tensors[i] for i in wrt],
                          output_gradients=ops.convert_to_tensor(cot.reshape(np.shape(out))),
                          unconnected_gradients="zero")
    for i, g in zip(wrt, grads):
        expected = numeric_vjp(f, args, i, cot)
        assert g.dtype == "float64"
        np.testing.assert_allclose(np.asarray(g), expected, rtol=rtol, atol=atol,
                                   err_msg=f"gradient w.r.t. argument {i}")
