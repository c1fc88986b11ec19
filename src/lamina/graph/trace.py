"""Tracing a step into a `Graph` by running it once, eagerly, on real data.

The tracer is a recorder (like a GradientTape): every primitive that runs while it
is active becomes a node, with the shapes and dtypes of the arrays that really
flowed. The backward pass is recorded too, because the tape computes gradients
with the primitives' own VJP rules, and so is the optimizer's update (one fused
`optimizer_update` node per variable). The traced run is a real step: its results
are returned to the caller, so tracing costs no extra step.

What cannot be replayed is detected, never baked in silently: Python code that
reads the values of the step's own tensors (`float(loss)`, `if ops.any(x):`,
`.numpy()`) makes the trace *unsupported*, and the caller keeps running that step
eagerly. Host work that legitimately runs every step (an optimizer's learning
rate, step counter and bias corrections) happens inside a `host_section`, which
registers a prologue that the executor re-runs before each step.
"""

from __future__ import annotations

import contextlib

import numpy as np

from lamina.backend import recording
from lamina.backend.tensor import Tensor
from lamina.graph import tree
from lamina.graph.ir import Graph, Node, Value

_ACTIVE: list["Tracer"] = []


def active_tracer() -> "Tracer | None":
    """The tracer recording right now, if any (used by optimizers)."""
    return _ACTIVE[-1] if _ACTIVE else None


class Tracer:
    """Records primitives into a Graph; see the module docstring."""

    def __init__(self, variables):
        self.graph = Graph()
        self._values: dict[int, Value] = {}
        self._keep: list = []  # every tensor seen stays alive, so ids stay unique
        self._var_of: dict[int, object] = {}
        self._initial: dict[int, tuple] = {}  # id(var) -> (var, initial tensor)
        for v in variables:
            self._watch_variable(v)
        self.unsupported: list[str] = []
        self._host_depth = 0
        self._host_assigned: set[int] = set()
        self._section_nodes: list[Node] | None = None

    # ------------------------------------------------------------ recorder API
    def record(self, prim, inputs, outputs, attrs) -> None:
        ins = [self._value_of(t) for t in inputs]
        outs = []
        for o in outputs:
            self._keep.append(o)
            v = self.graph.new_value(o.shape, o.dtype, "node")
            # Kernels may return views of their inputs (a reshape): the planner must
            # not update a buffer in place while a view of it is still to be read.
            for t, iv in zip(inputs, ins):
                if np.may_share_memory(o._value, t._value):
                    v.alias = iv.alias if iv.alias is not None else iv
            self._values[id(o)] = v
            outs.append(v)
        node = Node(prim, ins, outs, dict(attrs))
        for v in outs:
            v.producer = node
        self.graph.nodes.append(node)
        if self._section_nodes is not None and getattr(prim, "host_scalars", False):
            self._section_nodes.append(node)

    def variable_accessed(self, variable) -> None:
        if id(variable) not in self._initial:
            self._watch_variable(variable)

    def host_read(self, tensor) -> None:
        if self._host_depth:
            return
        v = self._values.get(id(tensor))
        if v is None and id(tensor) in self._var_of:
            v = self._value_of(tensor)
        if v is not None and v.kind != "const":
            if v.kind == "input":
                what = "a batch input"
            elif v.kind == "state":
                what = f"variable '{v.var.path}'"
            else:
                what = f"the result of '{v.producer.op}'"
            self.fail(f"the step reads the value of {what} into Python (e.g. float(), bool(), "
                      ".numpy()); a compiled step cannot depend on its own values")

    # ---------------------------------------------------------------- helpers
    def fail(self, reason: str) -> None:
        """Marks the trace as not replayable (the step itself still completes)."""
        if reason not in self.unsupported:
            self.unsupported.append(reason)

    @contextlib.contextmanager
    def host_section(self, prologue):
        """Code run on the host every step (and re-run by `prologue()` before each
        compiled execution). Host reads are allowed inside; constant assignments to
        variables inside are the host's own state (e.g. the step counter); nodes with
        `host_scalars` recorded inside take their scalars from `prologue()`'s result,
        in order."""
        nodes: list[Node] = []
        outer, self._section_nodes = self._section_nodes, nodes
        before = {id(var): var._tensor for var, _ in self._initial.values()}
        self._host_depth += 1
        try:
            yield
        finally:
            self._host_depth -= 1
            self._section_nodes = outer
        for var, _ in list(self._initial.values()):
            if before.get(id(var)) is not var._tensor and id(var._tensor) not in self._values:
                self._host_assigned.add(id(var))
        index = len(self.graph.prologues)
        self.graph.prologues.append(prologue)
        for k, node in enumerate(nodes):
            node.prologue = (index, k)

    def _watch_variable(self, var) -> None:
        t = var._tensor
        self._initial[id(var)] = (var, t)
        self._var_of[id(t)] = var
        self._keep.append(t)

    def _value_of(self, t) -> Value:
        v = self._values.get(id(t))
        if v is not None:
            return v
        self._keep.append(t)
        var = self._var_of.get(id(t))
        if var is not None:
            v = self.graph.new_value(t.shape, t.dtype, "state", var=var)
            self.graph.states.append(v)
        else:
            v = self.graph.new_value(t.shape, t.dtype, "const", data=t._value)
            self.graph.consts.append(v)
        self._values[id(t)] = v
        return v

    def bind_inputs(self, leaves: list) -> None:
        for t in leaves:
            if isinstance(t, Tensor):
                self._keep.append(t)
                v = self.graph.new_value(t.shape, t.dtype, "input")
                self._values[id(t)] = v
                self.graph.inputs.append(v)
            else:
                self.graph.inputs.append(None)  # a non-tensor argument (e.g. None)

    def finish(self, result) -> Graph:
        g = self.graph
        leaves, g.output_tree = tree.flatten(result)
        for leaf in leaves:
            if isinstance(leaf, Tensor):
                g.outputs.append(self._value_of(leaf))
            elif isinstance(leaf, (int, float, str, bool, type(None), np.generic)):
                g.outputs.append(leaf)
            else:
                self.fail(f"the step returned a {type(leaf).__name__}; compiled steps return "
                          "tensors, numbers, or nested lists/tuples/dicts of them")
        for var, initial in self._initial.values():
            if var._tensor is initial:
                continue
            if id(var) in self._host_assigned:
                continue  # the prologue updates it on the host every step
            v = self._values.get(id(var._tensor))
            if v is None:
                self._keep.append(var._tensor)
                v = self._value_of(var._tensor)
            g.updates.append((var, v))
        return g


def trace(fn, args: tuple, variables) -> tuple[Graph, object, list[str]]:
    """Runs `fn(*args)` once while recording. Returns the graph, fn's real result
    and the reasons (if any) why the graph cannot replace `fn`."""
    tracer = Tracer(variables)
    leaves, _ = tree.flatten(args)
    tracer.bind_inputs(leaves)
    recording.RECORDERS.insert(0, tracer)
    recording.HOST_READ_WATCHERS.append(tracer)
    _ACTIVE.append(tracer)
    try:
        result = fn(*args)
    finally:
        _ACTIVE.remove(tracer)
        recording.HOST_READ_WATCHERS.remove(tracer)
        recording.RECORDERS.remove(tracer)
    graph = tracer.finish(result)
    return graph, result, tracer.unsupported
