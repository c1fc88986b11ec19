"""max_pool_backward against a NumPy reference: the gradient goes to each window's
first maximum (window order d, h, w; NaN counts as the maximum). Covers the
non-overlapping fast path (pool == strides, no padding: 1-D/2-D/3-D, 2x2 and other
window sizes, channel counts that are not a multiple of the vector width, trailing
rows/columns no window covers, threaded and not) and the general path (overlap,
padding), with many ties."""
import itertools

import numpy as np
import pytest

from lamina import _core


def reference(x, g, k, s, lo):
    r = x.ndim - 2
    dx = np.zeros_like(x)
    out = g.shape[1:-1]
    for n in range(x.shape[0]):
        for o in itertools.product(*[range(d) for d in out]):
            ranges = []
            for i in range(r):
                start = o[i] * s[i] - lo[i]
                ranges.append(range(max(start, 0), min(start + k[i], x.shape[1 + i])))
            best = arg = None
            for pos in itertools.product(*ranges):
                v = x[(n,) + pos]
                if best is None:
                    best, arg = v.copy(), [pos] * x.shape[-1]
                    continue
                up = (v > best) | (np.isnan(v) & ~np.isnan(best))
                best = np.where(up, v, best)
                arg = [pos if u else a for u, a in zip(up, arg)]
            for c, pos in enumerate(arg):
                dx[(n,) + pos + (c,)] += g[(n,) + o + (c,)]
    return dx


def out_size(n, k, s, lo, hi):
    return (n + lo + hi - k) // s + 1


CASES = [
    # (input shape, pool, strides, pad_lo, pad_hi): fast path
    ((3, 8, 8, 32), (2, 2), (2, 2), (0, 0), (0, 0)),
    ((2, 7, 9, 5), (2, 2), (2, 2), (0, 0), (0, 0)),     # odd sizes, C below the vector width
    ((2, 6, 6, 20), (2, 2), (2, 2), (0, 0), (0, 0)),    # one full chunk plus a tail
    ((2, 11, 11, 64), (2, 2), (2, 2), (0, 0), (0, 0)),
    ((1, 5, 5, 1), (2, 2), (2, 2), (0, 0), (0, 0)),
    ((2, 9, 10, 3), (3, 3), (3, 3), (0, 0), (0, 0)),    # window size not specialized
    ((2, 7, 8, 17), (2, 3), (2, 3), (0, 0), (0, 0)),
    ((3, 9, 6), (2,), (2,), (0,), (0,)),                # 1-D
    ((2, 5, 4, 5, 7), (2, 2, 2), (2, 2, 2), (0, 0, 0), (0, 0, 0)),  # 3-D
    # general path: overlapping windows, padding, strides above the pool
    ((2, 7, 7, 9), (3, 3), (2, 2), (0, 0), (0, 0)),
    ((2, 7, 7, 9), (2, 2), (2, 2), (0, 0), (1, 1)),     # 'same': last window clipped
    ((2, 6, 6, 4), (3, 3), (2, 2), (1, 1), (1, 1)),
    ((2, 8, 8, 4), (2, 2), (3, 3), (0, 0), (0, 0)),
]


@pytest.mark.parametrize("shape,k,s,lo,hi", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_max_pool_backward_matches_reference_with_ties(shape, k, s, lo, hi, dtype):
    rng = np.random.default_rng(hash((shape, k, s)) % 2**32)
    # Few distinct values: most windows have tied maxima.
    x = rng.integers(-2, 3, size=shape).astype(dtype)
    out = tuple(out_size(shape[1 + i], k[i], s[i], lo[i], hi[i]) for i in range(len(k)))
    g = rng.standard_normal((shape[0],) + out + (shape[-1],)).astype(dtype)
    got = _core.max_pool_backward(x, g, list(k), list(s), list(lo))
    np.testing.assert_array_equal(got, reference(x, g, k, s, lo))


@pytest.mark.parametrize("shape,k,s,lo,hi", [CASES[0], CASES[1], CASES[5], CASES[9]])
def test_max_pool_backward_nan_is_the_maximum(shape, k, s, lo, hi):
    rng = np.random.default_rng(3)
    x = rng.integers(-2, 3, size=shape).astype("float32")
    x[rng.random(shape) < 0.2] = np.nan
    out = tuple(out_size(shape[1 + i], k[i], s[i], lo[i], hi[i]) for i in range(len(k)))
    g = rng.standard_normal((shape[0],) + out + (shape[-1],)).astype("float32")
    got = _core.max_pool_backward(x, g, list(k), list(s), list(lo))
    np.testing.assert_array_equal(got, reference(x, g, k, s, lo))


def test_max_pool_backward_large_batch_threaded():
    # Large enough to split over images; random floats (no ties), against the
    # forward's values: each window routes its gradient to where the max is.
    rng = np.random.default_rng(5)
    x = rng.standard_normal((64, 26, 26, 32)).astype("float32")
    g = rng.standard_normal((64, 13, 13, 32)).astype("float32")
    dx = _core.max_pool_backward(x, g, [2, 2], [2, 2], [0, 0])
    win = x.reshape(64, 13, 2, 13, 2, 32).transpose(0, 1, 3, 5, 2, 4).reshape(64, 13, 13, 32, 4)
    arg = win.argmax(-1)  # first maximum, as the kernel
    ref = (np.arange(4) == arg[..., None]) * g[..., None]
    ref = ref.reshape(64, 13, 13, 32, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(x.shape)
    np.testing.assert_array_equal(dx, ref.astype("float32"))
    y = _core.max_pool(x, [2, 2], [2, 2], [0, 0], [13, 13])
    np.testing.assert_array_equal(y, win.max(-1))
