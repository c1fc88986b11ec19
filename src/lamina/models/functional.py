"""`Functional`: a Model defined as a graph of layer calls on symbolic tensors.

`lamina.Model(inputs, outputs)` (or `lamina.Model(inputs=..., outputs=...)`) builds one.
Each layer call on `KerasTensor`s recorded a `Node` (lamina.ops.node); the model walks
the tensors' `_keras_history` back from `outputs` to `inputs`, orders the nodes
topologically, and replays them on real tensors when called. Configs follow Keras 3's
functional format (`layers` with `inbound_nodes`, `input_layers`, `output_layers`),
so they round-trip with real Keras.

Example:
>>> inputs = lamina.Input(shape=(4,), name="x")
>>> h = lamina.layers.Dense(8, activation="relu")(inputs)
>>> outputs = lamina.layers.Dense(1, name="y")(h)
>>> model = lamina.Model(inputs, outputs)
>>> model.output_shape
(None, 1)
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

from lamina.api_export import keras_export
from lamina.backend import dtypes
from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.tensor import Tensor
from lamina.layers.core.input_layer import InputLayer
from lamina.layers.layer import Layer
from lamina.models.model import Model
from lamina.ops.node import KerasHistory, Node, flatten, map_structure, node_of, pack_like
from lamina.saving import serialization_lib


@keras_export("keras.src.models.functional.Functional")
class Functional(Model):
    """A model whose layers form a directed acyclic graph (Keras's Functional).

    Args:
        inputs: the model's input(s): KerasTensors from `lamina.Input`, alone, in a
            list, or in a dict (keyed by input name).
        outputs: the output KerasTensor(s), alone, in a list or in a dict.
        name: the model's name.
        trainable: whether the model's weights are trained.

    Example:
    >>> a = lamina.Input(shape=(4,), name="a"); b = lamina.Input(shape=(2,), name="b")
    >>> h = lamina.layers.Dense(3)(a)
    >>> model = lamina.Model([a, b], [h, lamina.layers.Dense(1)(b)])
    >>> model.output_shape
    [(None, 3), (None, 1)]
    """

    def __init__(self, inputs, outputs, name: str | None = None, trainable: bool = True,
                 **kwargs):
        if isinstance(inputs, dict):
            for key, value in inputs.items():
                if isinstance(value, KerasTensor) and key != value.name:
                    warnings.warn(
                        "When providing `inputs` as a dict, all keys in the dict must match "
                        f"the names of the corresponding tensors. Received key '{key}' "
                        f"mapping to value {value} which has name '{value.name}'. Change the "
                        f"tensor name to '{key}' (via `Input(..., name='{key}')`)",
                        stacklevel=2)
        flat_inputs, flat_outputs = flatten(inputs), flatten(outputs)
        for what, struct, flat in (("inputs", inputs, flat_inputs),
                                   ("outputs", outputs, flat_outputs)):
            if not flat:
                raise ValueError(f"Model: `{what}` cannot be empty. Received: {what}={struct}")
            for x in flat:
                if not isinstance(x, KerasTensor):
                    raise ValueError(
                        f"All `{what}` values must be KerasTensors (from lamina.Input() and "
                        f"layer calls on them). Received: {what}={struct!r} including invalid "
                        f"value {x!r} of type {type(x).__name__}"
                    )
        for x in flat_inputs:
            history = x._keras_history
            if history is None or not isinstance(history[0], InputLayer):
                where = "no layer" if history is None else f"layer '{history[0].name}'"
                raise ValueError(
                    f"Model inputs must come from `lamina.Input()`; the input {x} was made "
                    f"by {where}. Build the model from the Input tensors, or make a new "
                    "Input for this intermediate tensor."
                )
        super().__init__(name=name, trainable=trainable, **kwargs)
        graph = _map_graph(flat_inputs, flat_outputs)
        set_ = object.__setattr__
        set_(self, "_inputs_struct", map_structure(lambda t: t, inputs))
        set_(self, "_outputs_struct", map_structure(lambda t: t, outputs))
        set_(self, "_inputs", flat_inputs)
        set_(self, "_outputs", flat_outputs)
        set_(self, "_node_ids", graph.node_ids)
        set_(self, "_nodes_in_order", graph.nodes)
        set_(self, "_nodes_by_depth", graph.nodes_by_depth)
        self._layers = graph.layers
        self.output_names = [x._keras_history[0].name for x in flat_outputs]
        self.built = True
        self._build_shapes = None

    # ------------------------------------------------------------ structure
    @property
    def layers(self) -> list[Layer]:
        """The model's layers in graph order (InputLayers included, as in Keras)."""
        return list(self._layers)

    @layers.setter
    def layers(self, _):
        raise AttributeError("`Model.layers` attribute is reserved and should not be used. "
                             "Please use another name.")

    @property
    def inputs(self) -> list[KerasTensor]:
        return list(self._inputs)

    @property
    def outputs(self) -> list[KerasTensor]:
        return list(self._outputs)

    @property
    def input(self):
        """The inputs as given to the constructor (a tensor, list or dict)."""
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_names(self) -> list[str]:
        return [x._keras_history[0].name for x in self._inputs]

    @property
    def input_shape(self):
        shapes = [tuple(x.shape) for x in self._inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [tuple(x.shape) for x in self._outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input_dtype(self) -> str:
        return self._inputs[0].dtype

    @property
    def _output_keys(self) -> list[str]:
        """The names compile's dicts use: the outputs dict's keys, else output_names."""
        if isinstance(self._outputs_struct, dict):
            return sorted(self._outputs_struct)
        return list(self.output_names)

    def _relevant_index(self, layer, node) -> int:
        """The index of `node` among `layer`'s nodes that belong to this model."""
        index = 0
        for n in layer._inbound_nodes:
            if n is node:
                return index
            if id(n) in self._node_ids:
                index += 1
        raise RuntimeError(f"Internal error: node of '{layer.name}' not in the model")

    def _layer_nodes(self, layer) -> list[Node]:
        return [n for n in layer._inbound_nodes if id(n) in self._node_ids]

    # ----------------------------------------------------------------- build
    def build(self, input_shape=None) -> None:
        self.built = True

    def _build(self, input_shape) -> None:
        self.built = True

    def get_build_config(self) -> dict | None:
        return {"input_shape": None}

    def build_from_config(self, config: dict) -> None:
        return None

    # ------------------------------------------------------------------ call
    def call(self, inputs, training=None, mask=None):
        flat = self._standardize_inputs(inputs)
        if mask is not None:
            for x, m in zip(flat, flatten(mask)):
                if m is not None:
                    try:
                        x._keras_mask = m
                    except AttributeError:
                        pass
        return self._run_graph(flat, training)

    def compute_output_spec(self, inputs, training=None, mask=None):
        flat = self._standardize_inputs(inputs, symbolic=True)
        if all(tuple(x.shape) == tuple(ref.shape) for x, ref in zip(flat, self._inputs)):
            return map_structure(lambda t: KerasTensor(t.shape, t.dtype), self._outputs_struct)
        return self._run_graph(flat, training)

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, tuple) and all(d is None or isinstance(d, int)
                                                  for d in input_shape):
            specs = [KerasTensor(input_shape, self._inputs[0].dtype)]
        else:
            specs = [KerasTensor(tuple(s), ref.dtype)
                     for s, ref in zip(_shape_leaves(input_shape), self._inputs)]
        out = self.compute_output_spec(specs if len(specs) > 1 else specs[0])
        return map_structure(lambda t: tuple(t.shape), out)

    def _run_graph(self, flat_inputs: list, training):
        values = {id(ref): x for ref, x in zip(self._inputs, flat_inputs)}
        for node in self._nodes_in_order:
            layer = node.operation
            args, kwargs = node.fill_in(values)
            if training is not None and getattr(layer, "_call_has_training", False) \
                    and kwargs.get("training") is None:
                kwargs["training"] = training
            outputs = layer(*args, **kwargs)
            for ref, value in zip(node.outputs, flatten(outputs)):
                values[id(ref)] = value
        result = [values[id(ref)] for ref in self._outputs]
        return pack_like(self._outputs_struct, result)

    def _standardize_inputs(self, inputs, symbolic: bool = False) -> list:
        """The call's inputs as a flat list matching `self._inputs` (by name for
        dicts), converted to each input's dtype and rank."""
        struct = self._inputs_struct
        names = self.input_names
        if isinstance(inputs, dict) and not isinstance(struct, dict):
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(
                    f"Model '{self.name}' expects inputs named {names}; the dict given has "
                    f"keys {sorted(inputs)} (missing {missing})")
            flat = [inputs[n] for n in names]
        elif isinstance(struct, dict) and isinstance(inputs, dict):
            missing = [k for k in struct if k not in inputs]
            if missing:
                raise ValueError(
                    f"Model '{self.name}' expects inputs with keys {sorted(struct)}; the dict "
                    f"given has keys {sorted(inputs)} (missing {missing})")
            flat = flatten({k: inputs[k] for k in struct})
        else:
            if isinstance(struct, dict) and list(struct) != sorted(struct):
                raise ValueError(
                    f"Model '{self.name}' takes a dict of inputs with keys {list(struct)}; "
                    "pass a dict, not a list")
            flat = flatten(inputs)
        if len(flat) != len(self._inputs):
            raise ValueError(
                f"Model '{self.name}' expects {len(self._inputs)} input(s) {names}, but it "
                f"received {len(flat)} input tensor(s)")
        out = []
        for x, ref in zip(flat, self._inputs):
            out.append(x if symbolic else _adapt_input(x, ref, self.name))
        return out

    # -------------------------------------------------------------- config
    def get_config(self) -> dict:
        """Keras 3's functional config: layers with their inbound nodes, and the
        input/output tensors as `[layer_name, node_index, tensor_index]`."""
        if not _functional_like(type(self)):
            return Model.get_config(self)
        config: dict[str, Any] = {"name": self.name, "trainable": self.trainable}
        layer_configs = []
        for layer in self._layers:
            nodes = [self._serialize_node(n) for n in self._layer_nodes(layer)
                     if not n.is_input]
            layer_config = serialization_lib.serialize_keras_object(layer)
            layer_config["name"] = layer.name
            layer_config["inbound_nodes"] = nodes
            layer_configs.append(layer_config)
        config["layers"] = layer_configs

        def tensor_config(t):
            layer, node_index, tensor_index = t._keras_history
            index = self._relevant_index(layer, layer._inbound_nodes[node_index])
            if isinstance(layer, Functional):
                index += 1  # Keras counts a nested Functional's own node first
            return [layer.name, index, tensor_index]

        config["input_layers"] = map_structure(tensor_config, self._inputs_struct)
        config["output_layers"] = map_structure(tensor_config, self._outputs_struct)
        return copy.deepcopy(config)

    def _serialize_node(self, node: Node) -> dict:
        def tensor(x):
            if not isinstance(x, KerasTensor):
                return x
            layer, node_index, tensor_index = x._keras_history
            index = self._relevant_index(layer, node_of(x._keras_history))
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(x.shape), "dtype": x.dtype,
                               "keras_history": [layer.name, index, tensor_index]}}

        args = map_structure(tensor, list(node.call_args))
        kwargs = map_structure(tensor, node.call_kwargs)
        return {"args": serialization_lib.serialize_keras_object(_lists(args)),
                "kwargs": serialization_lib.serialize_keras_object(_lists(kwargs))}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """Rebuilds the model from `get_config()` (lamina's or Keras 3's)."""
        return functional_from_config(cls, config, custom_objects)


