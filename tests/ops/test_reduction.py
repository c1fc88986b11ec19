"""Reductions against NumPy: values for every dtype and axis form, empty and NaN
cases, the parallel paths, dtype rules, symbolic shapes, errors and gradients."""

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.native import _core

from conftest import assert_close, check_grad

DTYPES = ["float32", "float64", "int32", "int64", "bool", "uint8"]
AXES = [None, 0, -1, 1, (0, 2), [2, 0], (1,), (), (0, 1, 2), (-3, -1)]


def _data(rng, shape, dtype):
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype == "uint8":
        return rng.integers(0, 4, shape).astype(np.uint8)
    if dtype in ("int32", "int64"):
        return rng.integers(-3, 4, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _sum_dtype(dtype):
    return "int32" if dtype in ("bool", "uint8") else dtype


def _np_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


REFS = {
    "sum": (ops.sum, lambda x, a, k: np.sum(x, axis=a, keepdims=k, dtype=_sum_dtype(x.dtype.name))),
    "prod": (ops.prod, lambda x, a, k: np.prod(x, axis=a, keepdims=k, dtype=_sum_dtype(x.dtype.name))),
    "max": (ops.max, lambda x, a, k: np.max(x, axis=a, keepdims=k)),
    "min": (ops.min, lambda x, a, k: np.min(x, axis=a, keepdims=k)),
    "any": (ops.any, lambda x, a, k: np.any(x, axis=a, keepdims=k)),
    "all": (ops.all, lambda x, a, k: np.all(x, axis=a, keepdims=k)),
}


@pytest.mark.parametrize("name", sorted(REFS))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_numpy(name, dtype, axis, keepdims, rng):
    fn, ref = REFS[name]
    x = _data(rng, (3, 4, 5), dtype)
    if name == "prod" and dtype.startswith("float"):
        x = (x * 0.3 + 1.0).astype(dtype)  # keep the product of 60 values moderate
    out = fn(x, axis=axis, keepdims=keepdims)
    expected = ref(x, _np_axis(axis), keepdims)
    assert_close(out, expected, rtol=2e-6 if dtype == "float32" else 1e-12, dtype=expected.dtype)


@pytest.mark.parametrize("name", sorted(REFS))
@pytest.mark.parametrize("axis", [(0, 2), (1, 3), (0, 3), (0, 1, 3), (0, 2, 3)], ids=str)
def test_non_adjacent_axes(name, axis, rng):
    x = rng.standard_normal((4, 5, 6, 7)).astype(np.float64)
    if name in ("any", "all"):
        x = np.where(rng.random(x.shape) < 0.1, 0.0, x) if name == "all" else np.where(rng.random(x.shape) < 0.97, 0.0, x)
    fn, ref = REFS[name]
    assert_close(fn(x, axis=axis), ref(x, axis, False), rtol=1e-12)


def test_int_sum_wraps_like_numpy():
    x = np.full((4,), 2**30, np.int32)
    assert_close(ops.sum(x), np.sum(x, dtype=np.int32), dtype="int32")
    assert_close(ops.prod(np.full((3,), 1 << 20, np.int64)), np.prod(np.full((3,), 1 << 20, np.int64)))


def test_transposed_input(rng):
    x = rng.standard_normal((6, 7, 8)).astype(np.float32)
    t = ops.transpose(ops.convert_to_tensor(x), (2, 0, 1))
    xt = np.transpose(x, (2, 0, 1))
    for axis in [0, 1, 2, (0, 2), None]:
        assert_close(ops.sum(t, axis=axis), np.sum(xt, axis=axis), rtol=1e-5, atol=1e-5)
        assert_close(ops.max(t, axis=axis), np.max(xt, axis=axis))
    assert_close(ops.argmax(t, axis=1), np.argmax(xt, axis=1), dtype="int32")


# -------------------------------------------------------- large / parallel
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)], ids=str)
def test_large_float32_sum_is_accurate(axis, rng):
    x = rng.standard_normal((1000, 1000)).astype(np.float32) + 0.5
    out = np.asarray(ops.sum(x, axis=axis))
    exact = np.sum(x.astype(np.float64), axis=axis)
    bound = np.sum(np.abs(x.astype(np.float64)), axis=axis)
    assert out.dtype == np.float32
    assert np.all(np.abs(out - exact) <= 2e-7 * bound + np.abs(exact) * 6e-8 + 1e-30)


