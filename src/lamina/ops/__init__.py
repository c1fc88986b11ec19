"""`lamina.ops`: the Keras 3 ops API (keras.ops), computed by the native core.

Each family lives in its own module; this package re-exports their public names.
"""

from lamina.ops.operation import Operation
from lamina.ops.primitive import Primitive
from lamina.ops.core import *  # noqa: F401,F403
from lamina.ops.creation import *  # noqa: F401,F403
from lamina.ops.elementwise import *  # noqa: F401,F403
from lamina.ops.linalg import *  # noqa: F401,F403
from lamina.ops.reduction import *  # noqa: F401,F403
from lamina.ops.manipulation import *  # noqa: F401,F403
from lamina.ops.indexing import *  # noqa: F401,F403
from lamina.ops.softmax_ops import *  # noqa: F401,F403
from lamina.ops.nn import *  # noqa: F401,F403
from lamina.ops.normalization import *  # noqa: F401,F403
from lamina.autodiff.functional import grad, value_and_grad  # noqa: E402

from lamina.api_export import keras_export as _keras_export


def _export_public_functions() -> None:
    """Records every public op under its Keras name (keras.ops.relu, ...), so that
    configs can name them (e.g. a Lambda layer wrapping ops.relu)."""
    import types

    for _name, _obj in list(globals().items()):
        if not _name.startswith("_") and isinstance(_obj, types.FunctionType):
            _keras_export(f"keras.ops.{_name}")(_obj)


_export_public_functions()

from lamina.backend import tensor as _tensor_module
import sys as _sys

_tensor_module._install_ops(_sys.modules[__name__])
del _tensor_module, _sys
