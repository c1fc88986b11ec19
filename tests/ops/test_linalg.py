"""matmul and dot against NumPy, including batch broadcasting and gradients."""

import numpy as np
import pytest

from lamina import ops
from lamina.backend.keras_tensor import KerasTensor
from lamina.ops.linalg import matmul_t

from conftest import assert_close, check_grad

SHAPES = [
    ((3, 4), (4, 5)), ((4,), (4,)), ((4,), (4, 5)), ((3, 4), (4,)), ((2, 3, 4), (4, 5)),
    ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 6)), ((3, 4), (2, 4, 5)), ((0, 4), (4, 5)),
    ((3, 0), (0, 5)), ((128, 784), (784, 512)),
]


@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_matmul_matches_numpy(shapes, dtype, rng):
    a = (rng.standard_normal(shapes[0]) * 3).astype(dtype)
    b = (rng.standard_normal(shapes[1]) * 3).astype(dtype)
    out = ops.matmul(a, b)
    expected = np.matmul(a, b)
    assert out.dtype == dtype
    assert_close(out, expected, rtol=1e-4 if dtype == "float32" else 1e-10, atol=1e-3)
    spec = ops.matmul(KerasTensor(shapes[0], dtype), KerasTensor(shapes[1], dtype))
    assert spec.shape == expected.shape


def test_matmul_transposed_variants(rng):
    a = rng.standard_normal((2, 5, 3)).astype(np.float32)
    b = rng.standard_normal((2, 4, 5)).astype(np.float32)
    ta = ops.convert_to_tensor(a)
    tb = ops.convert_to_tensor(b)
    assert_close(matmul_t(ta, tb, transpose_a=True, transpose_b=True),
                 np.swapaxes(a, -1, -2) @ np.swapaxes(b, -1, -2), rtol=1e-5)


def test_matmul_errors():
    with pytest.raises(ValueError, match=r"matmul: contraction dimensions differ \(4 vs 5\)"):
        ops.matmul(ops.ones((3, 4)), ops.ones((5, 6)))
    with pytest.raises(ValueError, match="at least 1-D"):
        ops.matmul(ops.ones(()), ops.ones((3,)))
    with pytest.raises(ValueError, match="batch"):
        ops.matmul(ops.ones((2, 3, 4)), ops.ones((3, 4, 5)))
    with pytest.raises(ValueError, match="contraction"):
        ops.matmul(KerasTensor((None, 3)), KerasTensor((4, 2)))


def test_matmul_mixed_dtypes_promote():
    out = ops.matmul(ops.ones((2, 3)), ops.convert_to_tensor(np.ones((3, 2), np.int32)))
    assert out.dtype == "float32"


@pytest.mark.parametrize("shapes", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                                    ((2, 3, 4), (4, 2)), ((2, 1, 3, 4), (3, 4, 2))], ids=str)
def test_matmul_gradients(shapes, rng):
    check_grad(ops.matmul, rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1]))


def test_transposed_matmul_gradients(rng):
    for ta in (False, True):
        for tb in (False, True):
            a = rng.standard_normal((4, 3) if ta else (3, 4))
            b = rng.standard_normal((2, 4) if tb else (4, 2))
            check_grad(lambda x, y: matmul_t(x, y, transpose_a=ta, transpose_b=tb), a, b)


def test_dot(rng):
    a = rng.standard_normal((2, 3)).astype(np.float32)
    b = rng.standard_normal((3, 4)).astype(np.float32)
    assert_close(ops.dot(a, b), np.dot(a, b), rtol=1e-5)
    assert_close(ops.dot(a, 2.0), a * 2)
    c = rng.standard_normal((2, 3, 4)).astype(np.float32)
    d = rng.standard_normal((5, 4, 6)).astype(np.float32)
    assert_close(ops.dot(c, d), np.dot(c, d), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shapes", [((1, 7), (7, 5)), ((6, 7), (7, 1)), ((3, 1, 7), (7, 5)),
                                    ((2, 6, 7), (2, 7, 1)), ((1, 7), (7, 1))], ids=str)
@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_matrix_vector_shapes_with_transposes(shapes, dtype, ta, tb, rng):
    """Single rows/columns take the gemv path; every transpose combination must agree."""
    from lamina.backend.native import _core
    a = rng.standard_normal(shapes[0]).astype(dtype)
    b = rng.standard_normal(shapes[1]).astype(dtype)
    a_in = np.ascontiguousarray(np.swapaxes(a, -1, -2)) if ta else a
    b_in = np.ascontiguousarray(np.swapaxes(b, -1, -2)) if tb else b
    out = _core.matmul(a_in, b_in, transpose_a=ta, transpose_b=tb)
    assert_close(out, np.matmul(a, b), rtol=1e-5, atol=1e-5)
