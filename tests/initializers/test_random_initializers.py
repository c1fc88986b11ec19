"""Random initializers: statistics against Keras's formulas, seeding semantics,
Orthogonal's orthogonality, configs and get/serialize/deserialize."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import assert_close

import lamina.random
import lamina.utils
from lamina import initializers
from lamina.initializers import compute_fans
from lamina.saving import serialize_keras_object

TRUNC = 0.87962566103423978


@pytest.mark.parametrize("shape,fans", [
    ((), (1, 1)), ((7,), (7, 7)), ((3, 5), (3, 5)),
    ((3, 16, 32), (48, 96)), ((3, 3, 16, 32), (144, 288)), ((2, 3, 3, 4, 5), (72, 90)),
])
def test_compute_fans(shape, fans):
    assert compute_fans(shape) == fans


def test_random_normal_uniform_truncated_stats():
    shape = (200, 300)
    x = initializers.RandomNormal(mean=1.0, stddev=2.0, seed=3)(shape).numpy()
    assert x.shape == shape and x.dtype == np.float32
    assert abs(x.mean() - 1.0) < 0.05 and abs(x.std() - 2.0) < 0.05

    u = initializers.RandomUniform(minval=-1.0, maxval=3.0, seed=3)(shape).numpy()
    assert u.min() >= -1.0 and u.max() < 3.0
    assert abs(u.mean() - 1.0) < 0.03 and abs(u.std() - 4 / math.sqrt(12)) < 0.03

    t = initializers.TruncatedNormal(mean=0.5, stddev=0.1, seed=3)(shape).numpy()
    assert np.abs(t - 0.5).max() <= 0.2 + 1e-6
    assert abs(t.mean() - 0.5) < 0.005 and abs(t.std() - 0.1 * TRUNC) < 0.003


def test_defaults_keras():
    assert initializers.RandomNormal().get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    assert initializers.RandomUniform().get_config() == {"minval": -0.05, "maxval": 0.05,
                                                         "seed": None}
    assert initializers.TruncatedNormal().get_config() == {"mean": 0.0, "stddev": 0.05,
                                                           "seed": None}
    assert initializers.VarianceScaling().get_config() == {
        "scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal", "seed": None}
    assert initializers.OrthogonalInitializer().get_config() == {"gain": 1.0, "seed": None}


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["uniform", "truncated_normal", "untruncated_normal"])
@pytest.mark.parametrize("shape", [(150, 400), (3, 3, 40, 24)])
def test_variance_scaling_statistics(mode, distribution, shape):
    scale = 2.0
    init = initializers.VarianceScaling(scale=scale, mode=mode, distribution=distribution, seed=7)
    x = init(shape).numpy()
    assert x.shape == shape and x.dtype == np.float32
    fan_in, fan_out = compute_fans(shape)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    std = math.sqrt(scale / fan)
    assert abs(x.std() / std - 1) < 0.03, (x.std(), std)
    assert abs(x.mean()) < 0.03 * std
    if distribution == "uniform":
        limit = math.sqrt(3 * scale / fan)
        assert np.abs(x).max() <= limit and np.abs(x).max() > 0.99 * limit
    elif distribution == "truncated_normal":
        assert np.abs(x).max() <= 2 * std / TRUNC * (1 + 1e-6)
    else:
        assert np.abs(x).max() > 2 * std / TRUNC  # not truncated


def test_variance_scaling_normal_alias_and_float64():
    init = initializers.VarianceScaling(distribution="Normal", seed=1)
    assert init.distribution == "truncated_normal"
    assert init((4, 4), dtype="float64").dtype == "float64"


@pytest.mark.parametrize("cls,scale,mode,dist", [
    (initializers.GlorotUniform, 1.0, "fan_avg", "uniform"),
    (initializers.GlorotNormal, 1.0, "fan_avg", "truncated_normal"),
    (initializers.HeUniform, 2.0, "fan_in", "uniform"),
    (initializers.HeNormal, 2.0, "fan_in", "truncated_normal"),
    (initializers.LecunUniform, 1.0, "fan_in", "uniform"),
    (initializers.LecunNormal, 1.0, "fan_in", "truncated_normal"),
])
def test_named_variance_scaling(cls, scale, mode, dist):
    shape = (30, 50)
    a = cls(seed=11)(shape)
    b = initializers.VarianceScaling(scale=scale, mode=mode, distribution=dist, seed=11)(shape)
    assert_close(a, b, rtol=0, atol=0)
    assert cls(seed=11).get_config() == {"seed": 11}
    s = serialize_keras_object(cls())
    assert s == {"module": "keras.initializers", "class_name": cls.__name__,
                 "config": {"seed": None}, "registered_name": None}


def test_glorot_uniform_bound():
    x = initializers.GlorotUniform(seed=0)((100, 300)).numpy()
    limit = math.sqrt(6 / 400)
    assert np.abs(x).max() <= limit and np.abs(x).max() > 0.99 * limit


# ------------------------------------------------------------------ seeding
ALL_RANDOM = [
    lambda seed: initializers.RandomNormal(seed=seed),
    lambda seed: initializers.RandomUniform(seed=seed),
    lambda seed: initializers.TruncatedNormal(seed=seed),
    lambda seed: initializers.VarianceScaling(seed=seed),
    lambda seed: initializers.GlorotUniform(seed=seed),
    lambda seed: initializers.HeNormal(seed=seed),
    lambda seed: initializers.OrthogonalInitializer(seed=seed),
]


@pytest.mark.parametrize("make", ALL_RANDOM)
def test_int_seed_deterministic(make):
    a = make(5)((8, 6)).numpy()
    assert_close(make(5)((8, 6)), a, rtol=0, atol=0)
    init = make(5)
    assert_close(init((8, 6)), init((8, 6)), rtol=0, atol=0)  # same values on each call
    assert not np.array_equal(make(6)((8, 6)).numpy(), a)


@pytest.mark.parametrize("make", ALL_RANDOM)
def test_unseeded_follows_global_seed(make):
    lamina.utils.set_random_seed(123)
    a = make(None)((8, 6)).numpy()
    b = make(None)((8, 6)).numpy()
    assert not np.array_equal(a, b)  # two unseeded initializers differ
    lamina.utils.set_random_seed(123)
    assert_close(make(None)((8, 6)), a, rtol=0, atol=0)
    init = make(None)
    assert_close(init((8, 6)), init((8, 6)), rtol=0, atol=0)  # Keras: unseeded repeats too


@pytest.mark.parametrize("make", ALL_RANDOM)
def test_seed_generator_gives_new_values(make):
    init = make(lamina.random.SeedGenerator(9))
    a, b = init((8, 6)).numpy(), init((8, 6)).numpy()
    assert not np.array_equal(a, b)
    again = make(lamina.random.SeedGenerator(9))
    assert_close(again((8, 6)), a, rtol=0, atol=0)


@pytest.mark.parametrize("bad", ["abc", 1.5, True, [1]])
def test_bad_seed(bad):
    with pytest.raises(ValueError, match="`seed` argument should be"):
        initializers.RandomNormal(seed=bad)


def test_variance_scaling_argument_errors():
    with pytest.raises(ValueError, match="`scale` must be positive"):
        initializers.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match="Invalid `mode` argument: 'fan'"):
        initializers.VarianceScaling(mode="fan")
    with pytest.raises(ValueError, match="Invalid `distribution` argument: 'cauchy'"):
        initializers.VarianceScaling(distribution="cauchy")


def test_int_dtype_refused():
    with pytest.raises(ValueError, match="floating-point dtype, got dtype=int32"):
        initializers.GlorotUniform(seed=1)((2, 2), dtype="int32")


# --------------------------------------------------------------- orthogonal
@pytest.mark.parametrize("shape", [(5, 5), (40, 12), (12, 40), (3, 3, 8, 16), (3, 3, 4, 64),
                                   (1, 7), (7, 1)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_orthogonal_is_orthogonal(shape, dtype):
    gain = 1.5
    w = initializers.OrthogonalInitializer(gain=gain, seed=4)(shape, dtype=dtype)
    assert w.shape == shape and w.dtype == dtype
    m = w.numpy().reshape(-1, shape[-1]) / gain
    rows, cols = m.shape
    gram = m.T @ m if rows >= cols else m @ m.T
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-5)


def test_orthogonal_matches_sign_corrected_qr():
    # Q of the QR of the same normal draw, with columns flipped so diag(R) > 0.
    a = lamina.random.normal((9, 4), seed=21).numpy().astype(np.float64)
    q, r = np.linalg.qr(a)
    expected = q * np.sign(np.diag(r))
    got = initializers.OrthogonalInitializer(seed=21)((9, 4)).numpy()
    np.testing.assert_allclose(got, expected, atol=2e-6)
    wide = initializers.OrthogonalInitializer(seed=21)((4, 9)).numpy()
    np.testing.assert_allclose(wide, expected.T, atol=2e-6)


def test_orthogonal_rank_error():
    with pytest.raises(ValueError, match="at least two-dimensional.*rank 1"):
        initializers.OrthogonalInitializer()((4,))


def test_orthogonal_serialization_uses_keras_class_name():
    s = serialize_keras_object(initializers.Orthogonal(gain=2.0, seed=3))
    assert s == {"module": "keras.initializers", "class_name": "OrthogonalInitializer",
                 "config": {"gain": 2.0, "seed": 3}, "registered_name": None}
    back = initializers.deserialize(s)
    assert isinstance(back, initializers.OrthogonalInitializer)
    assert_close(back((4, 4)), initializers.Orthogonal(gain=2.0, seed=3)((4, 4)), rtol=0, atol=0)
    # Keras 2 files call it "Orthogonal".
    old = {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": None}}
    assert isinstance(initializers.deserialize(old), initializers.OrthogonalInitializer)


def test_seed_generator_config_round_trip():
    init = initializers.GlorotUniform(seed=lamina.random.SeedGenerator(3))
    s = initializers.serialize(init)
    assert s["config"]["seed"]["class_name"] == "SeedGenerator"
    back = initializers.deserialize(s)
    assert isinstance(back.seed, lamina.random.SeedGenerator)
    fresh = initializers.GlorotUniform(seed=lamina.random.SeedGenerator(3))
    assert_close(back((4, 4)), fresh((4, 4)), rtol=0, atol=0)
