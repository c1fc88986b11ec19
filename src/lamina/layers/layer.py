"""`Layer`: an Operation that owns state (weights), the base of every layer and model.

Life cycle, as in Keras 3: `__init__` stores the configuration; the first `__call__`
builds the layer from its input's shape (`build` creates weights with
`add_weight`); every call checks `input_spec` and runs `call`. Calling on symbolic
tensors (`KerasTensor`) infers the output without computing.
"""

from __future__ import annotations

import functools
import inspect
import threading
from typing import Any

import numpy as np

from lamina import dtype_policies
from lamina.api_export import keras_export
from lamina.backend import dtypes
from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.tensor import Tensor
from lamina.backend.variable import Variable
from lamina.layers.input_spec import assert_input_compatibility
from lamina.ops.core import cast, convert_to_tensor
from lamina.ops.operation import Operation, any_symbolic, auto_name, _snake

# kwargs every layer accepts (a first layer's input shape, Keras's legacy names).
_SHAPE_KWARGS = ("input_shape", "input_dim", "batch_input_shape", "batch_size")

_context = threading.local()


def _scope() -> list:
    """The names of the layers being built/called (their weights' path prefix)."""
    if not hasattr(_context, "scope"):
        _context.scope = []
    return _context.scope


class _CallContext:
    """The `training` flag of the outermost call, inherited by nested layers."""

    def __init__(self, training):
        self.training = training


def _call_context() -> _CallContext | None:
    return getattr(_context, "call", None)


