"""Zeros, Ones, Constant, IdentityInitializer: values, dtypes, errors, configs."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close

from lamina import initializers, ops
from lamina.saving import serialize_keras_object


@pytest.mark.parametrize("dtype", [None, "float32", "float64", "int32"])
def test_zeros_ones(dtype):
    expected_dtype = dtype or "float32"
    z = initializers.Zeros()((2, 3), dtype=dtype)
    o = initializers.Ones()((4,), dtype=dtype)
    assert z.dtype == expected_dtype and o.dtype == expected_dtype
    assert_close(z, np.zeros((2, 3), expected_dtype))
    assert_close(o, np.ones((4,), expected_dtype))


def test_scalar_shape_and_int_shape():
    assert initializers.Ones()(()).shape == ()
    assert initializers.Zeros()(3).shape == (3,)


def test_constant_scalar_and_array():
    assert_close(initializers.Constant(2.5)((2, 2)), np.full((2, 2), 2.5, np.float32))
    assert_close(initializers.Constant(3)((2,), dtype="float64"), np.array([3.0, 3.0]),
                 dtype="float64")
    row = np.array([1.0, 2.0, 3.0], np.float32)
    assert_close(initializers.Constant(row)((2, 3)), np.tile(row, (2, 1)))
    assert_close(initializers.Constant(row)((3,)), row)


def test_constant_bad_broadcast():
    with pytest.raises(ValueError, match=r"cannot be broadcast.*\(2, 4\)"):
        initializers.Constant([1.0, 2.0, 3.0])((2, 4))


def test_bad_shape():
    with pytest.raises(TypeError, match="shape must be a tuple of ints"):
        initializers.Zeros()("abc")
    with pytest.raises(ValueError, match="negative"):
        initializers.Ones()((2, -1))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2)])
def test_identity(shape):
    assert_close(initializers.IdentityInitializer()(shape), np.eye(*shape, dtype=np.float32))
    assert_close(initializers.Identity(gain=0.5)(shape, dtype="float64"), 0.5 * np.eye(*shape),
                 dtype="float64")


def test_identity_rank_error():
    with pytest.raises(ValueError, match=r"only be used for 2D matrices.*rank 3"):
        initializers.IdentityInitializer()((2, 2, 2))


def test_constant_configs_round_trip():
    for init, cfg in [
        (initializers.Zeros(), {}),
        (initializers.Ones(), {}),
        (initializers.Constant(1.5), {"value": 1.5}),
        (initializers.IdentityInitializer(gain=2.0), {"gain": 2.0}),
    ]:
        s = serialize_keras_object(init)
        assert s == {"module": "keras.initializers", "class_name": type(init).__name__,
                     "config": cfg, "registered_name": None}
        back = initializers.deserialize(s)
        assert type(back) is type(init) and back.get_config() == init.get_config()
        assert initializers.serialize(init) == s


def test_constant_array_value_round_trip():
    init = initializers.Constant(np.array([1.0, 2.0], np.float32))
    back = initializers.deserialize(initializers.serialize(init))
    assert_close(back((3, 2)), np.array([[1.0, 2.0]] * 3, np.float32))


def test_base_initializer():
    base = initializers.Initializer()
    with pytest.raises(NotImplementedError, match="__call__"):
        base((2,))
    assert base.get_config() == {}

    class Fives(initializers.Initializer):
        def __call__(self, shape, dtype=None):
            return ops.full(shape, 5.0, dtype=dtype)

    c = Fives().clone()
    assert isinstance(c, Fives)
    assert_close(c((2,)), [5.0, 5.0])
    assert initializers.get(Fives) is not None and isinstance(initializers.get(Fives), Fives)
