"""Elementwise ops: arithmetic, math, comparisons and logic, with NumPy broadcasting.

Each op is a primitive: `_core.unary` / `_core.binary` / `_core.where` kernels, a
shape rule (broadcasting), and a VJP built from other ops. Integer inputs to
float-only math (sqrt, exp, divide, ...) are promoted to float32, as in Keras.
"""

from __future__ import annotations

import math

from lamina.backend import dtypes
from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.native import BINARY, UNARY, _core
from lamina.backend.tensor import Tensor
from lamina.ops import manipulation as shape_ops
from lamina.ops.core import cast, convert_to_tensor, promote
from lamina.ops import primitive
from lamina.ops.primitive import Primitive

__all__ = [
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "mod", "power",
    "negative", "abs", "absolute", "sign", "square", "sqrt", "rsqrt", "reciprocal", "exp",
    "expm1", "log", "log1p", "sin", "cos", "tanh", "erf", "floor", "ceil", "round",
    "maximum", "minimum", "clip", "where", "equal", "not_equal", "less", "less_equal",
    "greater", "greater_equal", "logical_and", "logical_or", "logical_xor", "logical_not",
    "isnan", "isfinite",
]


# --------------------------------------------------------------- shape rules
def broadcast_shapes(*shapes, op: str = "broadcast") -> tuple:
    """NumPy's broadcast of shapes; `None` (unknown) dims broadcast symbolically."""
    nd = max(len(s) for s in shapes)
    out = []
    for i in range(nd):
        dims = [s[i - nd + len(s)] for s in shapes if i - nd + len(s) >= 0]
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError(
                f"{op}: operands could not be broadcast together with shapes "
                + " and ".join(str(tuple(s)) for s in shapes)
            )
        if known:
            out.append(known.pop())
        elif None in dims:
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


def unbroadcast(g: Tensor, shape: tuple) -> Tensor:
    """Sums a cotangent over the axes along which an input of `shape` was broadcast."""
    return shape_ops.sum_to_shape(g, shape)


# ---------------------------------------------------------------- unary ops
class Unary(Primitive):
    """A unary kernel of `_core.unary`; `alpha` parameterizes leaky_relu/elu."""

    bool_output = False

    def __init__(self):
        super().__init__()
        self.code = UNARY[self.name]

    def impl(self, x, alpha=0.0):
        return _core.unary(self.code, x, alpha)

    def compute_output_spec(self, x, alpha=0.0):
        return KerasTensor(x.shape, "bool" if self.bool_output else x.dtype)


def _unary(name: str, vjp=None, differentiable: bool = True, bool_output: bool = False) -> Unary:
    cls = type(name.title().replace("_", ""), (Unary,), {
        "name": name,
        "differentiable": differentiable,
        "bool_output": bool_output,
    })
    if vjp is not None:
        cls.vjp = lambda self, inputs, out, g, alpha=0.0: (vjp(inputs[0], out, g, alpha),)
    else:
        cls.vjp = lambda self, inputs, out, g, alpha=0.0: (None,)
    return cls()


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)

_NEG = _unary("negative", lambda x, y, g, a: negative(g))
_ABS = _unary("abs", lambda x, y, g, a: multiply(g, sign(x)))
_SIGN = _unary("sign", differentiable=False)
_SQUARE = _unary("square", lambda x, y, g, a: multiply(g, multiply(x, 2.0)))
_SQRT = _unary("sqrt", lambda x, y, g, a: divide(multiply(g, 0.5), y))
_RSQRT = _unary("rsqrt", lambda x, y, g, a: multiply(g, multiply(power(y, 3.0), -0.5)))
_RECIPROCAL = _unary("reciprocal", lambda x, y, g, a: negative(multiply(g, square(y))))
_EXP = _unary("exp", lambda x, y, g, a: multiply(g, y))
_EXPM1 = _unary("expm1", lambda x, y, g, a: multiply(g, add(y, 1.0)))
_LOG = _unary("log", lambda x, y, g, a: divide(g, x))
_LOG1P = _unary("log1p", lambda x, y, g, a: divide(g, add(x, 1.0)))
_SIN = _unary("sin", lambda x, y, g, a: multiply(g, cos(x)))
_COS = _unary("cos", lambda x, y, g, a: negative(multiply(g, sin(x))))
_TANH = _unary("tanh", lambda x, y, g, a: multiply(g, subtract(1.0, square(y))))
_ERF = _unary("erf", lambda x, y, g, a: multiply(g, multiply(exp(negative(square(x))), 2.0 / math.sqrt(math.pi))))
_FLOOR = _unary("floor", differentiable=False)
_CEIL = _unary("ceil", differentiable=False)
_ROUND = _unary("round", differentiable=False)
_LOGICAL_NOT = _unary("logical_not", differentiable=False, bool_output=True)
_ISNAN = _unary("isnan", differentiable=False, bool_output=True)
_ISFINITE = _unary("isfinite", differentiable=False, bool_output=True)


def _to_float(x) -> Tensor:
    x = convert_to_tensor(x) if type(x) is not Tensor and not isinstance(x, KerasTensor) else x
    return x if dtypes.is_float(x.dtype) else cast(x, dtypes.FLOATX)


