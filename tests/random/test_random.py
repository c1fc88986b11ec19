"""lamina.random and lamina.utils.set_random_seed: reproducibility, statistics
(NumPy references and standard tests at roughly 5-sigma tolerances), dtypes,
errors, SeedGenerator semantics and gradients of dropout/shuffle."""

from __future__ import annotations

import math
import os
import random as python_random
import subprocess
import sys

import numpy as np
import pytest

import lamina
from lamina import _core, ops
from lamina import random as lrandom
from lamina import utils as lutils

N = 1_000_000
SRC = os.path.dirname(os.path.dirname(os.path.abspath(lamina.__file__)))


def arr(t) -> np.ndarray:
    return np.asarray(t)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


def ks_statistic(sample: np.ndarray, cdf) -> float:
    """sqrt(n) * the Kolmogorov-Smirnov distance to `cdf` (< 1.95 at p = 0.001)."""
    x = np.sort(np.asarray(sample, np.float64))
    n = x.size
    f = cdf(x)
    d = max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(n) / n))
    return math.sqrt(n) * d


def chi2_ok(counts: np.ndarray, expected: np.ndarray) -> bool:
    """Pearson's chi-square below mean + 5 standard deviations (df + 5*sqrt(2 df))."""
    chi2 = float(np.sum((counts - expected) ** 2 / expected))
    df = counts.size - 1
    return chi2 < df + 5 * math.sqrt(2 * df)


# ------------------------------------------------------------------- Philox
@pytest.mark.parametrize("counter,key,expected", [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
])
def test_philox_known_answers(counter, key, expected):
    # Random123's published known-answer vectors for Philox-4x32-10.
    assert _core.philox4x32(*counter, *key) == expected


M32 = 0xFFFFFFFF


def philox_words(seed: int, nblocks: int) -> np.ndarray:
    """The raw words the samplers use for an int seed: key = Philox of the (seed,
    stream=0) pair, then block b = Philox(counter (b, 0, 0, 0), key)."""
    k = _core.philox4x32(0, 0, 0, 0x5EED5EED, seed & M32, seed >> 32)[:2]
    return np.array([_core.philox4x32(b & M32, b >> 32, 0, 0, *k) for b in range(nblocks)],
                    dtype=np.uint64)


def test_samplers_match_reference_algorithms():
    w = philox_words(9, 64)
    flat = w.ravel()
    # uniform: float32 from the top 24 bits of a word, float64 from 53 bits of two.
    np.testing.assert_array_equal(arr(lrandom.uniform((256,), seed=9)),
                                  (flat >> 8).astype(np.float64) * 2.0**-24)
    u53 = ((w[:, 1::2] << 32 | w[:, 0::2]) >> 11).astype(np.float64).ravel() * 2.0**-53
    np.testing.assert_array_equal(arr(lrandom.uniform((128,), dtype="float64", seed=9)), u53)
    # randint over a power-of-two range: the high word of w * r (no rejection).
    np.testing.assert_array_equal(arr(lrandom.randint((256,), 0, 1024, seed=9)),
                                  (flat * 1024) >> 32)
    # normal float32: Box-Muller on word pairs, u1 = (w_a >> 1 + 1/2) / 2^31, u2 = w_b / 2^32.
    a = (flat[0::2] >> 1).astype(np.float64)
    r = np.sqrt(-2.0 * np.log((a + 0.5) * 2.0**-31))
    theta = 2 * np.pi * flat[1::2].astype(np.float64) * 2.0**-32
    ref = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1).ravel()
    np.testing.assert_allclose(arr(lrandom.normal((256,), seed=9)), ref, rtol=2e-6, atol=2e-6)
    # normal float64: one pair per block from 53-bit uniforms.
    u1 = 1.0 - u53[0::2]
    t2 = 2 * np.pi * u53[1::2]
    ref64 = np.stack([np.sqrt(-2 * np.log(u1)) * np.cos(t2),
                      np.sqrt(-2 * np.log(u1)) * np.sin(t2)], axis=1).ravel()
    np.testing.assert_allclose(arr(lrandom.normal((128,), dtype="float64", seed=9)), ref64,
                               rtol=1e-12, atol=1e-12)


