"""Neural-network activations (keras.ops.nn): fused native kernels with VJPs.

softmax, log_softmax and logsumexp live in `lamina.ops.softmax_ops` and
`lamina.ops.reduction`; they are re-exported by `lamina.ops`.
"""

from __future__ import annotations

import math

from lamina.ops.core import cast
from lamina.ops.elementwise import abs as abs_
from lamina.ops.elementwise import (
    Binary, Unary, _to_float, add, divide, erf, exp, greater, greater_equal, less, logical_and,
    multiply, negative, square, subtract, tanh, where,
)

__all__ = [
    "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "hard_sigmoid", "softplus",
    "softsign", "silu", "swish", "log_sigmoid", "hard_silu", "hard_swish",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_GELU_C = math.sqrt(2.0 / math.pi)


class _Activation(Unary):
    """An activation kernel: subclasses give `name` and `grad(x, y, alpha)`,
    the derivative dy/dx, which the VJP multiplies by the cotangent."""

    def grad(self, x, y, alpha):
        raise NotImplementedError

    def vjp(self, inputs, out, g, alpha=0.0):
        return (multiply(g, self.grad(inputs[0], out, alpha)),)


def _activation(name: str, grad) -> _Activation:
    cls = type(name.title().replace("_", ""), (_Activation,), {"name": name})
    cls.grad = lambda self, x, y, alpha: grad(x, y, alpha)
    return cls()


def _gelu_grad(x, y, alpha):
    # d/dx [x Phi(x)] = Phi(x) + x phi(x)
    cdf = multiply(add(erf(multiply(x, 1.0 / math.sqrt(2.0))), 1.0), 0.5)
    pdf = multiply(exp(multiply(square(x), -0.5)), 1.0 / math.sqrt(2.0 * math.pi))
    return add(cdf, multiply(x, pdf))


def _gelu_tanh_grad(x, y, alpha):
    u = multiply(add(x, multiply(multiply(square(x), x), 0.044715)), _GELU_C)
    t = tanh(u)
    du = multiply(add(multiply(square(x), 3 * 0.044715), 1.0), _GELU_C)
    return add(multiply(add(t, 1.0), 0.5),
               multiply(multiply(multiply(x, 0.5), subtract(1.0, square(t))), du))


def _sigmoid_of(x):
    return _SIGMOID.bind(x)


def _silu_grad(x, y, alpha):
    s = _sigmoid_of(x)
    return multiply(s, add(multiply(x, subtract(1.0, s)), 1.0))


def _step(cond, below=0.0):
    """1 where `cond` holds, else `below` (promotes with the cotangent's dtype)."""
    return where(cond, 1.0, below)


class ReluGrad(Binary):
    """`g` where `x > 0`, else 0: relu's backward pass in one kernel (no mask tensor,
    no multiply). Its own VJP passes the cotangent through the same mask."""

    name = "relu_grad"

    def vjp(self, inputs, out, c):
        x, _ = inputs
        return None, _RELU_GRAD.bind(x, c)


_RELU_GRAD = ReluGrad()


class _Relu(_Activation):
    name = "relu"

    def vjp(self, inputs, out, g, alpha=0.0):
        x = inputs[0]
        if g.dtype != x.dtype:
            g = cast(g, x.dtype)
        return (_RELU_GRAD.bind(x, g),)


_RELU = _Relu()
_RELU6 = _activation("relu6", lambda x, y, a: _step(logical_and(greater(x, 0.0), less(x, 6.0))))
_LEAKY_RELU = _activation("leaky_relu", lambda x, y, a: _step(greater_equal(x, 0.0), a))
_ELU = _activation("elu", lambda x, y, a: where(greater(x, 0.0), 1.0, add(y, a)))
_SELU = _activation("selu", lambda x, y, a: where(
    greater(x, 0.0), _SELU_SCALE, add(y, _SELU_SCALE * _SELU_ALPHA)))
_GELU = _activation("gelu", _gelu_grad)
_GELU_TANH = _activation("gelu_tanh", _gelu_tanh_grad)
_SIGMOID = _activation("sigmoid", lambda x, y, a: multiply(y, subtract(1.0, y)))
_HARD_SIGMOID = _activation("hard_sigmoid", lambda x, y, a: _step(
    logical_and(greater(x, -3.0), less(x, 3.0))) * (1.0 / 6.0))
_SOFTPLUS = _activation("softplus", lambda x, y, a: _sigmoid_of(x))
_SOFTSIGN = _activation("softsign", lambda x, y, a: divide(1.0, square(add(abs_(x), 1.0))))
_SILU = _activation("silu", _silu_grad)


def relu(x):
    """max(x, 0).

    Example:
    >>> relu([-1.0, 2.0]).numpy()
    array([0., 2.], dtype=float32)
    """
    return _RELU.bind(_to_float(x))


def relu6(x):
    """min(max(x, 0), 6)."""
    return _RELU6.bind(_to_float(x))


def leaky_relu(x, negative_slope=0.2):
    """x if x >= 0 else negative_slope * x."""
    return _LEAKY_RELU.bind(_to_float(x), alpha=float(negative_slope))


def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return _ELU.bind(_to_float(x), alpha=float(alpha))


def selu(x):
    """scale * elu(x, alpha) with the self-normalizing constants."""
    return _SELU.bind(_to_float(x))


def gelu(x, approximate=True):
    """Gaussian error linear unit; `approximate=True` (Keras's default) uses the
    tanh approximation, False the exact erf form."""
    return (_GELU_TANH if approximate else _GELU).bind(_to_float(x))


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return _SIGMOID.bind(_to_float(x))


def hard_sigmoid(x):
    """relu6(x + 3) / 6, Keras's piecewise-linear sigmoid."""
    return _HARD_SIGMOID.bind(_to_float(x))


def softplus(x):
    """log(1 + exp(x)), computed without overflow."""
    return _SOFTPLUS.bind(_to_float(x))


def softsign(x):
    """x / (1 + |x|)."""
    return _SOFTSIGN.bind(_to_float(x))


def silu(x):
    """x * sigmoid(x) (also called swish)."""
    return _SILU.bind(_to_float(x))


swish = silu


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x)."""
    return negative(softplus(negative(_to_float(x))))


def hard_silu(x):
    """x * hard_sigmoid(x)."""
    x = _to_float(x)
    return multiply(x, hard_sigmoid(x))


hard_swish = hard_silu
