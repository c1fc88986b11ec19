"""lamina.Variable: creation, assignment, operators, tape integration."""

import numpy as np
import pytest

import lamina
from lamina import ops
from conftest import assert_close


def test_create_from_value_and_from_initializer():
    v = lamina.Variable([1.0, 2.0], name="v")
    assert v.shape == (2,) and v.dtype == "float32" and v.name == "v" and v.path == "v"
    assert v.trainable
    w = lamina.Variable(lambda shape, dtype=None: ops.ones(shape, dtype=dtype), shape=(2, 3),
                        dtype="float64")
    assert w.dtype == "float64"
    assert_close(w.numpy(), np.ones((2, 3)))


def test_creation_errors():
    with pytest.raises(ValueError, match="needs a shape"):
        lamina.Variable(lambda shape, dtype=None: ops.ones(shape))
    with pytest.raises(ValueError, match=r"initial value has shape \(2,\), expected shape \(3,\)"):
        lamina.Variable([1.0, 2.0], shape=(3,))
    with pytest.raises(ValueError, match="must not contain '/'"):
        lamina.Variable(1.0, name="a/b")


def test_assign_family_keeps_old_reads_intact():
    v = lamina.Variable(np.zeros(3, "float32"))
    before = v.value
    v.assign([1, 2, 3])
    assert v.dtype == "float32"
    assert_close(before, np.zeros(3))
    v.assign_add(np.ones(3, "float32"))
    v.assign_sub([0.5, 0.5, 0.5])
    assert_close(v.numpy(), [1.5, 2.5, 3.5])
    with pytest.raises(ValueError, match=r"cannot assign a value of shape \(2,\)"):
        v.assign([1.0, 2.0])


def test_operators_and_ops_accept_variables():
    v = lamina.Variable([1.0, -2.0])
    assert_close(v + 1, [2.0, -1.0])
    assert_close(2 * v, [2.0, -4.0])
    assert_close(-v, [-1.0, 2.0])
    assert_close(ops.relu(v), [1.0, 0.0])
    assert_close(v @ lamina.Variable([[1.0], [1.0]]), [-1.0])
    assert_close(np.asarray(v), [1.0, -2.0])
    assert_close(v[1], -2.0)


def test_tape_watches_trainable_variables_automatically():
    v = lamina.Variable(3.0)
    frozen = lamina.Variable(2.0, trainable=False)
    with lamina.GradientTape() as tape:
        y = v * v * frozen
    gv, gf = tape.gradient(y, [v, frozen])
    assert float(gv) == pytest.approx(12.0) and gf is None
    with lamina.GradientTape(watch_accessed_variables=False) as tape:
        y = v * v
    assert tape.gradient(y, v) is None
