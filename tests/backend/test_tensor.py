"""Tensor basics: conversion, dtypes, NumPy interchange, immutability."""

import numpy as np
import pytest

import lamina
from lamina import ops


def test_convert_python_data_uses_keras_defaults():
    assert ops.convert_to_tensor(1.5).dtype == "float32"
    assert ops.convert_to_tensor([1, 2]).dtype == "int32"
    assert ops.convert_to_tensor([True]).dtype == "bool"
    assert ops.convert_to_tensor([[1.0, 2.0]]).shape == (1, 2)
    assert ops.convert_to_tensor(np.arange(3, dtype=np.int64)).dtype == "int64"
    assert ops.convert_to_tensor(np.ones(2, np.float16)).dtype == "float32"
    assert ops.convert_to_tensor(np.ones(2, np.uint8)).dtype == "uint8"
    assert ops.convert_to_tensor([1, 2], dtype="float32").dtype == "float32"


def test_properties_and_numpy_interchange():
    x = ops.convert_to_tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert isinstance(x, lamina.Tensor)
    assert x.shape == (2, 3) and x.ndim == 2 and x.dtype == "float32" and len(x) == 2
    view = x.numpy()
    assert not view.flags.writeable
    np.testing.assert_array_equal(np.asarray(x), np.arange(6).reshape(2, 3))
    assert float(ops.convert_to_tensor(2.5)) == 2.5
    assert int(ops.convert_to_tensor(3)) == 3
    assert "shape=(2, 3)" in repr(x)


def test_tensor_does_not_alias_input_array():
    a = np.ones(3, np.float32)
    x = ops.convert_to_tensor(a)
    a[0] = 5.0
    assert x.numpy()[0] == 1.0


def test_non_contiguous_input_is_copied():
    a = np.arange(12, dtype=np.float32).reshape(3, 4).T
    x = ops.convert_to_tensor(a)
    np.testing.assert_array_equal(np.asarray(x + 0), a)


def test_bad_data_raises_clear_errors():
    with pytest.raises(TypeError, match="numeric"):
        ops.convert_to_tensor(["a", "b"])
    with pytest.raises(TypeError, match="numeric"):
        ops.convert_to_tensor(np.array([1 + 2j]))
    with pytest.raises(TypeError):
        ops.convert_to_tensor([[1.0], [1.0, 2.0]])  # ragged
    with pytest.raises(TypeError, match="Unsupported dtype"):
        ops.cast(ops.ones((2,)), "complex64")
    with pytest.raises(ValueError, match="ambiguous"):
        bool(ops.ones((2,)))


def test_cast_matches_numpy():
    a = np.array([-2.7, -0.5, 0.0, 0.5, 2.7, 1e10], np.float32)
    for dtype in ["int32", "int64", "bool", "float64", "uint8"]:
        out = ops.cast(a, dtype)
        assert out.dtype == dtype
        if dtype in ("int32", "uint8"):
            continue  # 1e10 is out of range: NumPy's result is platform-defined
        np.testing.assert_array_equal(np.asarray(out), a.astype(dtype))
    np.testing.assert_array_equal(np.asarray(ops.cast(a[:5], "int32")), a[:5].astype(np.int32))
