"""`lamina.constraints` (keras.constraints): weight constraints and the
`get` / `serialize` / `deserialize` helpers that layers use to resolve them.

Example:
>>> from lamina import constraints
>>> constraints.get("max_norm").get_config()
{'max_value': 2, 'axis': 0}
"""

from __future__ import annotations

import inspect
from typing import Any

from lamina.api_export import keras_export
from lamina.constraints.constraints import (  # noqa: F401
    Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm,
)
from lamina.saving import serialization_lib

ALL_OBJECTS = (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)
ALL_OBJECTS_DICT: dict[str, type] = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({
    "constraint": Constraint, "max_norm": MaxNorm, "min_max_norm": MinMaxNorm,
    "non_neg": NonNeg, "unit_norm": UnitNorm,
})

__all__ = [cls.__name__ for cls in ALL_OBJECTS] + ["get", "serialize", "deserialize"]


@keras_export("keras.constraints.serialize")
def serialize(constraint: Constraint) -> dict:
    """Keras's config dict of a constraint.

    Example:
    >>> serialize(NonNeg())["class_name"]
    'NonNeg'
    """
    return serialization_lib.serialize_keras_object(constraint)


@keras_export("keras.constraints.deserialize")
def deserialize(config: dict | str, custom_objects: dict | None = None) -> Constraint:
    """The constraint described by `config` (a dict from `serialize`, or a name).

    Example:
    >>> deserialize({"class_name": "UnitNorm", "config": {"axis": 1}}).axis
    1
    """
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT,
        printable_module_name="constraint")


@keras_export("keras.constraints.get")
def get(identifier: Any) -> Constraint | None:
    """Resolves a constraint: None stays None; a name ("max_norm", "non_neg",
    "unit_norm", "min_max_norm", a class name) gives a default instance; a dict is
    deserialized; a class is instantiated; a callable is returned as is.

    Example:
    >>> type(get("non_neg")).__name__
    'NonNeg'
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
        f"Could not interpret constraint identifier: {identifier!r}. Expected None, a "
        "callable, a config dict or one of: " + ", ".join(sorted(ALL_OBJECTS_DICT)) + "."
    )
