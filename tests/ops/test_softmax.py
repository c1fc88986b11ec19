"""softmax / log_softmax against NumPy: values on every axis layout, extremes, the
parallel path, gradients (first and second order), symbolic shapes and errors."""


import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.native import _core

from conftest import assert_close, check_grad

from lamina.ops import softmax_ops as softmax_module


def _np_log_softmax(x, axis):
    x = np.asarray(x, np.float64)
    m = np.max(x, axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        z = x - m
        return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


def _np_softmax(x, axis):
    x = np.asarray(x, np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        return e / np.sum(e, axis=axis, keepdims=True)


FNS = {"softmax": (ops.softmax, _np_softmax), "log_softmax": (ops.log_softmax, _np_log_softmax)}
SHAPES_AXES = [((7,), -1), ((3, 5), -1), ((3, 5), 0), ((2, 3, 4), 1), ((2, 3, 4), 0),
               ((2, 3, 4), -1), ((4, 1, 3), 1), ((2, 300, 3), 1), ((0, 4), 1), ((3, 0), 0)]


@pytest.mark.parametrize("name", sorted(FNS))
@pytest.mark.parametrize("shape,axis", SHAPES_AXES, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matches_numpy(name, shape, axis, dtype, rng):
    fn, ref = FNS[name]
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    out = fn(x, axis=axis)
    tol = 2e-6 if dtype == "float32" else 1e-13
    assert_close(out, ref(x, axis).astype(dtype), rtol=tol, atol=tol, dtype=dtype)


@pytest.mark.parametrize("name", sorted(FNS))
@pytest.mark.parametrize("axis", [0, 1])
def test_large_parallel(name, axis, rng):
    fn, ref = FNS[name]
    x = rng.standard_normal((1000, 1000)).astype(np.float32) * 5
    assert_close(fn(x, axis=axis), ref(x, axis).astype(np.float32), rtol=5e-6, atol=2e-6)


def test_rows_sum_to_one_and_extremes():
    x = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -1000.0], [3.0, 3.0, 3.0],
                  [-np.inf, 0.0, 1.0], [np.nan, 0.0, 1.0]], np.float32)
    for axis, xs in ((1, x), (0, np.ascontiguousarray(x.T))):
        s = np.asarray(ops.softmax(xs, axis=axis))
        assert_close(s, _np_softmax(xs, axis).astype(np.float32), atol=1e-7)
        assert_close(ops.log_softmax(xs, axis=axis), _np_log_softmax(xs, axis).astype(np.float32),
                     atol=1e-6)
        sums = np.sum(s, axis=axis)
        assert np.allclose(sums[:4], 1.0, atol=1e-6) and np.isnan(sums[4])


def test_integer_input_gives_float32():
    out = ops.softmax(np.array([1, 2, 3], np.int32))
    assert out.dtype == "float32"
    assert_close(out, _np_softmax([1.0, 2.0, 3.0], -1).astype(np.float32))
    assert ops.log_softmax([True, False]).dtype == "float32"


def test_transposed_input(rng):
    x = rng.standard_normal((4, 5, 6)).astype(np.float32)
    t = ops.transpose(ops.convert_to_tensor(x), (1, 2, 0))
    xt = np.transpose(x, (1, 2, 0))
    assert_close(ops.softmax(t, axis=1), _np_softmax(xt, 1).astype(np.float32), atol=1e-7)


@pytest.mark.parametrize("name", sorted(FNS))
@pytest.mark.parametrize("axis", [(0, 2), (2, 0), (1, 2), None], ids=str)
def test_tuple_axes(name, axis, rng):
    fn, ref = FNS[name]
    x = rng.standard_normal((2, 3, 4))
    np_axis = tuple(range(3)) if axis is None else axis
    assert_close(fn(x, axis=axis), ref(x, np_axis), rtol=1e-12, atol=1e-12)
    check_grad(lambda t: fn(t, axis=axis), x)


def test_single_axis_tuple_is_plain(rng):
    x = rng.standard_normal((3, 4))
    assert_close(ops.softmax(x, axis=(0,)), ops.softmax(x, axis=0), rtol=0, atol=0)


# --------------------------------------------------------------- gradients
@pytest.mark.parametrize("name", sorted(FNS))
@pytest.mark.parametrize("shape,axis", [((5,), 0), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1)],
                         ids=str)
def test_gradients(name, shape, axis, rng):
    fn, _ = FNS[name]
    check_grad(lambda t: fn(t, axis=axis), rng.standard_normal(shape) * 2)