def functional_from_config(cls, config: dict, custom_objects=None):
    """Instantiates `cls` (Functional or a subclass) from a functional config."""
    config = dict(config)
    layer_datas = config.pop("layers")
    input_spec = config.pop("input_layers")
    output_spec = config.pop("output_layers")
    created: dict[str, Layer] = {}
    pending: dict[str, list] = {}
    order: list[str] = []
    for data in layer_datas:
        name = data.get("name") or data.get("config", {}).get("name")
        layer = serialization_lib.deserialize_keras_object(data, custom_objects=custom_objects)
        if not isinstance(layer, Layer):
            raise ValueError(f"Model config: layer '{name}' deserialized to "
                             f"{type(layer).__name__}, not a Layer")
        created[name] = layer
        order.append(name)
        pending[name] = list(data.get("inbound_nodes") or [])

    def resolve(x):
        """Serialized call arguments -> values: revived KerasTensors (or _NotReady
        while the producing call has not been replayed yet), deserialized objects."""
        if isinstance(x, dict):
            if x.get("class_name") == "__keras_tensor__":
                layer_name, node_index, tensor_index = x["config"]["keras_history"]
                return _tensor_of(created, layer_name, node_index, tensor_index)
            if "class_name" in x and "config" in x:
                return serialization_lib.deserialize_keras_object(
                    x, custom_objects=custom_objects)
            return {k: resolve(v) for k, v in x.items()}
        if isinstance(x, list):
            return [resolve(v) for v in x]
        return x

    while any(pending.values()):
        progress = False
        for name in order:
            queue = pending[name]
            while queue:
                node_data = queue[0]
                try:
                    args, kwargs = _node_call(node_data, resolve)
                except _NotReady:
                    break
                created[name](*args, **kwargs)
                queue.pop(0)
                progress = True
        if not progress:
            stuck = {n: q for n, q in pending.items() if q}
            raise ValueError(
                "Model config: cannot rebuild the graph; these layers' calls refer to tensors "
                f"that no layer produces: {sorted(stuck)}")

    def output_tensor(spec, offset_functional: bool):
        layer_name, node_index, tensor_index = spec
        layer = created.get(layer_name)
        if offset_functional and isinstance(layer, Functional):
            node_index -= 1
        return _tensor_of(created, layer_name, node_index, tensor_index)

    def map_specs(spec):
        if isinstance(spec, list) and len(spec) == 3 and isinstance(spec[0], str):
            return output_tensor(spec, True)
        if isinstance(spec, dict):
            return {k: map_specs(v) for k, v in spec.items()}
        if isinstance(spec, tuple):
            return tuple(map_specs(v) for v in spec)
        return [map_specs(v) for v in spec]

    try:
        inputs = map_specs(input_spec)
        outputs = map_specs(output_spec)
    except _NotReady as e:
        raise ValueError(f"Model config: input/output layers refer to a missing node: {e}") \
            from None
    kwargs = {k: v for k, v in config.items() if k in ("name", "trainable")}
    if cls is Model:
        cls = Functional
    return cls(inputs=inputs, outputs=outputs, **kwargs)


