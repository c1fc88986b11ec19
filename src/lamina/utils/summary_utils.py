"""`model.summary()`: Keras 3's table of layers, output shapes and parameter counts."""

from __future__ import annotations

import math
import shutil
from typing import Callable

HEADERS = ("Layer (type)", "Output Shape", "Param #")
CONNECTED = "Connected to"


def readable_memory_size(num_bytes: float) -> str:
    """'198.79 KB'-style sizes (powers of 1024), as Keras prints them."""
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if num_bytes / 1024 < 1:
            return f"{num_bytes:.2f} {unit}"
        num_bytes /= 1024
    return f"{num_bytes:.2f} EB"


def count_params(weights) -> int:
    return int(sum(math.prod(w.shape) for w in weights))


def _weights_memory(weights) -> int:
    from lamina.backend import dtypes

    sizes = {"float32": 4, "float64": 8, "int32": 4, "int64": 8, "bool": 1, "uint8": 1}
    return int(sum(math.prod(w.shape) * sizes.get(w.dtype, 4) for w in weights
                   if dtypes.standardize_dtype(w.dtype)))


def _output_shape(layer) -> str:
    if not layer.built:
        return "?"
    spec = getattr(layer, "_last_output_shape", None)
    if spec is None:
        shapes = getattr(layer, "_build_shapes", None)
        if shapes is None:
            return "?"
        try:
            spec = layer.compute_output_shape(shapes)
        except Exception:  # noqa: BLE001 - a summary must not fail on an odd layer
            return "?"
    if isinstance(spec, list):
        return ", ".join(str(tuple(s)) for s in spec)
    return str(tuple(spec))


def _node_shape(outputs) -> str:
    shapes = [str(tuple(t.shape)) for t in outputs]
    return shapes[0] if len(shapes) == 1 else "[" + ", ".join(shapes) + "]"


def _graph_info(model) -> dict | None:
    """For a functional model: per layer, its output shape (first call in the
    model) and the tensors it is connected to ("dense[0][0]"); else None."""
    if not hasattr(model, "_layer_nodes") or not hasattr(model, "_nodes_by_depth"):
        return None
    info = {}
    for layer in model.layers:
        nodes = model._layer_nodes(layer)
        shape = _node_shape(nodes[0].outputs) if nodes and nodes[0].outputs else None
        connections = []
        for node in nodes:
            for x in node.input_tensors:
                op, node_index, tensor_index = x._keras_history
                connections.append(f"{op.name}[{node_index}][{tensor_index}]")
        info[id(layer)] = (shape, connections)
    return info


def _sequential_like(model) -> bool:
    """Keras's rule: a graph that is a plain chain (one node per depth, one input per
    node, no shared layer) is printed without the "Connected to" column."""
    nodes_by_depth = getattr(model, "_nodes_by_depth", None)
    if nodes_by_depth is None:
        return True
    seen = set()
    for nodes in nodes_by_depth.values():
        if len(nodes) > 1 or (nodes and len(nodes[0].input_tensors) > 1):
            return False
        for node in nodes:
            if id(node.operation) in seen:
                return False
            seen.add(id(node.operation))
    return True


def _params(layer) -> str:
    if not layer.built:
        return "0 (unbuilt)"
    return f"{layer.count_params():,}"


def _rows(model, expand_nested: bool, depth: int = 0) -> list[tuple]:
    rows = []
    info = _graph_info(model)
    for layer in model.layers:
        name = ("  " * depth + ("└ " if depth else "")) + f"{layer.name} ({type(layer).__name__})"
        shape, connections = (info or {}).get(id(layer), (None, []))
        rows.append((name, shape or _output_shape(layer), _params(layer), layer.trainable,
                     ", ".join(connections) or "-"))
        if expand_nested and hasattr(layer, "layers") and layer.layers:
            rows.extend(_rows(layer, True, depth + 1))
    return rows