# -------------------------------------------------------------- reproducible
SAMPLERS = {
    "normal": lambda seed, shape=(7, 5): lrandom.normal(shape, seed=seed),
    "uniform": lambda seed, shape=(7, 5): lrandom.uniform(shape, seed=seed),
    "truncated_normal": lambda seed, shape=(7, 5): lrandom.truncated_normal(shape, seed=seed),
    "randint": lambda seed, shape=(7, 5): lrandom.randint(shape, 0, 1000, seed=seed),
    "dropout": lambda seed, shape=(7, 5): lrandom.dropout(ops.ones(shape), 0.5, seed=seed),
    "shuffle": lambda seed, shape=(7, 5): lrandom.shuffle(
        ops.arange(int(np.prod(shape))), seed=seed),
    "categorical": lambda seed, shape=(7, 5): lrandom.categorical(ops.zeros((shape[0], 10)),
                                                                  shape[1], seed=seed),
}


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_int_seed_is_stateless_and_seeds_differ(name):
    f = SAMPLERS[name]
    a, b, c = arr(f(1)), arr(f(1)), arr(f(2))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c), f"{name}: seeds 1 and 2 gave the same numbers"


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_seed_generator_advances_and_replays(name):
    f = SAMPLERS[name]
    gen = lrandom.SeedGenerator(7)
    first, second = arr(f(gen)), arr(f(gen))
    assert not np.array_equal(first, second), f"{name}: a SeedGenerator repeated itself"
    gen2 = lrandom.SeedGenerator(7)
    np.testing.assert_array_equal(arr(f(gen2)), first)
    np.testing.assert_array_equal(arr(f(gen2)), second)


def test_seed_generator_state():
    gen = lrandom.SeedGenerator(123)
    assert gen.state.dtype == "int64" and gen.state.shape == (2,)
    assert arr(gen.state).tolist() == [123, 0]
    drawn = gen.next()
    assert arr(drawn).tolist() == [123, 0]
    assert arr(gen.state).tolist() == [123, 1]
    # A drawn state is itself a valid seed, and an int seed is the generator's first state.
    np.testing.assert_array_equal(arr(lrandom.normal((4,), seed=drawn)),
                                  arr(lrandom.normal((4,), seed=123)))
    assert lrandom.SeedGenerator.from_config(gen.get_config()).get_config() == gen.get_config()


def test_seed_generator_bad_seed():
    with pytest.raises(ValueError, match="SeedGenerator: seed must be an int"):
        lrandom.SeedGenerator("abc")
    with pytest.raises(ValueError, match="normal: seed must be None, an int or a SeedGenerator"):
        lrandom.normal((2,), seed=1.5)


def test_unseeded_calls_differ():
    a = arr(lrandom.normal((16,)))
    b = arr(lrandom.normal((16,)))
    assert not np.array_equal(a, b)


def test_large_and_negative_int_seeds():
    a = arr(lrandom.uniform((8,), seed=-1))
    np.testing.assert_array_equal(a, arr(lrandom.uniform((8,), seed=2**64 - 1)))
    assert not np.array_equal(a, arr(lrandom.uniform((8,), seed=2**63)))


def test_prefix_property_of_counter_layout():
    # Element i is derived from its index alone, so a longer fill extends a shorter one.
    for f in (lrandom.normal, lrandom.uniform, lrandom.truncated_normal):
        for dtype in ("float32", "float64"):
            long = arr(f((100_003,), dtype=dtype, seed=5))
            short = arr(f((11,), dtype=dtype, seed=5))
            np.testing.assert_array_equal(long[:11], short)
    np.testing.assert_array_equal(arr(lrandom.normal((6, 5), seed=5)).ravel(),
                                  arr(lrandom.normal((30,), seed=5)))


