"""Graph passes: dead-code elimination, common-subexpression elimination and
constant folding. Each takes a Graph, rewrites it in place and returns how many
nodes it removed (so `optimize` can report what it did)."""

from __future__ import annotations

import numpy as np

from lamina.graph.ir import Graph, Value


def eliminate_dead_code(graph: Graph) -> int:
    """Drops nodes none of whose outputs reach an output or a state update (the
    tape's unused cotangents, metrics nobody returns), then unused inputs' state
    and constants."""
    live: set[int] = {v.id for v in graph.live_roots()}
    kept = []
    for node in reversed(graph.nodes):
        if any(o.id in live for o in node.outputs):
            kept.append(node)
            live.update(v.id for v in node.inputs)
    removed = len(graph.nodes) - len(kept)
    graph.nodes = kept[::-1]
    graph.consts = [v for v in graph.consts if v.id in live]
    graph.states = [v for v in graph.states if v.id in live]
    return removed


def eliminate_common_subexpressions(graph: Graph) -> int:
    """Merges nodes that apply the same primitive with the same attributes to the
    same values (e.g. a cast or transpose computed by both the forward and the
    backward pass)."""
    seen: dict = {}
    replace: dict[int, Value] = {}
    kept = []
    for node in graph.nodes:
        node.inputs = [replace.get(v.id, v) for v in node.inputs]
        key = _node_key(node)
        prior = seen.get(key) if key is not None else None
        if prior is not None:
            for old, new in zip(node.outputs, prior.outputs):
                replace[old.id] = new
            continue
        if key is not None:
            seen[key] = node
        kept.append(node)
    removed = len(graph.nodes) - len(kept)
    graph.nodes = kept
    _substitute_roots(graph, replace)
    return removed


def fold_constants(graph: Graph) -> int:
    """Evaluates, once, the nodes whose inputs are all constants (the ones-like seed
    of a gradient, casts of Python numbers) and turns their outputs into constants."""
    kept = []
    folded = 0
    for node in graph.nodes:
        if (node.inputs and all(v.kind == "const" for v in node.inputs)
                and node.prologue is None):
            result = node.prim.impl(*[v.data for v in node.inputs], **node.attrs)
            results = result if node.prim.multiple_results else (result,)
            for out, array in zip(node.outputs, results):
                out.kind, out.data, out.producer = "const", np.asarray(array), None
                graph.consts.append(out)
            folded += 1
            continue
        kept.append(node)
    graph.nodes = kept
    return folded


def optimize(graph: Graph) -> dict[str, int]:
    """The standard pipeline; returns nodes removed per pass."""
    report = {"constant_folding": fold_constants(graph)}
    report["cse"] = eliminate_common_subexpressions(graph)
    report["dead_code"] = eliminate_dead_code(graph)
    return report


# ------------------------------------------------------------------ helpers
def _node_key(node):
    if node.prologue is not None or node.prim.multiple_results:
        return None
    try:
        attrs = tuple(sorted((k, _hashable(v)) for k, v in node.attrs.items()))
        key = (id(node.prim), tuple(v.id for v in node.inputs), attrs)
        hash(key)
    except TypeError:
        return None
    return key


def _hashable(x):
    if isinstance(x, (list, tuple)):
        return (type(x).__name__,) + tuple(_hashable(i) for i in x)
    if isinstance(x, dict):
        return ("dict",) + tuple(sorted((k, _hashable(v)) for k, v in x.items()))
    if isinstance(x, np.ndarray):
        raise TypeError("arrays are not compared")
    if isinstance(x, float) and x != x:
        return ("nan",)
    return (type(x).__name__, x)


def _substitute_roots(graph: Graph, replace: dict[int, Value]) -> None:
    if not replace:
        return
    graph.outputs = [replace.get(v.id, v) if isinstance(v, Value) else v for v in graph.outputs]
    graph.updates = [(var, replace.get(v.id, v)) for var, v in graph.updates]
