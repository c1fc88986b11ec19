"""lamina.ops.image: resize and affine_transform against NumPy references."""

import math

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.backend.keras_tensor import KerasTensor
from conftest import assert_close, check_grad


# ------------------------------------------------------------ NumPy references
def _bilinear_matrix(n_in, n_out, antialias=False):
    """(n_out, n_in) 1-D resampling weights, half-pixel centers (TF/JAX)."""
    m = np.zeros((n_out, n_in))
    scale = n_in / n_out
    for j in range(n_out):
        center = (j + 0.5) * scale - 0.5
        if antialias and scale > 1:
            w = np.maximum(0.0, 1.0 - np.abs(np.arange(n_in) - center) / scale)
            m[j] = w / w.sum()
        else:
            c = min(max(center, 0.0), n_in - 1)
            lo = int(math.floor(c))
            hi = min(lo + 1, n_in - 1)
            m[j, lo] += 1 - (c - lo)
            m[j, hi] += c - lo
    return m


def np_resize_bilinear(x, h, w, antialias=False):
    mh = _bilinear_matrix(x.shape[1], h, antialias)
    mw = _bilinear_matrix(x.shape[2], w, antialias)
    return np.einsum("ai,bj,nijc->nabc", mh, mw, x)


def np_resize_nearest(x, h, w):
    ih = np.minimum(np.floor((np.arange(h) + 0.5) * x.shape[1] / h).astype(int), x.shape[1] - 1)
    iw = np.minimum(np.floor((np.arange(w) + 0.5) * x.shape[2] / w).astype(int), x.shape[2] - 1)
    return x[:, ih][:, :, iw]


def _fix(i, n, mode):
    """Index i mapped into [0, n) by the fill mode; None when outside (constant)."""
    if mode == "constant":
        return i if 0 <= i < n else None
    if mode == "nearest":
        return min(max(i, 0), n - 1)
    if mode == "wrap":
        return i % n
    if mode == "reflect":  # period 2n: a b c d | d c b a
        r = i % (2 * n)
        return r if r < n else 2 * n - 1 - r
    if n == 1:  # mirror, period 2(n-1): a b c d | c b
        return 0
    r = i % (2 * (n - 1))
    return r if r < n else 2 * (n - 1) - r


def np_affine(x, transforms, interpolation="bilinear", fill_mode="constant", fill_value=0.0):
    n, h, w, c = x.shape
    out = np.zeros_like(x, dtype=np.float64)
    for b in range(n):
        a0, a1, a2, b0, b1, b2, c0, c1 = transforms[b if len(transforms) > 1 else 0]
        for yy in range(h):
            for xx in range(w):
                k = c0 * xx + c1 * yy + 1.0
                xi = (a0 * xx + a1 * yy + a2) / k
                yi = (b0 * xx + b1 * yy + b2) / k
                if interpolation == "nearest":
                    corners = [(int(np.round(yi)), int(np.round(xi)), 1.0)]
                else:
                    y0, x0 = math.floor(yi), math.floor(xi)
                    dy, dx = yi - y0, xi - x0
                    corners = [(y0, x0, (1 - dy) * (1 - dx)), (y0, x0 + 1, (1 - dy) * dx),
                               (y0 + 1, x0, dy * (1 - dx)), (y0 + 1, x0 + 1, dy * dx)]
                acc = np.zeros(c)
                for cy, cx, wt in corners:
                    fy, fx = _fix(cy, h, fill_mode), _fix(cx, w, fill_mode)
                    val = fill_value if fy is None or fx is None else x[b, fy, fx]
                    acc += wt * val
                out[b, yy, xx] = acc
    return out


# ---------------------------------------------------------------------- resize
@pytest.mark.parametrize("size", [(3, 5), (8, 12), (4, 4), (1, 1), (7, 2)])
def test_resize_bilinear_matches_half_pixel_reference(rng, size):
    x = rng.standard_normal((2, 4, 6, 3)).astype(np.float32)
    out = ops.image.resize(x, size)
    assert_close(out, np_resize_bilinear(x, *size), rtol=1e-5, atol=1e-5, dtype="float32")


