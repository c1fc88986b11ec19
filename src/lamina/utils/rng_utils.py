"""`set_random_seed`: one call to make a program's random numbers reproducible."""

from __future__ import annotations

import random as python_random

import numpy as np

from lamina.random import seed_generator

__all__ = ["set_random_seed"]


def set_random_seed(seed: int) -> None:
    """Seeds Python's `random`, NumPy's global generator and lamina's global
    `SeedGenerator` (the one `lamina.random` functions use with `seed=None`).

    Example:
    >>> lamina.utils.set_random_seed(0)
    >>> a = lamina.random.normal((3,))
    >>> lamina.utils.set_random_seed(0)
    >>> b = lamina.random.normal((3,))  # equal to a
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(
            f"set_random_seed: seed must be an int, got {type(seed).__name__} {seed!r}"
        )
    seed = int(seed)
    if not 0 <= seed < 2**32:
        raise ValueError(f"set_random_seed: seed must be in [0, 2**32), got {seed}")
    python_random.seed(seed)
    np.random.seed(seed)
    seed_generator.set_global_seed_generator(
        seed_generator.SeedGenerator(seed, name="global_seed_generator"))
