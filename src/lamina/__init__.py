"""lamina: a deep learning framework with the Keras 3 API on its own C++ core."""

__version__ = "0.1.0"

from lamina.backend import KerasTensor, Tensor, Variable  # noqa: E402
from lamina import ops  # noqa: E402
from lamina.autodiff import GradientTape  # noqa: E402
from lamina import random  # noqa: E402
from lamina import utils  # noqa: E402

__all__ = ["Tensor", "Variable", "KerasTensor", "GradientTape", "ops", "random", "utils",
           "__version__"]
