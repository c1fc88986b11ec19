"""Registration of user objects for serialization: `register_keras_serializable`,
`get_registered_object`, `get_registered_name`, custom object scopes.

Built-in objects are found through their export names (lamina.api_export); user
classes and functions register here under "package>name", as in Keras.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

_GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = {}
_GLOBAL_CUSTOM_NAMES: dict[Any, str] = {}
_scope = threading.local()


def _scoped_objects() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for objects in getattr(_scope, "stack", []):
        merged.update(objects)
    return merged


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable:
    """Registers a class or function under "package>name" so configs can name it.

    Classes must implement `get_config`.

    Example:
    >>> @register_keras_serializable(package="MyLayers")
    ... class Scale(lamina.layers.Layer):
    ...     def get_config(self):
    ...         return super().get_config()
    >>> get_registered_name(Scale)
    'MyLayers>Scale'
    """
    if ">" in package:
        raise ValueError(f"register_keras_serializable: package must not contain '>', got {package!r}")

    def decorator(obj):
        registered = f"{package}>{name or obj.__name__}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(
                f"register_keras_serializable: class {obj.__name__} cannot be registered "
                "because it does not implement get_config()"
            )
        _GLOBAL_CUSTOM_OBJECTS[registered] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = registered
        return obj

    return decorator


def get_registered_name(obj) -> str:
    """The name `obj` is registered under ("package>name"), else its own name."""
    if obj in _GLOBAL_CUSTOM_NAMES:
        return _GLOBAL_CUSTOM_NAMES[obj]
    return getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(name: str, custom_objects: dict | None = None,
                          module_objects: dict | None = None):
    """The object registered (globally, in a custom object scope, in `custom_objects`
    or in `module_objects`) under `name`, or None."""
    for table in (_scoped_objects(), _GLOBAL_CUSTOM_OBJECTS, custom_objects or {},
                  module_objects or {}):
        if name in table:
            return table[name]
    return None


def get_custom_objects() -> dict[str, Any]:
    """The global registry (a live dict, as Keras's: entries added here are found)."""
    return _GLOBAL_CUSTOM_OBJECTS


class CustomObjectScope:
    """Makes `custom_objects` visible to deserialization inside a `with` block.

    Example:
    >>> with CustomObjectScope({"Scale": Scale}):
    ...     layer = lamina.layers.deserialize(config)
    """

    def __init__(self, custom_objects: dict | None = None):
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self):
        if not hasattr(_scope, "stack"):
            _scope.stack = []
        _scope.stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _scope.stack.pop()


custom_object_scope = CustomObjectScope
