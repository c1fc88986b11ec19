"""keras.random: samplers on the native Philox generator (csrc/kernels/random.cc).

Each function takes `seed`: an int (same numbers on every call), a
`SeedGenerator` (new numbers on every call, reproducible as a sequence) or None
(the global generator, see `lamina.utils.set_random_seed`). Results depend only on
the seed, shape, dtype and parameters, never on the number of threads.
"""

from __future__ import annotations

from lamina.backend import dtypes
from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.native import _core
from lamina.backend.tensor import Tensor
from lamina.ops.core import cast, convert_to_tensor
from lamina.ops.primitive import Primitive
from lamina.random.seed_generator import draw_seed, seed_pair, seed_tensor

__all__ = [
    "normal", "uniform", "truncated_normal", "randint", "dropout", "shuffle", "categorical",
]


def _shape(shape, op: str) -> tuple:
    if isinstance(shape, int):
        shape = (shape,)
    try:
        shape = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: shape must be an int or a sequence of ints, got {shape!r}") from None
    return shape


def _code(dtype, op: str) -> int:
    try:
        return dtypes.DTYPE_CODES[dtypes.standardize_dtype(dtype)]
    except TypeError as e:
        raise TypeError(f"{op}: {e}") from None


def _float_input(x) -> Tensor:
    x = convert_to_tensor(x) if not isinstance(x, (Tensor, KerasTensor)) else x
    return x if dtypes.is_float(x.dtype) else cast(x, dtypes.FLOATX)


class Sampler(Primitive):
    """A seeded sampler: its only input is the seed pair (an int Tensor of shape
    (2,)), so a compiled step draws fresh numbers every step. Not differentiable."""

    differentiable = False

    def __init__(self, name: str, kernel: str):
        super().__init__()
        self.name = name
        self._kernel = kernel

    def impl(self, seed, shape, code, a, b):
        return getattr(_core, self._kernel)(shape, code, a, b, *seed_pair(seed))

    def compute_output_spec(self, seed, shape, code, a, b):
        return KerasTensor(shape, dtypes.SUPPORTED[code])


_NORMAL = Sampler("random_normal", "random_normal")
_UNIFORM = Sampler("random_uniform", "random_uniform")
_TRUNCATED_NORMAL = Sampler("random_truncated_normal", "random_truncated_normal")
_RANDINT = Sampler("random_randint", "random_randint")


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    """Samples from a normal distribution (float32 unless `dtype`).

    Example:
    >>> lamina.random.normal((2, 3), seed=1).shape
    (2, 3)
    """
    shape = _shape(shape, "normal")
    code = _code(dtype, "normal")
    return _NORMAL.bind(seed_tensor(seed, "normal"), shape=shape, code=code, a=float(mean),
                        b=float(stddev))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None) -> Tensor:
    """Samples uniformly from [minval, maxval) (maxval itself never occurs).

    Example:
    >>> x = lamina.random.uniform((1000,), minval=-1.0, maxval=1.0, seed=0)
    >>> bool((x >= -1.0).numpy().all() and (x < 1.0).numpy().all())
    True
    """
    shape = _shape(shape, "uniform")
    code = _code(dtype, "uniform")
    return _UNIFORM.bind(seed_tensor(seed, "uniform"), shape=shape, code=code, a=float(minval),
                         b=float(maxval))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    """Normal samples, with values more than two standard deviations from the mean
    re-drawn.

    Example:
    >>> x = lamina.random.truncated_normal((1000,), stddev=0.5, seed=0)
    >>> bool((abs(x) <= 1.0).numpy().all())
    True
    """
    shape = _shape(shape, "truncated_normal")
    code = _code(dtype, "truncated_normal")
    return _TRUNCATED_NORMAL.bind(seed_tensor(seed, "truncated_normal"), shape=shape, code=code,
                                  a=float(mean), b=float(stddev))


def randint(shape, minval, maxval, dtype="int32", seed=None) -> Tensor:
    """Uniform integers in [minval, maxval), without modulo bias.

    Example:
    >>> lamina.random.randint((5,), 0, 10, seed=3).dtype
    'int32'
    """
    shape = _shape(shape, "randint")
    code = _code(dtype, "randint")
    lo, hi = int(minval), int(maxval)
    if not (-(2**63) <= lo < 2**63 and -(2**63) <= hi < 2**63):
        raise ValueError(f"randint: minval and maxval must fit in int64, got {lo} and {hi}")
    return _RANDINT.bind(seed_tensor(seed, "randint"), shape=shape, code=code, a=lo, b=hi)