_THREAD_SCRIPT = """
import hashlib, numpy as np
from lamina import ops, random as R
n = 100_003
outs = [
    R.normal((n,), seed=11), R.normal((n,), dtype="float64", seed=11),
    R.uniform((n,), seed=11), R.uniform((n,), dtype="float64", seed=11),
    R.truncated_normal((n,), seed=11), R.truncated_normal((n,), dtype="float64", seed=11),
    R.randint((n,), -5, 17, seed=11), R.randint((n,), -2**40, 2**40, dtype="int64", seed=11),
    R.dropout(ops.ones((n,)), 0.3, seed=11),
    R.dropout(ops.ones((301, 333)), 0.3, noise_shape=(1, 333), seed=11),
    R.shuffle(ops.convert_to_tensor(np.arange(3 * n).reshape(n, 3)), seed=11),
    R.shuffle(ops.convert_to_tensor(np.arange(3 * n).reshape(3, n)), axis=1, seed=11),
    R.categorical(ops.zeros((4000, 13)), 50, seed=11),
]
print(hashlib.sha256(b"".join(np.asarray(o).tobytes() for o in outs)).hexdigest())
"""


def _digest(threads: int | None) -> str:
    env = dict(os.environ)
    # The subprocess must import the same lamina as this test (installed or in-tree).
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    if threads is None:
        env.pop("OMP_NUM_THREADS", None)
    else:
        env["OMP_NUM_THREADS"] = str(threads)
    r = subprocess.run([sys.executable, "-c", _THREAD_SCRIPT], env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_results_do_not_depend_on_thread_count():
    one = _digest(1)
    assert one == _digest(3)
    assert one == _digest(None)


# ----------------------------------------------------------------- statistics
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normal_statistics(dtype):
    x = arr(lrandom.normal((N,), mean=2.0, stddev=3.0, dtype=dtype, seed=0))
    assert x.dtype == np.dtype(dtype)
    z = (x.astype(np.float64) - 2.0) / 3.0
    assert abs(z.mean()) < 5 / math.sqrt(N)
    assert abs(z.std() - 1.0) < 5 / math.sqrt(2 * N)
    assert abs(np.mean(z ** 3)) < 5 * math.sqrt(15 / N)  # skewness
    assert abs(np.mean(z ** 4) - 3.0) < 5 * math.sqrt(96 / N)  # kurtosis
    assert ks_statistic(z[:200_000], normal_cdf) < 1.95


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_uniform_statistics_and_range(dtype):
    x = arr(lrandom.uniform((N,), minval=-2.0, maxval=3.0, dtype=dtype, seed=1))
    assert x.dtype == np.dtype(dtype)
    assert x.min() >= -2.0 and x.max() < 3.0
    u = (x.astype(np.float64) + 2.0) / 5.0
    assert abs(u.mean() - 0.5) < 5 * math.sqrt(1 / 12 / N)
    counts = np.bincount(np.minimum((u * 100).astype(int), 99), minlength=100)
    assert chi2_ok(counts, np.full(100, N / 100))
    assert ks_statistic(u[:200_000], lambda t: t) < 1.95


def test_uniform_never_returns_maxval():
    # In float32, 1 + (2**-22) * u rounds up to maxval for u near 1: it must be clamped.
    hi = np.float32(1.0) + np.float32(2.0 ** -22)
    x = arr(lrandom.uniform((10_000,), minval=1.0, maxval=float(hi), seed=3))
    assert x.max() < hi
    assert set(np.unique(x).tolist()) == {1.0, float(np.float32(1.0) + np.float32(2.0 ** -23))}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_truncated_normal_statistics(dtype):
    x = arr(lrandom.truncated_normal((N,), mean=1.0, stddev=0.5, dtype=dtype, seed=2))
    z = (x.astype(np.float64) - 1.0) / 0.5
    assert np.all(np.abs(z) <= 2.0 + 1e-5)
    # Standard normal truncated to [-2, 2]: mean 0, variance 1 - 4 phi(2) / (2 Phi(2) - 1).
    phi2 = math.exp(-2.0) / math.sqrt(2 * math.pi)
    mass = math.erf(2 / math.sqrt(2))
    var = 1 - 4 * phi2 / mass
    assert abs(z.mean()) < 5 * math.sqrt(var / N)
    assert abs(z.var() - var) < 0.005
    assert np.mean(np.abs(z) > 1.9) > 0.004  # the tails near the bound are populated

    def cdf(t):
        return (normal_cdf(t) - normal_cdf(np.array(-2.0))) / mass

    assert ks_statistic(z[:200_000], cdf) < 1.95


def test_randint_range_and_uniformity():
    x = arr(lrandom.randint((N,), -3, 7, seed=4))
    assert x.dtype == np.int32
    assert x.min() == -3 and x.max() == 6
    counts = np.bincount(x + 3, minlength=10)
    assert counts.size == 10 and np.all(counts > 0)
    assert chi2_ok(counts, np.full(10, N / 10))


def test_randint_int64_and_wide_ranges():
    x = arr(lrandom.randint((10_000,), -2**62, 2**62, dtype="int64", seed=5))
    assert x.dtype == np.int64
    assert x.min() >= -2**62 and x.max() < 2**62
    assert x.min() < -2**61 and x.max() > 2**61  # spread over the range
    full = arr(lrandom.randint((1000,), -2**63, 2**63 - 1, dtype="int64", seed=5))
    assert np.unique(full).size == 1000
    w = arr(lrandom.randint((100_000,), -2**31, 2**31 - 1, seed=6))
    assert w.dtype == np.int32 and (w < 0).mean() == pytest.approx(0.5, abs=0.01)
    # A range that is not a power of two, where modulo reduction would be biased.
    r = 3 * 2**29
    y = arr(lrandom.randint((N,), 0, r, dtype="int64", seed=7))
    assert abs((y < 2**30).mean() - 2 / 3) < 5 * math.sqrt(2 / 9 / N)


def test_randint_single_value():
    np.testing.assert_array_equal(arr(lrandom.randint((5,), 4, 5, seed=0)), [4] * 5)


# -------------------------------------------------------------------- dropout
@pytest.mark.parametrize("rate", [0.1, 0.5, 0.9])
def test_dropout_keep_fraction_and_scaling(rate):
    x = arr(lrandom.uniform((N,), 1.0, 2.0, seed=8))
    y = arr(lrandom.dropout(ops.convert_to_tensor(x), rate, seed=9))
    kept = y != 0
    assert abs(kept.mean() - (1 - rate)) < 5 * math.sqrt(rate * (1 - rate) / N)
    np.testing.assert_allclose(y[kept], x[kept] / (1 - rate), rtol=1e-6)
    mask = arr(lrandom.random._dropout_mask((N,), rate, 9))
    np.testing.assert_array_equal(kept, mask)


def test_dropout_rate_zero_is_identity_and_dtypes():
    x = arr(lrandom.normal((5, 6), dtype="float64", seed=1))
    y = lrandom.dropout(ops.convert_to_tensor(x), 0.0, seed=2)
    assert y.dtype == "float64"
    np.testing.assert_array_equal(arr(y), x)
    yi = lrandom.dropout(ops.ones((3,), dtype="int32"), 0.5, seed=2)
    assert yi.dtype == "float32"
    assert set(arr(yi).tolist()) <= {0.0, 2.0}


def test_dropout_noise_shape_broadcasts_the_mask():
    x = ops.ones((40, 30, 8))
    y = arr(lrandom.dropout(x, 0.5, noise_shape=(40, 1, 8), seed=3))
    assert set(np.unique(y).tolist()) == {0.0, 2.0}
    # The flags are shared along the size-1 axis and equal the mask of noise_shape.
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :1, :], y.shape))
    mask = arr(lrandom.random._dropout_mask((40, 1, 8), 0.5, 3))
    np.testing.assert_array_equal(y[:, :1, :] != 0, mask)
    # None entries take the inputs' dimension; lower rank broadcasts from the right.
    y2 = arr(lrandom.dropout(x, 0.5, noise_shape=(None, 1, None), seed=3))
    np.testing.assert_array_equal(y2, y)
    y3 = arr(lrandom.dropout(x, 0.5, noise_shape=(8,), seed=3))
    np.testing.assert_array_equal(y3, np.broadcast_to(y3[:1, :1, :], y3.shape))


