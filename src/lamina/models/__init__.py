"""`lamina.models`: Model and Sequential (the functional API comes later)."""

from lamina.models.model import Model
from lamina.models.sequential import Sequential

__all__ = ["Model", "Sequential"]