class Dropout(Primitive):
    """inputs * keep / (1 - rate). The keep flags are a pure function of the seed
    pair, so the VJP re-applies the same dropout to the cotangent."""

    name = "dropout"

    def impl(self, x, seed, rate, noise_shape):
        return _core.random_dropout(x, rate, noise_shape, *seed_pair(seed))

    def compute_output_spec(self, x, seed, rate, noise_shape):
        return KerasTensor(x.shape, x.dtype)

    def vjp(self, inputs, output, g, rate, noise_shape):
        g = cast(g, inputs[0].dtype)
        return (self.bind(g, inputs[1], rate=rate, noise_shape=noise_shape), None)


_DROPOUT = Dropout()


def _noise_shape(noise_shape, shape: tuple):
    if noise_shape is None:
        return None
    ns = list(noise_shape)
    if len(ns) == len(shape):  # None entries take the inputs' dimension (Keras)
        ns = [shape[i] if d is None else d for i, d in enumerate(ns)]
    return _shape(ns, "dropout")


def dropout(inputs, rate, noise_shape=None, seed=None) -> Tensor:
    """Zeroes each element with probability `rate` and scales the rest by
    1 / (1 - rate). `noise_shape` (broadcast against the inputs) shares one keep
    flag along its size-1 dimensions. Differentiable: the gradient is
    g * keep / (1 - rate).

    Example:
    >>> y = lamina.random.dropout(lamina.ops.ones((2, 4)), rate=0.5, seed=0)
    >>> sorted(set(y.numpy().ravel().tolist())) in ([0.0, 2.0], [0.0], [2.0])
    True
    """
    x = _float_input(inputs)
    rate = float(rate)
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate}")
    ns = _noise_shape(noise_shape, tuple(x.shape))
    return _DROPOUT.bind(x, seed_tensor(seed, "dropout"), rate=rate, noise_shape=ns)


def _dropout_mask(shape, rate, seed) -> Tensor:
    """The bool keep flags `dropout` uses for this noise shape, rate and seed (an
    int or a seed pair); for tests and for layers that need the mask itself."""
    s = seed if isinstance(seed, tuple) else draw_seed(seed, "dropout")
    return Tensor(_core.random_dropout_mask(_shape(shape, "dropout"), float(rate), *s))


class Shuffle(Primitive):
    """Slices along `axis` permuted by a seeded Fisher-Yates shuffle; the VJP undoes
    the permutation (`inverse=True`)."""

    name = "shuffle"

    def impl(self, x, axis, seed, inverse=False):
        return _core.random_shuffle(x, axis, seed[0], seed[1], inverse)

    def compute_output_spec(self, x, axis, seed, inverse=False):
        return KerasTensor(x.shape, x.dtype)

    def vjp(self, inputs, output, g, axis, seed, inverse=False):
        return (self.bind(g, axis=axis, seed=seed, inverse=not inverse),)


_SHUFFLE = Shuffle()


def shuffle(x, axis=0, seed=None) -> Tensor:
    """Shuffles `x` along `axis`: whole slices move together, every slice once.

    Example:
    >>> y = lamina.random.shuffle(lamina.ops.arange(5), seed=0)
    >>> sorted(y.tolist())
    [0, 1, 2, 3, 4]
    """
    x = convert_to_tensor(x) if not isinstance(x, (Tensor, KerasTensor)) else x
    s = draw_seed(seed, "shuffle")
    return _SHUFFLE.bind(x, axis=int(axis), seed=s)


def categorical(logits, num_samples, dtype="int32", seed=None) -> Tensor:
    """Draws `num_samples` class indices per row of 2-D `logits` (batch,
    num_classes) from softmax(logits); returns shape (batch, num_samples).

    Example:
    >>> logits = lamina.ops.convert_to_tensor([[0.0, -float("inf")]])
    >>> lamina.random.categorical(logits, 3, seed=0).tolist()
    [[0, 0, 0]]
    """
    x = _float_input(logits)
    code = _code(dtype, "categorical")
    s = draw_seed(seed, "categorical")
    return Tensor(_core.random_categorical(x._value, int(num_samples), code, *s))