def _numeric(x):
    x = convert_to_tensor(x) if type(x) is not Tensor and not isinstance(x, KerasTensor) else x
    return cast(x, "int32") if x.dtype == "bool" else x


def negative(x):
    """-x, elementwise."""
    return _NEG.bind(_numeric(x))


def abs(x):  # noqa: A001 - keras.ops.abs
    """|x|, elementwise."""
    return _ABS.bind(_numeric(x))


absolute = abs


def sign(x):
    """-1, 0 or 1 by the sign of x (NaN stays NaN)."""
    return _SIGN.bind(_numeric(x))


def square(x):
    return _SQUARE.bind(_numeric(x))


def sqrt(x):
    return _SQRT.bind(_to_float(x))


def rsqrt(x):
    """1 / sqrt(x)."""
    return _RSQRT.bind(_to_float(x))


def reciprocal(x):
    return _RECIPROCAL.bind(_to_float(x))


def exp(x):
    """e ** x, elementwise.

    Example:
    >>> exp([0.0, 1.0]).numpy()
    array([1.       , 2.7182817], dtype=float32)
    """
    return _EXP.bind(_to_float(x))


def expm1(x):
    return _EXPM1.bind(_to_float(x))


def log(x):
    """Natural logarithm (NaN for x < 0, -inf at 0)."""
    return _LOG.bind(_to_float(x))


def log1p(x):
    """log(1 + x), accurate for small x."""
    return _LOG1P.bind(_to_float(x))


def sin(x):
    return _SIN.bind(_to_float(x))


def cos(x):
    return _COS.bind(_to_float(x))


def tanh(x):
    return _TANH.bind(_to_float(x))


def erf(x):
    return _ERF.bind(_to_float(x))


def floor(x):
    return _FLOOR.bind(_to_float(x))


def ceil(x):
    return _CEIL.bind(_to_float(x))


def round(x, decimals=0):  # noqa: A001 - keras.ops.round
    """Rounds half to even, as NumPy."""
    x = _to_float(x)
    if decimals == 0:
        return _ROUND.bind(x)
    scale = 10.0 ** decimals
    return divide(_ROUND.bind(multiply(x, scale)), scale)


def logical_not(x):
    return _LOGICAL_NOT.bind(_as_tensor(x))


def isnan(x):
    return _ISNAN.bind(_as_tensor(x))


def isfinite(x):
    return _ISFINITE.bind(_as_tensor(x))


def _as_tensor(x):
    return x if type(x) is Tensor or isinstance(x, KerasTensor) else convert_to_tensor(x)


# --------------------------------------------------------------- binary ops
class Binary(Primitive):
    """A binary kernel of `_core.binary` with NumPy broadcasting."""

    bool_output = False

    def __init__(self):
        super().__init__()
        self.code = BINARY[self.name]

    def impl(self, x1, x2):
        return _core.binary(self.code, x1, x2)

    def bind2(self, x1: Tensor, x2: Tensor) -> Tensor:
        """`bind` specialized for two Tensors: the eager hot path of every binary op."""
        out = Tensor(_core.binary(self.code, x1._value, x2._value))
        if primitive.RECORDERS:
            primitive._record(self, (x1, x2), (out,), {})
        return out

    def compute_output_spec(self, x1, x2):
        if x1.dtype != x2.dtype:
            raise TypeError(f"{self.name}: operands must share a dtype, got {x1.dtype} and {x2.dtype}")
        shape = broadcast_shapes(x1.shape, x2.shape, op=self.name)
        return KerasTensor(shape, "bool" if self.bool_output else x1.dtype)


def _binary(name: str, vjp=None, bool_output: bool = False) -> Binary:
    attrs = {"name": name, "bool_output": bool_output, "differentiable": vjp is not None}
    cls = type(name.title().replace("_", ""), (Binary,), attrs)
    if vjp is not None:
        def cls_vjp(self, inputs, out, g):
            x, y = inputs
            gx, gy = vjp(x, y, out, g)
            return (None if gx is None else unbroadcast(gx, x.shape),
                    None if gy is None else unbroadcast(gy, y.shape))
        cls.vjp = cls_vjp
    return cls()


def _power_vjp(x, y, out, g):
    gx = multiply(g, multiply(y, power(x, subtract(y, 1.0))))
    # d/dy x**y = x**y log x, defined for x > 0 (0 elsewhere, as JAX's convention at x == 0).
    pos = greater(x, 0.0)
    safe_x = where(pos, x, 1.0)
    gy = where(pos, multiply(g, multiply(out, log(safe_x))), 0.0)
    return gx, gy


def _max_vjp(x, y, out, g):
    take_x = greater_equal(x, y)
    return where(take_x, g, 0.0), where(take_x, 0.0, g)


def _min_vjp(x, y, out, g):
    take_x = less_equal(x, y)
    return where(take_x, g, 0.0), where(take_x, 0.0, g)


