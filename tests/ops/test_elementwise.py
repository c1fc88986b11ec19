"""Elementwise ops against NumPy: values, broadcasting, dtypes, errors, gradients."""

import math

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.backend.keras_tensor import KerasTensor

from conftest import assert_close, check_grad

_erf = np.vectorize(math.erf, otypes=[np.float64])

UNARY = {
    "negative": (ops.negative, np.negative, None),
    "abs": (ops.abs, np.abs, None),
    "sign": (ops.sign, np.sign, None),
    "square": (ops.square, np.square, None),
    "sqrt": (ops.sqrt, np.sqrt, "positive"),
    "rsqrt": (ops.rsqrt, lambda x: 1 / np.sqrt(x), "positive"),
    "reciprocal": (ops.reciprocal, np.reciprocal, "positive"),
    "exp": (ops.exp, np.exp, None),
    "expm1": (ops.expm1, np.expm1, None),
    "log": (ops.log, np.log, "positive"),
    "log1p": (ops.log1p, np.log1p, "positive"),
    "sin": (ops.sin, np.sin, None),
    "cos": (ops.cos, np.cos, None),
    "tanh": (ops.tanh, np.tanh, None),
    "erf": (ops.erf, _erf, None),
    "floor": (ops.floor, np.floor, None),
    "ceil": (ops.ceil, np.ceil, None),
    "round": (ops.round, np.round, None),
}


def _input(rng, shape, domain, dtype=np.float32):
    x = rng.standard_normal(shape) * 3
    if domain == "positive":
        x = np.abs(x) + 0.1
    return x.astype(dtype)


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("shape", [(), (0,), (7,), (3, 5), (2, 3, 4), (40000,)])
def test_unary_matches_numpy(name, shape, rng):
    fn, ref, domain = UNARY[name]
    x = _input(rng, shape, domain)
    out = fn(ops.convert_to_tensor(x))
    assert out.dtype == "float32"
    assert_close(out, ref(x.astype(np.float64)).astype(np.float32), rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_float64(name, rng):
    fn, ref, domain = UNARY[name]
    x = _input(rng, (4, 6), domain, np.float64)
    out = fn(ops.convert_to_tensor(x))
    assert out.dtype == "float64"
    assert_close(out, ref(x), rtol=1e-12, atol=1e-12)


def test_exp_log_special_values():
    x = np.array([0.0, -0.0, 1e-30, -100.0, 88.0, 89.0, np.inf, -np.inf, np.nan], np.float32)
    with np.errstate(all="ignore"):
        assert_close(ops.exp(x), np.exp(x), rtol=2e-6, atol=1e-37)
        y = np.array([0.0, 1e-40, 1e-30, 1.0, 3e38, np.inf, -1.0, np.nan], np.float32)
        assert_close(ops.log(y), np.log(y), rtol=2e-6)
        assert_close(ops.log1p(np.array([-1.0, -0.5, 1e-8, 1e30, np.inf], np.float32)),
                     np.log1p(np.array([-1.0, -0.5, 1e-8, 1e30, np.inf], np.float32)), rtol=2e-6)
    big = np.array([-50.0, -20.0, -0.3, 0.0, 0.3, 20.0, 50.0], np.float32)
    assert_close(ops.tanh(big), np.tanh(big), rtol=2e-6, atol=1e-7)


def test_integer_math_promotes_to_float():
    x = ops.convert_to_tensor([1, 4, 9])
    assert x.dtype == "int32"
    assert ops.sqrt(x).dtype == "float32"
    assert_close(ops.sqrt(x), [1.0, 2.0, 3.0])
    assert ops.negative(x).dtype == "int32"
    assert ops.abs(ops.convert_to_tensor([-3, 2])).numpy().tolist() == [3, 2]


BINARY = {
    "add": (ops.add, np.add),
    "subtract": (ops.subtract, np.subtract),
    "multiply": (ops.multiply, np.multiply),
    "divide": (ops.divide, np.divide),
    "maximum": (ops.maximum, np.maximum),
    "minimum": (ops.minimum, np.minimum),
    "power": (ops.power, np.power),
    "floor_divide": (ops.floor_divide, np.floor_divide),
    "mod": (ops.mod, np.mod),
    "equal": (ops.equal, np.equal),
    "not_equal": (ops.not_equal, np.not_equal),
    "less": (ops.less, np.less),
    "less_equal": (ops.less_equal, np.less_equal),
    "greater": (ops.greater, np.greater),
    "greater_equal": (ops.greater_equal, np.greater_equal),
}

SHAPE_PAIRS = [
    ((), ()), ((5,), ()), ((), (5,)), ((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)),
    ((2, 1, 4), (3, 1)), ((0,), (1,)), ((0, 3), (3,)), ((2, 3, 4, 5), (3, 1, 5)),
    ((300, 200), (200,)), ((200, 1), (200, 300)),
]


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_binary_broadcasting(name, shapes, rng):
    fn, ref = BINARY[name]
    a = rng.standard_normal(shapes[0]).astype(np.float32)
    b = rng.standard_normal(shapes[1]).astype(np.float32)
    if name == "power":
        a = np.abs(a) + 0.5
    if name in ("floor_divide", "mod", "divide"):
        b = np.where(np.abs(b) < 0.1, 0.5, b).astype(np.float32)
    out = fn(ops.convert_to_tensor(a), ops.convert_to_tensor(b))
    expected = ref(a, b)
    assert out.dtype == expected.dtype.name
    assert_close(out, expected, rtol=3e-6, atol=1e-6)
    spec = fn(KerasTensor(shapes[0]), KerasTensor(shapes[1]))
    assert spec.shape == expected.shape and spec.dtype == expected.dtype.name


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "maximum", "minimum",
                                  "floor_divide", "mod", "equal", "less", "greater_equal"])
