"""`lamina.utils`: utilities of keras.utils (re-exports only)."""

from lamina.utils.rng_utils import set_random_seed  # noqa: F401

__all__ = ["set_random_seed"]
