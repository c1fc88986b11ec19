"""`Node`: one recorded call of an Operation on symbolic tensors (Keras's Node).

Calling a layer on `KerasTensor`s creates a Node that holds the layer, the call's
arguments (with their KerasTensors) and the output KerasTensors, appends it to the
layer's `_inbound_nodes`, and stamps each output with `_keras_history =
KerasHistory(layer, node_index, tensor_index)`. Walking those histories back from a
model's outputs gives the graph that `Functional` runs. A layer called several times
(a shared layer) has several nodes.

Example:
>>> x = lamina.Input(shape=(3,))
>>> dense = lamina.layers.Dense(2)
>>> y = dense(x)
>>> y._keras_history.operation is dense, y._keras_history.node_index
(True, 0)
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

from lamina.backend.keras_tensor import KerasTensor


class KerasHistory(NamedTuple):
    """Which call produced a KerasTensor: `operation._inbound_nodes[node_index]`'s
    output number `tensor_index` (a plain 3-tuple, as Keras's)."""

    operation: Any
    node_index: int
    tensor_index: int


def flatten(structure) -> list:
    """The leaves of nested lists/tuples/dicts (dict keys in sorted order, as Keras's
    `tree.flatten`)."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for k in sorted(structure) for leaf in flatten(structure[k])]
    return [structure]


def pack_like(structure, flat: list):
    """Rebuilds `structure`'s nesting from `flat` leaves (the inverse of `flatten`)."""
    it = iter(flat)

    def build(s):
        if isinstance(s, list):
            return [build(x) for x in s]
        if isinstance(s, tuple):
            return tuple(build(x) for x in s)
        if isinstance(s, dict):
            built = {k: build(s[k]) for k in sorted(s)}
            return {k: built[k] for k in s}
        return next(it)

    return build(structure)


def map_structure(fn: Callable, structure):
    """`fn` applied to each leaf, keeping the nesting (lists, tuples, dicts)."""
    if isinstance(structure, list):
        return [map_structure(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


class Node:
    """A call event: `operation(*call_args, **call_kwargs) -> outputs`."""

    __slots__ = ("operation", "call_args", "call_kwargs", "outputs", "input_tensors",
                 "__weakref__")

    def __init__(self, operation, call_args=(), call_kwargs=None, outputs=None):
        self.operation = operation
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs or {})
        self.outputs = [x for x in flatten(outputs) if isinstance(x, KerasTensor)] \
            if outputs is not None else []
        self.input_tensors = [x for x in flatten([list(self.call_args),
                                                  self.call_kwargs])
                              if isinstance(x, KerasTensor)]
        nodes = operation._inbound_nodes
        nodes.append(self)
        index = len(nodes) - 1
        for i, tensor in enumerate(self.outputs):
            tensor._keras_history = KerasHistory(operation, index, i)

    @property
    def is_input(self) -> bool:
        """True for the node of an InputLayer (no input tensors)."""
        return not self.input_tensors

    @property
    def output_tensors(self) -> list:
        return self.outputs

    @property
    def parent_nodes(self) -> list["Node"]:
        """The nodes that produced this node's input tensors."""
        out = []
        for x in self.input_tensors:
            history = x._keras_history
            if history is not None:
                out.append(node_of(history))
        return out

    def fill_in(self, values: dict):
        """The call's (args, kwargs) with each KerasTensor replaced by
        `values[id(tensor)]`."""
        def swap(x):
            return values[id(x)] if isinstance(x, KerasTensor) else x

        return (map_structure(swap, list(self.call_args)),
                map_structure(swap, self.call_kwargs))

    def __repr__(self) -> str:
        return f"<Node operation={getattr(self.operation, 'name', self.operation)}>"


def node_of(history) -> Node:
    """The Node a `_keras_history` points at. An InputLayer gets its input node on
    first use (its tensor is stamped with `(input_layer, 0, 0)` when created)."""
    operation, node_index = history[0], history[1]
    nodes = getattr(operation, "_inbound_nodes", None)
    if nodes is None:
        raise ValueError(f"{operation!r} records no call history")
    if not nodes and node_index == 0 and getattr(operation, "output", None) is not None \
            and type(operation).__name__ == "InputLayer":
        Node(operation, (), {}, [operation.output])
    return nodes[node_index]
