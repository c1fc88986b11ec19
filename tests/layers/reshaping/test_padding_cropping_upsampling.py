"""ZeroPadding, Cropping and UpSampling (1D/2D/3D) against np.pad, slicing and
np.repeat; bilinear upsampling against a direct per-pixel reference; output
shapes with None dims, gradients, configs and errors."""

import json

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from conftest import assert_close, check_grad


@pytest.fixture
def img(rng):
    return rng.standard_normal((2, 4, 5, 3)).astype("float32")


# ------------------------------------------------------------------ ZeroPadding
def test_zero_padding_1d(rng):
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    assert_close(layers.ZeroPadding1D(2)(x), np.pad(x, ((0, 0), (2, 2), (0, 0))))
    assert_close(layers.ZeroPadding1D((1, 3))(x), np.pad(x, ((0, 0), (1, 3), (0, 0))))
    y = layers.ZeroPadding1D((1, 0), data_format="channels_first")(x)
    assert_close(y, np.pad(x, ((0, 0), (0, 0), (1, 0))))


def test_zero_padding_2d(img):
    assert_close(layers.ZeroPadding2D()(img), np.pad(img, ((0, 0), (1, 1), (1, 1), (0, 0))))
    assert_close(layers.ZeroPadding2D((2, 1))(img), np.pad(img, ((0, 0), (2, 2), (1, 1), (0, 0))))
    y = layers.ZeroPadding2D(((1, 0), (0, 2)), data_format="channels_first")(img)
    assert_close(y, np.pad(img, ((0, 0), (0, 0), (1, 0), (0, 2))))


def test_zero_padding_3d(rng):
    x = rng.standard_normal((1, 2, 3, 2, 2)).astype("float32")
    assert_close(layers.ZeroPadding3D()(x),
                 np.pad(x, ((0, 0), (1, 1), (1, 1), (1, 1), (0, 0))))
    y = layers.ZeroPadding3D(((0, 1), 2, (1, 0)), data_format="channels_first")(x)
    assert_close(y, np.pad(x, ((0, 0), (0, 0), (0, 1), (2, 2), (1, 0))))


def test_zero_padding_shapes_gradient_config_errors(rng):
    layer = layers.ZeroPadding2D(((1, 2), (3, 4)))
    assert layer.compute_output_shape((None, None, 5, 3)) == (None, None, 12, 3)
    assert layer(lamina.KerasTensor((None, 4, None, 3))).shape == (None, 7, None, 3)
    cfg = layer.get_config()
    assert set(cfg) == {"name", "trainable", "dtype", "padding", "data_format"}
    assert cfg["padding"] == ((1, 2), (3, 4))
    json.dumps(cfg)
    assert layers.ZeroPadding2D.from_config(json.loads(json.dumps(cfg))).padding == ((1, 2), (3, 4))
    assert set(layers.ZeroPadding1D().get_config()) == {"name", "trainable", "dtype", "padding",
                                                         "data_format"}
    check_grad(lambda t: layers.ZeroPadding2D(1, dtype="float64")(t),
               rng.standard_normal((1, 2, 2, 1)))
    with pytest.raises(ValueError, match="padding"):
        layers.ZeroPadding2D((1, 2, 3))
    with pytest.raises(ValueError, match="padding"):
        layers.ZeroPadding1D(-1)
    with pytest.raises(ValueError):
        layers.ZeroPadding2D()(ops.ones((2, 3, 4)))  # rank 3 given to a 2D layer


# --------------------------------------------------------------------- Cropping
def test_cropping_1d_2d_3d(rng, img):
    x = rng.standard_normal((2, 6, 3)).astype("float32")
    assert_close(layers.Cropping1D()(x), x[:, 1:-1])
    assert_close(layers.Cropping1D((2, 0))(x), x[:, 2:])
    assert_close(layers.Cropping2D(((1, 2), (0, 1)))(img), img[:, 1:-2, 0:-1])
    assert_close(layers.Cropping2D(1, data_format="channels_first")(img), img[:, :, 1:-1, 1:-1])
    v = rng.standard_normal((1, 4, 5, 6, 2)).astype("float32")
    assert_close(layers.Cropping3D()(v), v[:, 1:-1, 1:-1, 1:-1])
    assert_close(layers.Cropping3D(((0, 1), (2, 0), 1))(v), v[:, 0:-1, 2:, 1:-1])


