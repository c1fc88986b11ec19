"""`lamina.ops.image` (keras.ops.image): resize and affine_transform.

Both run native kernels on (batch, height, width, channels) buffers (`_core.resize`,
`_core.affine_transform`); "channels_first" images are transposed around them.
Both are differentiable with respect to the images: their adjoints are native
kernels too. Integer images are computed in float32.
"""

from __future__ import annotations

from typing import Sequence

from lamina.api_export import keras_export
from lamina.backend import dtypes
from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.native import _core
from lamina.ops import manipulation as m
from lamina.ops.core import cast, convert_to_tensor
from lamina.ops.primitive import Primitive

__all__ = ["resize", "affine_transform"]

RESIZE_INTERPOLATIONS = ("bilinear", "nearest")
AFFINE_TRANSFORM_INTERPOLATIONS = {"nearest": 0, "bilinear": 1}
AFFINE_TRANSFORM_FILL_MODES = {"constant": 0, "nearest": 1, "wrap": 2, "mirror": 3,
                               "reflect": 4}


def standardize_data_format(data_format: str | None) -> str:
    """"channels_last" (Keras's default image data format) for None; checks the name."""
    if data_format is None:
        return "channels_last"
    df = str(data_format).lower()
    if df not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format}")
    return df


# ------------------------------------------------------------------ primitives
class Resize(Primitive):
    """NHWC resize to (out_h, out_w); `adjoint=True` maps an output cotangent back
    to the input size (in_h, in_w)."""

    name = "resize"

    def impl(self, x, in_h, in_w, out_h, out_w, method, antialias, adjoint):
        return _core.resize(x, in_h, in_w, out_h, out_w, method, antialias, adjoint)

    def compute_output_spec(self, x, in_h, in_w, out_h, out_w, method, antialias, adjoint):
        h, w = (in_h, in_w) if adjoint else (out_h, out_w)
        return KerasTensor((x.shape[0], h, w, x.shape[3]), x.dtype)

    def vjp(self, inputs, out, g, in_h, in_w, out_h, out_w, method, antialias, adjoint):
        return (_RESIZE.bind(g, in_h=in_h, in_w=in_w, out_h=out_h, out_w=out_w, method=method,
                             antialias=antialias, adjoint=not adjoint),)


class AffineTransform(Primitive):
    """NHWC images sampled through per-image transforms (a constant input)."""

    name = "affine_transform"

    def impl(self, x, transform, interpolation, fill_mode, fill_value):
        return _core.affine_transform(x, transform, interpolation, fill_mode, fill_value)

    def compute_output_spec(self, x, transform, interpolation, fill_mode, fill_value):
        return KerasTensor(x.shape, x.dtype)

    def vjp(self, inputs, out, g, interpolation, fill_mode, fill_value):
        gx = _AFFINE_GRAD.bind(g, inputs[1], interpolation=interpolation, fill_mode=fill_mode)
        return gx, None  # no gradient with respect to the transform


class AffineTransformGrad(Primitive):
    """The adjoint of AffineTransform with respect to the images."""

    name = "affine_transform_grad"

    def impl(self, g, transform, interpolation, fill_mode):
        return _core.affine_transform_grad(g, transform, interpolation, fill_mode)

    def compute_output_spec(self, g, transform, interpolation, fill_mode):
        return KerasTensor(g.shape, g.dtype)

    def vjp(self, inputs, out, h, interpolation, fill_mode):
        gh = _AFFINE.bind(h, inputs[1], interpolation=interpolation, fill_mode=fill_mode,
                          fill_value=0.0)
        return gh, None


_RESIZE, _AFFINE, _AFFINE_GRAD = Resize(), AffineTransform(), AffineTransformGrad()


# ------------------------------------------------------------------- helpers
def _images(images, op: str):
    if not isinstance(images, KerasTensor):
        images = convert_to_tensor(images)
    if len(images.shape) not in (3, 4):
        raise ValueError("Invalid images rank: expected rank 3 (single image) or rank 4 "
                         "(batch of images). Received input with shape: "
                         f"images.shape={tuple(images.shape)}")
    if not dtypes.is_float(images.dtype):
        images = cast(images, dtypes.FLOATX)
    return images


def _to_nhwc(images, data_format: str):
    """(batched NHWC images, a function that restores the caller's layout)."""
    unbatched = len(images.shape) == 3
    if unbatched:
        images = m.expand_dims(images, 0)
    if data_format == "channels_first":
        images = m.transpose(images, (0, 2, 3, 1))

    def restore(x):
        if data_format == "channels_first":
            x = m.transpose(x, (0, 3, 1, 2))
        return m.squeeze(x, 0) if unbatched else x

    return images, restore


def _size(size) -> tuple[int, int]:
    try:
        h, w = (int(s) for s in size)
    except (TypeError, ValueError):
        raise ValueError("Argument `size` must be a tuple of two elements (height, width). "
                         f"Received: size={size}") from None
    if h <= 0 or w <= 0:
        raise ValueError(f"Argument `size` must be positive. Received: size={size}")
    return h, w


def _crop_box(height: int, width: int, target_h: int, target_w: int):
    """The centered crop with the target's aspect ratio (Keras's smart_resize)."""
    crop_h = max(min(height, int(float(width * target_h) / target_w)), 1)
    crop_w = max(min(width, int(float(height * target_w) / target_h)), 1)
    return int(float(height - crop_h) / 2), int(float(width - crop_w) / 2), crop_h, crop_w