@keras_export("keras.Layer", "keras.layers.Layer")
class Layer(Operation):
    """The base class of layers: computation (`call`) plus state (weights).

    Args:
        trainable: whether the layer's weights are updated in training.
        dtype: the dtype of computations and weights (a name or a DTypePolicy).
        name: the layer's name (unique by default: "dense", "dense_1", ...).
        activity_regularizer: applied to the output; its value joins `losses`.

    Example:
    >>> class Scale(Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
    ...     def call(self, x):
    ...         return x * self.w
    >>> Scale()(lamina.ops.ones((2, 3))).shape
    (2, 3)
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_records_shape", False):
            cls.build = _recording_build(build)

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        # Recorded so that a subclass without get_config can still be serialized
        # (Keras's auto-config): the arguments it was constructed with.
        try:
            bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
            auto = {k: v for k, v in bound.arguments.items() if k != "self"}
            extra = auto.pop("kwargs", None)
            if isinstance(extra, dict):
                auto.update(extra)
        except TypeError:
            auto = None
        object.__setattr__(obj, "_auto_config", auto)
        return obj

    def __init__(self, *, activity_regularizer=None, trainable: bool = True, dtype=None,
                 autocast: bool = True, name: str | None = None, **kwargs):
        unknown = {k: v for k, v in kwargs.items() if k not in _SHAPE_KWARGS}
        if unknown:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: {unknown}"
            )
        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError(f"{type(self).__name__}: name must be a string without '/', "
                             f"got {name!r}")
        object.__setattr__(self, "_tracking", False)
        Operation.__init__(self, name=name or auto_name(_snake(type(self).__name__)))
        self._trainable = bool(trainable)
        self.dtype_policy = dtype_policies.get(dtype)
        self.autocast = autocast
        self.built = False
        self.input_spec = None
        self.supports_masking = False
        self._trainable_variables: list[Variable] = []
        self._non_trainable_variables: list[Variable] = []
        self._layers: list[Layer] = []
        self._inbound_nodes: list = []  # symbolic calls (lamina.ops.node.Node)
        self._losses: list = []
        self._build_shapes = None
        self._input_shape_arg = _input_shape_from(kwargs, type(self).__name__)
        call_params = inspect.signature(self.call).parameters
        self._call_has_training = "training" in call_params
        self._call_has_mask = "mask" in call_params
        from lamina import regularizers

        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._tracking = True

    # ------------------------------------------------------------- tracking
    def __setattr__(self, name: str, value) -> None:
        if getattr(self, "_tracking", False):
            self._track(value)
        object.__setattr__(self, name, value)

    def _track(self, value) -> None:
        if isinstance(value, Variable):
            bucket = self._trainable_variables if value.trainable else self._non_trainable_variables
            if not any(v is value for v in bucket):
                bucket.append(value)
        elif isinstance(value, Layer):
            if value is not self and not any(l is value for l in self._layers):
                self._layers.append(value)
        elif isinstance(value, (list, tuple)):
            for v in value:
                if isinstance(v, (Layer, Variable)):
                    self._track(v)

    # ----------------------------------------------------------- properties
    @property
    def dtype(self) -> str:
        """The dtype of the layer's weights."""
        return self.dtype_policy.variable_dtype

    @property
    def compute_dtype(self) -> str:
        return self.dtype_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self.dtype_policy.variable_dtype

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self._layers:
            layer.trainable = value

    @property
    def path(self) -> str:
        return self.name

    @property
    def weights(self) -> list[Variable]:
        """All weights: this layer's, then its sublayers' (each once)."""
        return _unique(self._trainable_variables + self._non_trainable_variables
                       + [w for layer in self._layers for w in layer.weights])

    @property
    def variables(self) -> list[Variable]:
        return self.weights

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return []
        return _unique(self._trainable_variables
                       + [w for layer in self._layers for w in layer.trainable_weights])

    @property
    def non_trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return self.weights
        return _unique(self._non_trainable_variables
                       + [w for layer in self._layers for w in layer.non_trainable_weights])

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    # ------------------------------------------------------------- weights
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable: bool = True,
                   autocast: bool = True, regularizer=None, constraint=None,
                   aggregation: str = "none", overwrite_with_gradient: bool = False,
                   name: str | None = None) -> Variable:
        """Creates a weight variable owned by this layer.

        `initializer` defaults to "glorot_uniform" for float weights and "zeros"
        otherwise; `regularizer`'s value joins `losses`; `constraint` is applied
        by optimizers after each update.
        """
        from lamina import constraints, initializers, regularizers

        shape = () if shape is None else tuple(shape)
        if any(d is None for d in shape):
            raise ValueError(f"Layer '{self.name}': add_weight needs a fully defined shape, "
                             f"got {shape} for weight '{name}'")
        dtype = dtypes.standardize_dtype(dtype or self.variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtypes.is_float(dtype) else "zeros"
        initializer = initializers.get(initializer)
        variable = Variable(initializer, shape=shape, dtype=dtype, trainable=trainable,
                            autocast=autocast, aggregation=aggregation, name=name)
        variable._path = "/".join(_scope() + [variable.name]) if _scope() else \
            f"{self.name}/{variable.name}"
        variable.regularizer = regularizers.get(regularizer)
        variable.constraint = constraints.get(constraint)
        variable.overwrite_with_gradient = overwrite_with_gradient
        self._track(variable)
        return variable

    def get_weights(self) -> list[np.ndarray]:
        """The weights' values as NumPy arrays, in `weights` order."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights) -> None:
        """Sets the weights from NumPy arrays (same number, shapes and order as
        `get_weights()`)."""
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(
                f"Layer {self.name} weight list length mismatch: you called set_weights() "
                f"with a list of {len(weights)} weights, but the layer expects "
                f"{len(params)} weights"
            )
        for variable, value in zip(params, weights):
            value = np.asarray(value)
            if tuple(variable.shape) != tuple(value.shape):
                raise ValueError(
                    f"Layer {self.name} weight shape {tuple(variable.shape)} is not compatible "
                    f"with provided weight shape {tuple(value.shape)} (weight {variable.path})"
                )
        for variable, value in zip(params, weights):
            variable.assign(np.asarray(value, dtype=variable.dtype))

    def count_params(self) -> int:
        """The number of scalars in the layer's weights (it must be built)."""
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer isn't "
                "built. You can build it manually via: "
                f"`{self.name}.build(batch_input_shape)`."
            )
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    # --------------------------------------------------------------- losses
    def add_loss(self, loss) -> None:
        """Adds a scalar loss (e.g. an activity penalty) to `losses` for this call."""
        self._losses.append(loss)

    @property
    def losses(self) -> list:
        """Losses added during the last call, plus the weights' regularization."""
        out = list(self._losses)
        for layer in self._layers:
            out.extend(layer._call_losses())
        for w in self.weights:
            if w.regularizer is not None and w.trainable:
                out.append(w.regularizer(w.value))
        return out

    def _call_losses(self) -> list:
        out = list(self._losses)
        for layer in self._layers:
            out.extend(layer._call_losses())
        return out

    def _clear_losses(self) -> None:
        self._losses.clear()
        for layer in self._layers:
            layer._clear_losses()

    # ---------------------------------------------------------------- build
    def build(self, input_shape) -> None:
        """Creates the layer's weights for inputs of `input_shape` (override)."""
        self.built = True

    def build_from_config(self, config: dict) -> None:
        if not config:
            return
        shape = config.get("input_shape")
        if shape is None and "shapes_dict" in config:
            shapes = list(config["shapes_dict"].values())
            shape = shapes[0] if len(shapes) == 1 else shapes
        if shape is not None:
            self._build(_to_shape(shape))

    def get_build_config(self) -> dict | None:
        if self._build_shapes is None:
            return None
        return {"input_shape": _shape_list(self._build_shapes)}

    def _build(self, input_shape) -> None:
        scope = _scope()
        scope.append(self.name)
        try:
            self.build(input_shape)
        finally:
            scope.pop()
        self.built = True
        self._build_shapes = input_shape

    # ----------------------------------------------------------------- call
    def call(self, *args, **kwargs):
        raise NotImplementedError(f"Layer {type(self).__name__} does not implement call()")

    def __call__(self, *args, **kwargs):
        if not args:
            raise ValueError(f"Layer '{self.name}': the first argument to __call__ must be "
                             "the input tensor(s)")
        inputs = _convert_inputs(args[0], self.compute_dtype if self.autocast else None)
        args = (inputs,) + args[1:]
        symbolic = any_symbolic(args, kwargs)
        if not self.built:
            if self._input_shape_arg is not None and not symbolic:
                pass  # the real input decides; the hint was only for early building
            self._build(_shapes_of(inputs))
        assert_input_compatibility(self.input_spec, inputs, self.name)

        training = kwargs.pop("training", None)
        outer = _call_context()
        if training is None and outer is not None:
            training = outer.training
        if self._call_has_training and training is not None:
            kwargs["training"] = training  # else the call's own default applies, as Keras
        mask = kwargs.get("mask")
        if mask is None:
            mask = _mask_of(inputs)
            if mask is not None and self._call_has_mask:
                kwargs["mask"] = mask

        if symbolic:
            return self._symbolic_call(inputs, args, kwargs, mask, training)

        if outer is None:
            _context.call = _CallContext(training)
            self._clear_losses()
        scope = _scope()
        scope.append(self.name)
        try:
            outputs = self.call(*args, **kwargs)
        finally:
            scope.pop()
            if outer is None:
                _context.call = None
        if self.activity_regularizer is not None:
            for out in _flatten(outputs):
                loss = self.activity_regularizer(out)
                if out.ndim > 0 and out.shape[0]:
                    loss = loss / float(out.shape[0])
                self.add_loss(loss)
        return self._attach_mask(inputs, outputs, mask)

    def _symbolic_call(self, inputs, args, kwargs, mask, training):
        """Infers the outputs and, for a call from user code (not one made while
        another layer infers its own output), records it as a Node."""
        depth = getattr(_context, "symbolic_depth", 0)
        _context.symbolic_depth = depth + 1
        try:
            outputs = self.compute_output_spec(*args, **kwargs)
        finally:
            _context.symbolic_depth = depth
        outputs = self._attach_mask(inputs, outputs, mask)
        if depth:
            return outputs
        from lamina.ops.node import Node, map_structure

        def fresh(x):
            # An output that already has a history (an input passed through, or a
            # tensor made by a sublayer) gets its own KerasTensor for this node.
            if isinstance(x, KerasTensor) and x._keras_history is not None:
                y = KerasTensor(x.shape, x.dtype, name=x.name)
                y._keras_mask = x._keras_mask
                return y
            return x

        outputs = map_structure(fresh, outputs)
        recorded = {k: v for k, v in kwargs.items() if k not in ("training", "mask")}
        if training is not None and self._call_has_training:
            recorded["training"] = training
        if self._call_has_mask:
            given = kwargs.get("mask")
            if given is not None or not isinstance(mask, KerasTensor):
                recorded["mask"] = given
        Node(self, args, recorded, outputs)
        return outputs

    # -------------------------------------------------------------- masking
    def compute_mask(self, inputs, previous_mask=None):
        """The mask of the outputs: the input's mask for layers that support
        masking (and keep the time axis), else None. Override to create masks."""
        return previous_mask if self.supports_masking else None

    def _attach_mask(self, inputs, outputs, mask):
        if mask is None and type(self).compute_mask is Layer.compute_mask:
            return outputs  # the common case: nothing to propagate
        out_mask = self.compute_mask(inputs, mask)
        if out_mask is not None and isinstance(outputs, (Tensor, KerasTensor)):
            try:
                outputs._keras_mask = out_mask
            except AttributeError:  # a shared tensor from a cache: leave it alone
                pass
        return outputs

    def symbolic_call(self, *args, **kwargs):
        return self(*args, **kwargs)

    def compute_output_spec(self, *args, **kwargs):
        """The output KerasTensor(s): from `compute_output_shape` when the layer
        defines it, else by running `call` on symbolic tensors."""
        if type(self).compute_output_shape is not Layer.compute_output_shape:
            shapes = self.compute_output_shape(_shapes_of(args[0]))
            return _to_keras_tensors(shapes, self.compute_dtype)
        scope = _scope()
        scope.append(self.name)
        depth = getattr(_context, "symbolic_depth", 0)
        _context.symbolic_depth = depth + 1  # sublayer calls in here are not recorded
        try:
            return self.call(*args, **kwargs)
        finally:
            _context.symbolic_depth = depth
            scope.pop()

    def compute_output_shape(self, input_shape):
        """The output shape for an input shape (may contain None dims)."""
        spec = self.compute_output_spec(_to_keras_tensors(input_shape, self.compute_dtype))
        return _shapes_of(spec)

    # --------------------------------------------------------------- config
    def get_config(self) -> dict:
        """The constructor arguments, in Keras's format (JSON-serializable)."""
        config: dict[str, Any] = {"name": self.name, "trainable": self.trainable,
                                  "dtype": dtype_policies.serialize(self.dtype_policy)}
        if self.activity_regularizer is not None:
            from lamina import regularizers

            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if type(self).get_config is Layer.get_config and _has_own_init(type(self)):
            auto = getattr(self, "_auto_config", None)
            if auto is None:
                raise NotImplementedError(
                    f"Layer {type(self).__name__} has arguments in __init__ but does not "
                    "override get_config(); implement get_config() to serialize it"
                )
            config.update({k: v for k, v in auto.items() if k not in ("name", "dtype", "trainable")})
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if "dtype" in config and isinstance(config["dtype"], dict):
            config["dtype"] = dtype_policies.get(config["dtype"])
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(
                f"Error when deserializing class '{cls.__name__}' using config={config}.\n\n"
                f"Exception encountered: {e}"
            ) from e

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    # --------------------------------------------------------------- saving
    def save_own_variables(self, store) -> None:
        """Writes this layer's own weights (not its sublayers') into `store` under
        "0", "1", ...: trainable then non-trainable, as Keras 3 lays them out in
        `model.weights.h5`. Override (with `load_own_variables`) to save other state."""
        for i, variable in enumerate(self._trainable_variables + self._non_trainable_variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store) -> None:
        """Reads what `save_own_variables` wrote; every count and shape is checked
        before any weight changes, so a mismatch leaves the layer untouched."""
        own = self._trainable_variables + self._non_trainable_variables
        if len(store.keys()) != len(own):
            if not own and not self.built:
                raise ValueError(
                    f"Layer '{self.name}' was never built and thus has no variables, but the "
                    f"weights file lists {len(store.keys())} variables for it. Build the layer "
                    "(or implement build_from_config/get_build_config) before loading."
                )
            raise ValueError(
                f"Layer '{self.name}' expected {len(own)} variables, but received "
                f"{len(store.keys())} variables during loading. Expected: "
                f"{[v.name for v in own]}"
            )
        values = [np.asarray(store[str(i)]) for i in range(len(own))]
        for variable, value in zip(own, values):
            if tuple(variable.shape) != tuple(value.shape):
                raise ValueError(
                    f"Layer '{self.name}': weight '{variable.path}' has shape "
                    f"{tuple(variable.shape)}, but the saved value has shape {tuple(value.shape)}"
                )
        for variable, value in zip(own, values):
            variable.assign(value)