@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_binary_integers(name, dtype, rng):
    fn, ref = BINARY[name]
    a = rng.integers(-50, 50, (4, 5)).astype(dtype)
    b = rng.integers(1, 9, (5,)).astype(dtype) * rng.choice([-1, 1], 5).astype(dtype)
    out = fn(ops.convert_to_tensor(a), ops.convert_to_tensor(b))
    np.testing.assert_array_equal(np.asarray(out), ref(a, b))
    assert out.dtype == ref(a, b).dtype.name


def test_integer_division_by_zero_does_not_crash():
    a = ops.convert_to_tensor(np.array([5, -5, np.iinfo(np.int32).min], np.int32))
    b = ops.convert_to_tensor(np.array([0, 0, -1], np.int32))
    np.testing.assert_array_equal(np.asarray(ops.floor_divide(a, b)), [0, 0, np.iinfo(np.int32).min])
    np.testing.assert_array_equal(np.asarray(ops.mod(a, b)), [0, 0, 0])
    assert ops.divide(a, b).dtype == "float32"


def test_int_power():
    a = ops.convert_to_tensor([2, 3, -2])
    np.testing.assert_array_equal(np.asarray(ops.power(a, 3)), [8, 27, -8])


def test_nan_propagation_in_maximum_minimum():
    a = np.array([np.nan, 1.0, 2.0], np.float32)
    b = np.array([0.0, np.nan, 1.0], np.float32)
    assert_close(ops.maximum(a, b), np.maximum(a, b))
    assert_close(ops.minimum(a, b), np.minimum(a, b))


def test_promotion_rules():
    f32 = ops.ones((2,))
    i32 = ops.convert_to_tensor([1, 2])
    f64 = ops.convert_to_tensor(np.ones(2))
    assert (f32 + i32).dtype == "float32"
    assert (f32 + f64).dtype == "float64"
    assert (i32 + 1).dtype == "int32"          # Python ints are weak
    assert (i32 + 1.5).dtype == "float32"      # a float scalar makes an int tensor float
    assert (f64 * 2.0).dtype == "float64"      # a Python float does not downcast
    b = ops.convert_to_tensor([True, False])
    assert (b + b).dtype == "int32"
    assert ops.logical_and(b, True).dtype == "bool"
    assert (np.ones(2, np.float32) + f32).dtype == "float32"  # NumPy on the left


