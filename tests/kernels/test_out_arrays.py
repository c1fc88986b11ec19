"""Kernels that write into a given array (`out=`), as the compiled executor's callbacks
use them to write straight into its arena: same values as a new array, and checks."""

from __future__ import annotations

import numpy as np
import pytest

from lamina import _core


def _calls(rng):
    x = rng.standard_normal((2, 7, 7, 3)).astype("float32")
    w = rng.standard_normal((3, 3, 3, 4)).astype("float32")
    dy = rng.standard_normal((2, 5, 5, 4)).astype("float32")
    p = rng.standard_normal((2, 6, 6, 3)).astype("float32")
    dp = rng.standard_normal((2, 3, 3, 3)).astype("float32")
    return {
        "conv": lambda out=None: _core.conv(x, w, [1, 1], [1, 1], [0, 0], [5, 5], 1, out),
        "conv_backprop_input": lambda out=None: _core.conv_backprop_input(
            dy, w, [7, 7], [1, 1], [1, 1], [0, 0], 1, out),
        "conv_backprop_filter": lambda out=None: _core.conv_backprop_filter(
            x, dy, [3, 3], [1, 1], [1, 1], [0, 0], 1, out),
        "conv_few_inputs": lambda out=None: _core.conv(  # 1 channel: the direct kernels
            x[..., :1].copy(), w[:, :, :1].copy(), [1, 1], [1, 1], [0, 0], [5, 5], 1, out),
        "max_pool": lambda out=None: _core.max_pool(p, [2, 2], [2, 2], [0, 0], [3, 3], out),
        "max_pool_backward": lambda out=None: _core.max_pool_backward(
            p, dp, [2, 2], [2, 2], [0, 0], out),
    }


@pytest.mark.parametrize("name", ["conv", "conv_backprop_input", "conv_backprop_filter",
                                  "conv_few_inputs", "max_pool", "max_pool_backward"])
def test_out_gets_the_same_values_as_a_new_array(rng, name):
    call = _calls(rng)[name]
    ref = call()
    out = np.full(ref.shape, np.nan, "float32")  # whatever was there is overwritten
    assert call(out) is out
    np.testing.assert_array_equal(out, ref)


@pytest.mark.parametrize("make,match", [
    (lambda s: np.zeros(s, "float64"), r"out has dtype float64 and shape .* expected float32"),
    (lambda s: np.zeros((1,) + s, "float32"), r"expected float32 and \(2, 5, 5, 4\)"),
    (lambda s: np.zeros(s, "float32").transpose(), "C-contiguous|contiguous"),
])
def test_a_wrong_out_is_refused(rng, make, match):
    call = _calls(rng)["conv"]
    with pytest.raises(ValueError, match=match):
        call(make((2, 5, 5, 4)))


def test_a_read_only_or_overlapping_out_is_refused(rng):
    out = np.zeros((2, 5, 5, 4), "float32")
    out.flags.writeable = False
    with pytest.raises(ValueError, match="conv: out is read-only"):
        _calls(rng)["conv"](out)
    buf = rng.standard_normal(200 * 4).astype("float32")
    x = buf[:2 * 5 * 5 * 4].reshape(2, 5, 5, 4)
    with pytest.raises(ValueError, match="max_pool_backward: out shares memory with an input"):
        _core.max_pool_backward(x, np.zeros((2, 2, 2, 4), "float32"), [2, 2], [2, 2], [0, 0], x)
