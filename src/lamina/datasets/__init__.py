"""`lamina.datasets`: Keras-style dataset loaders."""

from lamina.datasets import digits, mnist  # noqa: F401

__all__ = ["digits", "mnist"]
