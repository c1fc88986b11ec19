"""The graph IR: a flat, scheduled list of primitive applications over SSA values.

A `Graph` is what tracing one step produces (see `lamina.graph.trace`):

- `inputs`: the batch leaves, in flattening order (bound on every run);
- `states`: one value per Variable the step reads (weights, optimizer slots,
  metric accumulators, seed-generator states), read from the Variable on each run;
- `consts`: arrays captured while tracing (Python numbers, seeds of a gradient);
- `nodes`: primitive applications in execution order; each node's `prim` is the
  same `Primitive` eager code uses, so the kernels and the VJP rules are shared;
- `outputs` / `output_tree`: the step's result (e.g. the logs dict) as flat values;
- `updates`: `(variable, value)` pairs: the step's new state;
- `prologues`: host functions run before each execution that compute per-step
  scalars for some nodes (an optimizer's learning rate and bias corrections).
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Value:
    """One SSA value: a batch input, a state read, a constant or a node output."""

    __slots__ = ("id", "shape", "dtype", "kind", "data", "var", "producer", "alias",
                 "__weakref__")

    def __init__(self, id: int, shape: tuple, dtype: str, kind: str, data=None, var=None,
                 producer=None):
        self.id = id
        self.shape = tuple(shape)
        self.dtype = dtype
        self.kind = kind  # 'input' | 'state' | 'const' | 'node'
        self.data = data  # the array of a constant
        self.var = var  # the Variable of a state value
        self.producer = producer  # the Node of a node output
        self.alias = None  # the Value whose buffer this one views (None: its own buffer)

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * np.dtype(self.dtype).itemsize

    def label(self) -> str:
        if self.kind == "state":
            return f"%{self.id}<{self.var.path}>"
        if self.kind == "const" and self.data is not None and self.data.size == 1:
            return f"%{self.id}<={self.data.reshape(-1)[0]!r}>"
        return f"%{self.id}"

    def __repr__(self) -> str:
        return f"{self.label()}:{self.dtype}{list(self.shape)}"


class Node:
    """`outputs = prim(*inputs, **attrs)`."""

    __slots__ = ("prim", "inputs", "outputs", "attrs", "prologue")

    def __init__(self, prim, inputs: list[Value], outputs: list[Value], attrs: dict[str, Any]):
        self.prim = prim
        self.inputs = inputs
        self.outputs = outputs
        self.attrs = attrs
        self.prologue: tuple[int, int] | None = None  # (prologue index, slot in its result)

    @property
    def op(self) -> str:
        return self.prim.name

    def __repr__(self) -> str:
        outs = ", ".join(repr(o) for o in self.outputs)
        ins = ", ".join(v.label() for v in self.inputs)
        attrs = ", ".join(f"{k}={_short(v)}" for k, v in self.attrs.items())
        host = "  [per-step host scalars]" if self.prologue is not None else ""
        return f"{outs} = {self.op}({ins}{', ' if ins and attrs else ''}{attrs}){host}"


class Graph:
    """A traced step (see the module docstring)."""

    def __init__(self):
        self.inputs: list[Value] = []
        self.states: list[Value] = []
        self.consts: list[Value] = []
        self.nodes: list[Node] = []
        self.outputs: list = []  # Values, or Python objects passed through unchanged
        self.output_tree = None
        self.updates: list[tuple[Any, Value]] = []
        self.prologues: list = []  # callables returning per-node scalar tuples
        self._next_id = 0

    def new_value(self, shape, dtype, kind, **kw) -> Value:
        v = Value(self._next_id, shape, dtype, kind, **kw)
        self._next_id += 1
        return v

    def uses(self) -> dict[int, int]:
        """How many times each value id is read (by nodes, outputs and updates)."""
        counts: dict[int, int] = {}
        for node in self.nodes:
            for v in node.inputs:
                counts[v.id] = counts.get(v.id, 0) + 1
        for v in self.live_roots():
            counts[v.id] = counts.get(v.id, 0) + 1
        return counts

    def live_roots(self) -> list[Value]:
        """Values the step must produce: its outputs and its state updates."""
        roots = [v for v in self.outputs if isinstance(v, Value)]
        roots += [v for _, v in self.updates]
        return roots

    def text(self) -> str:
        """A readable listing: inputs, state, constants, nodes, outputs, updates."""
        lines = [f"graph: {len(self.nodes)} nodes"]
        for v in self.inputs:
            lines.append(f"  input  {v!r}")
        for v in self.states:
            lines.append(f"  state  {v!r}")
        for v in self.consts:
            lines.append(f"  const  {v!r}")
        for node in self.nodes:
            lines.append(f"  {node!r}")
        outs = ", ".join(repr(v) if isinstance(v, Value) else repr(v) for v in self.outputs)
        lines.append(f"  return ({outs})")
        for var, v in self.updates:
            lines.append(f"  {var.path} <- {v.label()}")
        return "\n".join(lines)


def _short(x) -> str:
    if isinstance(x, np.ndarray):
        return f"array{list(x.shape)}"
    if isinstance(x, (tuple, list)) and len(x) > 8:
        return f"{type(x).__name__}[{len(x)}]"
    if callable(x) and not isinstance(x, (int, float, str)):
        return getattr(x, "__name__", type(x).__name__)
    return repr(x)
