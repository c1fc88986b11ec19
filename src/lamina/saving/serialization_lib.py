"""Object configs: `serialize_keras_object` / `deserialize_keras_object`, in Keras 3's
format, so lamina's configs are Keras's configs.

A serialized object is a dict
`{"module": "keras.layers", "class_name": "Dense", "config": {...},
"registered_name": None}` (plus "build_config" / "compile_config" when the object
has them). Built-in classes carry their Keras export name (lamina.api_export);
user classes carry their Python module and registered name.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
import types
from typing import Any

import numpy as np

from lamina import api_export
from lamina.saving import object_registration

PLAIN_TYPES = (str, int, float, bool)
_state = threading.local()


@contextlib.contextmanager
def SafeModeScope(safe_mode: bool = True):  # noqa: N802 - Keras's name
    """Sets the safe mode for deserialization inside a `with` block."""
    prev = getattr(_state, "safe_mode", None)
    _state.safe_mode = safe_mode
    try:
        yield
    finally:
        _state.safe_mode = prev


def in_safe_mode() -> bool | None:
    """The safe mode of the enclosing deserialization (None outside one)."""
    return getattr(_state, "safe_mode", None)


def enable_unsafe_deserialization() -> None:
    """Turns safe mode off for this thread (allows Lambda layers with Python code)."""
    _state.safe_mode = False


# ----------------------------------------------------------------- serialize
def serialize_keras_object(obj) -> Any:
    """A JSON-compatible description of `obj` (see the module docstring).

    Example:
    >>> serialize_keras_object(lamina.layers.Dense(2))["class_name"]
    'Dense'
    """
    if obj is None or isinstance(obj, PLAIN_TYPES):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return {"class_name": "__numpy__",
                "config": {"value": obj.tolist(), "dtype": obj.dtype.name}}
    if type(obj).__name__ in ("Tensor", "Variable"):
        arr = np.asarray(obj)
        return {"class_name": "__tensor__",
                "config": {"value": arr.tolist(), "dtype": arr.dtype.name}}
    if isinstance(obj, types.FunctionType) and obj.__name__ == "<lambda>":
        import marshal, base64  # noqa: E401 - only for lambdas

        code = base64.b64encode(marshal.dumps(obj.__code__)).decode("ascii")
        return {"class_name": "__lambda__", "config": {"value": code}}
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return _serialize_function(obj)
    if isinstance(obj, type):
        raise TypeError(f"serialize_keras_object: cannot serialize the class {obj.__name__}; "
                        "serialize an instance")
    if not hasattr(obj, "get_config"):
        raise TypeError(
            f"serialize_keras_object: cannot serialize {type(obj).__name__} object {obj!r}: "
            "it has no get_config() method"
        )
    config = obj.get_config()
    out = _class_header(type(obj))
    out["config"] = serialize_keras_object(config)
    if getattr(obj, "built", False) and hasattr(obj, "get_build_config"):
        build_config = obj.get_build_config()
        if build_config is not None:
            out["build_config"] = serialize_keras_object(build_config)
    if hasattr(obj, "get_compile_config"):
        compile_config = obj.get_compile_config()
        if compile_config is not None:
            out["compile_config"] = serialize_keras_object(compile_config)
    return out


def _class_header(cls) -> dict:
    registered = object_registration._GLOBAL_CUSTOM_NAMES.get(cls)
    name = api_export.keras_name(cls)
    if registered is None and name is not None:
        module, class_name = name.rsplit(".", 1)
        return {"module": module, "class_name": class_name, "config": None,
                "registered_name": None}
    return {"module": cls.__module__, "class_name": cls.__name__, "config": None,
            "registered_name": registered or cls.__name__}


def _serialize_function(fn) -> dict:
    name = api_export.keras_name(fn)
    if name is not None and fn not in object_registration._GLOBAL_CUSTOM_NAMES:
        module, fn_name = name.rsplit(".", 1)
        return {"module": module, "class_name": "function", "config": fn_name,
                "registered_name": "function"}
    return {"module": fn.__module__, "class_name": "function", "config": fn.__name__,
            "registered_name": object_registration.get_registered_name(fn)}


# --------------------------------------------------------------- deserialize
def deserialize_keras_object(config, custom_objects: dict | None = None,
                             safe_mode: bool = True, **kwargs):
    """Rebuilds the object that `serialize_keras_object` described.

    `custom_objects` maps names to user classes or functions; `module_objects`
    (keyword) maps plain string names (e.g. "relu") for module-level `get()`s.
    With `safe_mode=True` (the default), Python bytecode (lambdas) is refused.
    """
    module_objects = kwargs.pop("module_objects", None)
    printable = kwargs.pop("printable_module_name", "object")
    if kwargs:
        raise TypeError(f"deserialize_keras_object: unexpected arguments {sorted(kwargs)}")
    outer = in_safe_mode()
    safe = safe_mode if outer is None else outer
    with SafeModeScope(safe), object_registration.CustomObjectScope(custom_objects):
        return _deserialize(config, custom_objects, module_objects, printable, safe)


def _deserialize(config, custom_objects, module_objects, printable, safe):
    if config is None or isinstance(config, (int, float, bool)):
        return config
    if isinstance(config, str):
        obj = object_registration.get_registered_object(config, custom_objects, module_objects)
        if obj is None and not module_objects:
            return config  # a plain string value, not a name to resolve
        if obj is None:
            known = sorted(module_objects) if module_objects else []
            hint = f" Known names: {', '.join(known)}." if known else ""
            raise ValueError(f"Unknown {printable}: '{config}'.{hint} If it is a custom "
                             "object, pass it in custom_objects or register it with "
                             "@lamina.saving.register_keras_serializable().")
        return obj() if isinstance(obj, type) and module_objects else obj
    if isinstance(config, (list, tuple)):
        return [_deserialize(c, custom_objects, module_objects, printable, safe) for c in config]
    if not isinstance(config, dict):
        raise TypeError(f"deserialize_keras_object: cannot deserialize a {type(config).__name__}")
    if "class_name" not in config or "config" not in config:
        if config.get("class_name") == "__tuple__" and "items" in config:  # tf.keras format
            return tuple(config["items"])
        return {k: _deserialize(v, custom_objects, module_objects, printable, safe)
                for k, v in config.items()}

    class_name = config["class_name"]
    inner = config["config"]
    special = _SPECIAL.get(class_name)
    if special is not None:
        return special(inner, safe)
    if class_name == "function":
        return _find(config, inner, custom_objects, module_objects, printable)
    cls = _find(config, class_name, custom_objects, module_objects, printable)
    if not hasattr(cls, "from_config"):
        raise TypeError(f"deserialize_keras_object: {cls!r} has no from_config() method")
    obj = cls.from_config(_drop_keras_only_fields(cls, inner))
    if config.get("build_config") and hasattr(obj, "build_from_config"):
        obj.build_from_config(config["build_config"])
    if config.get("compile_config") and hasattr(obj, "compile_from_config"):
        obj.compile_from_config(config["compile_config"])
    return obj


# Fields that newer Keras versions write with a value meaning "feature unused"; a lamina
# class that does not take the argument gets the config without them (as Keras's own
# older versions ignore them). Any other value is passed on, and refused by the class.
_KERAS_ONLY_FIELDS: dict[str, tuple] = {
    "quantization_config": (None,),
    "input_axes": (None,),
    "output_axes": (None,),
    "lora_rank": (None,),
    "lora_alpha": (None,),
    "ragged": (False, None),
    "optional": (False, None),
}


def _drop_keras_only_fields(cls, inner):
    if not isinstance(inner, dict):
        return inner
    drop = [k for k, harmless in _KERAS_ONLY_FIELDS.items()
            if k in inner and any(inner[k] is v or inner[k] == v and type(inner[k]) is type(v)
                                  for v in harmless) and not _accepts(cls, k)]
    if not drop:
        return inner
    return {k: v for k, v in inner.items() if k not in drop}


def _accepts(cls, name: str) -> bool:
    """Whether `cls(...)` names the argument `name` in some `__init__` of its MRO."""
    for klass in getattr(cls, "__mro__", ()):
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            if name in inspect.signature(init).parameters:
                return True
        except (TypeError, ValueError):
            continue
    return False


def _find(config: dict, name: str, custom_objects, module_objects, printable):
    registered = config.get("registered_name")
    for key in (registered, name):
        if key and key != "function":
            obj = object_registration.get_registered_object(key, custom_objects, module_objects)
            if obj is not None:
                return obj
    obj = api_export.lookup(config.get("module"), name)
    if obj is not None:
        return obj
    raise TypeError(
        f"Could not locate {printable} '{name}' (module {config.get('module')!r}, registered "
        f"name {registered!r}). If it is a custom class or function, decorate it with "
        "@lamina.saving.register_keras_serializable() or pass it in custom_objects="
        f"{{'{name}': {name}}}."
    )


def _numpy(inner, safe):
    return np.array(inner["value"], dtype=inner["dtype"])


def _tensor(inner, safe):
    from lamina.ops import convert_to_tensor

    return convert_to_tensor(np.array(inner["value"], dtype=inner["dtype"]))


def _lambda(inner, safe):
    if safe:
        raise ValueError(
            "Requested the deserialization of a Python lambda, which can run arbitrary code. "
            "This is refused in safe mode; if you trust the source, pass safe_mode=False "
            "or call lamina.saving.serialization_lib.enable_unsafe_deserialization()."
        )
    import base64
    import marshal

    code = marshal.loads(base64.b64decode(inner["value"]))
    return types.FunctionType(code, globals())


_SPECIAL = {
    "__tuple__": lambda inner, safe: tuple(inner["value"]),
    "__bytes__": lambda inner, safe: inner["value"].encode("utf-8"),
    "__numpy__": _numpy,
    "__tensor__": _tensor,
    "__lambda__": _lambda,
}
