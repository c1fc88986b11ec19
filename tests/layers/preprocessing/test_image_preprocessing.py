"""Resizing, CenterCrop, RandomFlip, RandomRotation, RandomZoom."""

import math

import numpy as np
import pytest

from lamina import layers, ops
from conftest import assert_close
from image_reference import affine, resize_bilinear, rotation, zoom

BASE_KEYS = {"name", "trainable", "dtype"}


@pytest.fixture
def images(rng):
    return rng.standard_normal((3, 6, 5, 2)).astype(np.float32)


# -------------------------------------------------------------------- Resizing
def test_resizing_bilinear_nearest_and_formats(images):
    out = layers.Resizing(4, 7)(images)
    assert_close(out, resize_bilinear(images, 4, 7), atol=1e-5)
    near = layers.Resizing(12, 10, interpolation="nearest")(images)
    assert_close(near, images.repeat(2, 1).repeat(2, 2))
    cf = layers.Resizing(4, 7, data_format="channels_first")(np.transpose(images, (0, 3, 1, 2)))
    assert_close(cf, np.transpose(resize_bilinear(images, 4, 7), (0, 3, 1, 2)), atol=1e-5)
    crop = layers.Resizing(3, 3, crop_to_aspect_ratio=True)(images)  # 5x5 center box
    assert_close(crop, resize_bilinear(images[:, :5], 3, 3), atol=1e-5)
    ints = layers.Resizing(3, 3)(np.zeros((6, 5, 1), np.uint8))
    assert ints.dtype == "float32" and ints.shape == (3, 3, 1)


def test_resizing_config_shape_errors():
    layer = layers.Resizing(4, 5, interpolation="nearest", crop_to_aspect_ratio=True)
    assert set(layer.get_config()) == BASE_KEYS | {
        "height", "width", "interpolation", "crop_to_aspect_ratio", "pad_to_aspect_ratio",
        "fill_mode", "fill_value", "antialias", "data_format"}
    clone = layers.Resizing.from_config(layer.get_config())
    assert clone.interpolation == "nearest" and clone.crop_to_aspect_ratio
    assert layer.compute_output_shape((None, 10, 10, 3)) == (None, 4, 5, 3)
    assert layers.Resizing(4, 5, data_format="channels_first").compute_output_shape(
        (None, 3, 10, 10)) == (None, 3, 4, 5)
    with pytest.raises(ValueError, match="rank 3"):
        layers.Resizing(2, 2)(np.ones((4, 4), np.float32))
    with pytest.raises(ValueError, match="interpolation"):
        layers.Resizing(2, 2, interpolation="bicubicish")
    with pytest.raises(ValueError, match="height"):
        layers.Resizing(0, 2)


# ------------------------------------------------------------------ CenterCrop
def test_center_crop(images):
    assert_close(layers.CenterCrop(4, 3)(images), images[:, 1:5, 1:4])
    assert_close(layers.CenterCrop(3, 2)(images[0]), images[0, 1:4, 1:3])
    cf = np.transpose(images, (0, 3, 1, 2))
    assert_close(layers.CenterCrop(4, 3, data_format="channels_first")(cf), cf[:, :, 1:5, 1:4])
    # a larger target: crop to the aspect ratio, then resize (Keras's smart_resize)
    big = layers.CenterCrop(10, 10)(images)
    assert_close(big, resize_bilinear(images[:, :5], 10, 10), atol=1e-5)
    layer = layers.CenterCrop(4, 3)
    assert set(layer.get_config()) == BASE_KEYS | {"height", "width", "data_format"}
    assert layer.compute_output_shape((None, 9, 9, 3)) == (None, 4, 3, 3)
    with pytest.raises(ValueError, match="rank 3"):
        layer(np.ones((2, 2, 4, 4, 1), np.float32))


# ------------------------------------------------------------------ RandomFlip
def test_random_flip_inference_identity_and_training(images):
    layer = layers.RandomFlip(seed=5)
    assert_close(layer(images, training=False), images)
    batch = np.tile(images[:1], (16, 1, 1, 1))
    out = layers.RandomFlip(seed=5)(batch, training=True).numpy()
    candidates = [batch[0], batch[0, :, ::-1], batch[0, ::-1], batch[0, ::-1, ::-1]]
    kinds = [next(i for i, c in enumerate(candidates) if np.array_equal(o, c)) for o in out]
    assert len(set(kinds)) > 1  # some images flipped, some not
    again = layers.RandomFlip(seed=5)(batch, training=True).numpy()
    np.testing.assert_array_equal(out, again)  # reproducible with a seed
    default = layers.RandomFlip(seed=5)(batch)  # Keras's default: training=True
    np.testing.assert_array_equal(default.numpy(), out)


def test_random_flip_modes(images):
    batch = np.tile(images[:1], (12, 1, 1, 1))
    h = layers.RandomFlip("horizontal", seed=2)(batch, training=True).numpy()
    assert all(np.array_equal(o, batch[0]) or np.array_equal(o, batch[0, :, ::-1]) for o in h)
    v = layers.RandomFlip("vertical", seed=2)(batch, training=True).numpy()
    assert all(np.array_equal(o, batch[0]) or np.array_equal(o, batch[0, ::-1]) for o in v)
    cf = np.transpose(batch, (0, 3, 1, 2))
    out = layers.RandomFlip("horizontal", seed=2, data_format="channels_first")(cf, training=True)
    assert_close(np.transpose(out.numpy(), (0, 2, 3, 1)), h)
    layer = layers.RandomFlip("vertical", seed=1)
    assert layer.get_config()["mode"] == "vertical"
    assert set(layer.get_config()) == BASE_KEYS | {"seed", "mode", "data_format"}
    with pytest.raises(ValueError, match="unknown mode"):
        layers.RandomFlip("diagonal")
    with pytest.raises(ValueError, match="rank 3"):
        layers.RandomFlip()(np.ones((4, 4), np.float32))


