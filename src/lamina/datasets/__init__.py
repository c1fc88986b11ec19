"""`lamina.datasets`: Keras-style dataset loaders."""

from lamina.datasets import mnist  # noqa: F401

__all__ = ["mnist"]
