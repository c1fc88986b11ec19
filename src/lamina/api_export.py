"""The export decorator: records the logical (Keras) names of each public object.

`@keras_export("keras.layers.Dense")` on a class records that the object is known to
Keras as `keras.layers.Dense` (and to lamina as `lamina.layers.Dense`). Serialization
writes the Keras name (module "keras.layers", class_name "Dense"), so lamina's configs
and `.keras` files read the same as Keras's, and reading maps Keras's names back to
lamina's objects.

Example:
>>> @keras_export("keras.layers.Identity")
... class Identity: ...
>>> keras_name(Identity)
'keras.layers.Identity'
"""

from __future__ import annotations

from typing import Any

# "keras.layers.Dense" -> the object; also filled with "lamina.layers.Dense".
_BY_NAME: dict[str, Any] = {}
# The object -> its canonical Keras name (the first one given).
_CANONICAL: dict[Any, str] = {}


class keras_export:  # noqa: N801 - used as a decorator, like Keras's own
    """Registers `obj` under each of `names` ("keras.<module>.<Name>")."""

    def __init__(self, *names: str):
        if not names:
            raise ValueError("keras_export: give at least one name")
        for n in names:
            if not n.startswith("keras."):
                raise ValueError(f"keras_export: names start with 'keras.', got {n!r}")
        self.names = names

    def __call__(self, obj):
        for n in self.names:
            _BY_NAME[n] = obj
            _BY_NAME["lamina." + n[len("keras."):]] = obj
        _CANONICAL.setdefault(obj, self.names[0])
        return obj


def keras_name(obj) -> str | None:
    """The canonical Keras name of an exported object (or of its class), else None."""
    name = _CANONICAL.get(obj)
    if name is None and not isinstance(obj, type):
        name = _CANONICAL.get(type(obj))
    return name


def lookup(module: str | None, name: str):
    """The exported object called `name` in `module` ("keras.layers", "lamina.layers",
    or Keras's internal "keras.src.layers.core.dense"), or None."""
    if module:
        obj = _BY_NAME.get(f"{module}.{name}")
        if obj is not None:
            return obj
        parts = module.split(".")
        if len(parts) > 2 and parts[1] == "src":  # keras.src.layers.core.dense -> keras.layers
            obj = _BY_NAME.get(f"keras.{parts[2]}.{name}")
            if obj is not None:
                return obj
    return None


def exported_names(prefix: str = "keras.") -> list[str]:
    return sorted(n for n in _BY_NAME if n.startswith(prefix))
