"""lamina: a deep learning framework with the Keras 3 API on its own C++ core.

Change `import keras` to `import lamina as keras` and a Keras program runs here.
"""

__version__ = "0.1.0"

from lamina.backend import KerasTensor, Tensor, Variable  # noqa: E402
from lamina import ops  # noqa: E402
from lamina.autodiff import GradientTape  # noqa: E402
from lamina import random  # noqa: E402
from lamina import utils  # noqa: E402
from lamina import (  # noqa: E402
    activations, config, constraints, datasets, dtype_policies, initializers, regularizers,
    saving,
)
from lamina.dtype_policies import DTypePolicy  # noqa: E402
from lamina import layers  # noqa: E402
from lamina.layers import Input, InputSpec, Layer  # noqa: E402
from lamina import models  # noqa: E402
from lamina import callbacks  # noqa: E402
from lamina import losses  # noqa: E402
from lamina import optimizers  # noqa: E402
from lamina import metrics  # noqa: E402
from lamina.models import Model, Sequential  # noqa: E402

__all__ = [
    "Tensor", "Variable", "KerasTensor", "GradientTape", "ops", "random", "utils",
    "activations", "config", "constraints", "datasets", "dtype_policies", "initializers", "regularizers",
    "saving", "layers", "models", "callbacks", "losses", "optimizers", "metrics", "DTypePolicy", "Input", "InputSpec", "Layer", "Model",
    "Sequential", "__version__",
]
