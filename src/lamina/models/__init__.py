"""`lamina.models`: Model (with the functional API, `Model(inputs, outputs)`),
Functional and Sequential."""

from lamina.models.model import Model
from lamina.models.functional import Functional
from lamina.models.sequential import Sequential

__all__ = ["Functional", "Model", "Sequential"]
