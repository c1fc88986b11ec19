"""Random initializers: RandomNormal, RandomUniform, TruncatedNormal,
VarianceScaling and its named variants (Glorot, He, Lecun), OrthogonalInitializer.

Seeding follows Keras 3: an int seed, or None (an int then drawn once from
Python's `random`, so `lamina.utils.set_random_seed` makes it reproducible), gives
the same values on every call of the same initializer; a
`lamina.random.SeedGenerator` gives new values on each call.
"""

from __future__ import annotations

import math

import numpy as np

from lamina import ops
from lamina.api_export import keras_export
from lamina.backend.native import _core
from lamina.initializers._shape import float_dtype, standardize_shape
from lamina.initializers.initializer import Initializer
from lamina.saving import serialization_lib

# The standard deviation of a standard normal truncated to [-2, 2]: dividing by it
# makes the truncated samples have the intended standard deviation.
_TRUNCATED_NORMAL_STDDEV = 0.87962566103423978


def _random():
    # Imported on use: lamina.random sits beside this package in the import order.
    from lamina import random

    return random


def compute_fans(shape) -> tuple[int, int]:
    """Keras's (fan_in, fan_out) of a weight shape: scalars 1, vectors their
    length, matrices (rows, cols), conv kernels (..., in, out) scaled by the
    receptive field (the product of the leading dimensions).

    Example:
    >>> compute_fans((3, 3, 16, 32))
    (144, 288)
    """
    shape = tuple(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    receptive_field = math.prod(shape[:-2])
    return int(shape[-2] * receptive_field), int(shape[-1] * receptive_field)


class RandomInitializer(Initializer):
    """The base of seeded initializers: validates and stores `seed`."""

    def __init__(self, seed=None):
        random = _random()
        self._init_seed = seed
        if seed is None:
            seed = random.seed_generator.make_default_seed()
        elif isinstance(seed, dict):  # a serialized SeedGenerator
            seed = serialization_lib.deserialize_keras_object(
                seed, custom_objects={"SeedGenerator": random.SeedGenerator})
        elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer, random.SeedGenerator)):
            raise ValueError(
                "`seed` argument should be an instance of `lamina.random.SeedGenerator` or an "
                f"integer. Received: seed={seed!r}"
            )
        self.seed = seed

    def get_config(self) -> dict:
        return {"seed": serialization_lib.serialize_keras_object(self._init_seed)}


@keras_export("keras.initializers.RandomNormal", "keras.initializers.random_normal")
class RandomNormal(RandomInitializer):
    """Samples from a normal distribution N(mean, stddev**2).

    Example:
    >>> RandomNormal(mean=0.0, stddev=1.0, seed=1)((2, 2)).shape
    (2, 2)
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return _random().normal(standardize_shape(shape, "RandomNormal"), mean=self.mean,
                                stddev=self.stddev, dtype=float_dtype(dtype, "RandomNormal"),
                                seed=self.seed)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


@keras_export("keras.initializers.TruncatedNormal", "keras.initializers.truncated_normal")
class TruncatedNormal(RandomInitializer):
    """Samples from N(mean, stddev**2), re-drawing values more than two standard
    deviations from the mean.

    Example:
    >>> TruncatedNormal(stddev=1.0, seed=1)((3,)).shape
    (3,)
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return _random().truncated_normal(
            standardize_shape(shape, "TruncatedNormal"), mean=self.mean, stddev=self.stddev,
            dtype=float_dtype(dtype, "TruncatedNormal"), seed=self.seed)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


