"""`lamina.regularizers` (keras.regularizers): weight penalties and the
`get` / `serialize` / `deserialize` helpers that layers use to resolve them.

Example:
>>> from lamina import regularizers
>>> regularizers.get("l2").get_config()
{'l2': 0.01}
"""

from __future__ import annotations

import inspect
from typing import Any

from lamina.api_export import keras_export
from lamina.regularizers.regularizers import (  # noqa: F401
    L1, L1L2, L2, OrthogonalRegularizer, Regularizer, validate_float_arg,
)
from lamina.saving import serialization_lib

ALL_OBJECTS = (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)
ALL_OBJECTS_DICT: dict[str, type] = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({
    "regularizer": Regularizer, "l1": L1, "l2": L2, "l1_l2": L1L2, "l1l2": L1L2,
    "orthogonal_regularizer": OrthogonalRegularizer,
})

__all__ = [cls.__name__ for cls in ALL_OBJECTS] + ["get", "serialize", "deserialize"]


@keras_export("keras.regularizers.serialize")
def serialize(regularizer: Regularizer) -> dict:
    """Keras's config dict of a regularizer.

    Example:
    >>> serialize(L2(0.1))["config"]
    {'l2': 0.1}
    """
    return serialization_lib.serialize_keras_object(regularizer)


@keras_export("keras.regularizers.deserialize")
def deserialize(config: dict | str, custom_objects: dict | None = None) -> Regularizer:
    """The regularizer described by `config` (a dict from `serialize`, or a name).

    Example:
    >>> deserialize({"class_name": "L1", "config": {"l1": 0.5}}).l1
    0.5
    """
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT,
        printable_module_name="regularizer")


@keras_export("keras.regularizers.get")
def get(identifier: Any) -> Regularizer | None:
    """Resolves a regularizer: None stays None; a name ("l1", "l2", "l1_l2",
    "orthogonal_regularizer", a class name) gives a default instance; a dict is
    deserialized; a class is instantiated; a callable is returned as is.

    Example:
    >>> type(get("l1_l2")).__name__
    'L1L2'
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        obj = deserialize(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(
        f"Could not interpret regularizer identifier: {identifier!r}. Expected None, a "
        "callable, a config dict or one of: " + ", ".join(sorted(ALL_OBJECTS_DICT)) + "."
    )
