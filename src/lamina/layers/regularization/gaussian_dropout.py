"""`GaussianDropout`: multiplies by 1-centred Gaussian noise in training."""

from __future__ import annotations

import math

from lamina import random
from lamina.api_export import keras_export
from lamina.layers.layer import Layer
from lamina.ops import multiply


@keras_export("keras.layers.GaussianDropout")
class GaussianDropout(Layer):
    """Multiplies the input by noise drawn from N(1, rate / (1 - rate)) in
    training (Srivastava et al., 2014); the identity at inference.

    Args:
        rate: float in [0, 1), the drop probability of the equivalent dropout.
        seed: an int for reproducible noise.

    Example:
    >>> GaussianDropout(0.2)(lamina.ops.ones((2, 2)), training=False).shape
    (2, 2)
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1 (1 excluded). Received: rate={rate!r}")
        self.rate = float(rate)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed) if self.rate > 0 else None
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = random.normal(tuple(inputs.shape), mean=1.0, stddev=stddev, dtype=inputs.dtype,
                              seed=self.seed_generator)
        return multiply(inputs, noise)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