def test_dropout_gradient_is_the_scaled_mask():
    rng = np.random.default_rng(0)
    x = ops.convert_to_tensor(rng.standard_normal((50, 20)).astype(np.float32))
    g = rng.standard_normal((50, 20)).astype(np.float32)
    for noise_shape in (None, (1, 20)):
        with lamina.GradientTape() as tape:
            tape.watch(x)
            y = lrandom.dropout(x, 0.25, noise_shape=noise_shape, seed=4)
        grad = arr(tape.gradient(y, x, output_gradients=ops.convert_to_tensor(g)))
        mask = arr(lrandom.random._dropout_mask(noise_shape or (50, 20), 0.25, 4))
        np.testing.assert_allclose(grad, g * np.broadcast_to(mask, (50, 20)) / 0.75, rtol=1e-6)


def test_dropout_with_seed_generator_inside_tape_uses_one_mask():
    gen = lrandom.SeedGenerator(1)
    x = ops.convert_to_tensor(np.ones((1000,), np.float32))
    with lamina.GradientTape() as tape:
        tape.watch(x)
        y = lrandom.dropout(x, 0.5, seed=gen)
    grad = arr(tape.gradient(y, x, output_gradients=ops.ones((1000,))))
    np.testing.assert_array_equal(grad, arr(y))  # the backward pass reused the forward mask