_ADD = _binary("add", lambda x, y, o, g: (g, g))
_SUB = _binary("subtract", lambda x, y, o, g: (g, negative(g)))
_MUL = _binary("multiply", lambda x, y, o, g: (multiply(g, y), multiply(g, x)))
_DIV = _binary("divide", lambda x, y, o, g: (divide(g, y), negative(multiply(g, divide(o, y)))))
_FLOORDIV = _binary("floor_divide")
_MOD = _binary("mod", lambda x, y, o, g: (g, negative(multiply(g, floor_divide(x, y)))))
_POW = _binary("power", _power_vjp)
_MAX = _binary("maximum", _max_vjp)
_MIN = _binary("minimum", _min_vjp)
_EQ = _binary("equal", bool_output=True)
_NE = _binary("not_equal", bool_output=True)
_LT = _binary("less", bool_output=True)
_LE = _binary("less_equal", bool_output=True)
_GT = _binary("greater", bool_output=True)
_GE = _binary("greater_equal", bool_output=True)
_AND = _binary("logical_and", bool_output=True)
_OR = _binary("logical_or", bool_output=True)
_XOR = _binary("logical_xor", bool_output=True)


def _arith(prim: Binary, x1, x2):
    if (type(x1) is Tensor and type(x2) is Tensor and x1._value.dtype is x2._value.dtype
            and x1._value.dtype.kind != "b"):
        return prim.bind2(x1, x2)  # the common case, kept short
    x1, x2 = promote(x1, x2, prim.name)
    if x1.dtype == "bool":
        x1, x2 = cast(x1, "int32"), cast(x2, "int32")
    return prim.bind(x1, x2)


def add(x1, x2):
    """x1 + x2 with broadcasting.

    Example:
    >>> add([1.0, 2.0], 1.0).numpy()
    array([2., 3.], dtype=float32)
    """
    return _arith(_ADD, x1, x2)


def subtract(x1, x2):
    return _arith(_SUB, x1, x2)


def multiply(x1, x2):
    return _arith(_MUL, x1, x2)


def divide(x1, x2):
    """True division; integer operands give float32, as in Keras."""
    x1, x2 = promote(x1, x2, "divide")
    if not dtypes.is_float(x1.dtype):
        x1, x2 = cast(x1, dtypes.FLOATX), cast(x2, dtypes.FLOATX)
    return _DIV.bind(x1, x2)


true_divide = divide


def floor_divide(x1, x2):
    return _arith(_FLOORDIV, x1, x2)


def mod(x1, x2):
    """Remainder with the sign of the divisor (Python's %)."""
    return _arith(_MOD, x1, x2)


def power(x1, x2):
    return _arith(_POW, x1, x2)


def _minmax(prim: Binary, x1, x2):
    x1, x2 = promote(x1, x2, prim.name)
    return prim.bind(x1, x2)


def maximum(x1, x2):
    """Elementwise maximum (NaN propagates)."""
    return _minmax(_MAX, x1, x2)


def minimum(x1, x2):
    return _minmax(_MIN, x1, x2)


def clip(x, x_min, x_max):
    """Limits values to [x_min, x_max]."""
    return minimum(maximum(x, x_min), x_max)


def _compare(prim: Binary, x1, x2):
    x1, x2 = promote(x1, x2, prim.name)
    return prim.bind(x1, x2)


def equal(x1, x2):
    return _compare(_EQ, x1, x2)


def not_equal(x1, x2):
    return _compare(_NE, x1, x2)


def less(x1, x2):
    return _compare(_LT, x1, x2)


def less_equal(x1, x2):
    return _compare(_LE, x1, x2)


def greater(x1, x2):
    return _compare(_GT, x1, x2)


def greater_equal(x1, x2):
    return _compare(_GE, x1, x2)


def logical_and(x1, x2):
    return _compare(_AND, x1, x2)


def logical_or(x1, x2):
    return _compare(_OR, x1, x2)


def logical_xor(x1, x2):
    return _compare(_XOR, x1, x2)


# ------------------------------------------------------------------ where
class Where(Primitive):
    name = "where"

    def impl(self, condition, x1, x2):
        return _core.where(condition, x1, x2)

    def compute_output_spec(self, condition, x1, x2):
        shape = broadcast_shapes(condition.shape, x1.shape, x2.shape, op="where")
        return KerasTensor(shape, x1.dtype)

    def vjp(self, inputs, out, g):
        c, x1, x2 = inputs
        zero = cast(0.0, g.dtype)
        return (None, unbroadcast(where(c, g, zero), x1.shape),
                unbroadcast(where(c, zero, g), x2.shape))


_WHERE = Where()


def where(condition, x1=None, x2=None):
    """Picks x1 where `condition` is true, else x2 (all three broadcast).

    Example:
    >>> where([True, False], 1.0, 0.0).numpy()
    array([1., 0.], dtype=float32)
    """
    if x1 is None or x2 is None:
        raise ValueError("where: x1 and x2 must both be given (the one-argument form is not supported)")
    condition = _as_tensor(condition)
    if condition.dtype != "bool":
        condition = not_equal(condition, 0)
    x1, x2 = promote(x1, x2, "where")
    return _WHERE.bind(condition, x1, x2)