# ------------------------------------------------------------------ functions
@keras_export("keras.ops.image.resize")
def resize(images, size: Sequence[int], interpolation: str = "bilinear", antialias: bool = False,
           crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
           fill_mode: str = "constant", fill_value: float = 0.0, data_format=None):
    """Resizes images to `size` = (height, width).

    "bilinear" samples with half-pixel centers (as TensorFlow and JAX do; points
    outside the image clamp to its edge); `antialias=True` widens the kernel when
    downsampling. "nearest" takes the pixel under each output pixel's center.
    `crop_to_aspect_ratio` first crops the largest centered box with the target's
    aspect ratio. Images are (H, W, C) or (N, H, W, C) ("channels_last") or the
    "channels_first" equivalents.

    Example:
    >>> x = lamina.ops.ones((2, 4, 4, 3))
    >>> lamina.ops.image.resize(x, (2, 2)).shape
    (2, 2, 2, 3)
    """
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError("Invalid value for argument `interpolation`. Expected of one "
                         f"{RESIZE_INTERPOLATIONS}. Received: interpolation={interpolation}")
    if pad_to_aspect_ratio:
        if crop_to_aspect_ratio:
            raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can "
                             "be `True`.")
        raise NotImplementedError("resize: pad_to_aspect_ratio=True is not supported by lamina")
    out_h, out_w = _size(size)
    data_format = standardize_data_format(data_format)
    images = _images(images, "resize")
    x, restore = _to_nhwc(images, data_format)
    in_h, in_w = x.shape[1], x.shape[2]
    if in_h is None or in_w is None:
        if isinstance(x, KerasTensor):
            return restore(KerasTensor((x.shape[0], out_h, out_w, x.shape[3]), x.dtype))
        raise ValueError(f"resize: the image size must be known, got shape {x.shape}")
    if crop_to_aspect_ratio:
        h0, w0, ch, cw = _crop_box(in_h, in_w, out_h, out_w)
        if (ch, cw) != (in_h, in_w):
            x = x[:, h0:h0 + ch, w0:w0 + cw, :]
            in_h, in_w = ch, cw
    if (in_h, in_w) == (out_h, out_w):
        return restore(x)
    y = _RESIZE.bind(x, in_h=int(in_h), in_w=int(in_w), out_h=out_h, out_w=out_w,
                     method=1 if interpolation == "bilinear" else 0,
                     antialias=bool(antialias), adjoint=False)
    return restore(y)


@keras_export("keras.ops.image.affine_transform")
def affine_transform(images, transform, interpolation: str = "bilinear",
                     fill_mode: str = "constant", fill_value=0, data_format=None):
    """Applies transforms `[a0, a1, a2, b0, b1, b2, c0, c1]` (one, or one per image):
    output pixel (x, y) reads the input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)
    with k = c0 x + c1 y + 1.

    Points outside the image follow `fill_mode`: "constant" (`fill_value`),
    "nearest" (edge pixel), "wrap" (periodic), "mirror" (d c b | a b c d | c b a),
    "reflect" (d c b a | a b c d | d c b a), applied to each pixel that the
    interpolation reads (as `scipy.ndimage.map_coordinates`).

    Example:
    >>> x = lamina.ops.ones((1, 3, 3, 1))
    >>> shift = [1, 0, 1, 0, 1, 0, 0, 0]  # read one pixel to the right
    >>> lamina.ops.image.affine_transform(x, shift)[0, :, :, 0].numpy()[0]
    array([1., 1., 0.], dtype=float32)
    """
    if interpolation not in AFFINE_TRANSFORM_INTERPOLATIONS:
        raise ValueError("Invalid value for argument `interpolation`. Expected of one "
                         f"{set(AFFINE_TRANSFORM_INTERPOLATIONS)}. Received: "
                         f"interpolation={interpolation}")
    if fill_mode not in AFFINE_TRANSFORM_FILL_MODES:
        raise ValueError("Invalid value for argument `fill_mode`. Expected of one "
                         f"{set(AFFINE_TRANSFORM_FILL_MODES)}. Received: fill_mode={fill_mode}")
    data_format = standardize_data_format(data_format)
    images = _images(images, "affine_transform")
    if not isinstance(transform, KerasTensor):
        transform = convert_to_tensor(transform)
    if len(transform.shape) not in (1, 2):
        raise ValueError("Invalid transform rank: expected rank 1 (single transform) or rank 2 "
                         "(batch of transforms). Received input with shape: "
                         f"transform.shape={tuple(transform.shape)}")
    if transform.shape[-1] != 8:
        raise ValueError("Invalid transform: expected 8 values [a0, a1, a2, b0, b1, b2, c0, c1] "
                         f"per transform. Received: transform.shape={tuple(transform.shape)}")
    if not dtypes.is_float(transform.dtype):
        transform = cast(transform, "float64")
    if len(transform.shape) == 1:
        transform = m.expand_dims(transform, 0)
    x, restore = _to_nhwc(images, data_format)
    if isinstance(x, KerasTensor) or isinstance(transform, KerasTensor):
        return restore(KerasTensor(x.shape, x.dtype))
    if transform.shape[0] not in (1, x.shape[0]):
        raise ValueError(f"affine_transform: got {transform.shape[0]} transforms for a batch of "
                         f"{x.shape[0]} images (expected 1 or {x.shape[0]})")
    y = _AFFINE.bind(x, transform, interpolation=AFFINE_TRANSFORM_INTERPOLATIONS[interpolation],
                     fill_mode=AFFINE_TRANSFORM_FILL_MODES[fill_mode],
                     fill_value=float(fill_value))
    return restore(y)
