"""`Initializer`: the base class of weight initializers (keras.initializers.Initializer)."""

from __future__ import annotations

from lamina.api_export import keras_export


@keras_export("keras.initializers.Initializer", "keras.Initializer")
class Initializer:
    """A callable that returns a new tensor of a given shape and dtype.

    Subclasses implement `__call__(shape, dtype=None)` and, when they take
    arguments, `get_config()` (a dict of constructor arguments).

    Example:
    >>> class Fives(Initializer):
    ...     def __call__(self, shape, dtype=None):
    ...         return lamina.ops.full(shape, 5.0, dtype=dtype)
    >>> Fives()((2,)).numpy()
    array([5., 5.], dtype=float32)
    """

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(
            f"Initializer subclasses must implement `__call__()`; {type(self).__name__} does not."
        )

    def get_config(self) -> dict:
        """The constructor arguments as a JSON-compatible dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> "Initializer":
        """Rebuilds an initializer from the dict of `get_config()`."""
        return cls(**config)

    def clone(self) -> "Initializer":
        """A new initializer with the same configuration."""
        return self.__class__.from_config(self.get_config())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