def test_cropping_shapes_gradient_config_errors(rng):
    layer = layers.Cropping2D(((1, 1), (2, 0)))
    assert layer.compute_output_shape((None, None, 5, 3)) == (None, None, 3, 3)
    assert layer(lamina.KerasTensor((None, 4, None, 3))).shape == (None, 2, None, 3)
    assert set(layer.get_config()) == {"name", "trainable", "dtype", "cropping", "data_format"}
    assert set(layers.Cropping1D().get_config()) == {"name", "trainable", "dtype", "cropping"}
    assert layers.Cropping3D.from_config(layers.Cropping3D(2).get_config()).cropping == \
        ((2, 2), (2, 2), (2, 2))
    check_grad(lambda t: layers.Cropping1D((1, 1), dtype="float64")(t),
               rng.standard_normal((2, 4, 2)))
    with pytest.raises(ValueError, match="must leave something"):
        layers.Cropping1D((2, 2))(ops.ones((1, 4, 2)))
    with pytest.raises(ValueError, match="must leave something"):
        layers.Cropping2D(3).compute_output_shape((None, 6, 5, 1))
    with pytest.raises(ValueError, match="cropping"):
        layers.Cropping2D("a")


# ------------------------------------------------------------------- UpSampling
def test_upsampling_nearest(rng, img):
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    assert_close(layers.UpSampling1D(3)(x), np.repeat(x, 3, axis=1))
    assert_close(layers.UpSampling2D((2, 3))(img), np.repeat(np.repeat(img, 2, 1), 3, 2))
    y = layers.UpSampling2D(2, data_format="channels_first")(img)
    assert_close(y, np.repeat(np.repeat(img, 2, 2), 2, 3))
    v = rng.standard_normal((1, 2, 3, 1, 2)).astype("float32")
    assert_close(layers.UpSampling3D((1, 2, 3))(v),
                 np.repeat(np.repeat(v, 2, 2), 3, 3))


def _bilinear_ref(x, sh, sw):
    """Per output pixel: half-pixel centres, clamped at the edges (channels_last)."""
    n, h, w, c = x.shape
    out = np.zeros((n, h * sh, w * sw, c), x.dtype)

    def coords(o, s, size):
        src = min(max((o + 0.5) / s - 0.5, 0.0), size - 1)
        i0 = int(np.floor(src))
        return i0, min(i0 + 1, size - 1), src - i0

    for i in range(h * sh):
        a0, a1, wa = coords(i, sh, h)
        for j in range(w * sw):
            b0, b1, wb = coords(j, sw, w)
            out[:, i, j] = ((1 - wa) * (1 - wb) * x[:, a0, b0] + (1 - wa) * wb * x[:, a0, b1]
                            + wa * (1 - wb) * x[:, a1, b0] + wa * wb * x[:, a1, b1])
    return out


def test_upsampling_bilinear(img):
    y = layers.UpSampling2D((2, 3), interpolation="bilinear")(img)
    assert_close(y, _bilinear_ref(img, 2, 3), rtol=1e-5, atol=1e-5)
    # a constant image stays constant; a ramp along one axis stays a ramp inside
    ramp = np.broadcast_to(np.arange(4, dtype="float32")[None, :, None, None], (1, 4, 2, 1))
    up = layers.UpSampling2D((2, 1), interpolation="bilinear")(np.ascontiguousarray(ramp))
    assert_close(up.numpy()[0, :, 0, 0], [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3])


def test_upsampling_shapes_gradient_config_errors(rng):
    layer = layers.UpSampling2D((2, 3), interpolation="bilinear")
    assert layer.compute_output_shape((None, None, 5, 3)) == (None, None, 15, 3)
    assert layer(lamina.KerasTensor((None, 4, 2, 3))).shape == (None, 8, 6, 3)
    cfg = layer.get_config()
    assert set(cfg) == {"name", "trainable", "dtype", "size", "data_format", "interpolation"}
    assert layers.UpSampling2D.from_config(cfg).interpolation == "bilinear"
    assert set(layers.UpSampling1D().get_config()) == {"name", "trainable", "dtype", "size"}
    assert set(layers.UpSampling3D().get_config()) == {"name", "trainable", "dtype", "size",
                                                       "data_format"}
    check_grad(lambda t: layers.UpSampling2D(2, dtype="float64")(t),
               rng.standard_normal((1, 2, 2, 1)))
    check_grad(lambda t: layers.UpSampling2D(2, interpolation="bilinear", dtype="float64")(t),
               rng.standard_normal((1, 3, 2, 1)))
    with pytest.raises(ValueError, match="interpolation"):
        layers.UpSampling2D(interpolation="cubic")
    with pytest.raises(ValueError, match="size"):
        layers.UpSampling1D(0)
    with pytest.raises(ValueError, match="size"):
        layers.UpSampling3D((2, 2))
