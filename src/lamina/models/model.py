"""`Model`: a Layer with the model-level API: training (from `Trainer`: compile,
fit, evaluate, predict), summary, get_layer. Three ways to build one, as in Keras:
`Model(inputs, outputs)` (the functional API: `Model.__new__` returns a
`Functional`), a subclass with layers as attributes and a `call` method, or
`Sequential`."""

from __future__ import annotations

import numpy as np

from lamina.api_export import keras_export
from lamina.backend.recording import HOST_READ_WATCHERS, RECORDERS
from lamina.backend.tensor import Tensor
from lamina.backend.variable import STRUCTURE_VERSION
from lamina.graph import trace
from lamina.graph.function import CompiledFunction
from lamina.layers.layer import Layer, _call_context
from lamina.trainers.trainer import Trainer


def _functional_init_arguments(args, kwargs) -> bool:
    return (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs))


def _inject_functional_class(cls, functional) -> None:
    """Replaces `Model` by `Functional` among the bases of `cls` (recursively)."""
    def swap(klass):
        if klass is Model:
            return functional
        if klass is object or issubclass(klass, functional) or not issubclass(klass, Model):
            return klass
        klass.__bases__ = tuple(swap(b) for b in klass.__bases__)
        return klass

    swap(cls)


@keras_export("keras.Model", "keras.models.Model")
class Model(Trainer, Layer):
    """Groups layers into an object with training and inference features.

    Example:
    >>> class MLP(Model):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = lamina.layers.Dense(8, activation="relu")
    ...         self.out = lamina.layers.Dense(1)
    ...     def call(self, x):
    ...         return self.out(self.hidden(x))
    >>> MLP()(lamina.ops.ones((2, 3))).shape
    (2, 1)
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and _functional_init_arguments(args, kwargs):
            from lamina.models.functional import Functional

            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if _functional_init_arguments(args, kwargs):
            from lamina.models.functional import Functional

            if not isinstance(self, Functional):
                # A subclass calling super().__init__(inputs, outputs): it becomes a
                # Functional subclass, as in Keras.
                _inject_functional_class(type(self), Functional)
            Functional.__init__(self, *args, **kwargs)
            return
        if args:
            raise TypeError(f"Model.__init__: unexpected positional arguments {args!r}; "
                            "the functional API takes Model(inputs, outputs)")
        super().__init__(**kwargs)
        self._init_trainer()

    def __call__(self, *args, **kwargs):
        """Calls the model. A built model called on one concrete array (outside a
        GradientTape or another layer's call) runs a compiled program of its
        forward pass, traced on the first call per input shape, dtype and
        `training` value; `run_eagerly=True` or `jit_compile=False` (see
        `compile`) keep it eager."""
        fast = self.__dict__.get("_fast_calls")
        if fast and len(args) == 1:
            out = self._fast_call(fast, args[0], kwargs)
            if out is not None:
                return out
        if self._can_call_compiled(args, kwargs):
            x = args[0]
            if type(x) is np.ndarray:
                from lamina.ops.core import convert_to_tensor

                x = convert_to_tensor(x)
            fn = self._compiled_call()
            training = kwargs.get("training")
            out = fn(x, training)
            self._remember_fast_call(fn, x, training)
            return out
        return Layer.__call__(self, *args, **kwargs)

    def _fast_call(self, fast: dict, x, kwargs):
        """`model(x)` on one array whose compiled forward pass exists: straight to
        the executor (the checks of `_can_call_compiled`, without building the
        signature key). None when anything differs: the general path decides."""
        if kwargs and (len(kwargs) != 1 or "training" not in kwargs):
            return None
        if type(x) is Tensor:
            x = x._value
        elif type(x) is not np.ndarray or not x.flags.c_contiguous:
            return None
        entry = fast.get((x.shape, x.dtype, kwargs.get("training") if kwargs else None))
        if entry is None or entry[0] != STRUCTURE_VERSION[0] or not self._compiled_call_allowed():
            return None
        return Tensor(entry[1].run_single(x))

    def _remember_fast_call(self, fn: CompiledFunction, x: Tensor, training) -> None:
        program = fn.program_for(x, training)
        if program is None or not getattr(program.executor, "single_io", False):
            return  # no program, or the Python interpreter runs it
        fast = self.__dict__.setdefault("_fast_calls", {})
        if len(fast) >= 16:  # ever-new shapes: keep the memory bounded
            fast.clear()
        fast[(x._value.shape, x._value.dtype, training)] = (STRUCTURE_VERSION[0],
                                                            program.executor)

    def _can_call_compiled(self, args, kwargs) -> bool:
        if len(args) != 1 or (kwargs and (len(kwargs) > 1 or "training" not in kwargs)):
            return False
        if not self.built or (type(args[0]) is not Tensor and type(args[0]) is not np.ndarray):
            return False
        return self._compiled_call_allowed()

    def _compiled_call_allowed(self) -> bool:
        """Nothing records or watches this call (no tape, no tracer, not inside another
        layer's call) and the model is not set to run eagerly."""
        if RECORDERS or HOST_READ_WATCHERS or self.run_eagerly or self.jit_compile is False:
            return False
        return _call_context() is None

    def _compiled_call(self) -> CompiledFunction:
        cached = self.__dict__.get("_call_function")
        if cached is not None and cached[0] == STRUCTURE_VERSION[0]:
            return cached[1]
        fn = CompiledFunction(self._traced_call, lambda: self.variables, mode="auto",
                              name="call")
        self.__dict__["_call_function"] = (STRUCTURE_VERSION[0], fn)
        return fn

    def _traced_call(self, x, training):
        out = Layer.__call__(self, x, training=training)
        tracer = trace.active_tracer()
        if tracer is not None:
            version = self.__dict__.get("_call_function")
            if version is not None:  # variables created while tracing are this call's
                self.__dict__["_call_function"] = (STRUCTURE_VERSION[0], version[1])
            if self.losses:
                tracer.fail("the call adds losses (add_loss / activity regularizers)")
            if getattr(out, "_keras_mask", None) is not None:
                tracer.fail("the call returns a mask")
        return out

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """Rebuilds a model from `get_config()`; a functional config (with "layers",
        "input_layers" and "output_layers") gives a Functional model."""
        if all(k in config for k in ("layers", "input_layers", "output_layers")):
            from lamina.models.functional import functional_from_config

            return functional_from_config(cls, config, custom_objects)
        return super().from_config(config)

    # ---------------------------------------------------------------- build
    def build(self, input_shape=None) -> None:
        """Creates the model's weights for inputs of `input_shape` (batch dim
        included). A subclass that does not override `build` is built by running
        its `call` on symbolic inputs of that shape, which builds its sublayers.

        Example:
        >>> model = MLP()   # a Model subclass with Dense sublayers
        >>> model.build((None, 4))
        >>> len(model.weights) > 0
        True
        """
        if input_shape is not None and type(self).build is Model.build:
            try:
                self._build_by_symbolic_call(input_shape)
            except Exception as e:  # noqa: BLE001
                if not getattr(self, "_implicit_build", False):
                    raise type(e)(
                        f"Model '{self.name}': build({input_shape}) runs call() on symbolic "
                        f"inputs of that shape to create the sublayers' weights, and it "
                        f"failed: {e}. Call the model on real data instead to build it."
                    ) from e
                # Built from a first call on real data: that call builds the sublayers.
        self.built = True

    def _build(self, input_shape) -> None:
        object.__setattr__(self, "_implicit_build", True)
        try:
            Layer._build(self, input_shape)
        finally:
            object.__setattr__(self, "_implicit_build", False)

    def _build_by_symbolic_call(self, input_shape) -> None:
        from lamina.layers import layer as layer_module

        inputs = layer_module._to_keras_tensors(
            layer_module._to_shape(input_shape) if not isinstance(input_shape, tuple)
            else input_shape, self.compute_dtype)
        scope = layer_module._scope()
        pushed = not scope or scope[-1] != self.name
        if pushed:
            scope.append(self.name)
        context = layer_module._context
        depth = getattr(context, "symbolic_depth", 0)
        context.symbolic_depth = depth + 1  # sublayer calls are not recorded as nodes
        try:
            self.call(inputs)
        finally:
            context.symbolic_depth = depth
            if pushed:
                scope.pop()
        self._build_shapes = input_shape

    @property
    def layers(self) -> list[Layer]:
        """The model's direct sublayers (a copy: edit the model, not the list)."""
        return list(self._layers)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """The layer with `name`, or at `index` (in `layers` order)."""
        if index is not None and name is not None:
            raise ValueError("get_layer: provide either `name` or `index`, not both")
        layers = self.layers
        if index is not None:
            if not isinstance(index, int) or not -len(layers) <= index < len(layers):
                raise ValueError(
                    f"get_layer: was asked to retrieve layer at index {index} but the model "
                    f"only has {len(layers)} layers"
                )
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"get_layer: no such layer: {name}. Existing layers are: "
                f"{[layer.name for layer in layers]}"
            )
        raise ValueError("get_layer: provide either a layer `name` or an `index`")

    def summary(self, line_length=None, positions=None, print_fn=None,
                expand_nested: bool = False, show_trainable: bool = False,
                layer_range=None) -> None:
        """Prints Keras's summary table: layers, output shapes, parameter counts."""
        from lamina.utils import summary_utils

        summary_utils.print_summary(self, line_length=line_length, positions=positions,
                                    print_fn=print_fn, expand_nested=expand_nested,
                                    show_trainable=show_trainable, layer_range=layer_range)

    # --------------------------------------------------------------- saving
    def save(self, filepath, overwrite: bool = True, zipped: bool | None = None,
             **kwargs) -> None:
        """Saves the model (config, weights, optimizer state) as a `.keras` file.

        Example:
        >>> model.save("model.keras")
        >>> restored = lamina.models.load_model("model.keras")
        """
        from lamina.saving import saving_api

        saving_api.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite: bool = True, max_shard_size=None) -> None:
        """Saves the weights (and optimizer state) to a `.weights.h5` file.

        Example:
        >>> model.save_weights("model.weights.h5")
        """
        from lamina.saving import saving_api

        saving_api.save_weights(self, filepath, overwrite=overwrite,
                                max_shard_size=max_shard_size)

    def load_weights(self, filepath, skip_mismatch: bool = False, **kwargs) -> None:
        """Loads weights from a `.weights.h5` or `.keras` file (the model must be built).

        Example:
        >>> model.load_weights("model.weights.h5")
        """
        from lamina.saving import saving_api

        saving_api.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def to_json(self, **kwargs) -> str:
        """The model's config as a JSON string (`json.dumps` keyword arguments apply).

        Example:
        >>> clone = lamina.models.model_from_json(model.to_json())
        """
        import json

        from lamina.saving import serialization_lib

        return json.dumps(serialization_lib.serialize_keras_object(self), **kwargs)
