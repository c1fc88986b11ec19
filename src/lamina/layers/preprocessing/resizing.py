"""`Resizing` and `CenterCrop`: fixed-size image outputs."""

from __future__ import annotations

from lamina import ops
from lamina.api_export import keras_export
from lamina.layers.preprocessing.image_layer import ImageLayer
from lamina.ops import image as image_ops


def _positive_int(value, name: str, cls: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{cls}: `{name}` must be a positive integer. Received: "
                         f"{name}={value!r}")
    return value


def _resized_shape(layer, input_shape, height, width):
    shape = list(input_shape)
    h_axis, w_axis = layer._hw_axes(len(shape))
    shape[h_axis], shape[w_axis] = height, width
    return tuple(shape)


@keras_export("keras.layers.Resizing")
class Resizing(ImageLayer):
    """Resizes images to (height, width) with `lamina.ops.image.resize`.

    Args:
        height, width: the output size.
        interpolation: "bilinear" (default) or "nearest".
        crop_to_aspect_ratio: crop the largest centered box with the target
            aspect ratio before resizing (no distortion).
        pad_to_aspect_ratio, fill_mode, fill_value: Keras's padding option (only
            pad_to_aspect_ratio=False is supported).
        antialias: widen the bilinear kernel when downsampling.
        data_format: "channels_last" (default) or "channels_first".

    Example:
    >>> Resizing(2, 3)(lamina.ops.ones((4, 8, 8, 3))).shape
    (4, 2, 3, 3)
    """

    def __init__(self, height, width, interpolation: str = "bilinear",
                 crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
                 fill_mode: str = "constant", fill_value: float = 0.0, antialias: bool = False,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = _positive_int(height, "height", "Resizing")
        self.width = _positive_int(width, "width", "Resizing")
        if interpolation not in image_ops.RESIZE_INTERPOLATIONS:
            raise ValueError("Invalid value for argument `interpolation`. Expected of one "
                             f"{image_ops.RESIZE_INTERPOLATIONS}. Received: "
                             f"interpolation={interpolation}")
        if pad_to_aspect_ratio:
            raise NotImplementedError("Resizing: pad_to_aspect_ratio=True is not supported by "
                                      "lamina")
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def call(self, inputs):
        return image_ops.resize(self._float(inputs), (self.height, self.width),
                                interpolation=self.interpolation, antialias=self.antialias,
                                crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                                data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        return _resized_shape(self, input_shape, self.height, self.width)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "height": self.height, "width": self.width, "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
            "fill_value": self.fill_value, "antialias": self.antialias,
            "data_format": self.data_format,
        })
        return config


@keras_export("keras.layers.CenterCrop")
class CenterCrop(ImageLayer):
    """Crops the central (height, width) region of images. An image smaller than
    the target is first cropped to the target's aspect ratio and resized
    (bilinear), as Keras does.

    Args:
        height, width: the output size.
        data_format: "channels_last" (default) or "channels_first".

    Example:
    >>> CenterCrop(2, 2)(lamina.ops.ones((1, 4, 4, 3))).shape
    (1, 2, 2, 3)
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = _positive_int(height, "height", "CenterCrop")
        self.width = _positive_int(width, "width", "CenterCrop")

    def call(self, inputs):
        x = self._float(inputs)
        h_axis, w_axis = self._hw_axes(len(x.shape))
        h, w = x.shape[h_axis], x.shape[w_axis]
        dh, dw = h - self.height, w - self.width
        if dh >= 0 and dw >= 0:
            starts = [0] * len(x.shape)
            starts[h_axis], starts[w_axis] = dh // 2, dw // 2
            size = list(x.shape)
            size[h_axis], size[w_axis] = self.height, self.width
            return ops.slice(x, starts, size)
        return image_ops.resize(x, (self.height, self.width), crop_to_aspect_ratio=True,
                                data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        return _resized_shape(self, input_shape, self.height, self.width)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"height": self.height, "width": self.width,
                       "data_format": self.data_format})
        return config
