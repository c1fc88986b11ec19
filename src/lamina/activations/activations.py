"""The built-in activation functions of `keras.activations`, on `lamina.ops`.

Each is a plain function from a tensor (or array-like) to a tensor. Their Keras
names are how configs refer to them (`Dense(..., activation="relu")` stores
`"activation": "relu"`).
"""

from __future__ import annotations

from lamina import ops
from lamina.backend import KerasTensor, Tensor, dtypes
from lamina.api_export import keras_export


def _float(x):
    """x as a floating-point tensor (ints become float32, as in Keras); symbolic
    KerasTensors stay symbolic."""
    if not isinstance(x, (Tensor, KerasTensor)):
        x = ops.convert_to_tensor(x)
    return x if dtypes.is_float(x.dtype) else ops.cast(x, dtypes.floatx())


@keras_export("keras.activations.relu")
def relu(x, negative_slope: float = 0.0, max_value: float | None = None,
         threshold: float = 0.0):
    """Rectified linear unit, with Keras's optional leak, cap and threshold.

    `f(x) = max_value` for `x >= max_value`, `x` for `threshold < x < max_value`,
    `negative_slope * (x - threshold)` otherwise.

    Example:
    >>> relu([-10.0, -5.0, 0.0, 5.0, 10.0], negative_slope=0.5).numpy()
    array([-5. , -2.5,  0. ,  5. , 10. ], dtype=float32)
    """
    x = _float(x)
    if threshold == 0 and max_value is None:
        return ops.relu(x) if negative_slope == 0 else ops.leaky_relu(x, negative_slope)
    if threshold == 0 and negative_slope == 0 and max_value == 6:
        return ops.relu6(x)
    if threshold != 0:
        y = ops.where(ops.greater(x, threshold), x, 0.0)
    else:
        y = ops.relu(x)
    if max_value is not None:
        y = ops.clip(y, 0.0, float(max_value))
    if negative_slope != 0:
        y = ops.subtract(y, ops.multiply(ops.relu(ops.subtract(threshold, x)), negative_slope))
    return y


@keras_export("keras.activations.relu6")
def relu6(x):
    """min(max(x, 0), 6).

    Example:
    >>> relu6([-1.0, 3.0, 8.0]).numpy()
    array([0., 3., 6.], dtype=float32)
    """
    return ops.relu6(_float(x))


@keras_export("keras.activations.leaky_relu")
def leaky_relu(x, negative_slope: float = 0.2):
    """x for x >= 0, negative_slope * x otherwise.

    Example:
    >>> leaky_relu([-1.0, 2.0]).numpy()
    array([-0.2,  2. ], dtype=float32)
    """
    return ops.leaky_relu(_float(x), negative_slope=negative_slope)


@keras_export("keras.activations.sigmoid")
def sigmoid(x):
    """1 / (1 + exp(-x)).

    Example:
    >>> sigmoid([0.0]).numpy()
    array([0.5], dtype=float32)
    """
    return ops.sigmoid(_float(x))


@keras_export("keras.activations.tanh")
def tanh(x):
    """Hyperbolic tangent.

    Example:
    >>> tanh([0.0]).numpy()
    array([0.], dtype=float32)
    """
    return ops.tanh(_float(x))


@keras_export("keras.activations.softmax")
def softmax(x, axis: int = -1):
    """exp(x) / sum(exp(x)) along `axis`.

    Example:
    >>> softmax([[1.0, 1.0]]).numpy()
    array([[0.5, 0.5]], dtype=float32)
    """
    return ops.softmax(_float(x), axis=axis)


@keras_export("keras.activations.log_softmax")
def log_softmax(x, axis: int = -1):
    """log(softmax(x)) along `axis`, computed stably.

    Example:
    >>> log_softmax([[0.0, 0.0]]).numpy()  # [[-0.6931, -0.6931]]
    """
    return ops.log_softmax(_float(x), axis=axis)


