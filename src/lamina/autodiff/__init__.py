"""Automatic differentiation: GradientTape and functional grad transforms."""

from lamina.autodiff.functional import grad, value_and_grad
from lamina.autodiff.tape import GradientTape

__all__ = ["GradientTape", "grad", "value_and_grad"]
