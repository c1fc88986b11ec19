"""float32 products of small shapes, which lamina computes with its own kernels
(csrc/kernels/small_gemm.cc) rather than OpenBLAS: every transpose combination and
odd sizes against float64 NumPy, results independent of where the operands sit in
memory, and the compiled executor's `gemm` bit for bit equal to `_core.matmul`."""

from __future__ import annotations

import numpy as np
import pytest

from lamina import ops
from lamina.backend.native import _core

EPS32 = np.finfo(np.float32).eps


def operands(rng, ta, tb, M, K, N, dtype="float32"):
    a = rng.standard_normal((K, M) if ta else (M, K)).astype(dtype)
    b = rng.standard_normal((N, K) if tb else (K, N)).astype(dtype)
    return a, b


def check_product(out, a, b, ta, tb):
    """out == op(a) @ op(b) within float32 accumulation error, in any summation order:
    |error| <= K * eps * (|op(a)| @ |op(b)|) (plus one rounding of the result)."""
    a64 = (a.T if ta else a).astype(np.float64)
    b64 = (b.T if tb else b).astype(np.float64)
    K = a64.shape[1]
    bound = (K + 2) * EPS32 * (np.abs(a64) @ np.abs(b64)) + 1e-30
    err = np.abs(out.astype(np.float64) - a64 @ b64)
    assert out.shape == (a64.shape[0], b64.shape[1])
    assert out.dtype == np.float32
    assert np.all(err <= bound), f"max error / bound {np.max(err / bound):.3g}"