@pytest.mark.parametrize("shape,axis", [((1000, 1000), 0), ((1000, 1000), 1), ((1000, 1000), None),
                                        ((3, 40000), 0), ((40000, 3), 0), ((2, 300, 100), 1)],
                         ids=str)
def test_large_arrays_all_ops(shape, axis, rng):
    x = rng.standard_normal(shape)
    for name in ("max", "min", "sum"):
        fn, ref = REFS[name]
        assert_close(fn(x, axis=axis), ref(x, axis, False), rtol=1e-10, atol=1e-9)
    near_one = 1.0 + x * 1e-3
    assert_close(ops.prod(near_one, axis=axis), np.prod(near_one, axis=axis), rtol=1e-10)
    mostly_zero = np.where(np.abs(x) > 3.5, x, 0.0)
    assert_close(ops.any(mostly_zero, axis=axis), np.any(mostly_zero, axis=axis))
    assert_close(ops.all(x, axis=axis), np.all(x, axis=axis))
    ints = (x * 100).astype(np.int32)
    assert_close(ops.sum(ints, axis=axis), np.sum(ints, axis=axis, dtype=np.int32), dtype="int32")
    if axis is not None:
        assert_close(ops.argmax(x, axis=axis), np.argmax(x, axis=axis), dtype="int32")
        assert_close(ops.argmin(x, axis=axis), np.argmin(x, axis=axis), dtype="int32")
    assert_close(ops.logsumexp(x, axis=axis), _np_logsumexp(x, axis), rtol=1e-12)


def test_results_do_not_depend_on_layout_of_work(rng):
    # the same column sums computed on a large (parallel, chunked) and sliced input
    x = rng.standard_normal((4096, 8)).astype(np.float32)
    a = np.asarray(ops.sum(x, axis=0))
    b = np.asarray(ops.sum(x, axis=0))
    np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------ empty / NaN
def test_empty_reductions():
    z = np.zeros((0, 3), np.float32)
    assert_close(ops.sum(z, axis=0), np.zeros(3, np.float32), dtype="float32")
    assert_close(ops.prod(z, axis=0), np.ones(3, np.float32))
    assert_close(ops.sum(z), np.float32(0))
    assert_close(ops.sum(np.zeros((0,), np.int32)), np.int32(0), dtype="int32")
    assert_close(ops.any(z, axis=0), np.zeros(3, bool))
    assert_close(ops.all(z, axis=0), np.ones(3, bool))
    assert ops.max(z, axis=1).shape == (0,)
    assert ops.argmax(z, axis=1).shape == (0,)
    assert_close(ops.max(z, axis=0, initial=-2.0), np.full(3, -2.0, np.float32))
    assert_close(ops.logsumexp(z, axis=0), np.full(3, -np.inf, np.float32))
    assert np.isnan(float(ops.mean(z)))
    with pytest.raises(ValueError, match=r"max: zero-size reduction.*\(0, 3\)"):
        ops.max(z, axis=0)
    with pytest.raises(ValueError, match=r"min: zero-size"):
        ops.min(z)
    with pytest.raises(ValueError, match=r"argmax: .*empty axis 0.*\(0, 3\)"):
        ops.argmax(z, axis=0)
    with pytest.raises(ValueError, match=r"argmin"):
        ops.argmin(np.zeros((0,), np.float32))


def test_initial():
    x = np.array([[1.0, 5.0], [3.0, 2.0]], np.float32)
    assert_close(ops.max(x, axis=1, initial=4.0), np.max(x, axis=1, initial=4.0))
    assert_close(ops.min(x, axis=0, initial=2.5), np.min(x, axis=0, initial=2.5))
    assert_close(ops.max(np.array([1, 7], np.int32), initial=3), np.int32(7), dtype="int32")


@pytest.mark.parametrize("axis", [0, 1])
def test_nan_handling(axis):
    x = np.array([[1.0, np.nan, 3.0, np.nan], [2.0, 0.0, 5.0, 7.0], [np.nan, 9.0, 1.0, -1.0]],
                 np.float32)
    x = x if axis == 1 else np.ascontiguousarray(x.T)
    for name in ("max", "min", "sum", "prod", "any", "all"):
        fn, ref = REFS[name]
        assert_close(fn(x, axis=axis), ref(x, axis, False))
    assert_close(ops.argmax(x, axis=axis), np.argmax(x, axis=axis))
    assert_close(ops.argmin(x, axis=axis), np.argmin(x, axis=axis))
    assert_close(ops.max(x), np.float32(np.nan))


