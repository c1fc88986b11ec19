"""Runs a Graph by calling each node's kernel on NumPy buffers: no Tensors, no
tape, no layer or optimizer Python between kernels.

State is carried in place: once a Variable's buffer was produced by this
interpreter and its Tensor has not been read out (`Variable.value` marks it
escaped), the optimizer's fused kernel updates it where it is, with no copy per
step; otherwise the kernel writes a new buffer, so Tensors stay immutable.
"""

from __future__ import annotations

from lamina.backend.tensor import Tensor
from lamina.graph.ir import Graph, Value


class Interpreter:
    """Executes `graph`; `run(input_arrays)` returns the flat outputs."""

    def __init__(self, graph: Graph):
        self.graph = graph
        slot: dict[int, int] = {}

        def index(v: Value) -> int:
            if v.id not in slot:
                slot[v.id] = len(slot)
            return slot[v.id]

        self._inputs = [index(v) if v is not None else None for v in graph.inputs]
        self._states = [(index(v), v.var) for v in graph.states]
        self._consts = [(index(v), v.data) for v in graph.consts]
        last_use = _last_uses(graph)
        roots = {v.id for v in graph.live_roots()}
        self._steps = []
        for i, node in enumerate(graph.nodes):
            ins = tuple(index(v) for v in node.inputs)
            outs = tuple(index(v) for v in node.outputs)
            free = tuple(slot[v.id] for v in node.inputs
                         if last_use.get(v.id) == i and v.id not in roots
                         and v.kind == "node")
            inplace = _inplace_states(graph, i, node, last_use)
            self._steps.append((node.prim.impl, ins, outs, node.attrs, node.prim.multiple_results,
                                node.prologue, free, inplace))
        self._outputs = [(index(v), None) if isinstance(v, Value) else (None, v)
                         for v in graph.outputs]
        self._updates = [(var, index(v), v.kind == "node") for var, v in graph.updates]
        self._nslots = len(slot)
        self._owned: dict[int, Tensor] = {}  # id(var) -> the Tensor we installed

    def run(self, inputs: list) -> list:
        env = [None] * self._nslots
        for i, array in zip(self._inputs, inputs):
            if i is not None:
                env[i] = array
        for i, data in self._consts:
            env[i] = data
        owned = self._owned
        own_ids = set()
        for i, var in self._states:
            t = var._tensor
            env[i] = t._value
            if owned.get(id(var)) is t and not var._escaped:
                own_ids.add(i)
        scalars = [fn() for fn in self.graph.prologues]
        for impl, ins, outs, attrs, multi, prologue, free, inplace in self._steps:
            args = [env[i] for i in ins]
            if prologue is not None:
                attrs = dict(attrs, scalars=scalars[prologue[0]][prologue[1]])
                if inplace and all(ins[k] in own_ids for k in inplace):
                    attrs["out"] = [args[k] for k in inplace]
            result = impl(*args, **attrs)
            if multi:
                for i, r in zip(outs, result):
                    env[i] = r
            else:
                env[outs[0]] = result
            for i in free:
                env[i] = None
        for var, i, fresh in self._updates:
            array = env[i]
            current = var._tensor
            if current._value is array:
                continue  # updated in place
            t = Tensor(array)
            var._tensor = t
            if fresh:
                owned[id(var)] = t
                var._escaped = False
            else:
                owned.pop(id(var), None)
        return [env[i] if i is not None else const for i, const in self._outputs]


def _last_uses(graph: Graph) -> dict[int, int]:
    last: dict[int, int] = {}
    for i, node in enumerate(graph.nodes):
        for v in node.inputs:
            last[v.id] = i
            if v.alias is not None:
                last[v.alias.id] = max(last.get(v.alias.id, -1), i)
    return last


def _inplace_states(graph: Graph, i: int, node, last_use: dict[int, int]) -> tuple:
    """For an optimizer update (a node with host scalars), the positions of its
    state inputs (param, slots) it may overwrite: each must be a Variable's value
    read for the last time here, whose new value is this node's output."""
    if node.prologue is None:
        return ()
    updated = {id(var): v for var, v in graph.updates}
    returned = {v.id for v in graph.outputs if isinstance(v, Value)}
    positions = []
    for k, v in enumerate(node.inputs[1:], start=1):
        out = node.outputs[k - 1]
        if (v.kind != "state" or last_use.get(v.id) != i or v.id in returned
                or updated.get(id(v.var)) is not out):
            return ()
        positions.append(k)
    return tuple(positions)