@pytest.mark.parametrize("prim", ["_SOFTMAX_GRAD", "_LOG_SOFTMAX_GRAD"])
@pytest.mark.parametrize("shape,axis", [((3, 4), 1), ((2, 3, 4), 1), ((4, 3), 0)], ids=str)
def test_backward_primitives_vjp(prim, shape, axis, rng):
    p = getattr(softmax_module, prim)
    fwd = ops.softmax if prim == "_SOFTMAX_GRAD" else ops.log_softmax
    y = np.asarray(fwd(rng.standard_normal(shape), axis=axis))
    g = rng.standard_normal(shape)
    check_grad(lambda yy, gg: p.bind(yy, gg, axis=axis), y, g)


@pytest.mark.parametrize("name", sorted(FNS))
@pytest.mark.parametrize("axis", [-1, 0])
def test_second_order(name, axis, rng):
    fn, _ = FNS[name]
    x = rng.standard_normal((3, 4))
    w = rng.standard_normal((3, 4))

    def grad_fn(t):
        with lamina.GradientTape() as inner:
            inner.watch(t)
            y = ops.sum(ops.multiply(fn(t, axis=axis), w))
        return inner.gradient(y, t)

    check_grad(grad_fn, x, rtol=1e-5, atol=1e-7)


def test_third_order_through_softmax(rng):
    x = ops.convert_to_tensor(rng.standard_normal((4,)))
    w = rng.standard_normal((4,))

    def f(t):
        return ops.sum(ops.multiply(ops.softmax(t), w))

    with lamina.GradientTape() as t3:
        t3.watch(x)
        with lamina.GradientTape() as t2:
            t2.watch(x)
            with lamina.GradientTape() as t1:
                t1.watch(x)
                y = f(x)
            g1 = t1.gradient(y, x)
            s1 = ops.sum(ops.multiply(g1, g1))
        g2 = t2.gradient(s1, x)
        s2 = ops.sum(g2)
    g3 = t3.gradient(s2, x)

    def s2_of(v):
        with lamina.GradientTape() as a:
            a.watch(v)
            with lamina.GradientTape() as b:
                b.watch(v)
                yy = f(v)
            gg = b.gradient(yy, v)
            ss = ops.sum(ops.multiply(gg, gg))
        return ops.sum(a.gradient(ss, v))

    eps = 1e-5
    xv = np.asarray(x)
    numeric = np.array([(float(s2_of(ops.convert_to_tensor(xv + eps * np.eye(4)[i])))
                         - float(s2_of(ops.convert_to_tensor(xv - eps * np.eye(4)[i])))) / (2 * eps)
                        for i in range(4)])
    assert_close(g3, numeric, rtol=1e-5, atol=1e-7)


# ----------------------------------------------------------- symbolic, errors
def test_symbolic_shapes():
    x = KerasTensor((None, 3, 5))
    for fn in (ops.softmax, ops.log_softmax):
        out = fn(x)
        assert out.shape == (None, 3, 5) and out.dtype == "float32"
        assert fn(x, axis=(1, 2)).shape == (None, 3, 5)
    assert ops.softmax(KerasTensor((2, None), "int32"), axis=0).dtype == "float32"
    assert ops.log_softmax(KerasTensor((None, 4), "float64")).dtype == "float64"


def test_errors():
    x = ops.zeros((2, 3))
    with pytest.raises(ValueError, match=r"softmax: axis 2 is out of bounds for a tensor of shape \(2, 3\)"):
        ops.softmax(x, axis=2)
    with pytest.raises(ValueError, match=r"log_softmax: repeated axis"):
        ops.log_softmax(x, axis=(1, -1))
    with pytest.raises(ValueError, match=r"softmax: no axis"):
        ops.softmax(x, axis=())
    with pytest.raises(TypeError, match=r"softmax: .*numeric"):
        ops.softmax(["a", "b"])
    with pytest.raises(TypeError, match=r"softmax: axis must be an int"):
        ops.softmax(x, axis="0")


def test_kernel_boundary_errors():
    with pytest.raises(TypeError, match=r"softmax: expected a floating dtype"):
        _core.softmax(np.zeros(3, np.int32), 0)
    with pytest.raises(ValueError, match=r"log_softmax: axis -3 is out of bounds .*\(2, 3\)"):
        _core.softmax(np.zeros((2, 3), np.float32), -3, True)
    with pytest.raises(ValueError, match=r"softmax_grad: y and g must have the same shape and dtype"):
        _core.softmax_grad(np.zeros((2, 3), np.float32), np.zeros((3, 2), np.float32), 0)
    with pytest.raises(ValueError, match=r"C-contiguous"):
        _core.softmax(np.zeros((2, 3), np.float32).T, 0)