def test_argmax_ties_first_occurrence():
    x = np.array([[3, 1, 3, 3], [0, 0, 0, 0], [-1, 2, 2, -1]], np.int64)
    for axis in (0, 1, None):
        assert_close(ops.argmax(x, axis=axis), np.argmax(x, axis=axis), dtype="int32")
        assert_close(ops.argmin(x, axis=axis), np.argmin(x, axis=axis), dtype="int32")
    b = np.array([False, True, True])
    assert int(ops.argmax(b)) == 1 and int(ops.argmin(b)) == 0


def test_argmax_keepdims_and_none():
    x = np.arange(24.0).reshape(2, 3, 4)[::-1].copy()
    assert_close(ops.argmax(x), np.argmax(x), dtype="int32")
    assert_close(ops.argmax(x, keepdims=True), np.argmax(x, keepdims=True))
    assert_close(ops.argmin(x, axis=-2, keepdims=True), np.argmin(x, axis=-2, keepdims=True))
    assert_close(ops.argmax(np.float32(3.0)), np.int32(0))


# ------------------------------------------------------ mean / var / std
@pytest.mark.parametrize("axis", [None, 0, (0, 2), -1], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_mean_var_std(axis, keepdims, rng):
    x = rng.standard_normal((3, 4, 5)) * 2 + 1
    for fn, ref in ((ops.mean, np.mean), (ops.var, np.var), (ops.std, np.std)):
        assert_close(fn(x, axis=axis, keepdims=keepdims), ref(x, axis=axis, keepdims=keepdims),
                     rtol=1e-12, dtype="float64")
        x32 = x.astype(np.float32)
        assert_close(fn(x32, axis=axis, keepdims=keepdims), ref(x, axis=axis, keepdims=keepdims),
                     rtol=2e-5, atol=1e-6, dtype="float32")


def test_integer_and_bool_dtypes():
    i = np.array([[1, 2], [3, 4]], np.int32)
    assert ops.mean(i).dtype == "float32" and float(ops.mean(i)) == 2.5
    assert ops.var(i).dtype == "float32" and ops.std(i, axis=0).dtype == "float32"
    assert ops.mean(np.array([True, False])).dtype == "float32"
    assert ops.sum(np.array([True, True])).dtype == "int32"
    assert ops.sum(np.array([200, 100], np.uint8)).dtype == "int32"
    assert int(ops.sum(np.array([200, 100], np.uint8))) == 300
    assert ops.sum(np.array([1, 2], np.int64)).dtype == "int64"
    assert ops.prod(np.array([True, True])).dtype == "int32"
    assert ops.max(np.array([1, 2], np.uint8)).dtype == "uint8"
    assert ops.max(np.array([False, True])).dtype == "bool"
    assert ops.any(np.array([1.0, 0.0])).dtype == "bool"
    assert ops.argmax(np.array([1.0, 2.0])).dtype == "int32"
    assert ops.logsumexp(np.array([0, 0], np.int32)).dtype == "float32"
    assert ops.sum([1, 2, 3]).dtype == "int32"


# ---------------------------------------------------------------- logsumexp
def _np_logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2), (1,)], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp(axis, keepdims, rng):
    x = rng.standard_normal((3, 4, 5)) * 10
    assert_close(ops.logsumexp(x, axis=axis, keepdims=keepdims), _np_logsumexp(x, axis, keepdims),
                 rtol=1e-12)
    x32 = x.astype(np.float32)
    assert_close(ops.logsumexp(x32, axis=axis, keepdims=keepdims), _np_logsumexp(x, axis, keepdims),
                 rtol=2e-6, atol=2e-6, dtype="float32")


