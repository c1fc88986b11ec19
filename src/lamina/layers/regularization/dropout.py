"""`Dropout`: zeroes a random fraction of the input in training."""

from __future__ import annotations

from lamina import random
from lamina.api_export import keras_export
from lamina.layers.layer import Layer
from lamina.ops import zeros_like


@keras_export("keras.layers.Dropout")
class Dropout(Layer):
    """Sets inputs to 0 with probability `rate` in training and scales the rest by
    1 / (1 - rate); the identity at inference.

    Args:
        rate: float in [0, 1), the fraction to drop.
        noise_shape: the shape of the binary mask, broadcast to the input
            (None entries take the input's size).
        seed: an int for reproducible masks.

    Example:
    >>> Dropout(0.5)(lamina.ops.ones((2, 2)), training=False).numpy()
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(
                "Invalid value received for argument `rate`. Expected a float value between "
                f"0 and 1. Received: rate={rate!r}"
            )
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed) if self.rate > 0 else None
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            return zeros_like(inputs)  # everything dropped (1 / (1 - rate) undefined)
        noise_shape = None
        if self.noise_shape is not None:
            noise_shape = tuple(inputs.shape[i] if d is None else d
                                for i, d in enumerate(self.noise_shape))
        return random.dropout(inputs, self.rate, noise_shape=noise_shape,
                              seed=self.seed_generator)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed,
                       "noise_shape": None if self.noise_shape is None else list(self.noise_shape)})
        return config
