"""`lamina.activations` (keras.activations): activation functions and the
`get` / `serialize` / `deserialize` helpers that layers use to resolve them.

Example:
>>> from lamina import activations
>>> activations.get("relu") is activations.relu
True
>>> activations.serialize(activations.relu)
'relu'
"""

from __future__ import annotations

import types
from typing import Any, Callable

from lamina.activations.activations import (  # noqa: F401
    celu, elu, exponential, gelu, hard_shrink, hard_sigmoid, hard_silu, hard_swish, hard_tanh,
    leaky_relu, linear, log_sigmoid, log_softmax, mish, relu, relu6, selu, sigmoid, silu,
    soft_shrink, softmax, softplus, softsign, sparse_plus, squareplus, swish, tanh, tanh_shrink,
    threshold,
)
from lamina.api_export import keras_export, keras_name
from lamina.saving import object_registration, serialization_lib

ALL_OBJECTS = (
    relu, leaky_relu, relu6, softmax, celu, elu, selu, softplus, softsign, squareplus,
    soft_shrink, sparse_plus, silu, gelu, tanh, tanh_shrink, threshold, sigmoid, exponential,
    hard_sigmoid, hard_silu, hard_tanh, hard_shrink, linear, mish, log_softmax, log_sigmoid,
)
# name -> function; the aliases name the same functions (serialized as "silu", ...).
ALL_OBJECTS_DICT: dict[str, Callable] = {fn.__name__: fn for fn in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({"swish": silu, "hard_swish": hard_silu})

__all__ = sorted(ALL_OBJECTS_DICT) + ["get", "serialize", "deserialize"]


def _is_builtin(fn) -> bool:
    name = keras_name(fn) if isinstance(fn, types.FunctionType) else None
    return (name is not None and name.startswith("keras.activations.")
            and fn not in object_registration._GLOBAL_CUSTOM_NAMES
            and ALL_OBJECTS_DICT.get(fn.__name__) is fn)


@keras_export("keras.activations.serialize")
def serialize(activation: Callable) -> str | dict:
    """The config of an activation: the name of a built-in (`"relu"`), else
    Keras's function/object dict, naming a custom function by its registered name.

    Example:
    >>> serialize(lamina.activations.swish)
    'silu'
    """
    if _is_builtin(activation):
        return activation.__name__
    if not callable(activation):
        raise ValueError(f"activations.serialize: expected an activation function (a callable), "
                         f"got {type(activation).__name__} {activation!r}")
    config = serialization_lib.serialize_keras_object(activation)
    if isinstance(activation, types.FunctionType) and isinstance(config, dict) \
            and isinstance(config.get("config"), str):
        config["config"] = object_registration.get_registered_name(activation)
    return config


@keras_export("keras.activations.deserialize")
def deserialize(config: str | dict, custom_objects: dict | None = None) -> Callable:
    """The activation function named or described by `config` (a name such as
    "relu" or a dict from `serialize`); `custom_objects` maps names to user functions.

    Example:
    >>> deserialize("gelu") is lamina.activations.gelu
    True
    """
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT,
        printable_module_name="activation function")


@keras_export("keras.activations.get")
def get(identifier: Any) -> Callable:
    """Resolves an activation: None gives `linear`, a name or config dict the
    function it names, a callable itself.

    Example:
    >>> get(None) is lamina.activations.linear
    True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        obj = deserialize(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj
    raise ValueError(
        f"Could not interpret activation function identifier: {identifier!r}. Expected None, "
        f"a callable, a config dict or one of: {', '.join(sorted(ALL_OBJECTS_DICT))}."
    )