def test_logsumexp_extremes():
    x = np.array([[1000.0, 1000.0], [-1000.0, -1000.0], [-np.inf, -np.inf], [np.inf, 1.0],
                  [np.nan, 1.0], [-np.inf, 0.0]], np.float32)
    for axis in (1, None):
        xs = x if axis == 1 else x[:2]
        assert_close(ops.logsumexp(xs, axis=axis), _np_logsumexp(xs.astype(np.float64), axis),
                     rtol=1e-6)
    xt = np.ascontiguousarray(x.T)
    assert_close(ops.logsumexp(xt, axis=0), _np_logsumexp(xt.astype(np.float64), 0), rtol=1e-6)


# ----------------------------------------------------------- symbolic shapes
@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "any", "all", "mean", "var",
                                  "std", "logsumexp"])
def test_symbolic_shapes(name):
    fn = getattr(ops, name)
    x = KerasTensor((None, 3, 4), "float32")
    assert fn(x).shape == ()
    assert fn(x, axis=(1, -1), keepdims=True).shape == (None, 1, 1)
    assert fn(x, axis=0).shape == (3, 4)
    assert fn(x, axis=[0, 2]).shape == (3,)
    i = KerasTensor((2, None), "int32")
    expected = {"any": "bool", "all": "bool", "mean": "float32", "var": "float32",
                "std": "float32", "logsumexp": "float32"}.get(name, "int32")
    assert fn(i, axis=1).dtype == expected
    assert fn(KerasTensor((2,), "bool")).dtype == {"max": "bool", "min": "bool"}.get(name, expected)


def test_symbolic_argmax():
    x = KerasTensor((None, 5, 2))
    assert ops.argmax(x, axis=1).shape == (None, 2)
    assert ops.argmin(x, axis=-1, keepdims=True).shape == (None, 5, 1)
    assert ops.argmax(x).shape == ()
    assert ops.argmax(x, keepdims=True).shape == (1, 1, 1)
    assert ops.argmax(x).dtype == "int32"


# ------------------------------------------------------------------ errors
def test_axis_errors():
    x = ops.zeros((2, 3))
    with pytest.raises(ValueError, match=r"sum: axis 2 is out of bounds for a tensor of shape \(2, 3\)"):
        ops.sum(x, axis=2)
    with pytest.raises(ValueError, match=r"max: axis -3 is out of bounds"):
        ops.max(x, axis=(0, -3))
    with pytest.raises(ValueError, match=r"mean: repeated axis"):
        ops.mean(x, axis=(1, -1))
    with pytest.raises(TypeError, match=r"prod: axis must be an int"):
        ops.prod(x, axis=1.0)
    with pytest.raises(TypeError, match=r"argmax: axis must be an int or None"):
        ops.argmax(x, axis=(0, 1))
    with pytest.raises(ValueError, match=r"argmin: axis 5 is out of bounds .*\(2, 3\)"):
        ops.argmin(x, axis=5)
    with pytest.raises(ValueError, match=r"sum: axis 0 is out of bounds .*\(\)"):
        ops.sum(ops.convert_to_tensor(1.0), axis=0)
    with pytest.raises(ValueError, match=r"logsumexp: axis"):
        ops.logsumexp(KerasTensor((None, 2)), axis=2)


def test_non_numeric_input():
    with pytest.raises(TypeError, match=r"sum: .*numeric"):
        ops.sum(["a", "b"])
    with pytest.raises(TypeError, match=r"argmax"):
        ops.argmax(["a"])


def test_kernel_boundary_errors():
    codes = _core.REDUCE_OPS
    x = np.zeros((2, 3), np.float32)
    with pytest.raises(ValueError, match=r"sum: axis -3 is out of bounds for a tensor of shape \(2, 3\)"):
        _core.reduce(codes["sum"], x, (-3,))
    with pytest.raises(ValueError, match=r"all: repeated axis"):
        _core.reduce(codes["all"], x, (0, -2))
    with pytest.raises(ValueError, match=r"C-contiguous"):
        _core.reduce(codes["sum"], x.T, (0,))
    with pytest.raises(TypeError, match=r"logsumexp: expected a floating dtype"):
        _core.reduce(codes["logsumexp"], np.zeros(3, np.int32), (0,))
    with pytest.raises(ValueError, match=r"argmax: axis 2"):
        _core.argmax(x, 2)


def test_tensor_methods(rng):
    x = rng.standard_normal((3, 4)).astype(np.float32)
    t = ops.convert_to_tensor(x)
    assert_close(t.sum(axis=0), x.sum(axis=0), rtol=1e-6)
    assert_close(t.mean(), x.mean(), rtol=1e-6)
    assert_close(t.max(axis=1, keepdims=True), x.max(axis=1, keepdims=True))
    assert_close(t.min(), x.min())