def _widths(line_length: int, positions, connected: bool = False) -> list[int]:
    if positions is None:
        positions = (0.3, 0.56, 0.74, 1.0) if connected else (0.45, 0.84, 1.0)
    if positions[-1] <= 1:
        inner = line_length - len(positions) - 1  # the table's borders count too
        positions = [int(inner * p) for p in positions]
    widths, prev = [], 0
    for p in positions:
        widths.append(max(p - prev, 6))
        prev = p
    # The count column must hold "0 (unbuilt)"; narrow the name column instead.
    if len(widths) >= 3 and widths[2] < 13:
        widths[0] = max(widths[0] - (13 - widths[2]), 10)
        widths[2] = 13
    return widths


def _wrap(text: str, width: int) -> list[str]:
    """Splits a "Connected to" cell after commas so each line fits `width`."""
    lines, current = [], ""
    for part in text.split(", "):
        piece = part if not current else current + ", " + part
        if current and len(piece) > width:
            lines.append(current + ",")
            current = part
        else:
            current = piece
    lines.append(current)
    return lines


def _fit(text: str, width: int, align: str) -> str:
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text.ljust(width) if align == "left" else text.rjust(width)


def print_summary(model, line_length=None, positions=None, print_fn: Callable | None = None,
                  expand_nested: bool = False, show_trainable: bool = False,
                  layer_range=None) -> None:
    """Prints the summary table of `model` (a Sequential, a functional model, with
    Keras's "Connected to" column unless its graph is a plain chain, or a Model
    subclass)."""
    connected = _graph_info(model) is not None and not _sequential_like(model)
    default_length = 108 if connected else 88
    line_length = line_length or min(default_length,
                                     shutil.get_terminal_size((default_length, 20)).columns) \
        or default_length
    print_fn = print_fn or print
    headers = list(HEADERS) + ([CONNECTED] if connected else [])
    widths = _widths(line_length, positions, connected)
    aligns = ["left", "left", "right"] + (["left"] if connected else [])
    if show_trainable:
        headers.append("Trainable")
        widths.append(9)
        aligns.append("left")
    rows = _rows(model, expand_nested)
    if layer_range is not None:
        names = [r[0].strip().split(" ")[0] for r in rows]
        start, end = layer_range
        try:
            rows = rows[names.index(start): names.index(end) + 1]
        except ValueError:
            raise ValueError(f"summary: layer_range {layer_range} names a layer that is not in "
                             f"the model; layers are {names}") from None
    inner = [w - 2 for w in widths]

    def line(left: str, fill: str, mid: str, right: str) -> str:
        return left + mid.join(fill * w for w in widths) + right

    def row(cells, border: str = "│") -> str:
        return border + border.join(" " + _fit(c, w, a) + " "
                                    for c, w, a in zip(cells, inner, aligns)) + border

    def rows_of(cells) -> list[str]:
        if not connected:
            return [row(cells)]
        lines = _wrap(cells[3], inner[3])
        out_lines = [row(cells[:3] + [lines[0]] + cells[4:])]
        for extra in lines[1:]:
            blank = [""] * len(cells)
            blank[3] = extra
            out_lines.append(row(blank))
        return out_lines

    out = [f'Model: "{model.name}"']
    out.append(line("┏", "━", "┳", "┓"))
    out.append(row(headers, "┃"))
    out.append(line("┡", "━", "╇", "┩"))
    for i, (name, shape, params, trainable, connections) in enumerate(rows):
        cells = [name, shape, params] + ([connections] if connected else []) \
            + (["Y" if trainable else "N"] if show_trainable else [])
        out.extend(rows_of(cells))
        if i < len(rows) - 1:
            out.append(line("├", "─", "┼", "┤"))
    out.append(line("└", "─", "┴", "┘"))
    weights = model.weights if model.built or model.weights else []
    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    total = count_params(weights)
    out.append(f" Total params: {total:,} ({readable_memory_size(_weights_memory(weights))})")
    out.append(f" Trainable params: {count_params(trainable):,} "
               f"({readable_memory_size(_weights_memory(trainable))})")
    out.append(f" Non-trainable params: {count_params(non_trainable):,} "
               f"({readable_memory_size(_weights_memory(non_trainable))})")
    for text in out:
        print_fn(text)
