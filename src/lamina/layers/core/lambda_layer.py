"""`Lambda`: wraps an arbitrary function of tensors as a layer.

Its config stores the function: a named (registered or built-in) function by
name, a Python lambda as bytecode, which loading refuses in safe mode, as Keras.
"""

from __future__ import annotations

import base64
import inspect
import marshal
import types

from lamina.api_export import keras_export
from lamina.backend.keras_tensor import KerasTensor
from lamina.layers.layer import Layer
from lamina.saving import serialization_lib


@keras_export("keras.layers.Lambda")
class Lambda(Layer):
    """Applies `function(inputs, **arguments)`.

    Args:
        function: the function (tensors in, tensors out).
        output_shape: the output shape (without batch) or a function of the
            input shape; inferred by calling `function` symbolically if None.
        mask: not supported (must be None).
        arguments: extra keyword arguments for `function`.

    Example:
    >>> Lambda(lambda x: x * 2)(lamina.ops.ones((2,))).numpy()
    array([2., 2.], dtype=float32)
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: function must be callable, got {type(function).__name__}")
        if mask is not None:
            raise ValueError("Lambda: mask is not supported by lamina")
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape
        self._fn_takes_training = "training" in _parameters(function)
        self.built = True

    def call(self, inputs, training=None):
        kwargs = dict(self.arguments)
        if self._fn_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_spec(self, inputs, **kwargs):
        if self._output_shape is None:
            return self.call(inputs, **kwargs)  # traced on symbolic tensors
        shape = self.compute_output_shape(tuple(inputs.shape))
        return KerasTensor(shape, inputs.dtype)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return tuple(self.call(KerasTensor(input_shape, self.compute_dtype)).shape)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        return (input_shape[0],) + tuple(self._output_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config["function"] = _serialize_function(self.function)
        if self._output_shape is not None:
            config["output_shape"] = (_serialize_function(self._output_shape)
                                      if callable(self._output_shape) else list(self._output_shape))
        config["arguments"] = serialization_lib.serialize_keras_object(self.arguments)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None, safe_mode=None):
        config = dict(config)
        safe = serialization_lib.in_safe_mode() if safe_mode is None else safe_mode
        safe = True if safe is None else safe
        config["function"] = _deserialize_function(config["function"], safe, custom_objects)
        if isinstance(config.get("output_shape"), dict):
            config["output_shape"] = _deserialize_function(config["output_shape"], safe,
                                                           custom_objects)
        if config.get("arguments"):
            config["arguments"] = serialization_lib.deserialize_keras_object(config["arguments"])
        return super().from_config(config)


def _parameters(fn) -> tuple:
    try:
        return tuple(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return ()


def _serialize_function(fn) -> dict:
    if isinstance(fn, types.FunctionType) and fn.__name__ == "<lambda>":
        code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
        return {"class_name": "__lambda__",
                "config": {"code": code, "defaults": None, "closure": None}}
    return serialization_lib.serialize_keras_object(fn)


def _deserialize_function(config, safe: bool, custom_objects):
    if isinstance(config, dict) and config.get("class_name") == "__lambda__":
        if safe:
            raise ValueError(
                "Requested the deserialization of a `Lambda` layer whose `function` is a "
                "Python lambda. This carries a potential risk of arbitrary code execution "
                "and thus it is disallowed by default. If you trust the source of the "
                "artifact, you can override this error by passing `safe_mode=False` to the "
                "loading function, or calling "
                "`lamina.config.enable_unsafe_deserialization()`."
            )
        inner = config["config"]
        raw = inner.get("code", inner.get("value"))
        code = marshal.loads(base64.b64decode(raw))
        from lamina import ops

        return types.FunctionType(code, {"ops": ops, "keras": None})
    return serialization_lib.deserialize_keras_object(config, custom_objects=custom_objects,
                                                      safe_mode=safe)
