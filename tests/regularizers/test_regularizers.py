"""Regularizers: values against NumPy, gradients, configs, get/serialize/deserialize."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close, check_grad

import lamina
from lamina import ops, regularizers
from lamina.saving import register_keras_serializable, serialize_keras_object


@pytest.fixture
def w(rng):
    return rng.standard_normal((5, 3))


def np_orthogonal(x, factor, mode):
    v = x / np.linalg.norm(x, axis=1 if mode == "rows" else 0, keepdims=True)
    p = v @ v.T if mode == "rows" else v.T @ v
    n = p.shape[0]
    off = np.abs(p - np.diag(np.diag(p))).sum()
    return factor * 0.5 * off / (n * (n - 1) / 2)


def test_l1_l2_values(w):
    x = ops.convert_to_tensor(w.astype(np.float32))
    assert_close(regularizers.L1(0.3)(x), np.float32(0.3 * np.abs(w).sum()), rtol=1e-5)
    assert_close(regularizers.L2(0.2)(x), np.float32(0.2 * (w**2).sum()), rtol=1e-5)
    assert_close(regularizers.L1L2(l1=0.1, l2=0.4)(x),
                 np.float32(0.1 * np.abs(w).sum() + 0.4 * (w**2).sum()), rtol=1e-5)
    assert_close(regularizers.L1L2()(x), np.float32(0.0))
    out = regularizers.L2()(x)
    assert out.shape == () and out.dtype == "float32"


def test_defaults():
    assert regularizers.L1().get_config() == {"l1": 0.01}
    assert regularizers.L2().get_config() == {"l2": 0.01}
    assert regularizers.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.L1L2(l1=None, l2=0.5).get_config() == {"l1": 0.0, "l2": 0.5}
    assert regularizers.OrthogonalRegularizer().get_config() == {"factor": 0.01, "mode": "rows"}


@pytest.mark.parametrize("mode", ["rows", "columns"])
@pytest.mark.parametrize("shape", [(4, 6), (6, 4), (3, 3)])
def test_orthogonal_regularizer_value(mode, shape, rng):
    x = rng.standard_normal(shape)
    got = regularizers.OrthogonalRegularizer(factor=0.7, mode=mode)(x)
    assert_close(got, np.float32(np_orthogonal(x, 0.7, mode)), rtol=1e-5)


def test_orthogonal_regularizer_orthogonal_input_is_zero():
    q = np.linalg.qr(np.random.default_rng(0).standard_normal((6, 6)))[0]
    assert float(regularizers.OrthogonalRegularizer(1.0, "rows")(q)) < 1e-6
    assert float(regularizers.OrthogonalRegularizer(1.0, "columns")(q)) < 1e-6


def test_orthogonal_regularizer_errors():
    with pytest.raises(ValueError, match=r"must have rank 2.*\(2, 2, 2\)"):
        regularizers.OrthogonalRegularizer()(np.ones((2, 2, 2), np.float32))
    with pytest.raises(ValueError, match="Invalid value for argument `mode`.*'cols'"):
        regularizers.OrthogonalRegularizer(mode="cols")


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1", True])
def test_invalid_factors(bad):
    with pytest.raises(ValueError, match="expected a non-negative float"):
        regularizers.L1(bad)
    with pytest.raises(ValueError, match="Invalid value for argument l2"):
        regularizers.L1L2(l2=bad)


@pytest.mark.parametrize("reg", [
    regularizers.L1(0.3), regularizers.L2(0.2), regularizers.L1L2(0.1, 0.4),
    regularizers.OrthogonalRegularizer(0.5, "rows"),
    regularizers.OrthogonalRegularizer(0.5, "columns"),
])
def test_gradients(reg, w):
    check_grad(reg, w, rtol=1e-5, atol=1e-8)


def test_l2_gradient_analytic(w):
    x = ops.convert_to_tensor(w)
    with lamina.GradientTape() as tape:
        tape.watch(x)
        loss = regularizers.L2(0.25)(x)
    assert_close(tape.gradient(loss, x), 0.5 * w, rtol=1e-12)


def test_float64_preserved(w):
    assert regularizers.L1L2(0.1, 0.1)(w).dtype == "float64"
    assert regularizers.OrthogonalRegularizer()(w).dtype == "float64"


# ----------------------------------------------------------- get / serialize
@pytest.mark.parametrize("name,cls", [
    ("l1", regularizers.L1), ("L1", regularizers.L1), ("l2", regularizers.L2),
    ("L2", regularizers.L2), ("l1_l2", regularizers.L1L2), ("L1L2", regularizers.L1L2),
    ("orthogonal_regularizer", regularizers.OrthogonalRegularizer),
    ("OrthogonalRegularizer", regularizers.OrthogonalRegularizer),
])
def test_get_by_name(name, cls):
    assert type(regularizers.get(name)) is cls


def test_get_other_identifiers():
    assert regularizers.get(None) is None
    r = regularizers.L1(0.5)
    assert regularizers.get(r) is r
    assert type(regularizers.get(regularizers.L2)) is regularizers.L2
    d = regularizers.get({"class_name": "L1L2", "config": {"l1": 0.2, "l2": 0.3}})
    assert d.get_config() == {"l1": 0.2, "l2": 0.3}
    with pytest.raises(ValueError, match="Unknown regularizer: 'l3'") as e:
        regularizers.get("l3")
    assert "l1_l2" in str(e.value)
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier"):
        regularizers.get(0.5)


@pytest.mark.parametrize("reg", [
    regularizers.L1(0.5), regularizers.L2(0.25), regularizers.L1L2(l1=0.1, l2=0.2),
    regularizers.OrthogonalRegularizer(factor=0.3, mode="columns"),
])
def test_round_trip(reg):
    s = serialize_keras_object(reg)
    assert s == {"module": "keras.regularizers", "class_name": type(reg).__name__,
                 "config": reg.get_config(), "registered_name": None}
    assert regularizers.serialize(reg) == s
    back = regularizers.deserialize(s)
    assert type(back) is type(reg) and back.get_config() == reg.get_config()


def test_base_and_custom():
    base = regularizers.Regularizer()
    assert base(np.ones(3)) == 0.0
    with pytest.raises(NotImplementedError, match="does not implement get_config"):
        base.get_config()

    @register_keras_serializable(package="RegTest")
    class SumReg(regularizers.Regularizer):
        def __init__(self, k=1.0):
            self.k = k

        def __call__(self, x):
            return ops.multiply(ops.sum(x), self.k)

        def get_config(self):
            return {"k": self.k}

    s = regularizers.serialize(SumReg(2.0))
    assert s["registered_name"] == "RegTest>SumReg"
    back = regularizers.deserialize(s)
    assert isinstance(back, SumReg) and back.k == 2.0


def test_gradient_reaches_variable():
    value = np.array([[1.0, -2.0], [3.0, 0.5]], np.float32)
    v = lamina.Variable(value)
    with lamina.GradientTape() as tape:
        loss = regularizers.L1L2(l1=0.1, l2=0.5)(v)
    assert_close(tape.gradient(loss, v), 0.1 * np.sign(value) + value, rtol=1e-6)