def test_resize_known_values():
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    assert_close(ops.image.resize(x, (2, 2))[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]])
    up = ops.image.resize(np.array([[[[0.0], [1.0]]]], np.float32), (1, 4))
    assert_close(up[0, 0, :, 0], [0.0, 0.25, 0.75, 1.0])


@pytest.mark.parametrize("size", [(2, 3), (9, 13), (4, 6)])
def test_resize_nearest(rng, size):
    x = rng.standard_normal((2, 4, 6, 2)).astype(np.float32)
    out = ops.image.resize(x, size, interpolation="nearest")
    assert_close(out, np_resize_nearest(x, *size))


def test_resize_antialias_downsampling(rng):
    x = rng.standard_normal((1, 12, 9, 2)).astype(np.float32)
    out = ops.image.resize(x, (4, 3), antialias=True)
    assert_close(out, np_resize_bilinear(x, 4, 3, antialias=True), atol=1e-5)
    # upsampling ignores antialias
    assert_close(ops.image.resize(x, (20, 20), antialias=True), ops.image.resize(x, (20, 20)))


def test_resize_unbatched_channels_first_and_int_input(rng):
    x = rng.standard_normal((5, 7, 3)).astype(np.float32)
    assert_close(ops.image.resize(x, (3, 4)), np_resize_bilinear(x[None], 3, 4)[0], atol=1e-5)
    xf = np.transpose(x, (2, 0, 1))[None]
    out = ops.image.resize(xf, (3, 4), data_format="channels_first")
    expected = np.transpose(np_resize_bilinear(x[None], 3, 4), (0, 3, 1, 2))
    assert_close(out, expected, atol=1e-5)
    xi = rng.integers(0, 255, (1, 4, 4, 1)).astype(np.uint8)
    out = ops.image.resize(xi, (2, 2))
    assert out.dtype == "float32"
    assert_close(out, np_resize_bilinear(xi.astype(np.float64), 2, 2), atol=1e-4)


def test_resize_crop_to_aspect_ratio(rng):
    x = rng.standard_normal((1, 6, 10, 1)).astype(np.float32)
    out = ops.image.resize(x, (3, 3), crop_to_aspect_ratio=True)
    # largest centered square: rows 0..5, columns 2..7
    assert_close(out, np_resize_bilinear(x[:, :, 2:8], 3, 3), atol=1e-5)


def test_resize_float64_and_symbolic(rng):
    x = rng.standard_normal((1, 3, 3, 1))
    assert ops.image.resize(x, (5, 5)).dtype == "float64"
    k = ops.image.resize(KerasTensor((None, 8, 8, 3)), (4, 2))
    assert tuple(k.shape) == (None, 4, 2, 3)


def test_resize_errors():
    with pytest.raises(ValueError, match="Invalid images rank"):
        ops.image.resize(np.ones((4, 4), np.float32), (2, 2))
    with pytest.raises(ValueError, match="interpolation"):
        ops.image.resize(np.ones((4, 4, 1), np.float32), (2, 2), interpolation="cubic-ish")
    with pytest.raises(ValueError, match="size"):
        ops.image.resize(np.ones((4, 4, 1), np.float32), (2,))
    with pytest.raises(ValueError, match="data_format"):
        ops.image.resize(np.ones((4, 4, 1), np.float32), (2, 2), data_format="nhwc")


@pytest.mark.parametrize("kwargs", [{}, {"interpolation": "nearest"}, {"antialias": True}])
def test_resize_gradient(rng, kwargs):
    x = rng.standard_normal((2, 5, 4, 2))
    check_grad(lambda t: ops.image.resize(t, (3, 6), **kwargs), x)
    check_grad(lambda t: ops.image.resize(t, (7, 2), **kwargs), x)


