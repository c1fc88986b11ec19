"""The shared part of RandomRotation and RandomZoom: fill and interpolation options,
and applying per-image transforms with `lamina.ops.image.affine_transform`."""

from __future__ import annotations

from lamina import ops, random
from lamina.layers.preprocessing.image_layer import ImageLayer, resolve_training
from lamina.ops import image as image_ops

SUPPORTED_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
SUPPORTED_INTERPOLATIONS = ("nearest", "bilinear")


class RandomAffineLayer(ImageLayer):
    """Base of random geometric augmentations: subclasses build one transform per
    image (`_transforms(batch, height, width)`, shape (batch, 8))."""

    def __init__(self, fill_mode: str = "reflect", interpolation: str = "bilinear", seed=None,
                 fill_value: float = 0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if fill_mode not in SUPPORTED_FILL_MODES:
            raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one "
                                      f"{SUPPORTED_FILL_MODES}.")
        if interpolation not in SUPPORTED_INTERPOLATIONS:
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of "
                                      f"one {SUPPORTED_INTERPOLATIONS}.")
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)

    def _uniform(self, n: int, low: float, high: float):
        return random.uniform((n,), minval=low, maxval=high, dtype="float32",
                              seed=self.seed_generator)

    def _transforms(self, batch: int, height: int, width: int):
        raise NotImplementedError

    def call(self, inputs, training=True):
        x = self._float(inputs)
        if not resolve_training(training):
            return x
        rank = len(x.shape)
        h_axis, w_axis = self._hw_axes(rank)
        batch = 1 if rank == 3 else x.shape[0]
        transforms = self._transforms(batch, x.shape[h_axis], x.shape[w_axis])
        if rank == 3:
            transforms = transforms[0]
        return image_ops.affine_transform(x, transforms, interpolation=self.interpolation,
                                          fill_mode=self.fill_mode, fill_value=self.fill_value,
                                          data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


def stack_columns(columns, n: int):
    """(n, 8) transforms from eight length-n vectors or Python floats."""
    cols = [c if not isinstance(c, (int, float)) else ops.full((n,), float(c), "float32")
            for c in columns]
    return ops.stack(cols, axis=1)
