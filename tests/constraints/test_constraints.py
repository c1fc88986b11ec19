"""Constraints: outputs against NumPy formulas, configs, get/serialize/deserialize."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close

from lamina import constraints
from lamina.saving import register_keras_serializable, serialize_keras_object

EPS = 1e-7


def norms(w, axis):
    return np.sqrt(np.sum(w * w, axis=axis, keepdims=True))


@pytest.fixture
def w(rng):
    return (rng.standard_normal((6, 4)) * 2).astype(np.float32)


@pytest.mark.parametrize("axis", [0, 1, [0, 1]])
@pytest.mark.parametrize("max_value", [0.5, 2, 100.0])
def test_max_norm(w, axis, max_value):
    ax = tuple(axis) if isinstance(axis, list) else axis
    n = norms(w, ax)
    expected = w * (np.clip(n, 0, max_value) / (EPS + n))
    got = constraints.MaxNorm(max_value=max_value, axis=axis)(w)
    assert_close(got, expected, rtol=1e-5, atol=1e-6, dtype="float32")
    assert np.all(norms(got.numpy(), ax) <= max_value * (1 + 1e-5))


def test_max_norm_conv_kernel(rng):
    k = rng.standard_normal((3, 3, 4, 8)).astype(np.float32)
    got = constraints.MaxNorm(1.0, axis=[0, 1, 2])(k).numpy()
    assert np.all(norms(got, (0, 1, 2)) <= 1.0 + 1e-5)


def test_non_neg(w):
    assert_close(constraints.NonNeg()(w), np.where(w >= 0, w, 0))


@pytest.mark.parametrize("axis", [0, 1])
def test_unit_norm(w, axis):
    got = constraints.UnitNorm(axis=axis)(w)
    assert_close(got, w / (EPS + norms(w, axis)), rtol=1e-5)
    assert_close(norms(got.numpy(), axis), np.ones_like(norms(w, axis)), rtol=1e-5)


@pytest.mark.parametrize("rate", [1.0, 0.5, 0.0])
@pytest.mark.parametrize("axis", [0, 1])
def test_min_max_norm(w, rate, axis):
    n = norms(w, axis)
    desired = rate * np.clip(n, 1.0, 2.0) + (1 - rate) * n
    got = constraints.MinMaxNorm(min_value=1.0, max_value=2.0, rate=rate, axis=axis)(w)
    assert_close(got, w * (desired / (EPS + n)), rtol=1e-5, atol=1e-6)


def test_float64_preserved(w):
    assert constraints.UnitNorm()(w.astype(np.float64)).dtype == "float64"
    assert constraints.NonNeg()(w.astype(np.float64)).dtype == "float64"


def test_base_constraint_is_identity(w):
    c = constraints.Constraint()
    assert c(w) is w
    assert c.get_config() == {}


# ----------------------------------------------------------- get / serialize
@pytest.mark.parametrize("name,cls", [
    ("max_norm", constraints.MaxNorm), ("MaxNorm", constraints.MaxNorm),
    ("non_neg", constraints.NonNeg), ("NonNeg", constraints.NonNeg),
    ("unit_norm", constraints.UnitNorm), ("UnitNorm", constraints.UnitNorm),
    ("min_max_norm", constraints.MinMaxNorm), ("MinMaxNorm", constraints.MinMaxNorm),
])
def test_get_by_name(name, cls):
    assert type(constraints.get(name)) is cls


def test_get_other_identifiers():
    assert constraints.get(None) is None
    c = constraints.MaxNorm(3)
    assert constraints.get(c) is c
    assert type(constraints.get(constraints.NonNeg)) is constraints.NonNeg
    d = constraints.get({"class_name": "MinMaxNorm",
                         "config": {"min_value": 0.5, "max_value": 1.5, "rate": 0.5, "axis": 1}})
    assert d.get_config() == {"min_value": 0.5, "max_value": 1.5, "rate": 0.5, "axis": 1}
    with pytest.raises(ValueError, match="Unknown constraint: 'maxnorm'") as e:
        constraints.get("maxnorm")
    assert "max_norm" in str(e.value)
    with pytest.raises(ValueError, match="Could not interpret constraint identifier"):
        constraints.get(7)


def test_defaults():
    assert constraints.MaxNorm().get_config() == {"max_value": 2, "axis": 0}
    assert constraints.UnitNorm().get_config() == {"axis": 0}
    assert constraints.MinMaxNorm().get_config() == {"min_value": 0.0, "max_value": 1.0,
                                                     "rate": 1.0, "axis": 0}
    assert constraints.NonNeg().get_config() == {}


@pytest.mark.parametrize("c", [
    constraints.MaxNorm(max_value=3.0, axis=1), constraints.NonNeg(),
    constraints.UnitNorm(axis=[0, 1]),
    constraints.MinMaxNorm(min_value=0.1, max_value=0.9, rate=0.3, axis=0),
])
def test_round_trip(c):
    s = serialize_keras_object(c)
    assert s == {"module": "keras.constraints", "class_name": type(c).__name__,
                 "config": c.get_config(), "registered_name": None}
    assert constraints.serialize(c) == s
    back = constraints.deserialize(s)
    assert type(back) is type(c) and back.get_config() == c.get_config()


def test_custom_constraint():
    @register_keras_serializable(package="ConTest")
    class Clip(constraints.Constraint):
        def __init__(self, limit=1.0):
            self.limit = limit

        def get_config(self):
            return {"limit": self.limit}

    back = constraints.deserialize(constraints.serialize(Clip(0.5)))
    assert isinstance(back, Clip) and back.limit == 0.5


def test_symbolic_and_variable_inputs():
    import lamina

    kt = lamina.KerasTensor((4, 3), "float32")
    for c in (constraints.MaxNorm(), constraints.NonNeg(), constraints.UnitNorm(),
              constraints.MinMaxNorm()):
        y = c(kt)
        assert isinstance(y, lamina.KerasTensor) and tuple(y.shape) == (4, 3)
    v = lamina.Variable(np.array([[3.0], [4.0]], np.float32))
    assert_close(constraints.UnitNorm()(v), np.array([[0.6], [0.8]], np.float32), rtol=1e-6)
