"""`lamina.initializers` (keras.initializers): weight initializers and the
`get` / `serialize` / `deserialize` helpers that layers use to resolve them.

Example:
>>> from lamina import initializers
>>> init = initializers.get("glorot_uniform")
>>> init((3, 2)).shape
(3, 2)
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from lamina.api_export import keras_export
from lamina.initializers.constant_initializers import (  # noqa: F401
    Constant, Identity, IdentityInitializer, Ones, Zeros,
)
from lamina.initializers.initializer import Initializer
from lamina.initializers.random_initializers import (  # noqa: F401
    GlorotNormal, GlorotUniform, HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal,
    OrthogonalInitializer, RandomInitializer, RandomNormal, RandomUniform, TruncatedNormal,
    VarianceScaling, compute_fans,
)
from lamina.saving import serialization_lib

ALL_OBJECTS = (
    Initializer, Constant, IdentityInitializer, Ones, Zeros, GlorotNormal, GlorotUniform,
    HeNormal, HeUniform, LecunNormal, LecunUniform, OrthogonalInitializer, RandomNormal,
    RandomUniform, TruncatedNormal, VarianceScaling,
)


def _snake_case(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


# Class names, their snake_case forms, and Keras's aliases.
ALL_OBJECTS_DICT: dict[str, type] = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update({
    "uniform": RandomUniform, "normal": RandomNormal, "orthogonal": OrthogonalInitializer,
    "Orthogonal": OrthogonalInitializer, "one": Ones, "zero": Zeros,
    "identity": IdentityInitializer, "Identity": IdentityInitializer,
})

__all__ = [cls.__name__ for cls in ALL_OBJECTS] + [
    "Identity", "Orthogonal", "RandomInitializer", "compute_fans", "get", "serialize",
    "deserialize",
]


@keras_export("keras.initializers.serialize")
def serialize(initializer: Initializer) -> dict:
    """Keras's config dict of an initializer.

    Example:
    >>> serialize(GlorotUniform())
    {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None}, 'registered_name': None}
    """
    return serialization_lib.serialize_keras_object(initializer)


@keras_export("keras.initializers.deserialize")
def deserialize(config: dict | str, custom_objects: dict | None = None) -> Initializer:
    """The initializer described by `config` (a dict from `serialize`, or a name).

    Example:
    >>> deserialize({"class_name": "HeNormal", "config": {"seed": 1}}).seed
    1
    """
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT,
        printable_module_name="initializer")


@keras_export("keras.initializers.get")
def get(identifier: Any) -> Initializer | None:
    """Resolves an initializer: None stays None; a name ("he_normal",
    "GlorotUniform", ...) or config dict gives a new instance; a class is
    instantiated; a callable is returned as is.

    Example:
    >>> type(get("zeros")).__name__
    'Zeros'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = deserialize(identifier)  # an unknown name: ValueError listing the known ones
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(
        f"Could not interpret initializer identifier: {identifier!r}. Expected None, a "
        "callable, a config dict or one of: " + ", ".join(sorted(ALL_OBJECTS_DICT)) + "."
    )
