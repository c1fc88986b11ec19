"""`RandomFlip`: flips images horizontally and/or vertically at random in training."""

from __future__ import annotations

from lamina import ops, random
from lamina.api_export import keras_export
from lamina.layers.preprocessing.image_layer import ImageLayer, resolve_training

HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL = "horizontal", "vertical", "horizontal_and_vertical"


@keras_export("keras.layers.RandomFlip")
class RandomFlip(ImageLayer):
    """Flips each image left-right ("horizontal") and/or upside down ("vertical"),
    each with probability 0.5, during training; the identity at inference.

    Args:
        mode: "horizontal", "vertical" or "horizontal_and_vertical" (default).
        seed: an int for reproducible flips.
        data_format: "channels_last" (default) or "channels_first".

    As in Keras, the layer augments when called without a `training` value (and
    not inside a model call that sets one).

    Example:
    >>> x = lamina.ops.ones((2, 4, 4, 3))
    >>> RandomFlip(seed=1)(x, training=False).shape
    (2, 4, 4, 3)
    """

    def __init__(self, mode: str = HORIZONTAL_AND_VERTICAL, seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if mode not in (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL):
            raise ValueError(f"RandomFlip layer {self.name} received an unknown mode argument "
                             f"{mode}. Expected one of {HORIZONTAL!r}, {VERTICAL!r} or "
                             f"{HORIZONTAL_AND_VERTICAL!r}.")
        self.mode = mode
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)

    def call(self, inputs, training=True):
        x = self._float(inputs)
        if not resolve_training(training):
            return x
        unbatched = len(x.shape) == 3
        if unbatched:
            x = ops.expand_dims(x, 0)
        h_axis, w_axis = self._hw_axes(4)
        axes = []
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            axes.append(w_axis)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            axes.append(h_axis)
        for axis in axes:
            u = random.uniform((x.shape[0], 1, 1, 1), seed=self.seed_generator, dtype=x.dtype)
            x = ops.where(ops.less_equal(u, 0.5), ops.flip(x, axis=axis), x)
        return ops.squeeze(x, 0) if unbatched else x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"seed": self.seed, "mode": self.mode, "data_format": self.data_format})
        return config
