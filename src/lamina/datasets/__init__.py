"""`lamina.datasets`: Keras-style dataset loaders."""

from lamina.datasets import digits, fashion_mnist, mnist  # noqa: F401

__all__ = ["digits", "fashion_mnist", "mnist"]