# -------------------------------------------------------------- RandomRotation
@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_random_rotation_fixed_angle_vs_reference(images, fill_mode, interpolation):
    layer = layers.RandomRotation((0.1, 0.1), fill_mode=fill_mode, interpolation=interpolation,
                                  fill_value=0.25, seed=1)
    out = layer(images, training=True)
    t = [rotation(0.1 * 2 * math.pi, 6, 5)] * 3
    assert_close(out, affine(images, t, interpolation, fill_mode, 0.25), rtol=1e-4, atol=1e-4)


def test_random_rotation_quarter_turn_inference_and_seed(rng):
    x = rng.standard_normal((2, 5, 5, 1)).astype(np.float32)
    out = layers.RandomRotation((0.25, 0.25))(x, training=True)
    assert_close(out, np.rot90(x, k=1, axes=(1, 2)), atol=1e-5)  # counter-clockwise
    layer = layers.RandomRotation(0.2, seed=3)
    assert_close(layer(x, training=False), x)
    a = layers.RandomRotation(0.2, seed=3)(x, training=True)
    b = layers.RandomRotation(0.2, seed=3)(x, training=True)
    assert_close(a, b)
    assert not np.allclose(a.numpy(), x)
    assert layers.RandomRotation(0.2, seed=3)(x[0], training=True).shape == (5, 5, 1)


def test_random_rotation_config_and_errors():
    layer = layers.RandomRotation((-0.1, 0.2), fill_mode="constant", fill_value=1.0, seed=4)
    config = layer.get_config()
    assert set(config) == BASE_KEYS | {"factor", "data_format", "fill_mode", "fill_value",
                                       "interpolation", "seed"}
    assert config["factor"] == [-0.1, 0.2]
    clone = layers.RandomRotation.from_config(config)
    assert (clone.lower, clone.upper, clone.fill_mode) == (-0.1, 0.2, "constant")
    with pytest.raises(ValueError, match="upper bound"):
        layers.RandomRotation((0.3, 0.1))
    with pytest.raises(NotImplementedError, match="fill_mode"):
        layers.RandomRotation(0.1, fill_mode="mirrorish")
    with pytest.raises(NotImplementedError, match="interpolation"):
        layers.RandomRotation(0.1, interpolation="cubic")
    with pytest.raises(ValueError, match="rank 3"):
        layers.RandomRotation(0.1)(np.ones((3, 3), np.float32))


# ------------------------------------------------------------------ RandomZoom
@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
def test_random_zoom_fixed_factor_vs_reference(images, fill_mode):
    layer = layers.RandomZoom((0.5, 0.5), fill_mode=fill_mode, seed=1)
    out = layer(images, training=True)
    assert_close(out, affine(images, [zoom(1.5, 1.5, 6, 5)] * 3, "bilinear", fill_mode),
                 rtol=1e-4, atol=1e-4)
    zoomed_in = layers.RandomZoom((-0.5, -0.5), (-0.2, -0.2), fill_mode=fill_mode)(
        images, training=True)
    assert_close(zoomed_in, affine(images, [zoom(0.8, 0.5, 6, 5)] * 3, "bilinear", fill_mode),
                 rtol=1e-4, atol=1e-4)


def test_random_zoom_inference_seed_config_errors(images):
    layer = layers.RandomZoom(0.3, seed=8)
    assert_close(layer(images, training=False), images)
    a = layers.RandomZoom(0.3, seed=8)(images, training=True)
    assert_close(a, layers.RandomZoom(0.3, seed=8)(images, training=True))
    assert not np.allclose(a.numpy(), images)
    config = layers.RandomZoom((0.1, 0.2), width_factor=0.3).get_config()
    assert set(config) == BASE_KEYS | {"height_factor", "width_factor", "fill_mode",
                                       "interpolation", "seed", "fill_value", "data_format"}
    assert layers.RandomZoom.from_config(config).width_upper == 0.3
    with pytest.raises(ValueError, match=r"\[-1.0, 1.0\]"):
        layers.RandomZoom(1.5)
    with pytest.raises(ValueError, match="height_factor"):
        layers.RandomZoom((0.1, 0.2, 0.3))
    with pytest.raises(NotImplementedError, match="fill_mode"):
        layers.RandomZoom(0.1, fill_mode="mirrorish")


def test_layers_in_a_sequential_model(images):
    from lamina import models

    model = models.Sequential([layers.Input((6, 5, 2)), layers.RandomFlip(seed=1),
                               layers.RandomRotation(0.1, seed=1), layers.RandomZoom(0.1, seed=1),
                               layers.Resizing(4, 4), layers.Rescaling(2.0)])
    assert tuple(model.output_shape) == (None, 4, 4, 2)
    out = model.predict(images, verbose=0)
    assert_close(out, 2 * resize_bilinear(images, 4, 4), atol=1e-5)  # inference: no augmentation