class _NotReady(Exception):
    pass


def _tensor_of(created: dict, layer_name: str, node_index: int, tensor_index: int):
    layer = created.get(layer_name)
    if layer is None:
        raise ValueError(f"Model config refers to an unknown layer '{layer_name}'")
    if isinstance(layer, InputLayer) and node_index == 0:
        return layer.output
    if node_index >= len(layer._inbound_nodes):
        raise _NotReady(f"{layer_name}[{node_index}][{tensor_index}]")
    return layer._inbound_nodes[node_index].outputs[tensor_index]


def _node_call(node_data, resolve):
    """(args, kwargs) of a serialized node (Keras 3 dict form or Keras 2 list form)."""
    if isinstance(node_data, dict):
        args = resolve(node_data.get("args", []))
        kwargs = resolve(node_data.get("kwargs") or {})
        return list(args), kwargs
    # Keras 2: [[layer_name, node_index, tensor_index, kwargs], ...]
    tensors, kwargs = [], {}
    for item in node_data:
        tensors.append(_tensor_of_resolver(resolve, item))
        if len(item) > 3:
            kwargs = item[3] or {}
    return [tensors[0] if len(tensors) == 1 else tensors], kwargs


def _tensor_of_resolver(resolve, item):
    return resolve({"class_name": "__keras_tensor__",
                    "config": {"keras_history": list(item[:3])}})


