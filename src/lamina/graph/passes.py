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


def relu_grad_reads_activation(graph: Graph) -> int:
    """Rewrites relu_grad(x, g) as relu_grad(relu(x), g) (relu(x) > 0 exactly where
    x > 0): the backward pass then reads the activation instead of the
    pre-activation, which dies in the forward pass, so the bias add and the relu
    fuse into the matmul's epilogue. Returns how many nodes it rewrote."""
    relu_of: dict[int, Value] = {}
    for n in graph.nodes:
        if n.op == "relu" and not n.attrs.get("alpha"):
            relu_of.setdefault(n.inputs[0].id, n.outputs[0])
    rewritten = 0
    for n in graph.nodes:
        if n.op == "relu_grad" and n.inputs[0].id in relu_of:
            n.inputs = [relu_of[n.inputs[0].id], n.inputs[1]]
            rewritten += 1
    return rewritten


def optimize(graph: Graph) -> dict[str, int]:
    """The standard pipeline; returns what each pass did (nodes removed, or
    rewritten for the relu rewrite)."""
    report = {"relu_grad_rewrites": relu_grad_reads_activation(graph)}
    report["constant_folding"] = fold_constants(graph)
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
