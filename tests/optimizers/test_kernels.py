"""The fused update kernels at the `_core` boundary: outputs, aliasing, checks, threads."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lamina.backend.native import _core

ADAM = dict(alpha=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7)


def _adam_ref(p, g, m, v, decay=0.0, gscale=1.0, clip=math.inf):
    g = np.clip(g * gscale, -clip, clip)
    p = p - p * decay
    m = m + (g - m) * (1 - ADAM["beta_1"])
    v = v + (g * g - v) * (1 - ADAM["beta_2"])
    return p - m * ADAM["alpha"] / (np.sqrt(v) + ADAM["epsilon"]), m, v


def _arrays(rng, n, dtype, k=4):
    return [rng.standard_normal(n).astype(dtype) for _ in range(k)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [7, 1 << 17])  # below and above the parallel grain
def test_adam_new_outputs(rng, dtype, n):
    p, g, m, v = _arrays(rng, n, dtype)
    v = np.abs(v)
    p0 = p.copy()
    out = _core.adam_update(g, (p, m, v), decay=0.01, gscale=0.5, clip=0.3, **ADAM)
    assert len(out) == 3 and all(o.dtype == dtype for o in out)
    for got, expected in zip(out, _adam_ref(p, g, m, v, decay=0.01, gscale=0.5, clip=0.3)):
        np.testing.assert_allclose(got, expected, rtol=2e-6 if dtype == np.float32 else 1e-13,
                                   atol=1e-7 if dtype == np.float32 else 1e-15)
    np.testing.assert_array_equal(p, p0)  # inputs untouched


@pytest.mark.parametrize("n", [9, 1 << 17])
def test_in_place_matches_out_of_place(rng, n):
    p, g, m, v = _arrays(rng, n, np.float32)
    v = np.abs(v)
    expected = _core.adam_update(g, (p, m, v), **ADAM)
    result = _core.adam_update(g, (p, m, v), (p, m, v), **ADAM)
    assert result[0] is p and result[1] is m and result[2] is v
    for got, exp in zip((p, m, v), expected):
        np.testing.assert_array_equal(got, exp)


def test_given_output_buffers_are_filled(rng):
    p, g, m = _arrays(rng, 5, np.float64, 3)
    p_out, m_out = np.empty_like(p), np.empty_like(m)
    res = _core.lion_update(g, [p, m], [p_out, m_out], lr=0.1, beta_1=0.9, beta_2=0.99)
    assert res[0] is p_out and res[1] is m_out
    np.testing.assert_allclose(p_out, p - 0.1 * np.sign(0.9 * m + 0.1 * g))
    mixed = _core.lion_update(g, [p, m], [None, m_out], lr=0.1, beta_1=0.9, beta_2=0.99)
    assert mixed[1] is m_out and mixed[0] is not p


def test_nan_gradient_propagates_through_clip():
    p = np.ones(3, np.float32)
    g = np.array([np.nan, 5.0, -5.0], np.float32)
    (out,) = _core.sgd_update(g, (p,), lr=1.0, clip=1.0)
    assert np.isnan(out[0]) and out[1] == 0.0 and out[2] == 2.0


def test_ema_and_sum_squares(rng):
    a, x = _arrays(rng, 1 << 16, np.float32, 2)
    (out,) = _core.ema_update(x, [a], momentum=0.9)
    np.testing.assert_allclose(out, 0.9 * a + 0.1 * x, rtol=1e-6, atol=1e-7)
    big = rng.standard_normal(1 << 17)
    np.testing.assert_allclose(_core.sum_squares(big), np.sum(big * big), rtol=1e-12)
    assert _core.sum_squares(np.zeros(0, np.float32)) == 0.0


@pytest.mark.parametrize("call, exc, match", [
    (lambda p, g: _core.adam_update(g[:3], (p, p.copy(), p.copy()), **ADAM), ValueError,
     r"grad has shape \(3,\), expected the param's shape \(4,\)"),
    (lambda p, g: _core.adam_update(g.astype(np.float64), (p, p.copy(), p.copy()), **ADAM),
     TypeError, "grad has dtype float64, expected the param's dtype float32"),
    (lambda p, g: _core.adam_update(g, (p, p.copy()), **ADAM), ValueError,
     "expected 3-4 state arrays, got 2"),
    (lambda p, g: _core.adam_update(g, (p, p.copy(), p.copy()), (p,), **ADAM), ValueError,
     "'out' has 1 items, expected 3"),
    (lambda p, g: _core.sgd_update(g, (np.arange(4),), lr=0.1), TypeError,
     "param must be float32 or float64"),
    (lambda p, g: _core.sgd_update(np.ones(8, np.float32)[::2], (p,), lr=0.1), ValueError,
     "'grad' must be an aligned C-contiguous array"),
    (lambda p, g: _core.sgd_update(g, (p, p.copy()), (g, None), lr=0.1, momentum=0.5), ValueError,
     r"out\[0\] overlaps grad"),
    (lambda p, g: _core.rmsprop_update(g, (p, p.copy()), lr=0.1, rho=0.9, momentum=0.5,
                                       epsilon=1e-7), ValueError, "expected 3 state arrays"),
    (lambda p, g: _core.sgd_update(g, [p], 5, lr=0.1), TypeError, "'out' must be None"),
])
def test_boundary_checks(call, exc, match):
    p = np.ones(4, np.float32)
    g = np.ones(4, np.float32)
    with pytest.raises(exc, match=match):
        call(p, g)


def test_read_only_output_rejected():
    p, g = np.ones(4, np.float32), np.ones(4, np.float32)
    ro = np.empty(4, np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="not writeable"):
        _core.sgd_update(g, (p,), (ro,), lr=0.1)


def test_outputs_must_not_share_buffers():
    p, g, m = np.ones(4, np.float32), np.ones(4, np.float32), np.zeros(4, np.float32)
    buf = np.empty(4, np.float32)
    with pytest.raises(ValueError, match=r"out\[1\] overlaps out\[0\]"):
        _core.sgd_update(g, (p, m), (buf, buf), lr=0.1, momentum=0.5)
    with pytest.raises(ValueError, match=r"out\[0\] overlaps state\[1\]"):
        _core.sgd_update(g, (p, m), (m, None), lr=0.1, momentum=0.5)


@pytest.mark.parametrize("n", [7, 1 << 17])  # serial and threaded loops
def test_updates_flush_subnormal_moments_and_restore_the_fp_mode(n):
    # A dead unit's zero gradient decays its moments into the subnormal range, where
    # arithmetic is ~40x slower: the update loops flush subnormals to zero (as
    # TensorFlow's CPU kernels do), and only inside the kernel.
    tiny = np.float32(1e-39)  # subnormal in float32
    p = np.ones(n, np.float32)
    m = np.full(n, tiny)
    v = np.full(n, tiny)
    g = np.zeros(n, np.float32)
    p2, m2, v2 = _core.adam_update(g, (p, m, v), **ADAM)
    assert not m2.any() and not v2.any()
    np.testing.assert_array_equal(p2, p)
    # The caller's floating-point mode is as it was: NumPy still makes subnormals.
    assert np.float32(1e-38) * np.float32(0.01) != 0