# -------------------------------------------------------------------- shuffle
def test_shuffle_is_a_permutation_of_rows():
    base = np.arange(200 * 3, dtype=np.float64).reshape(200, 3)
    y = arr(lrandom.shuffle(ops.convert_to_tensor(base), seed=5))
    assert y.dtype == np.float64
    assert not np.array_equal(y, base)
    np.testing.assert_array_equal(y[:, 1] - y[:, 0], 1)  # rows move together
    np.testing.assert_array_equal(np.sort(y[:, 0]), base[:, 0])


def test_shuffle_axis_and_dtypes():
    base = np.arange(4 * 50 * 2).reshape(4, 50, 2)
    y = arr(lrandom.shuffle(ops.convert_to_tensor(base), axis=1, seed=6))
    perm = y[0, :, 0] // 2
    np.testing.assert_array_equal(np.sort(perm), np.arange(50))
    np.testing.assert_array_equal(y, base[:, perm, :])  # one permutation for all slices
    b = arr(lrandom.shuffle(ops.convert_to_tensor(np.arange(100) % 3 == 0), axis=-1, seed=6))
    assert b.dtype == np.bool_ and b.sum() == 34


def test_shuffle_permutations_are_uniform():
    counts = {}
    for s in range(6000):
        key = tuple(arr(lrandom.shuffle(ops.arange(3), seed=s)).tolist())
        counts[key] = counts.get(key, 0) + 1
    assert len(counts) == 6
    assert chi2_ok(np.array(list(counts.values()), float), np.full(6, 1000.0))


