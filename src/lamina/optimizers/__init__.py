"""`lamina.optimizers`: Keras 3's optimizers, each step one fused native kernel call.

Example:
>>> opt = lamina.optimizers.get("adam")
>>> lamina.optimizers.serialize(opt)["class_name"]
'Adam'
"""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.optimizers import schedules
from lamina.optimizers.adadelta import Adadelta
from lamina.optimizers.adagrad import Adagrad
from lamina.optimizers.adam import Adam
from lamina.optimizers.adamax import Adamax
from lamina.optimizers.adamw import AdamW
from lamina.optimizers.lion import Lion
from lamina.optimizers.nadam import Nadam
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.rmsprop import RMSprop
from lamina.optimizers.sgd import SGD
from lamina.saving import serialization_lib

ALL_OBJECTS = {Optimizer, Adam, SGD, RMSprop, Adadelta, AdamW, Adagrad, Adamax, Lion, Nadam}
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({cls.__name__.lower(): cls for cls in ALL_OBJECTS})
_KNOWN = sorted({cls.__name__.lower() for cls in ALL_OBJECTS} - {"optimizer"})


@keras_export("keras.optimizers.serialize")
def serialize(optimizer) -> dict:
    """The optimizer's config in Keras's format
    (`{"module": "keras.optimizers", "class_name": "Adam", "config": {...}, ...}`)."""
    return serialization_lib.serialize_keras_object(optimizer)


@keras_export("keras.optimizers.deserialize")
def deserialize(config: dict, custom_objects: dict | None = None):
    """Rebuilds an optimizer from `serialize`'s output (class names case-insensitive)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"deserialize: expected a dict with a 'class_name', got {config!r}")
    config = dict(config)
    if str(config["class_name"]).lower() in ALL_OBJECTS_DICT:
        config["class_name"] = config["class_name"].lower()
    return serialization_lib.deserialize_keras_object(
        config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects,
        printable_module_name="optimizer")


@keras_export("keras.optimizers.get")
def get(identifier):
    """An optimizer from a name ("adam", case-insensitive), a config dict or an instance.

    Example:
    >>> lamina.optimizers.get("RMSprop").name
    'rmsprop'
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        if identifier.lower() not in ALL_OBJECTS_DICT or identifier.lower() == "optimizer":
            raise ValueError(f"Unknown optimizer: '{identifier}'. Known optimizers: "
                             f"{', '.join(_KNOWN)}.")
        obj = deserialize({"class_name": identifier, "config": {}})
    elif isinstance(identifier, dict):
        obj = deserialize(identifier)
    else:
        obj = identifier
    if isinstance(obj, Optimizer):
        return obj
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. Pass an "
                     f"optimizer instance, a config dict, or one of: {', '.join(_KNOWN)}.")


__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "Nadam", "Lion", "schedules", "get", "serialize", "deserialize"]
