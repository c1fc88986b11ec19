"""`Sequential`: a linear stack of layers, itself a Model (hence a Layer)."""

from __future__ import annotations

import copy

from lamina.backend.variable import STRUCTURE_VERSION
from lamina import dtype_policies
from lamina.api_export import keras_export
from lamina.backend.keras_tensor import KerasTensor
from lamina.layers.core.input_layer import InputLayer
from lamina.layers.layer import Layer
from lamina.models.model import Model
from lamina.saving import serialization_lib


@keras_export("keras.Sequential", "keras.models.Sequential")
class Sequential(Model):
    """A stack of layers, each feeding the next.

    Once the input shape is known (an `Input`/`InputLayer` first, or a first
    layer given `input_shape=`), every `add` builds the new layer and checks
    that it accepts the previous layer's output, so a wrong stack fails at
    `add`, naming the layer and both shapes.

    Example:
    >>> model = Sequential([lamina.Input(shape=(784,)), lamina.layers.Dense(10)])
    >>> model.output_shape
    (None, 10)
    """

    def __init__(self, layers=None, trainable: bool = True, name: str | None = None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._outputs_spec: KerasTensor | None = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        if layers:
            self._maybe_rebuild()

    # ------------------------------------------------------------- editing
    def add(self, layer, rebuild: bool = True) -> None:
        """Appends a layer (or an `Input` tensor, which must come first)."""
        STRUCTURE_VERSION[0] += 1
        if isinstance(layer, KerasTensor):
            history = layer._keras_history
            if history is None or not isinstance(history[0], InputLayer):
                raise ValueError(
                    "Sequential.add: a symbolic tensor can only be added if it comes from "
                    f"lamina.Input(); got {layer}"
                )
            layer = history[0]
        if not isinstance(layer, Layer):
            raise ValueError(
                "Only instances of `lamina.layers.Layer` can be added to a Sequential model. "
                f"Received: {layer!r} (of type {type(layer).__name__})"
            )
        if isinstance(layer, InputLayer) and self._layers:
            if isinstance(self._layers[0], InputLayer):
                raise ValueError(
                    f"Sequential model '{self.name}' has already been configured to use input "
                    f"shape {self._layers[0].batch_shape}. You cannot add a different Input "
                    "layer to it."
                )
            raise ValueError("Sequential.add: an InputLayer can only be the first layer")
        if not self._layers and not isinstance(layer, InputLayer) \
                and getattr(layer, "_input_shape_arg", None) is not None:
            self._layers.append(InputLayer(shape=layer._input_shape_arg))
        for existing in self._layers:
            if existing.name == layer.name:
                raise ValueError(
                    "All layers added to a Sequential model should have unique names. Name "
                    f"'{layer.name}' is already the name of a layer in this model. Update the "
                    "`name` argument to pass a unique name."
                )
        self._layers.append(layer)
        if rebuild and self.built and self._outputs_spec is not None:
            # Built already: only the new layer needs building, on the current output.
            try:
                self._outputs_spec = self._stack(layer, self._outputs_spec)
            except Exception:
                self._layers.pop()
                raise
            return
        if rebuild:
            try:
                self._maybe_rebuild()
            except Exception:
                self._layers.pop()
                self._maybe_rebuild()
                raise

    def pop(self, rebuild: bool = True) -> Layer:
        """Removes and returns the last layer."""
        STRUCTURE_VERSION[0] += 1
        if not self.layers:
            raise TypeError("There are no layers in the model.")
        layer = self._layers.pop()
        self.built = False
        self._outputs_spec = None
        if rebuild:
            self._maybe_rebuild()
        return layer

    @property
    def layers(self) -> list[Layer]:
        """The layers, without the InputLayer (a copy: use add/pop to edit)."""
        layers = self._layers
        if layers and isinstance(layers[0], InputLayer):
            return list(layers[1:])
        return list(layers)

    @layers.setter
    def layers(self, _):
        raise AttributeError(
            "`Sequential.layers` attribute is reserved and should not be used. Use `add()` and "
            "`pop()` to change the layers in this model."
        )

    # --------------------------------------------------------------- build
    def _maybe_rebuild(self) -> None:
        self.built = False
        self._outputs_spec = None
        if self._layers and isinstance(self._layers[0], InputLayer) and len(self._layers) > 1:
            self.build(self._layers[0].batch_shape)
        elif self._layers and isinstance(self._layers[0], InputLayer):
            self._outputs_spec = self._layers[0].output

    def build(self, input_shape=None) -> None:
        """Builds every layer for inputs of `input_shape` (batch dim included)."""
        if input_shape is None:
            if self._layers and isinstance(self._layers[0], InputLayer):
                input_shape = self._layers[0].batch_shape
            else:
                raise ValueError(
                    f"You must provide an `input_shape` argument to build Sequential model "
                    f"'{self.name}' (or start it with lamina.Input)"
                )
        input_shape = tuple(input_shape)
        if not self._layers or not isinstance(self._layers[0], InputLayer):
            self._layers.insert(0, InputLayer(batch_shape=input_shape))
        elif tuple(self._layers[0].batch_shape) != input_shape:
            first = self._layers[0]
            if len(first.batch_shape) != len(input_shape) or any(
                    a is not None and b is not None and a != b
                    for a, b in zip(first.batch_shape[1:], input_shape[1:])):
                raise ValueError(
                    f"Sequential model '{self.name}' expects inputs of shape "
                    f"{first.batch_shape}, but build() received {input_shape}"
                )
        x = self._layers[0].output
        for layer in self._layers[1:]:
            x = self._stack(layer, x)
        self._outputs_spec = x
        self._build_shapes = input_shape
        self.built = True

    def _stack(self, layer: Layer, x: KerasTensor) -> KerasTensor:
        """Calls `layer` on the symbolic output `x` of the layers below it (building
        it), naming the layer and the shapes if it cannot take that input."""
        from lamina.layers.layer import _scope

        scope = _scope()
        scope.append(self.name)
        try:
            y = layer(x)
        except (ValueError, TypeError) as e:
            raise type(e)(
                f"Sequential model '{self.name}': layer '{layer.name}' "
                f"({type(layer).__name__}) cannot accept the output of the previous "
                f"layer, of shape {tuple(x.shape)}: {e}"
            ) from e
        finally:
            scope.pop()
        layer._last_output_shape = tuple(y.shape)
        return y

    def _build(self, input_shape) -> None:
        self.build(input_shape)

    # ----------------------------------------------------------------- call
    def call(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self.layers:
            if layer._call_has_training:
                x = layer(x, training=training)
            else:
                x = layer(x)
        return x

    def compute_output_spec(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self.layers:
            x = layer(x)
        return x

    def compute_output_shape(self, input_shape):
        return tuple(self.compute_output_spec(KerasTensor(input_shape, self.compute_dtype)).shape)

    # ------------------------------------------------------ inputs/outputs
    def _require_input(self, what: str):
        if not self._layers or not isinstance(self._layers[0], InputLayer):
            raise AttributeError(
                f"Sequential model '{self.name}' has no defined {what} yet: build it, call it "
                "on data, or start it with lamina.Input(shape=...)"
            )

    @property
    def inputs(self) -> list[KerasTensor]:
        self._require_input("input")
        return [self._layers[0].output]

    @property
    def outputs(self) -> list[KerasTensor]:
        self._require_input("output")
        return [self._outputs_spec]

    @property
    def input_shape(self) -> tuple:
        self._require_input("input shape")
        return tuple(self._layers[0].batch_shape)

    @property
    def output_shape(self) -> tuple:
        self._require_input("output shape")
        return tuple(self._outputs_spec.shape)

    @property
    def input_dtype(self) -> str:
        self._require_input("input dtype")
        return self._layers[0].dtype

    # --------------------------------------------------------------- config
    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": dtype_policies.serialize(self.dtype_policy),
                  "layers": [serialization_lib.serialize_keras_object(layer)
                             for layer in self._layers]}
        if self._layers and isinstance(self._layers[0], InputLayer):
            config["build_input_shape"] = list(self._layers[0].batch_shape)
        return copy.deepcopy(config)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        layer_configs = config.pop("layers")
        build_input_shape = config.pop("build_input_shape", None)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = dtype_policies.get(config["dtype"])
        model = cls(**{k: v for k, v in config.items() if k in ("name", "trainable", "dtype")})
        for layer_config in layer_configs:
            layer = serialization_lib.deserialize_keras_object(layer_config,
                                                               custom_objects=custom_objects)
            model.add(layer, rebuild=False)
        if build_input_shape is not None and not (
                model._layers and isinstance(model._layers[0], InputLayer)):
            model.build(tuple(build_input_shape))
        else:
            model._maybe_rebuild()
        return model

    def get_build_config(self) -> dict | None:
        if not self.built or not self._layers or not isinstance(self._layers[0], InputLayer):
            return None
        return {"input_shape": list(self._layers[0].batch_shape)}

    def build_from_config(self, config: dict) -> None:
        if config and not self.built and config.get("input_shape") is not None:
            self.build(tuple(config["input_shape"]))