@keras_export("keras.activations.elu")
def elu(x, alpha: float = 1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise.

    Example:
    >>> elu([0.0, 1.0]).numpy()
    array([0., 1.], dtype=float32)
    """
    return ops.elu(_float(x), alpha=alpha)


@keras_export("keras.activations.selu")
def selu(x):
    """Scaled ELU with the self-normalizing constants (alpha ~ 1.6733, scale ~ 1.0507).

    Example:
    >>> selu([0.0]).numpy()
    array([0.], dtype=float32)
    """
    return ops.selu(_float(x))


@keras_export("keras.activations.celu")
def celu(x, alpha: float = 1.0):
    """x for x >= 0, alpha * (exp(x / alpha) - 1) otherwise.

    Example:
    >>> celu([-1.0, 1.0], alpha=2.0).numpy()  # [-0.7869, 1.]
    """
    x = _float(x)
    neg = ops.multiply(ops.expm1(ops.divide(ops.minimum(x, 0.0), alpha)), alpha)
    return ops.add(ops.relu(x), neg)


@keras_export("keras.activations.gelu")
def gelu(x, approximate: bool = False):
    """Gaussian error linear unit: x * Phi(x); `approximate=True` uses the tanh form.

    (Keras's activation defaults to the exact form; `ops.gelu` to the approximation.)

    Example:
    >>> gelu([0.0, 1.0]).numpy()  # [0., 0.8413]
    """
    return ops.gelu(_float(x), approximate=approximate)


@keras_export("keras.activations.silu", "keras.activations.swish")
def silu(x):
    """x * sigmoid(x), also known as swish.

    Example:
    >>> silu([0.0]).numpy()
    array([0.], dtype=float32)
    """
    return ops.silu(_float(x))


swish = silu


@keras_export("keras.activations.softplus")
def softplus(x):
    """log(exp(x) + 1).

    Example:
    >>> softplus([0.0]).numpy()  # [0.6931]
    """
    return ops.softplus(_float(x))


@keras_export("keras.activations.softsign")
def softsign(x):
    """x / (|x| + 1).

    Example:
    >>> softsign([1.0]).numpy()
    array([0.5], dtype=float32)
    """
    return ops.softsign(_float(x))


@keras_export("keras.activations.hard_sigmoid")
def hard_sigmoid(x):
    """0 for x < -3, 1 for x > 3, x / 6 + 0.5 in between.

    Example:
    >>> hard_sigmoid([-4.0, 0.0, 4.0]).numpy()
    array([0. , 0.5, 1. ], dtype=float32)
    """
    return ops.hard_sigmoid(_float(x))


@keras_export("keras.activations.hard_silu", "keras.activations.hard_swish")
def hard_silu(x):
    """x * hard_sigmoid(x), also known as hard swish.

    Example:
    >>> hard_silu([-4.0, 0.0, 4.0]).numpy()
    array([-0.,  0.,  4.], dtype=float32)
    """
    return ops.hard_silu(_float(x))


hard_swish = hard_silu


@keras_export("keras.activations.hard_tanh")
def hard_tanh(x):
    """x clipped to [-1, 1].

    Example:
    >>> hard_tanh([-2.0, 0.5, 2.0]).numpy()
    array([-1. ,  0.5,  1. ], dtype=float32)
    """
    return ops.clip(_float(x), -1.0, 1.0)


@keras_export("keras.activations.hard_shrink")
def hard_shrink(x, threshold: float = 0.5):
    """x where |x| > threshold, else 0.

    Example:
    >>> hard_shrink([-1.0, 0.2, 1.0]).numpy()
    array([-1.,  0.,  1.], dtype=float32)
    """
    x = _float(x)
    return ops.where(ops.greater(ops.abs(x), threshold), x, 0.0)


@keras_export("keras.activations.soft_shrink")
def soft_shrink(x, threshold: float = 0.5):
    """x - threshold above threshold, x + threshold below -threshold, else 0.

    Example:
    >>> soft_shrink([-1.0, 0.2, 1.0]).numpy()
    array([-0.5,  0. ,  0.5], dtype=float32)
    """
    x = _float(x)
    return ops.subtract(ops.relu(ops.subtract(x, threshold)),
                        ops.relu(ops.subtract(ops.negative(x), threshold)))


@keras_export("keras.activations.tanh_shrink")
def tanh_shrink(x):
    """x - tanh(x).

    Example:
    >>> tanh_shrink([0.0]).numpy()
    array([0.], dtype=float32)
    """
    x = _float(x)
    return ops.subtract(x, ops.tanh(x))


@keras_export("keras.activations.sparse_plus")
def sparse_plus(x):
    """0 for x <= -1, (x + 1)**2 / 4 for -1 < x < 1, x for x >= 1.

    Example:
    >>> sparse_plus([-2.0, 0.0, 2.0]).numpy()
    array([0.  , 0.25, 2.  ], dtype=float32)
    """
    x = _float(x)
    mid = ops.multiply(ops.square(ops.add(ops.clip(x, -1.0, 1.0), 1.0)), 0.25)
    return ops.where(ops.greater_equal(x, 1.0), x, mid)


@keras_export("keras.activations.squareplus")
def squareplus(x, b: float = 4.0):
    """(x + sqrt(x**2 + b)) / 2, a smooth ReLU.

    Example:
    >>> squareplus([0.0]).numpy()
    array([1.], dtype=float32)
    """
    x = _float(x)
    return ops.multiply(ops.add(x, ops.sqrt(ops.add(ops.square(x), float(b)))), 0.5)


@keras_export("keras.activations.threshold")
def threshold(x, threshold: float, default_value: float):
    """x where x > threshold, else default_value.

    Example:
    >>> threshold([-1.0, 2.0], 0.0, -5.0).numpy()
    array([-5.,  2.], dtype=float32)
    """
    x = _float(x)
    return ops.where(ops.greater(x, threshold), x, float(default_value))


@keras_export("keras.activations.mish")
def mish(x):
    """x * tanh(softplus(x)).

    Example:
    >>> mish([0.0]).numpy()
    array([0.], dtype=float32)
    """
    x = _float(x)
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


@keras_export("keras.activations.log_sigmoid")
def log_sigmoid(x):
    """log(sigmoid(x)), computed without overflow.

    Example:
    >>> log_sigmoid([0.0]).numpy()  # [-0.6931]
    """
    return ops.log_sigmoid(_float(x))


@keras_export("keras.activations.exponential")
def exponential(x):
    """exp(x).

    Example:
    >>> exponential([0.0]).numpy()
    array([1.], dtype=float32)
    """
    return ops.exp(_float(x))


@keras_export("keras.activations.linear")
def linear(x):
    """The identity: returns `x` unchanged.

    Example:
    >>> linear(3.0)
    3.0
    """
    return x