# ------------------------------------------------------------ affine_transform
FILL_MODES = ["constant", "nearest", "wrap", "mirror", "reflect"]


@pytest.mark.parametrize("fill_mode", FILL_MODES)
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_affine_transform_matches_reference(rng, fill_mode, interpolation):
    x = rng.standard_normal((2, 5, 6, 2)).astype(np.float32)
    t = np.array([[0.9, 0.3, 1.7, -0.2, 1.1, -2.3, 0.0, 0.0],
                  [1.3, -0.4, -3.1, 0.5, 0.8, 4.2, 0.01, -0.02]])
    out = ops.image.affine_transform(x, t, interpolation=interpolation, fill_mode=fill_mode,
                                     fill_value=0.5)
    expected = np_affine(x, t, interpolation, fill_mode, 0.5)
    assert_close(out, expected, rtol=1e-4, atol=1e-4)


def test_affine_transform_rot90_and_identity(rng):
    x = rng.standard_normal((1, 4, 4, 3)).astype(np.float32)
    ident = [1, 0, 0, 0, 1, 0, 0, 0]
    assert_close(ops.image.affine_transform(x, ident), x)
    # output (x, y) reads input (3 - y, x): a counter-clockwise quarter turn
    rot = [0, -1, 3, 1, 0, 0, 0, 0]
    out = ops.image.affine_transform(x, rot, fill_mode="constant")
    assert_close(out[0], np.rot90(x[0], k=1, axes=(0, 1)), atol=1e-6)


def test_affine_transform_shapes_and_formats(rng):
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)  # unbatched channels_first
    t = [1, 0, 0.5, 0, 1, -0.5, 0, 0]
    out = ops.image.affine_transform(x, t, data_format="channels_first")
    expected = np_affine(np.transpose(x, (1, 2, 0))[None], np.array([t]))[0]
    assert_close(out, np.transpose(expected, (2, 0, 1)), atol=1e-5)
    kt = ops.image.affine_transform(KerasTensor((None, 6, 6, 1)), t)
    assert tuple(kt.shape) == (None, 6, 6, 1)


def test_affine_transform_errors():
    x = np.ones((2, 4, 4, 1), np.float32)
    with pytest.raises(ValueError, match="fill_mode"):
        ops.image.affine_transform(x, [1, 0, 0, 0, 1, 0, 0, 0], fill_mode="mirrored")
    with pytest.raises(ValueError, match="interpolation"):
        ops.image.affine_transform(x, [1, 0, 0, 0, 1, 0, 0, 0], interpolation="bicubic")
    with pytest.raises(ValueError, match="transform rank"):
        ops.image.affine_transform(x, np.ones((1, 1, 8)))
    with pytest.raises(ValueError, match="8 values"):
        ops.image.affine_transform(x, np.ones((2, 6)))
    with pytest.raises(ValueError, match="3 transforms"):
        ops.image.affine_transform(x, np.ones((3, 8)))


@pytest.mark.parametrize("fill_mode", ["constant", "reflect", "wrap"])
def test_affine_transform_gradient(rng, fill_mode):
    x = rng.standard_normal((2, 4, 5, 2))
    t = ops.convert_to_tensor(np.array([[0.9, 0.3, 0.7, -0.2, 1.1, -0.3, 0, 0],
                                        [1.2, -0.1, -0.4, 0.3, 0.8, 0.6, 0, 0]]))
    check_grad(lambda im: ops.image.affine_transform(im, t, fill_mode=fill_mode,
                                                     fill_value=2.0), x)


def test_image_names_not_star_imported():
    assert not hasattr(lamina.ops, "affine_transform")
    assert lamina.ops.image.resize is ops.image.resize
    from lamina.api_export import keras_name

    assert keras_name(ops.image.resize) == "keras.ops.image.resize"