def placed(x, offset):
    """A C-contiguous copy of x starting `offset` floats past a 64-byte boundary."""
    buf = np.empty(x.size + 32, x.dtype)
    start = (-(buf.ctypes.data // x.itemsize)) % 16 + offset
    y = buf[start:start + x.size].reshape(x.shape)
    y[...] = x
    assert y.ctypes.data % 64 == 4 * offset
    return y


MS, NS, KS = [1, 3, 17, 33], [1, 5, 17, 63, 65], [1, 7, 31, 100]


@pytest.mark.parametrize("ta,tb", [(0, 0), (1, 0), (0, 1), (1, 1)])
@pytest.mark.parametrize("M", MS)
def test_odd_sizes_match_float64(rng, ta, tb, M):
    for N in NS:
        for K in KS:
            a, b = operands(rng, ta, tb, M, K, N)
            check_product(_core.matmul(a, b, bool(ta), bool(tb)), a, b, ta, tb)


@pytest.mark.parametrize("ta,tb", [(0, 0), (1, 0), (0, 1), (1, 1)])
@pytest.mark.parametrize("M,K,N", [
    (32, 32, 64), (32, 64, 64), (64, 32, 64), (32, 64, 1), (64, 32, 1), (32, 1, 64),
    (1, 784, 512), (1, 512, 256), (1, 256, 10), (1, 100, 1), (1, 5, 1), (2, 2, 2),
    (16, 128, 128), (128, 16, 128), (64, 128, 128), (64, 128, 129), (256, 128, 10),
    (128, 10, 256), (900, 512, 1), (1, 1000, 512), (3, 2000, 5)])
def test_mlp_and_boundary_shapes_match_float64(rng, ta, tb, M, K, N):
    # MLP training and one-sample shapes, both sides of the small-kernel size limits
    # (2^20 multiply-adds; 896 x 512 matrix elements for a matrix-vector product).
    a, b = operands(rng, ta, tb, M, K, N)
    check_product(_core.matmul(a, b, bool(ta), bool(tb)), a, b, ta, tb)


@pytest.mark.parametrize("ta,tb", [(0, 0), (1, 0), (0, 1), (1, 1)])
@pytest.mark.parametrize("M,K,N", [(1, 50, 64), (1, 50, 80), (1, 37, 200), (40, 64, 1),
                                   (1, 64, 1), (17, 31, 63), (32, 64, 64), (1, 64, 48), (1, 96, 20),
                                   (20, 48, 1), (1, 784, 40)])
def test_result_does_not_depend_on_operand_addresses(rng, ta, tb, M, K, N):
    # The matrix-vector kernel shifts its blocks to cache-line boundaries; which lane a
    # column lands in changes with the address, its sum must not (eager and compiled
    # products of the same values must agree bit for bit wherever the arrays live).
    a, b = operands(rng, ta, tb, M, K, N)
    expected = _core.matmul(a, b, bool(ta), bool(tb))
    check_product(expected, a, b, ta, tb)
    for off_a, off_b in [(0, 1), (3, 0), (5, 7), (15, 13), (8, 4)]:
        out = _core.matmul(placed(a, off_a), placed(b, off_b), bool(ta), bool(tb))
        np.testing.assert_array_equal(out, expected)


def test_sliced_transposed_and_batched_operands(rng):
    # ops.matmul on views (copied to contiguous first) and on batches (one product per
    # batch, or the batch folded into M).
    big = rng.standard_normal((70, 90)).astype("float32")
    a, b = big[3:36, 5:36], big[10:41, 40:57]  # (33, 31) @ (31, 17), strided views
    np.testing.assert_allclose(ops.matmul(a, b), a.astype("float64") @ b, rtol=1e-4, atol=1e-4)
    at = big[:31, :33].T  # a transposed view
    np.testing.assert_allclose(ops.matmul(at, b), at.astype("float64") @ b, rtol=1e-4, atol=1e-4)
    x = rng.standard_normal((5, 17, 31)).astype("float32")
    w = rng.standard_normal((5, 31, 63)).astype("float32")
    out = np.asarray(ops.matmul(x, w))
    for i in range(5):
        check_product(out[i], x[i], w[i], 0, 0)
    out = np.asarray(ops.matmul(x, w[0]))  # folded into one (85 x 31) @ (31 x 63)
    for i in range(5):
        np.testing.assert_array_equal(out[i], _core.matmul(np.ascontiguousarray(x[i]), w[0])[...])


def small_kernels_built():
    prev = _core._small_gemm(True)
    return _core._small_gemm(prev)  # what asking for them gave


@pytest.mark.skipif(not small_kernels_built(), reason="a build without AVX2/AVX-512 kernels")
def test_rows_of_a_product_do_not_depend_on_the_other_rows(rng):
    # Each element is one fixed-order sum over k: a row's bits are the same whatever M
    # (and wherever the row falls in the kernel's register blocks).
    a, b = operands(rng, 0, 0, 33, 70, 65)
    full = _core.matmul(a, b)
    for i0, i1 in [(0, 1), (5, 6), (0, 7), (6, 19), (20, 33)]:
        np.testing.assert_array_equal(_core.matmul(np.ascontiguousarray(a[i0:i1]), b), full[i0:i1])


def test_openblas_switch_gives_the_same_products(rng):
    # _core._small_gemm(False) (for benchmarks) sends every product to OpenBLAS: other
    # bits, the same values within rounding.
    prev = _core._small_gemm(False)
    try:
        assert _core._small_gemm(False) is False
        for ta, tb, M, K, N in [(0, 0, 32, 64, 64), (0, 1, 32, 64, 64), (1, 0, 64, 32, 1),
                                (0, 0, 1, 784, 512)]:
            a, b = operands(rng, ta, tb, M, K, N)
            blas = _core.matmul(a, b, bool(ta), bool(tb))
            _core._small_gemm(True)
            small = _core.matmul(a, b, bool(ta), bool(tb))
            _core._small_gemm(False)
            check_product(blas, a, b, ta, tb)
            np.testing.assert_allclose(small, blas, rtol=1e-4, atol=1e-4)
    finally:
        _core._small_gemm(prev)
    assert _core._small_gemm(prev) is prev


def test_float64_products_are_unchanged(rng):
    a, b = operands(rng, 0, 1, 17, 31, 63, "float64")
    np.testing.assert_allclose(_core.matmul(a, b, False, True), a @ b.T, rtol=1e-12)


@pytest.mark.parametrize("ta,tb", [(0, 0), (1, 0), (0, 1), (1, 1)])
@pytest.mark.parametrize("M,K,N", [(32, 32, 64), (32, 64, 1), (1, 784, 512), (1, 31, 5),
                                   (17, 7, 63), (64, 32, 1), (33, 100, 65)])
@pytest.mark.parametrize("act", [0, 1, 3])
def test_compiled_gemm_equals_eager_bit_for_bit(rng, ta, tb, M, K, N, act):
    # The executor's `gemm` (product, then bias + activation) and `_core.matmul` call
    # the same kernels::gemm.
    a, b = operands(rng, ta, tb, M, K, N)
    bias = rng.standard_normal(N).astype("float32")
    out = np.full((M, N), np.nan, "float32")
    arrays = [a, b, bias, out]
    slots = [("external", "float32", x.shape, i) for i, x in enumerate(arrays)]
    _core.Program(0, slots, [("gemm", (0, 1, 2, 3), (ta, tb, act), (), None)]).run(arrays)
    y = _core.binary(_core.BINARY_OPS["add"], _core.matmul(a, b, bool(ta), bool(tb)), bias)
    if act:
        y = _core.unary(_core.UNARY_OPS[("relu", "sigmoid", "tanh")[act - 1]], y)
    np.testing.assert_array_equal(out, y)