# --------------------------------------------------------------- gradients
GRAD_AXES = [None, 0, -1, (0, 2), (1,)]


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "logsumexp", "prod"])
@pytest.mark.parametrize("axis", GRAD_AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_gradients(name, axis, keepdims, rng):
    fn = getattr(ops, name)
    x = rng.standard_normal((2, 3, 4))
    if name == "prod":
        x = x * 0.5 + np.sign(x)  # away from zero
    check_grad(lambda t: fn(t, axis=axis, keepdims=keepdims), x, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("axis", GRAD_AXES, ids=str)
def test_extreme_gradients_without_ties(name, axis, rng):
    x = rng.permutation(24).reshape(2, 3, 4).astype(np.float64)  # distinct values
    check_grad(lambda t: getattr(ops, name)(t, axis=axis), x)


def test_max_gradient_splits_ties_evenly():
    x = ops.convert_to_tensor(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]))
    with lamina.GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(ops.multiply(ops.max(x, axis=1), np.array([1.0, 6.0])))
    g = tape.gradient(y, x)
    assert_close(g, [[0.0, 0.5, 0.5], [2.0, 2.0, 2.0]])
    with lamina.GradientTape() as tape:
        tape.watch(x)
        y = ops.min(x, initial=-1.0)  # the initial value wins: no gradient to x
    assert_close(tape.gradient(y, x), np.zeros((2, 3)))


@pytest.mark.parametrize("zeros", [0, 1, 2])
def test_prod_gradient_with_zeros(zeros, rng):
    x = rng.uniform(0.5, 2.0, (3, 5))
    x[0, :zeros] = 0.0  # zeros at the front of row 0 and the back of row 2
    if zeros:
        x[2, -zeros:] = 0.0
    check_grad(lambda t: ops.prod(t, axis=1), x)
    check_grad(lambda t: ops.prod(t), x)
    check_grad(lambda t: ops.prod(t, axis=0, keepdims=True), x)


def test_integer_reductions_have_no_gradient(rng):
    x = ops.convert_to_tensor(rng.standard_normal((3, 4)))
    with lamina.GradientTape() as tape:
        tape.watch(x)
        idx = ops.argmax(x, axis=1)
        flags = ops.any(ops.greater(x, 0.0))
        y = ops.add(ops.sum(ops.cast(idx, "float64")), ops.cast(flags, "float64"))
    assert tape.gradient(y, x) is None
    assert not ops.reduction.ArgMax.differentiable and not ops.reduction.Any.differentiable


def test_second_order_through_reductions(rng):
    x = rng.standard_normal((3, 4))

    def grad_of_logsumexp(t):
        with lamina.GradientTape() as inner:
            inner.watch(t)
            y = ops.sum(ops.multiply(ops.logsumexp(t, axis=1), np.array([1.0, -2.0, 0.5])))
        return inner.gradient(y, t)

    check_grad(grad_of_logsumexp, x, rtol=1e-5, atol=1e-7)

    def grad_of_var(t):
        with lamina.GradientTape() as inner:
            inner.watch(t)
            y = ops.std(ops.multiply(t, t), axis=0)
            y = ops.sum(ops.multiply(y, np.arange(1.0, 5.0)))
        return inner.gradient(y, t)

    check_grad(grad_of_var, x, rtol=1e-5, atol=1e-7)


def test_argmax_long_rows_ties_and_nan_across_blocks(rng):
    x = rng.standard_normal((3, 2000)).astype(np.float32)
    x[:, 700] = x[:, 1500] = x[:, 1501] = 10.0  # tied maxima in different blocks
    x[:, 1100] = x[:, 1999] = -10.0
    x[1, 1800] = x[1, 1900] = np.nan
    x[2, 3] = np.nan
    for fn, ref in ((ops.argmax, np.argmax), (ops.argmin, np.argmin)):
        assert_close(fn(x, axis=1), ref(x, axis=1), dtype="int32")
        xt = np.ascontiguousarray(x.T)
        assert_close(fn(xt, axis=0), ref(xt, axis=0), dtype="int32")
        assert_close(fn(x[0]), ref(x[0]))