# ----------------------------------------------------------------- the graph
class _Graph:
    __slots__ = ("nodes", "node_ids", "layers", "nodes_by_depth")


def _map_graph(inputs: list, outputs: list) -> _Graph:
    """Orders the nodes between `inputs` and `outputs` (Keras's depth order: the
    layers sorted by decreasing depth, then by first visit), checking that every
    tensor is computable from the inputs and that layer names are unique."""
    input_ids = {id(x) for x in inputs}
    finished: set[int] = set()
    in_progress: set[int] = set()
    post_order: list[Node] = []
    first_seen: dict[int, int] = {}
    layers_by_id: dict[int, Any] = {}

    for output in outputs:
        # Iterative DFS: (tensor, expanded?) pairs.
        stack = [(output, False)]
        while stack:
            tensor, expanded = stack.pop()
            history = tensor._keras_history
            if history is None:
                raise ValueError(
                    f"The tensor {tensor} was not produced by a layer call, so the model "
                    "cannot trace it back to its inputs (operations on KerasTensors outside "
                    "layers are not recorded: wrap them in a layer such as "
                    "lamina.layers.Lambda)")
            node = node_of(history)
            layer = history[0]
            if expanded:
                in_progress.discard(id(node))
                if id(node) not in finished:
                    finished.add(id(node))
                    post_order.append(node)
                continue
            if id(node) in finished:
                continue
            if id(node) in in_progress:
                raise ValueError(f"Tensor {tensor} from layer '{layer.name}' is part of a cycle")
            if id(layer) not in first_seen:
                first_seen[id(layer)] = len(first_seen)
                layers_by_id[id(layer)] = layer
            in_progress.add(id(node))
            stack.append((tensor, True))
            if not node.is_input and id(tensor) not in input_ids:
                for parent_tensor in reversed(node.input_tensors):
                    stack.append((parent_tensor, False))

    node_depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    nodes_by_id = {id(n): n for n in post_order}
    for node in reversed(post_order):
        depth = max(node_depth.setdefault(id(node), 0),
                    layer_depth.get(id(node.operation), 0))
        layer_depth[id(node.operation)] = depth
        node_depth[id(node)] = depth
        if id(node) in nodes_by_id and not node.is_input:
            for parent in node.parent_nodes:
                if id(parent) in nodes_by_id:
                    node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))

    # Inputs not connected to any output still belong to the model.
    for x in inputs:
        layer = x._keras_history[0]
        if id(layer) not in layer_depth:
            node = node_of(x._keras_history)
            layer_depth[id(layer)] = 0
            first_seen[id(layer)] = -1
            layers_by_id[id(layer)] = layer
            node_depth[id(node)] = 0
            nodes_by_id[id(node)] = node

    layers = sorted(layers_by_id.values(),
                    key=lambda op: (-layer_depth[id(op)], first_seen[id(op)]))
    by_depth: dict[int, list[Node]] = {}
    for node_id, depth in node_depth.items():
        by_depth.setdefault(depth, []).append(nodes_by_id[node_id])
    ordered = [n for d in sorted(by_depth, reverse=True) for n in by_depth[d]]

    # Every tensor a node needs must be computable from the inputs.
    computable = set(input_ids)
    done_layers: list[str] = []
    for node in ordered:
        if node.is_input:
            if not any(id(t) in input_ids for t in node.outputs):
                continue
        else:
            for x in node.input_tensors:
                if id(x) not in computable:
                    origin = x._keras_history[0]
                    hint = ""
                    if isinstance(origin, InputLayer):
                        hint = (f" It comes from the Input '{origin.name}', which is not one "
                                "of the model's inputs: pass it in `inputs`.")
                    raise ValueError(
                        f"Graph disconnected: cannot find parent for tensor {x} at layer "
                        f"'{node.operation.name}'.{hint} The model's inputs are "
                        f"{[t.name for t in inputs]}; the following previous layers were "
                        f"accessed without issue: {done_layers}")
            done_layers.append(node.operation.name)
        for x in node.outputs:
            computable.add(id(x))

    names = [layer.name for layer in layers]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(
                f'The name "{name}" is used {names.count(name)} times in the model. All '
                "layer names should be unique.")

    graph = _Graph()
    graph.nodes = [n for n in ordered if not n.is_input]
    graph.node_ids = set(nodes_by_id)
    graph.layers = layers
    graph.nodes_by_depth = by_depth
    return graph