@keras_export("keras.initializers.RandomUniform", "keras.initializers.random_uniform")
class RandomUniform(RandomInitializer):
    """Samples uniformly from [minval, maxval).

    Example:
    >>> RandomUniform(minval=0.0, maxval=1.0, seed=1)((2,)).shape
    (2,)
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return _random().uniform(standardize_shape(shape, "RandomUniform"), minval=self.minval,
                                 maxval=self.maxval, dtype=float_dtype(dtype, "RandomUniform"),
                                 seed=self.seed)

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("uniform", "truncated_normal", "untruncated_normal")


@keras_export("keras.initializers.VarianceScaling", "keras.initializers.variance_scaling")
class VarianceScaling(RandomInitializer):
    """Samples with a variance of `scale / n`, n the fan given by `mode`
    ("fan_in", "fan_out" or "fan_avg", see `compute_fans`).

    `distribution`: "truncated_normal" (stddev sqrt(scale / n) after truncation),
    "untruncated_normal", or "uniform" in [-limit, limit] with
    limit = sqrt(3 * scale / n).

    Example:
    >>> init = VarianceScaling(scale=2.0, mode="fan_in", distribution="uniform", seed=0)
    >>> init((64, 32)).shape  # uniform in [-0.25, 0.25]
    (64, 32)
    """

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed=None):
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not scale > 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale!r}")
        if mode not in _MODES:
            raise ValueError(f"Invalid `mode` argument: {mode!r}. Expected one of "
                             f"{list(_MODES)}.")
        if not isinstance(distribution, str):
            raise ValueError(f"Invalid `distribution` argument: {distribution!r}. Expected one "
                             f"of {list(_DISTRIBUTIONS)}.")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in _DISTRIBUTIONS:
            raise ValueError(f"Invalid `distribution` argument: {distribution!r}. Expected one "
                             f"of {list(_DISTRIBUTIONS)}.")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        who = type(self).__name__
        shape = standardize_shape(shape, who)
        dtype = float_dtype(dtype, who)
        fan_in, fan_out = compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, fan)
        random = _random()
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(scale) / _TRUNCATED_NORMAL_STDDEV
            return random.truncated_normal(shape, mean=0.0, stddev=stddev, dtype=dtype,
                                           seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random.normal(shape, mean=0.0, stddev=math.sqrt(scale), dtype=dtype,
                                 seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return random.uniform(shape, minval=-limit, maxval=limit, dtype=dtype, seed=self.seed)

    def get_config(self) -> dict:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                **super().get_config()}


class _NamedVarianceScaling(VarianceScaling):
    """A VarianceScaling with fixed arguments; its config holds only the seed."""

    _ARGS: dict = {}

    def __init__(self, seed=None):
        super().__init__(seed=seed, **self._ARGS)

    def get_config(self) -> dict:
        return {"seed": serialization_lib.serialize_keras_object(self._init_seed)}


@keras_export("keras.initializers.GlorotUniform", "keras.initializers.glorot_uniform")
class GlorotUniform(_NamedVarianceScaling):
    """Glorot (Xavier) uniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)).

    Example:
    >>> GlorotUniform(seed=0)((3, 3)).shape
    (3, 3)
    """

    _ARGS = {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform"}


@keras_export("keras.initializers.GlorotNormal", "keras.initializers.glorot_normal")
class GlorotNormal(_NamedVarianceScaling):
    """Glorot (Xavier) normal: truncated normal, stddev sqrt(2 / (fan_in + fan_out)).

    Example:
    >>> GlorotNormal(seed=0)((3, 3)).shape
    (3, 3)
    """

    _ARGS = {"scale": 1.0, "mode": "fan_avg", "distribution": "truncated_normal"}


@keras_export("keras.initializers.LecunNormal", "keras.initializers.lecun_normal")
class LecunNormal(_NamedVarianceScaling):
    """LeCun normal: truncated normal, stddev sqrt(1 / fan_in).

    Example:
    >>> LecunNormal(seed=0)((3, 3)).shape
    (3, 3)
    """

    _ARGS = {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}


@keras_export("keras.initializers.LecunUniform", "keras.initializers.lecun_uniform")
class LecunUniform(_NamedVarianceScaling):
    """LeCun uniform: U(-limit, limit), limit = sqrt(3 / fan_in).

    Example:
    >>> LecunUniform(seed=0)((3, 3)).shape
    (3, 3)
    """

    _ARGS = {"scale": 1.0, "mode": "fan_in", "distribution": "uniform"}


@keras_export("keras.initializers.HeNormal", "keras.initializers.he_normal")
class HeNormal(_NamedVarianceScaling):
    """He normal: truncated normal, stddev sqrt(2 / fan_in).

    Example:
    >>> HeNormal(seed=0)((3, 3)).shape
    (3, 3)
    """

    _ARGS = {"scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal"}


@keras_export("keras.initializers.HeUniform", "keras.initializers.he_uniform")
class HeUniform(_NamedVarianceScaling):
    """He uniform: U(-limit, limit), limit = sqrt(6 / fan_in).

    Example:
    >>> HeUniform(seed=0)((3, 3)).shape
    (3, 3)
    """

    _ARGS = {"scale": 2.0, "mode": "fan_in", "distribution": "uniform"}


def _qr(x):
    """Reduced QR of a 2-D float Tensor by the native LAPACK kernel: (q, r) Tensors."""
    q, r = _core.qr(np.asarray(x))
    return ops.convert_to_tensor(q), ops.convert_to_tensor(r)


@keras_export("keras.initializers.OrthogonalInitializer", "keras.initializers.Orthogonal",
              "keras.initializers.orthogonal")
class OrthogonalInitializer(RandomInitializer):
    """Generates a (semi-)orthogonal matrix times `gain`: the Q of the QR of a
    normal matrix, with signs fixed by diag(R) so the result is uniformly
    distributed. Shapes of rank > 2 are flattened to
    (prod(shape[:-1]), shape[-1]); the result has orthonormal columns when it has
    at least as many rows as columns, else orthonormal rows.

    Example:
    >>> w = OrthogonalInitializer(seed=0)((4, 4)).numpy()
    >>> bool(abs(w.T @ w - np.eye(4)).max() < 1e-5)
    True
    """

    def __init__(self, gain: float = 1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "OrthogonalInitializer")
        dtype = float_dtype(dtype, "OrthogonalInitializer")
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        rows = math.prod(shape[:-1])
        cols = shape[-1]
        a = _random().normal((max(rows, cols), min(rows, cols)), dtype=dtype, seed=self.seed)
        q, r = _qr(a)
        # Make the factorization unique (diag(R) > 0), so Q is Haar-distributed.
        signs = ops.sign(ops.convert_to_tensor(np.diagonal(np.asarray(r))))
        q = ops.multiply(q, ops.where(ops.equal(signs, 0.0), 1.0, signs))
        if rows < cols:
            q = ops.transpose(q)
        q = ops.reshape(q, shape)
        return q if self.gain == 1 else ops.multiply(q, float(self.gain))

    def get_config(self) -> dict:
        return {"gain": self.gain, **super().get_config()}


Orthogonal = OrthogonalInitializer
