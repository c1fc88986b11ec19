"""`lamina.random`: the Keras 3 random API (keras.random) on a Philox generator."""

from lamina.random.random import (  # noqa: F401
    categorical,
    dropout,
    normal,
    randint,
    shuffle,
    truncated_normal,
    uniform,
)
from lamina.random.seed_generator import SeedGenerator  # noqa: F401

__all__ = [
    "SeedGenerator", "categorical", "dropout", "normal", "randint", "shuffle",
    "truncated_normal", "uniform",
]