def test_shuffle_gradient_undoes_the_permutation():
    x = ops.convert_to_tensor(np.arange(12, dtype=np.float32).reshape(4, 3))
    g = np.arange(100, 112, dtype=np.float32).reshape(4, 3)
    with lamina.GradientTape() as tape:
        tape.watch(x)
        y = lrandom.shuffle(x, axis=0, seed=2)
    grad = arr(tape.gradient(y, x, output_gradients=ops.convert_to_tensor(g)))
    perm = (arr(y)[:, 0] // 3).astype(int)  # y[p] = x[perm[p]]
    expected = np.empty_like(g)
    expected[perm] = g
    np.testing.assert_array_equal(grad, expected)


# ---------------------------------------------------------------- categorical
def test_categorical_frequencies():
    p = np.array([[0.1, 0.2, 0.7], [0.5, 0.0, 0.5]])
    logits = ops.convert_to_tensor(np.log(np.where(p > 0, p, 1.0)) + np.where(p > 0, 0, -np.inf))
    n = 100_000
    out = lrandom.categorical(logits, n, seed=7)
    assert out.shape == (2, n) and out.dtype == "int32"
    y = arr(out)
    for row in range(2):
        counts = np.bincount(y[row], minlength=3)
        assert counts[p[row] == 0].sum() == 0
        nz = p[row] > 0
        assert chi2_ok(counts[nz].astype(float), p[row][nz] * n)
    assert lrandom.categorical(logits, 5, dtype="int64", seed=1).dtype == "int64"


# ------------------------------------------------------------------ dtypes
def test_default_and_explicit_dtypes():
    assert lrandom.normal((2,), seed=0).dtype == "float32"
    assert lrandom.uniform((2,), seed=0).dtype == "float32"
    assert lrandom.truncated_normal((2,), seed=0).dtype == "float32"
    assert lrandom.normal((2,), dtype="float64", seed=0).dtype == "float64"
    assert lrandom.randint((2,), 0, 3, seed=0).dtype == "int32"
    assert lrandom.randint((2,), 0, 3, dtype="int64", seed=0).dtype == "int64"
    assert lrandom.normal(4, seed=0).shape == (4,)
    assert lrandom.normal((), seed=0).shape == ()
    assert lrandom.uniform((0, 3), seed=0).shape == (0, 3)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("call,exc,pattern", [
    (lambda: lrandom.normal((2, -1), seed=0), ValueError,
     r"normal: shape must have non-negative dimensions, got \(2, -1\)"),
    (lambda: lrandom.uniform(("a",), seed=0), TypeError, "uniform: shape must be"),
    (lambda: lrandom.normal((2,), dtype="int32", seed=0), TypeError,
     "normal: dtype must be float32 or float64, got int32"),
    (lambda: lrandom.uniform((2,), dtype="complex64", seed=0), TypeError, "uniform: Unsupported dtype"),
    (lambda: lrandom.randint((2,), 0, 3, dtype="float32", seed=0), TypeError,
     "randint: dtype must be int32 or int64, got float32"),
    (lambda: lrandom.randint((2,), 5, 5, seed=0), ValueError,
     "randint: minval must be < maxval, got minval=5 and maxval=5"),
    (lambda: lrandom.randint((2,), 0, 2**40, seed=0), ValueError, "does not fit in int32"),
    (lambda: lrandom.uniform((2,), 1.0, 0.0, seed=0), ValueError, "uniform: minval must be <= maxval"),
    (lambda: lrandom.normal((2,), stddev=float("nan"), seed=0), ValueError, "normal: stddev must be finite"),
    (lambda: lrandom.dropout(ops.ones((2,)), 1.0, seed=0), ValueError, r"dropout: rate must be in \[0, 1\), got 1.0"),
    (lambda: lrandom.dropout(ops.ones((2,)), -0.1, seed=0), ValueError, r"dropout: rate must be in \[0, 1\)"),
    (lambda: lrandom.dropout(ops.ones((2, 3)), 0.5, noise_shape=(2, 2), seed=0), ValueError,
     r"dropout: noise_shape \(2, 2\) does not broadcast to inputs shape \(2, 3\)"),
    (lambda: lrandom.shuffle(ops.ones(()), seed=0), ValueError, "shuffle: cannot shuffle a 0-d tensor"),
    (lambda: lrandom.shuffle(ops.ones((2, 3)), axis=2, seed=0), ValueError, "shuffle: axis 2 is out of bounds"),
    (lambda: lrandom.categorical(ops.ones((3,)), 2, seed=0), ValueError, "categorical: logits must be 2-D"),
    (lambda: lrandom.categorical(ops.full((1, 2), -float("inf")), 2, seed=0), ValueError,
     "categorical: row 0 of logits has no finite probability mass"),
])
def test_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


# ---------------------------------------------------------- set_random_seed
def test_set_random_seed_resets_global_generator():
    lutils.set_random_seed(0)
    a1, a2 = arr(lrandom.normal((5,))), arr(lrandom.uniform((5,)))
    lutils.set_random_seed(0)
    b1, b2 = arr(lrandom.normal((5,))), arr(lrandom.uniform((5,)))
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, arr(lrandom.normal((5,))))  # the global state advanced
    lutils.set_random_seed(1)
    assert not np.array_equal(a1, arr(lrandom.normal((5,))))


def test_set_random_seed_seeds_python_numpy_and_default_generators():
    lutils.set_random_seed(42)
    p, n = python_random.random(), np.random.rand()
    g = arr(lrandom.normal((3,), seed=lrandom.SeedGenerator()))
    lutils.set_random_seed(42)
    assert python_random.random() == p
    assert np.random.rand() == n
    np.testing.assert_array_equal(arr(lrandom.normal((3,), seed=lrandom.SeedGenerator())), g)


def test_set_random_seed_errors():
    with pytest.raises(ValueError, match="set_random_seed: seed must be an int"):
        lutils.set_random_seed(1.5)
    with pytest.raises(ValueError, match=r"set_random_seed: seed must be in \[0, 2\*\*32\)"):
        lutils.set_random_seed(-1)
