"""Run-time data checks as primitives, so that a compiled step checks every batch
(a Python `if` on a tensor's values would be evaluated only while tracing).

`check_range(x, lo, hi, message)` returns `x` itself after verifying that every
element is in [lo, hi); use the returned tensor so the check stays in the graph.
"""

from __future__ import annotations

from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.native import _core
from lamina.ops.primitive import Primitive


class CheckRange(Primitive):
    """Identity on integer `x` that raises ValueError(message.format(bad=...)) when
    an element falls outside [lo, hi)."""

    name = "check_range"
    differentiable = False

    def impl(self, x, lo, hi, message):
        if x.size:
            axes = list(range(x.ndim))
            low = int(_core.reduce(_core.REDUCE_OPS["min"], x, axes))
            high = int(_core.reduce(_core.REDUCE_OPS["max"], x, axes))
            if low < lo or high >= hi:
                raise ValueError(message.format(bad=low if low < lo else high))
        return x

    def compute_output_spec(self, x, lo, hi, message):
        return KerasTensor(x.shape, x.dtype)


_CHECK_RANGE = CheckRange()


def check_range(x, lo: int, hi: int, message: str):
    """`x`, after checking lo <= x < hi everywhere (see the module docstring)."""
    return _CHECK_RANGE.bind(x, lo=int(lo), hi=int(hi), message=message)
