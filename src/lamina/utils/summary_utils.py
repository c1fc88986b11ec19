"""`model.summary()`: Keras 3's table of layers, output shapes and parameter counts."""

from __future__ import annotations

import math
import shutil
from typing import Callable

HEADERS = ("Layer (type)", "Output Shape", "Param #")


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


def _params(layer) -> str:
    if not layer.built:
        return "0 (unbuilt)"
    return f"{layer.count_params():,}"


def _rows(model, expand_nested: bool, depth: int = 0) -> list[tuple]:
    rows = []
    for layer in model.layers:
        name = ("  " * depth + ("└ " if depth else "")) + f"{layer.name} ({type(layer).__name__})"
        rows.append((name, _output_shape(layer), _params(layer), layer.trainable))
        if expand_nested and hasattr(layer, "layers") and layer.layers:
            rows.extend(_rows(layer, True, depth + 1))
    return rows


def _widths(line_length: int, positions) -> list[int]:
    if positions is None:
        positions = (0.45, 0.84, 1.0)
    if positions[-1] <= 1:
        inner = line_length - len(positions) - 1  # the table's borders count too
        positions = [int(inner * p) for p in positions]
    widths, prev = [], 0
    for p in positions:
        widths.append(max(p - prev, 6))
        prev = p
    # The count column must hold "0 (unbuilt)"; narrow the name column instead.
    if len(widths) == 3 and widths[2] < 13:
        widths[0] = max(widths[0] - (13 - widths[2]), 10)
        widths[2] = 13
    return widths


def _fit(text: str, width: int, align: str) -> str:
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text.ljust(width) if align == "left" else text.rjust(width)


def print_summary(model, line_length=None, positions=None, print_fn: Callable | None = None,
                  expand_nested: bool = False, show_trainable: bool = False,
                  layer_range=None) -> None:
    """Prints the summary table of `model` (a Sequential or a Model subclass)."""
    line_length = line_length or min(88, shutil.get_terminal_size((88, 20)).columns) or 88
    print_fn = print_fn or print
    headers = list(HEADERS)
    widths = _widths(line_length, positions)
    aligns = ["left", "left", "right"]
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

    out = [f'Model: "{model.name}"']
    out.append(line("┏", "━", "┳", "┓"))
    out.append(row(headers, "┃"))
    out.append(line("┡", "━", "╇", "┩"))
    for i, (name, shape, params, trainable) in enumerate(rows):
        cells = [name, shape, params] + (["Y" if trainable else "N"] if show_trainable else [])
        out.append(row(cells))
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
