"""Creation ops against NumPy."""

import numpy as np
import pytest

from lamina import ops


def test_zeros_ones_full():
    np.testing.assert_array_equal(np.asarray(ops.zeros((2, 3))), np.zeros((2, 3), np.float32))
    assert ops.zeros((2, 3)).dtype == "float32"
    assert ops.ones(4, dtype="int32").dtype == "int32"
    np.testing.assert_array_equal(np.asarray(ops.full((2,), 7)), [7, 7])
    assert ops.full((2,), 7).dtype == "int32"
    assert ops.full((2,), 7.5).dtype == "float32"
    assert ops.zeros((0, 3)).shape == (0, 3)
    assert ops.ones(()).shape == ()


def test_like_variants():
    x = ops.convert_to_tensor(np.ones((2, 2), np.float64))
    assert ops.zeros_like(x).dtype == "float64"
    assert ops.ones_like(x, dtype="int32").dtype == "int32"
    np.testing.assert_array_equal(np.asarray(ops.full_like(x, 3.0)), np.full((2, 2), 3.0))


@pytest.mark.parametrize("args", [(5,), (2, 9), (0, 1, 0.25), (5, 0, -1), (1.5, 4.0, 0.5)])
def test_arange(args):
    expected = np.arange(*args)
    out = ops.arange(*args)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-6)
    assert out.dtype == ("int32" if expected.dtype.kind == "i" else "float32")


def test_eye():
    np.testing.assert_array_equal(np.asarray(ops.eye(3)), np.eye(3))
    np.testing.assert_array_equal(np.asarray(ops.eye(3, 4, k=1)), np.eye(3, 4, k=1))
    np.testing.assert_array_equal(np.asarray(ops.eye(4, 2, k=-1)), np.eye(4, 2, k=-1))


def test_bad_shapes():
    with pytest.raises(ValueError, match="negative"):
        ops.zeros((2, -1))
    with pytest.raises(TypeError, match="shape"):
        ops.ones("abc")
    with pytest.raises(ValueError, match="step"):
        ops.arange(0, 5, 0)
