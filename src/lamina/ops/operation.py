"""`Operation`: the base of every computation in lamina, primitives and layers alike.

As in Keras 3, calling an Operation on symbolic tensors (`KerasTensor`) infers
the output's shape and dtype without computing; calling it on real tensors
computes. A `Layer` (lamina.layers) is an Operation that owns state.
"""

from __future__ import annotations

import itertools
import re

from lamina.backend.keras_tensor import KerasTensor

_name_counters: dict[str, itertools.count] = {}


def auto_name(prefix: str) -> str:
    counter = _name_counters.setdefault(prefix, itertools.count())
    n = next(counter)
    return prefix if n == 0 else f"{prefix}_{n}"


def any_symbolic(args, kwargs=None) -> bool:
    """True if any (possibly nested) argument is a KerasTensor."""
    stack = list(args) + (list(kwargs.values()) if kwargs else [])
    while stack:
        a = stack.pop()
        if isinstance(a, KerasTensor):
            return True
        if isinstance(a, (list, tuple)):
            stack.extend(a)
        elif isinstance(a, dict):
            stack.extend(a.values())
    return False


class Operation:
    """A computation with a shape/dtype rule (`compute_output_spec`) and a body (`call`).

    Example:
    >>> class Double(Operation):
    ...     def call(self, x):
    ...         return x * 2
    ...     def compute_output_spec(self, x):
    ...         return KerasTensor(x.shape, x.dtype)
    >>> Double()(KerasTensor((None, 3))).shape
    (None, 3)
    """

    def __init__(self, name: str | None = None):
        self.name = name or auto_name(_snake(type(self).__name__))

    def __call__(self, *args, **kwargs):
        if any_symbolic(args, kwargs):
            return self.symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def symbolic_call(self, *args, **kwargs):
        return self.compute_output_spec(*args, **kwargs)

    def call(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement call()")

    def compute_output_spec(self, *args, **kwargs):
        raise NotImplementedError(
            f"{type(self).__name__} must implement compute_output_spec() to be called "
            "on symbolic tensors"
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def to_snake_case(name: str) -> str:
    """Keras's snake case of a class name, used for default names:
    "Conv2D" -> "conv2d", "MaxPooling2D" -> "max_pooling2d", "GRUCell" -> "gru_cell"."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


_snake = to_snake_case
