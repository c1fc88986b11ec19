"""Memory planning: each intermediate buffer's lifetime from the schedule, and an
offset for it in one arena so that buffers whose lifetimes do not overlap share
memory (greedy by size, as TFLite's planner: the largest buffers are placed first,
each at the lowest offset free during its whole lifetime)."""

from __future__ import annotations

from lamina.graph.ir import Graph

ALIGNMENT = 64


class MemoryPlan:
    """Offsets of the step's intermediate values in one arena.

    Attributes:
        offsets: value id -> byte offset in the arena.
        sizes: value id -> bytes (rounded up to the alignment).
        lifetimes: value id -> (first node index, last node index).
        arena_bytes: the arena's size.
        peak_bytes: the most bytes live at once (a lower bound for any plan).
        unplanned_bytes: the sum of all intermediate buffers (no reuse at all).
    """

    def __init__(self):
        self.offsets: dict[int, int] = {}
        self.sizes: dict[int, int] = {}
        self.lifetimes: dict[int, tuple[int, int]] = {}
        self.arena_bytes = 0
        self.peak_bytes = 0
        self.unplanned_bytes = 0

    def text(self) -> str:
        return (f"memory: arena {_mib(self.arena_bytes)} for {len(self.offsets)} buffers "
                f"(peak live {_mib(self.peak_bytes)}, without reuse "
                f"{_mib(self.unplanned_bytes)})")


def plan(graph: Graph) -> MemoryPlan:
    """Plans every node output that owns its buffer (views share their source's)."""
    result = MemoryPlan()
    end = len(graph.nodes)
    roots = {v.id for v in graph.live_roots()}
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    size: dict[int, int] = {}
    for i, node in enumerate(graph.nodes):
        for v in node.inputs:
            root = v.alias if v.alias is not None else v
            if root.id in first:
                last[root.id] = max(last[root.id], i)
        for v in node.outputs:
            if v.alias is None:
                first[v.id] = last[v.id] = i
                size[v.id] = aligned(v.nbytes)
    for vid in roots:
        if vid in last:
            last[vid] = end
    result.offsets, result.arena_bytes = pack(
        [(vid, size[vid], first[vid], last[vid]) for vid in size])
    result.sizes = size
    result.lifetimes = {vid: (first[vid], last[vid]) for vid in size}
    result.unplanned_bytes = sum(size.values())
    live = [0] * (end + 1)
    for vid, nbytes in size.items():
        for t in range(first[vid], last[vid] + 1):
            live[t] += nbytes
    result.peak_bytes = max(live) if live else 0
    return result


def pack(buffers) -> tuple[dict, int]:
    """Offsets for `(key, nbytes, first, last)` buffers (nbytes aligned, lifetimes
    inclusive): two buffers share bytes only if their lifetimes do not overlap.
    Greedy by size: the largest first, each at the lowest offset that is free for
    its whole lifetime. Returns (offsets by key, arena bytes)."""
    offsets: dict = {}
    arena = 0
    placed: list[tuple[int, int, int, int]] = []  # (offset, nbytes, first, last)
    for key, nbytes, lo, hi in sorted(buffers, key=lambda b: (-b[1], b[2])):
        busy = sorted((o, o + n) for o, n, f, l in placed if not (l < lo or hi < f))
        offset = 0
        for start, stop in busy:
            if offset + nbytes <= start:
                break
            offset = max(offset, stop)
        placed.append((offset, nbytes, lo, hi))
        offsets[key] = offset
        arena = max(arena, offset + nbytes)
    return offsets, arena


def aligned(n: int) -> int:
    """`n` bytes rounded up to the arena's alignment."""
    return (n + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT


def _mib(n: int) -> str:
    return f"{n / 2**20:.2f} MiB"
