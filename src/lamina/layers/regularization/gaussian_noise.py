"""`GaussianNoise`: adds zero-centred Gaussian noise in training."""

from __future__ import annotations

from lamina import random
from lamina.api_export import keras_export
from lamina.layers.layer import Layer
from lamina.ops import add


@keras_export("keras.layers.GaussianNoise")
class GaussianNoise(Layer):
    """Adds noise drawn from N(0, stddev²) in training (a regularizer, e.g. for
    inputs); the identity at inference.

    Args:
        stddev: float >= 0, the standard deviation of the noise.
        seed: an int for reproducible noise.

    Example:
    >>> GaussianNoise(0.1)(lamina.ops.ones((2, 2)), training=False).numpy()
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or stddev < 0:
            raise ValueError("Invalid value received for argument `stddev`. Expected a float "
                             f"value greater than or equal to 0. Received: stddev={stddev!r}")
        self.stddev = float(stddev)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed) if self.stddev > 0 else None
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        noise = random.normal(tuple(inputs.shape), mean=0.0, stddev=self.stddev,
                              dtype=inputs.dtype, seed=self.seed_generator)
        return add(inputs, noise)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config
