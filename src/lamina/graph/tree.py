"""Flattening nested step arguments and results (tuples, lists, dicts, leaves)."""

from __future__ import annotations


def flatten(tree) -> tuple[list, object]:
    """The leaves of `tree` in order, and a structure description to rebuild it."""
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(x, leaves: list):
    if isinstance(x, (list, tuple)):
        kids = tuple(_flatten(i, leaves) for i in x)
        return (type(x), None, kids)
    if isinstance(x, dict):
        keys = tuple(x)
        return (dict, keys, tuple(_flatten(x[k], leaves) for k in keys))
    leaves.append(x)
    return None


def unflatten(structure, leaves) -> object:
    """Rebuilds what `flatten` took apart, with `leaves` in its leaf positions."""
    it = iter(leaves)
    return _build(structure, it)


def _build(s, it):
    if s is None:
        return next(it)
    kind, keys, kids = s
    if kind is dict:
        return {k: _build(c, it) for k, c in zip(keys, kids)}
    items = [_build(c, it) for c in kids]
    return kind(items) if kind in (list, tuple) else kind(*items)