# ---------------------------------------------------------------- helpers
def _recording_build(build):
    """Wraps a subclass's `build` so that calling it directly (not only through
    `__call__`) marks the layer built and records the shape for its build config."""

    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        build(self, *args, **kwargs)
        self.built = True
        if getattr(self, "_build_shapes", None) is None:
            shape = args[0] if args else next(iter(kwargs.values()), None)
            if shape is not None:
                self._build_shapes = _to_shape(shape) if isinstance(shape, (list, tuple, dict)) \
                    else shape

    wrapper._records_shape = True
    return wrapper


def _unique(items: list) -> list:
    seen, out = set(), []
    for v in items:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


def _has_own_init(cls) -> bool:
    for klass in cls.__mro__:
        if klass is Layer:
            return False
        if "__init__" in klass.__dict__:
            params = inspect.signature(klass.__init__).parameters
            return any(p not in ("self", "kwargs") for p in params)
    return False


def _input_shape_from(kwargs: dict, cls_name: str):
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])[1:]
    if kwargs.get("input_shape") is not None:
        shape = kwargs["input_shape"]
        return (shape,) if isinstance(shape, int) else tuple(shape)
    if kwargs.get("input_dim") is not None:
        return (int(kwargs["input_dim"]),)
    return None


def _convert_inputs(x, dtype):
    if isinstance(x, (Tensor, KerasTensor)):
        if dtype is not None and isinstance(x, Tensor) and dtypes.is_float(x.dtype) \
                and x.dtype != dtype:
            return cast(x, dtype)
        return x
    if isinstance(x, (list, tuple)) and any(isinstance(i, (Tensor, KerasTensor, np.ndarray))
                                            for i in x):
        return type(x)(_convert_inputs(i, dtype) for i in x)
    if isinstance(x, dict):
        return {k: _convert_inputs(v, dtype) for k, v in x.items()}
    if isinstance(x, Variable):
        return x.value
    t = convert_to_tensor(x)
    if dtype is not None and dtypes.is_float(t.dtype) and t.dtype != dtype:
        t = cast(t, dtype)
    return t


