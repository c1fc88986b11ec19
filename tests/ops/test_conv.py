"""Convolution and pooling ops against direct NumPy references, gradients against
finite differences, symbolic shapes, and errors."""

import itertools

import numpy as np
import pytest

import lamina
from lamina import ops
from conftest import assert_close, check_grad


# ------------------------------------------------------------- references
def same_pads(n, k, s, d=1):
    dk = (k - 1) * d + 1
    out = -(-n // s)
    total = max((out - 1) * s + dk - n, 0)
    return total // 2, total - total // 2


def ref_conv(x, w, strides=1, padding="valid", dilation=1, data_format="channels_last"):
    """Channels-last cross-correlation by kernel taps (groups from the kernel)."""
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    r = x.ndim - 2
    s = (strides,) * r if np.isscalar(strides) else tuple(strides)
    d = (dilation,) * r if np.isscalar(dilation) else tuple(dilation)
    ks = w.shape[:-2]
    if padding == "valid":
        pads = [(0, 0)] * r
    elif padding == "same":
        pads = [same_pads(x.shape[1 + i], ks[i], s[i], d[i]) for i in range(r)]
    else:
        pads = list(padding)
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    out = [(xp.shape[1 + i] - ((ks[i] - 1) * d[i] + 1)) // s[i] + 1 for i in range(r)]
    C, Cg, F = x.shape[-1], w.shape[-2], w.shape[-1]
    G = C // Cg
    Fg = F // G
    y = np.zeros((x.shape[0], *out, F))
    for t in itertools.product(*[range(k) for k in ks]):
        sl = tuple(slice(t[i] * d[i], t[i] * d[i] + (out[i] - 1) * s[i] + 1, s[i]) for i in range(r))
        patch = xp[(slice(None),) + sl]
        for g in range(G):
            y[..., g * Fg:(g + 1) * Fg] += patch[..., g * Cg:(g + 1) * Cg] @ w[t][:, g * Fg:(g + 1) * Fg]
    if data_format == "channels_first":
        y = np.moveaxis(y, -1, 1)
    return y


def ref_conv_transpose(x, w, strides, padding, output_padding=None, dilation=1):
    """Scatter form: each input pixel adds x @ w[tap].T at i * s - lo + tap * d."""
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    r = x.ndim - 2
    s = (strides,) * r if np.isscalar(strides) else tuple(strides)
    d = (dilation,) * r if np.isscalar(dilation) else tuple(dilation)
    op = (None,) * r if output_padding is None else (
        (output_padding,) * r if np.isscalar(output_padding) else tuple(output_padding))
    ks = w.shape[:-2]
    outs, los = [], []
    for i in range(r):
        n, k = x.shape[1 + i], ks[i]
        dk = (k - 1) * d[i] + 1
        if padding == "valid":
            o = (max(dk, s[i]) - dk) if op[i] is None else op[i]
            outs.append((n - 1) * s[i] + dk + o)
            los.append(0)
        else:
            out = n * s[i] if op[i] is None else (n - 1) * s[i] + dk % 2 + op[i]
            outs.append(out)
            los.append(same_pads(out, k, s[i], d[i])[0])
    y = np.zeros((x.shape[0], *outs, w.shape[-2]))
    for idx in np.ndindex(*x.shape[1:-1]):
        for t in itertools.product(*[range(k) for k in ks]):
            pos = [idx[i] * s[i] - los[i] + t[i] * d[i] for i in range(r)]
            if all(0 <= pos[i] < outs[i] for i in range(r)):
                y[(slice(None),) + tuple(pos)] += x[(slice(None),) + idx] @ w[t].T
    return y


def ref_pool(x, k, s, padding, mode, data_format="channels_last"):
    x = np.asarray(x, np.float64)
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    r = x.ndim - 2
    k = (k,) * r if np.isscalar(k) else tuple(k)
    s = k if s is None else ((s,) * r if np.isscalar(s) else tuple(s))
    if padding == "valid":
        pads = [0] * r
        outs = [(x.shape[1 + i] - k[i]) // s[i] + 1 for i in range(r)]
    else:
        outs = [-(-x.shape[1 + i] // s[i]) for i in range(r)]
        pads = [same_pads(x.shape[1 + i], k[i], s[i])[0] for i in range(r)]
    y = np.zeros((x.shape[0], *outs, x.shape[-1]))
    for o in np.ndindex(*outs):
        sl = tuple(slice(max(o[i] * s[i] - pads[i], 0), min(o[i] * s[i] - pads[i] + k[i], x.shape[1 + i]))
                   for i in range(r))
        win = x[(slice(None),) + sl + (slice(None),)]
        axes = tuple(range(1, r + 1))
        y[(slice(None),) + o] = win.max(axis=axes) if mode == "max" else win.mean(axis=axes)
    if data_format == "channels_first":
        y = np.moveaxis(y, -1, 1)
    return y


# ------------------------------------------------------------------ conv
CONV_CASES = [
    # (input shape, kernel shape, strides, padding, dilation)
    ((2, 9, 3), (3, 3, 4), 1, "valid", 1),
    ((2, 9, 3), (3, 3, 4), 2, "same", 1),
    ((2, 10, 3), (4, 3, 2), 3, "same", 1),
    ((2, 11, 2), (3, 2, 3), 1, "same", 2),
    ((2, 7, 8, 3), (3, 3, 3, 5), 1, "valid", 1),
    ((2, 7, 8, 3), (3, 3, 3, 5), 1, "same", 1),
    ((2, 7, 8, 3), (3, 2, 3, 5), (2, 1), "same", 1),
    ((2, 8, 8, 3), (2, 2, 3, 4), 2, "valid", 1),
    ((2, 9, 9, 2), (3, 3, 2, 4), 1, "same", (2, 1)),
    ((1, 6, 6, 4), (1, 1, 4, 3), 1, "valid", 1),    # pointwise GEMM path
    ((1, 6, 6, 4), (1, 1, 4, 3), 2, "valid", 1),
    ((2, 7, 7, 1), (3, 3, 1, 6), 1, "same", 1),     # one input channel: direct path
    ((2, 5, 6, 7, 2), (2, 3, 2, 2, 3), 1, "valid", 1),
    ((2, 5, 6, 7, 2), (3, 3, 3, 2, 3), 2, "same", 1),
]


@pytest.mark.parametrize("xs,ws,strides,padding,dilation", CONV_CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_conv_matches_reference(rng, xs, ws, strides, padding, dilation, dtype):
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal(ws).astype(dtype)
    y = ops.conv(x, w, strides=strides, padding=padding, dilation_rate=dilation)
    tol = 1e-4 if dtype == "float32" else 1e-11
    assert_close(y, ref_conv(x, w, strides, padding, dilation), rtol=tol, atol=tol, dtype=dtype)


@pytest.mark.parametrize("xs,ws", [((2, 7, 6, 4), (3, 3, 2, 6)),    # 2 groups, gemm
                                   ((2, 7, 6, 6), (3, 3, 2, 3)),    # 3 groups, 1 filter each
                                   ((2, 7, 6, 4), (3, 3, 1, 8)),    # depthwise-like (Cg=1)
                                   ((2, 7, 6, 4), (3, 3, 1, 4)),
                                   ((2, 9, 4), (3, 2, 4))])
def test_grouped_conv_matches_reference(rng, xs, ws):
    x = rng.standard_normal(xs)
    w = rng.standard_normal(ws)
    for padding in ("valid", "same"):
        y = ops.conv(x, w, strides=1, padding=padding)
        assert_close(y, ref_conv(x, w, 1, padding), rtol=1e-11, atol=1e-11)
        y = ops.conv(x, w, strides=2, padding=padding)
        assert_close(y, ref_conv(x, w, 2, padding), rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("filters", [16, 48, 64])
@pytest.mark.parametrize("strides,padding,dilation", [(1, "valid", 1), (1, "same", 1),
                                                     (2, "same", 1), (1, "same", 2),
                                                     ((2, 1), "valid", (1, 2))])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_few_input_channels_take_the_direct_kernels_and_match_the_reference(
        rng, channels, filters, strides, padding, dilation, dtype):
    # taps * channels <= 27 and filters a multiple of the vector width: the register
    # kernels (kernels/conv.cc), forward and filter gradient, borders included.
    x = rng.standard_normal((3, 9, 11, channels)).astype(dtype)
    w = rng.standard_normal((3, 3, channels, filters)).astype(dtype)
    y = ops.conv(x, w, strides=strides, padding=padding, dilation_rate=dilation)
    ref = ref_conv(x, w, strides, padding, dilation)
    tol = 1e-4 if dtype == "float32" else 1e-11
    assert_close(y, ref, rtol=tol, atol=tol, dtype=dtype)
    g = rng.standard_normal(ref.shape).astype(dtype)
    with lamina.GradientTape() as tape:
        wv = lamina.Variable(w, dtype=dtype)
        loss = ops.sum(ops.multiply(ops.conv(x, wv, strides=strides, padding=padding,
                                             dilation_rate=dilation), g))
    dw = tape.gradient(loss, wv)
    # conv is linear in w: with the filter one at (kh, kw, c) for every output channel,
    # each output is that tap's input value, and its sum against g is dw[kh, kw, c, :].
    ref_dw = np.zeros_like(w)
    for idx in itertools.product(*map(range, w.shape[:3])):
        e = np.zeros_like(w)
        e[idx] = 1.0
        ref_dw[idx] = (ref_conv(x, e, strides, padding, dilation) * g).sum(axis=(0, 1, 2))
    assert_close(dw, ref_dw, rtol=tol * 10, atol=tol * 10)


def test_conv_channels_first(rng):
    x = rng.standard_normal((2, 3, 7, 8))
    w = rng.standard_normal((3, 3, 3, 4))
    y = ops.conv(x, w, strides=2, padding="same", data_format="channels_first")
    assert y.shape == (2, 4, 4, 4)
    assert_close(y, ref_conv(x, w, 2, "same", data_format="channels_first"), rtol=1e-11, atol=1e-11)


def test_conv_large_batch_uses_several_chunks(rng):
    # 64 images of 32x32x16 with a 3x3 kernel exceed one im2col chunk.
    x = rng.standard_normal((64, 32, 32, 16)).astype("float32")
    w = rng.standard_normal((3, 3, 16, 8)).astype("float32")
    y = ops.conv(x, w, padding="same")
    assert_close(y, ref_conv(x, w, 1, "same"), rtol=2e-4, atol=2e-4)


def test_conv_int_inputs_become_float():
    y = ops.conv(np.ones((1, 4, 4, 1), "int32"), np.ones((2, 2, 1, 1), "int32"))
    assert y.dtype == "float32"
    assert_close(y, np.full((1, 3, 3, 1), 4.0))


@pytest.mark.parametrize("xs,ws,strides,padding,dilation", [
    ((2, 6, 2), (3, 2, 3), 2, "same", 1),
    ((2, 5, 5, 2), (3, 3, 2, 3), 1, "same", 1),
    ((2, 6, 5, 2), (2, 3, 2, 2), (2, 1), "valid", 1),
    ((1, 7, 7, 2), (3, 3, 2, 2), 1, "same", 2),
    ((2, 5, 5, 1), (3, 3, 1, 3), 2, "same", 1),     # direct path
    ((1, 4, 4, 4, 2), (2, 2, 2, 2, 2), 1, "same", 1),
])
def test_conv_gradients(rng, xs, ws, strides, padding, dilation):
    x = rng.standard_normal(xs)
    w = rng.standard_normal(ws)
    check_grad(lambda a, b: ops.conv(a, b, strides, padding, dilation_rate=dilation), x, w)


def test_grouped_and_depthwise_conv_gradients(rng):
    x = rng.standard_normal((2, 5, 5, 4))
    check_grad(lambda a, b: ops.conv(a, b, 1, "same"), x, rng.standard_normal((3, 3, 2, 4)))
    check_grad(lambda a, b: ops.depthwise_conv(a, b, 2, "same"), x, rng.standard_normal((3, 3, 4, 2)))


def test_conv_second_order_gradient(rng):
    x = ops.convert_to_tensor(rng.standard_normal((1, 5, 5, 2)))
    w = ops.convert_to_tensor(rng.standard_normal((3, 3, 2, 2)))
    v = ops.convert_to_tensor(rng.standard_normal((1, 5, 5, 2)))

    # d/dw of <d(sum(conv(x, w)^2))/dx, v>: checked by finite differences in w.
    def f(w_):
        with lamina.GradientTape() as inner:
            inner.watch(x)
            y = ops.conv(x, w_, padding="same")
            loss = ops.sum(y * y)
        gx = inner.gradient(loss, x)
        return ops.sum(gx * v)

    check_grad(f, np.asarray(w))


def test_backprop_primitives_are_differentiable(rng):
    from lamina.ops.conv import _BACKPROP_FILTER, _BACKPROP_INPUT

    attrs = dict(strides=(2, 1), dilation=(1, 1), padding="same", groups=1)
    g = rng.standard_normal((2, 3, 5, 3))
    w = rng.standard_normal((3, 3, 2, 3))
    x = rng.standard_normal((2, 5, 5, 2))
    check_grad(lambda a, b: _BACKPROP_INPUT.bind(a, b, in_size=(5, 5), **attrs), g, w)
    check_grad(lambda a, b: _BACKPROP_FILTER.bind(a, b, kernel_size=(3, 3), **attrs), x, g)


# --------------------------------------------------- depthwise / separable
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_depthwise_conv_matches_reference(rng, data_format):
    x = rng.standard_normal((2, 7, 6, 3))
    w = rng.standard_normal((3, 3, 3, 2))
    ref = np.zeros((2, 4, 3, 6))
    xp = np.pad(x, [(0, 0), same_pads(7, 3, 2), same_pads(6, 3, 2), (0, 0)])
    for oh, ow, c, m in np.ndindex(4, 3, 3, 2):
        ref[:, oh, ow, c * 2 + m] = np.einsum("nij,ij->n", xp[:, oh * 2:oh * 2 + 3, ow * 2:ow * 2 + 3, c],
                                              w[:, :, c, m])
    if data_format == "channels_first":
        x, ref = np.moveaxis(x, -1, 1), np.moveaxis(ref, -1, 1)
    y = ops.depthwise_conv(x, w, strides=2, padding="same", data_format=data_format)
    assert_close(y, ref, rtol=1e-11, atol=1e-11)


def test_depthwise_conv_1d(rng):
    x = rng.standard_normal((2, 9, 4))
    w = rng.standard_normal((3, 4, 1))
    y = ops.depthwise_conv(x, w, dilation_rate=2)
    ref = np.stack([sum(x[:, i + 2 * t, :] * w[t, :, 0] for t in range(3)) for i in range(5)], 1)
    assert_close(y, ref, rtol=1e-11, atol=1e-11)


def test_separable_conv_matches_reference(rng):
    x = rng.standard_normal((2, 6, 6, 3))
    dw = rng.standard_normal((3, 3, 3, 2))
    pw = rng.standard_normal((1, 1, 6, 4))
    y = ops.separable_conv(x, dw, pw, padding="same")
    mid = ref_conv(x, dw.reshape(3, 3, 1, 6), 1, "same")
    assert_close(y, mid @ pw[0, 0], rtol=1e-11, atol=1e-11)
    check_grad(lambda a, b, c: ops.separable_conv(a, b, c, 2, "same"), x[:1, :4, :4], dw, pw)


# ---------------------------------------------------------- conv_transpose
TRANSPOSE_CASES = [
    ((2, 4, 3), (3, 5, 3), 2, "valid", None, 1),
    ((2, 4, 3), (3, 5, 3), 2, "same", None, 1),
    ((2, 4, 3), (4, 2, 3), 3, "valid", 1, 1),
    ((2, 4, 5, 3), (3, 3, 2, 3), 2, "same", None, 1),
    ((2, 4, 5, 3), (3, 3, 2, 3), 2, "same", 1, 1),
    ((2, 4, 5, 3), (2, 2, 2, 3), 2, "valid", None, 1),
    ((2, 4, 5, 3), (3, 3, 2, 3), 1, "same", None, 2),
    ((2, 4, 5, 3), (3, 2, 2, 3), (2, 1), "valid", (1, 0), 1),
    ((2, 4, 5, 3), (1, 1, 2, 3), 3, "valid", None, 1),
    ((1, 3, 3, 3, 2), (2, 3, 2, 4, 2), 2, "same", None, 1),
]


@pytest.mark.parametrize("xs,ws,strides,padding,output_padding,dilation", TRANSPOSE_CASES)
def test_conv_transpose_matches_reference(rng, xs, ws, strides, padding, output_padding, dilation):
    x = rng.standard_normal(xs)
    w = rng.standard_normal(ws)
    y = ops.conv_transpose(x, w, strides, padding, output_padding, dilation_rate=dilation)
    assert_close(y, ref_conv_transpose(x, w, strides, padding, output_padding, dilation),
                 rtol=1e-11, atol=1e-11)


def test_conv_transpose_keras_shapes_and_channels_first(rng):
    # keras.layers.Conv2DTranspose(32, 2, 2) docs example: (4, 10, 8, 128) -> (4, 20, 16, 32)
    y = ops.conv_transpose(np.ones((4, 10, 8, 128), "float32"), np.ones((2, 2, 32, 128), "float32"), 2)
    assert y.shape == (4, 20, 16, 32)
    x = rng.standard_normal((2, 3, 4, 5))
    w = rng.standard_normal((3, 3, 2, 3))
    y = ops.conv_transpose(x, w, 2, "same", data_format="channels_first")
    ref = ref_conv_transpose(np.moveaxis(x, 1, -1), w, 2, "same")
    assert_close(y, np.moveaxis(ref, -1, 1), rtol=1e-11, atol=1e-11)


def test_conv_transpose_gradients(rng):
    x = rng.standard_normal((2, 3, 3, 2))
    w = rng.standard_normal((3, 3, 2, 2))
    check_grad(lambda a, b: ops.conv_transpose(a, b, 2, "same"), x, w)
    check_grad(lambda a, b: ops.conv_transpose(a, b, 2, "valid", output_padding=1), x, w)


# ----------------------------------------------------------------- pooling
POOL_CASES = [
    ((2, 9, 3), 2, None, "valid"),
    ((2, 9, 3), 3, 2, "same"),
    ((2, 7, 8, 3), 2, None, "valid"),
    ((2, 7, 8, 3), 2, None, "same"),
    ((2, 7, 8, 3), 3, 2, "same"),
    ((2, 7, 8, 3), (3, 2), (1, 2), "valid"),
    ((2, 7, 8, 3), 3, 1, "same"),
    ((1, 5, 6, 7, 2), 2, None, "same"),
    ((1, 5, 6, 7, 2), (3, 2, 2), 2, "valid"),
]


@pytest.mark.parametrize("xs,k,s,padding", POOL_CASES)
@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_pool_matches_reference(rng, xs, k, s, padding, mode, data_format):
    x = rng.standard_normal(xs).astype("float32")
    if data_format == "channels_first":
        x = np.moveaxis(x, -1, 1).copy()
    fn = ops.max_pool if mode == "max" else ops.average_pool
    y = fn(x, k, s, padding, data_format=data_format)
    assert_close(y, ref_pool(x, k, s, padding, mode, data_format), rtol=1e-6, atol=1e-6,
                 dtype="float32")


def test_average_pool_same_excludes_padding():
    x = np.ones((1, 3, 3, 1), "float32")
    # Every window averages only real pixels: all ones, not 4/9 at the corners.
    assert_close(ops.average_pool(x, 3, 1, "same"), np.ones((1, 3, 3, 1)))


def test_max_pool_of_negative_values_ignores_padding():
    x = -np.arange(1, 10, dtype="float64").reshape(1, 3, 3, 1)
    y = ops.max_pool(x, 2, 2, "same")
    assert_close(y, np.array([-1.0, -3, -7, -9]).reshape(1, 2, 2, 1))


@pytest.mark.parametrize("xs,k,s,padding", [((2, 6, 2), 2, None, "valid"),
                                            ((2, 5, 5, 2), 3, 2, "same"),
                                            ((1, 5, 4, 2), (2, 3), 1, "same"),
                                            ((1, 3, 4, 3, 2), 2, None, "same")])
def test_pool_gradients(rng, xs, k, s, padding):
    # Distinct values: the max is unique in each window, so it is differentiable.
    x = rng.permutation(np.prod(xs)).reshape(xs).astype(np.float64) / 7.0
    check_grad(lambda a: ops.max_pool(a, k, s, padding), x)
    check_grad(lambda a: ops.average_pool(a, k, s, padding), rng.standard_normal(xs))


def test_max_pool_second_order_routes_through_gather(rng):
    x = ops.convert_to_tensor(rng.permutation(32).reshape(1, 4, 4, 2).astype(np.float64))
    g = rng.standard_normal((1, 2, 2, 2))

    def f(g_):
        with lamina.GradientTape() as inner:
            inner.watch(x)
            y = ops.max_pool(x, 2)
        return inner.gradient(y, x, output_gradients=g_)

    check_grad(f, g)


def test_max_pool_gradient_goes_to_first_maximum():
    x = ops.convert_to_tensor(np.ones((1, 2, 2, 1)))
    with lamina.GradientTape() as tape:
        tape.watch(x)
        loss = ops.sum(ops.max_pool(x, 2))
    g = tape.gradient(loss, x)
    assert_close(g, np.array([1.0, 0, 0, 0]).reshape(1, 2, 2, 1))


# --------------------------------------------------------------- symbolic
def test_symbolic_shapes():
    kt = lamina.KerasTensor((None, 28, 28, 1))
    assert ops.conv(kt, ops.ones((3, 3, 1, 32))).shape == (None, 26, 26, 32)
    assert ops.max_pool(kt, 2).shape == (None, 14, 14, 1)
    kt2 = lamina.KerasTensor((None, None, 10, 3))
    assert ops.conv(kt2, ops.ones((3, 3, 3, 4)), strides=2, padding="same").shape == (None, None, 5, 4)
    kt3 = lamina.KerasTensor((None, 3, 8, 8))
    assert ops.average_pool(kt3, 2, data_format="channels_first").shape == (None, 3, 4, 4)
    assert ops.conv_transpose(lamina.KerasTensor((None, 5, 5, 3)), ops.ones((3, 3, 2, 3)), 2,
                              "same").shape == (None, 10, 10, 2)


# ------------------------------------------------------------------ errors
def test_conv_errors():
    x = np.ones((1, 5, 5, 3), "float32")
    with pytest.raises(ValueError, match=r"conv: the input has 3 channels.*kernel shape \(3, 3, 2, 4\)"):
        ops.conv(x, np.ones((3, 3, 2, 4), "float32"))
    with pytest.raises(ValueError, match="kernel must have rank 4"):
        ops.conv(x, np.ones((3, 3, 4), "float32"))
    with pytest.raises(ValueError, match="rank 3, 4 or 5"):
        ops.conv(np.ones((5, 3), "float32"), np.ones((3, 3), "float32"))
    with pytest.raises(ValueError, match="strides must be positive"):
        ops.conv(x, np.ones((3, 3, 3, 4), "float32"), strides=0)
    with pytest.raises(ValueError, match="dilation_rate must have 2 entries"):
        ops.conv(x, np.ones((3, 3, 3, 4), "float32"), dilation_rate=(1, 2, 3))
    with pytest.raises(ValueError, match="padding must be one of"):
        ops.conv(x, np.ones((3, 3, 3, 4), "float32"), padding="full")
    with pytest.raises(ValueError, match="larger than the input"):
        ops.conv(x, np.ones((6, 6, 3, 4), "float32"))
    with pytest.raises(ValueError, match="data_format"):
        ops.conv(x, np.ones((3, 3, 3, 4), "float32"), data_format="NHWC")
    with pytest.raises(ValueError, match="kernel's input channels 2 must equal the input's 3"):
        ops.depthwise_conv(x, np.ones((3, 3, 2, 1), "float32"))
    with pytest.raises(ValueError, match=r"conv_transpose: the kernel's last axis \(4\)"):
        ops.conv_transpose(x, np.ones((3, 3, 2, 4), "float32"))
    with pytest.raises(ValueError, match="pool_size must be positive"):
        ops.max_pool(x, 0)
    with pytest.raises(ValueError, match="larger than the input"):
        ops.max_pool(x, 6)


def test_native_boundary_checks():
    from lamina.backend.native import _core

    x = np.ones((1, 5, 5, 3), "float32")
    with pytest.raises(ValueError, match=r"conv: the input has 3 channels.*\(3, 3, 2, 4\)"):
        _core.conv(x, np.ones((3, 3, 2, 4), "float32"), [1, 1], [1, 1], [0, 0], [3, 3], 1)
    with pytest.raises(TypeError, match="share a dtype"):
        _core.conv(x, np.ones((3, 3, 3, 4)), [1, 1], [1, 1], [0, 0], [3, 3], 1)
    with pytest.raises(TypeError, match="float32 or float64"):
        _core.conv(x.astype("int32"), np.ones((3, 3, 3, 4), "int32"), [1, 1], [1, 1], [0, 0], [3, 3], 1)
    with pytest.raises(ValueError, match="strides and dilation_rate must be positive"):
        _core.conv(x, np.ones((3, 3, 3, 4), "float32"), [0, 1], [1, 1], [0, 0], [3, 3], 1)
    with pytest.raises(ValueError, match="padding"):
        _core.conv(x, np.ones((3, 3, 3, 4), "float32"), [1, 1], [1, 1], [5, 0], [3, 3], 1)
    with pytest.raises(ValueError, match="not divisible by groups"):
        _core.conv(np.ones((1, 5, 5, 4), "float32"), np.ones((3, 3, 2, 3), "float32"),
                   [1, 1], [1, 1], [0, 0], [3, 3], 2)
    with pytest.raises(ValueError, match="windows outside the input"):
        _core.max_pool(x, [2, 2], [2, 2], [0, 0], [9, 9])
    with pytest.raises(ValueError, match="does not match the pooled shape"):
        _core.max_pool_backward(x, np.ones((1, 2, 2, 4), "float32"), [2, 2], [2, 2], [0, 0])