# ------------------------------------------------------------------- helpers
def _functional_like(cls) -> bool:
    """True when `cls.__init__` takes Functional's arguments (so a config can
    rebuild it); a subclass with its own constructor serializes as a Model."""
    import inspect

    own = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self",)]
    base = [p for p in inspect.signature(Functional.__init__).parameters if p != "self"]
    return own == base


def _lists(x):
    if isinstance(x, (list, tuple)):
        return [_lists(v) for v in x]
    if isinstance(x, dict):
        return {k: _lists(v) for k, v in x.items()}
    return x


def _shape_leaves(shapes) -> list:
    if isinstance(shapes, dict):
        return [s for k in sorted(shapes) for s in _shape_leaves(shapes[k])]
    if isinstance(shapes, (list, tuple)) and shapes and isinstance(shapes[0], (list, tuple)):
        return [s for item in shapes for s in _shape_leaves(item)]
    return [tuple(shapes)]


def _adapt_input(x, ref: KerasTensor, model_name: str):
    """`x` converted to the dtype and rank of the model input `ref`."""
    from lamina.ops import cast, convert_to_tensor, expand_dims, squeeze

    if x is None:
        raise ValueError(f"Model '{model_name}': the input '{ref.name}' is not optional, but "
                         "None was passed")
    if not isinstance(x, (Tensor, KerasTensor)):
        x = convert_to_tensor(x)
    if isinstance(x, Tensor) and x.dtype != ref.dtype and not (
            dtypes.is_float(ref.dtype) and dtypes.is_float(x.dtype)):
        x = cast(x, ref.dtype)
    rank, ref_rank = len(x.shape), len(ref.shape)
    if rank == ref_rank + 1 and x.shape[-1] == 1:
        x = squeeze(x, axis=-1)
    elif rank == ref_rank - 1 and ref.shape[-1] == 1:
        x = expand_dims(x, axis=-1)
    elif rank != ref_rank:
        raise ValueError(
            f"Model '{model_name}': input '{ref.name}' expects shape {ref.shape}, but received "
            f"a tensor of shape {tuple(x.shape)}")
    for d, r in zip(tuple(x.shape)[1:], ref.shape[1:]):
        if d is not None and r is not None and d != r:
            raise ValueError(
                f"Model '{model_name}': input '{ref.name}' expects shape {ref.shape}, but "
                f"received a tensor of shape {tuple(x.shape)}")
    return x