def test_python_operators(rng):
    a = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal((4,)).astype(np.float32) + 3
    x, y = ops.convert_to_tensor(a), ops.convert_to_tensor(b)
    assert_close(x + y, a + b)
    assert_close(x - y, a - b)
    assert_close(x * y, a * b)
    assert_close(x / y, a / b)
    assert_close(x // y, a // b)
    assert_close(x % y, a % b, atol=1e-5)
    assert_close(y ** 2, b ** 2)
    assert_close(2 ** y, 2 ** b, rtol=1e-5)
    assert_close(1 - x, 1 - a)
    assert_close(-x, -a)
    assert_close(abs(x), np.abs(a))
    assert_close(x @ ops.ones((4, 2)), a @ np.ones((4, 2), np.float32), rtol=1e-5)
    np.testing.assert_array_equal(np.asarray(x < y), a < b)
    np.testing.assert_array_equal(np.asarray(x >= 0), a >= 0)
    np.testing.assert_array_equal(np.asarray(x == x), np.ones_like(a, bool))
    np.testing.assert_array_equal(np.asarray(~(x > 0)), ~(a > 0))
    np.testing.assert_array_equal(np.asarray((x > 0) & (y > 3)), (a > 0) & (b > 3))


def test_where_and_clip(rng):
    c = rng.random((3, 4)) > 0.5
    a = rng.standard_normal((3, 4)).astype(np.float32)
    assert_close(ops.where(c, a, 0.0), np.where(c, a, 0.0).astype(np.float32))
    assert_close(ops.where(c[:, :1], a, -a), np.where(c[:, :1], a, -a))
    assert_close(ops.clip(a, -0.5, 0.5), np.clip(a, -0.5, 0.5))
    ints = ops.convert_to_tensor([-3, 0, 7])
    np.testing.assert_array_equal(np.asarray(ops.clip(ints, 0, 5)), [0, 0, 5])
    assert ops.clip(ints, 0, 5).dtype == "int32"
    spec = ops.where(KerasTensor((None, 4), "bool"), KerasTensor((1, 4)), KerasTensor((None, 1)))
    assert spec.shape == (None, 4)


def test_logical_ops():
    a = np.array([True, True, False, False])
    b = np.array([True, False, True, False])
    for fn, ref in [(ops.logical_and, np.logical_and), (ops.logical_or, np.logical_or),
                    (ops.logical_xor, np.logical_xor)]:
        np.testing.assert_array_equal(np.asarray(fn(a, b)), ref(a, b))
    np.testing.assert_array_equal(np.asarray(ops.logical_not(a)), ~a)
    x = np.array([1.0, np.nan, np.inf], np.float32)
    np.testing.assert_array_equal(np.asarray(ops.isnan(x)), np.isnan(x))
    np.testing.assert_array_equal(np.asarray(ops.isfinite(x)), np.isfinite(x))


def test_broadcast_error_names_op_shapes_and_dtypes():
    with pytest.raises(ValueError, match=r"add: .*\(2, 3\) \(float32\) and \(4,\) \(float32\)"):
        ops.add(ops.ones((2, 3)), ops.ones((4,)))
    with pytest.raises(ValueError, match="multiply"):
        ops.multiply(KerasTensor((None, 3)), KerasTensor((None, 4)))


def test_non_numeric_input_is_a_type_error():
    with pytest.raises(TypeError, match="numeric"):
        ops.add(ops.ones((2,)), ["a", "b"])
    with pytest.raises(TypeError, match="numeric"):
        ops.exp(np.array(["x"]))
    with pytest.raises(TypeError):
        ops.add(ops.ones((2,)), object())


# ----------------------------------------------------------------- gradients
GRAD_UNARY = ["negative", "abs", "square", "sqrt", "rsqrt", "reciprocal", "exp", "expm1",
              "log", "log1p", "sin", "cos", "tanh", "erf"]


@pytest.mark.parametrize("name", GRAD_UNARY)
def test_unary_gradients(name, rng):
    fn, _, domain = UNARY[name]
    x = _input(rng, (3, 4), domain, np.float64)
    if name == "abs":
        x = np.where(np.abs(x) < 0.1, 0.5, x)
    check_grad(fn, x)


GRAD_BINARY = ["add", "subtract", "multiply", "divide", "maximum", "minimum", "power", "mod"]


@pytest.mark.parametrize("name", GRAD_BINARY)
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (3,))],
                         ids=str)
def test_binary_gradients(name, shapes, rng):
    fn, _ = BINARY[name]
    a = rng.standard_normal(shapes[0])
    b = rng.standard_normal(shapes[1])
    if name == "power":
        a = np.abs(a) + 0.5
    if name in ("divide", "mod"):
        b = np.where(np.abs(b) < 0.3, 0.7, b)
    if name in ("maximum", "minimum"):
        b = b + 0.01  # keep away from ties, where the derivative is undefined
    check_grad(fn, a, b)


def test_where_gradient(rng):
    c = rng.random((3, 4)) > 0.5
    check_grad(lambda x, y: ops.where(c, x, y), rng.standard_normal((3, 4)), rng.standard_normal((4,)))


def test_second_order_gradient():
    x = ops.convert_to_tensor(np.array([0.3, -1.2, 2.0]))
    with lamina.GradientTape() as outer:
        outer.watch(x)
        with lamina.GradientTape() as inner:
            inner.watch(x)
            y = ops.multiply(ops.tanh(x), ops.square(x))
        dy = inner.gradient(y, x, output_gradients=ops.ones_like(y))
    d2y = outer.gradient(dy, x, output_gradients=ops.ones_like(dy))
    xv = np.array([0.3, -1.2, 2.0])
    t = np.tanh(xv)
    # y = t x^2; y' = (1 - t^2) x^2 + 2 t x; y'' = -2 t (1 - t^2) x^2 + 4 (1 - t^2) x + 2 t
    expected = -2 * t * (1 - t**2) * xv**2 + 4 * (1 - t**2) * xv + 2 * t
    assert_close(d2y, expected, rtol=1e-10)