def _mask_of(x):
    """The `_keras_mask` of a tensor (or a list of them), if any."""
    if isinstance(x, (Tensor, KerasTensor)):
        return getattr(x, "_keras_mask", None)
    if isinstance(x, (list, tuple)):
        masks = [getattr(t, "_keras_mask", None) for t in x]
        return masks if any(m is not None for m in masks) else None
    return None


def _shapes_of(x):
    if isinstance(x, (list, tuple)):
        return [_shapes_of(i) for i in x]
    if isinstance(x, dict):
        return {k: _shapes_of(v) for k, v in x.items()}
    return tuple(x.shape)


def _to_keras_tensors(shapes, dtype):
    if isinstance(shapes, tuple) and all(d is None or isinstance(d, (int, np.integer))
                                         for d in shapes):
        return KerasTensor(shapes, dtype)
    if isinstance(shapes, list) and shapes and all(
            isinstance(s, (list, tuple)) for s in shapes):
        return [_to_keras_tensors(tuple(s), dtype) for s in shapes]
    if isinstance(shapes, dict):
        return {k: _to_keras_tensors(tuple(v), dtype) for k, v in shapes.items()}
    return KerasTensor(tuple(shapes), dtype)


def _to_shape(shape):
    if isinstance(shape, dict):
        return {k: _to_shape(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        return [_to_shape(s) for s in shape]
    return tuple(shape)


def _shape_list(shape):
    if isinstance(shape, dict):
        return {k: _shape_list(v) for k, v in shape.items()}
    if isinstance(shape, list):
        return [_shape_list(s) for s in shape]
    return list(shape)


def _flatten(x) -> list:
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _flatten(item)]
    if isinstance(x, dict):
        return [leaf for v in x.values() for leaf in _flatten(v)]
    return [x]
