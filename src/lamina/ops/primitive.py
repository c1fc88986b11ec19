"""Primitives: the smallest operations, each defined once (DESIGN.md, "The primitive
contract"):

- `compute_output_spec(*specs, **attrs)`: the output shape(s) and dtype(s);
- `impl(*arrays, **attrs)`: the native kernel call, NumPy buffers in, buffers out;
- `vjp(inputs, outputs, cotangent, **attrs)`: the input cotangents, computed with
  other primitives, so a backward pass is itself differentiable and traceable.

A primitive is stateless: one instance serves every call, and per-call parameters
(axis, alpha, ...) travel as keyword attributes. Eager calls go through `bind`,
which runs the kernel and tells any active recorder (a GradientTape, later a
graph tracer) what happened.
"""

from __future__ import annotations

from typing import Any, Sequence

from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.tensor import Tensor
from lamina.ops.operation import Operation

from lamina.backend.recording import RECORDERS  # noqa: E402 - the active tapes


class Primitive(Operation):
    """Base class of primitive operations. Subclasses set `name` and implement
    `impl`, `compute_output_spec` and (when differentiable) `vjp`."""

    name = "primitive"
    multiple_results = False
    differentiable = True
    # When True, `vjp` accepts `needs=(bool, ...)`, one flag per input, and may skip
    # (return None for) the cotangents nobody asked for: the data input of a first
    # Dense or Conv layer, for instance, needs no gradient.
    partial_vjp = False
    # When True, `impl` takes `out=`, an array to write the result into: the compiled
    # executor passes its arena buffer, sparing a new array and a copy.
    impl_writes_out = False

    def __init__(self):
        Operation.__init__(self, name=type(self).name)

    def call(self, *inputs, **attrs):
        return self.bind(*inputs, **attrs)

    def impl(self, *arrays, **attrs):
        raise NotImplementedError(f"{self.name}: no kernel")

    def vjp(self, inputs: Sequence[Tensor], outputs, cotangent, **attrs):
        raise NotImplementedError(f"{self.name} is not differentiable")

    def bind(self, *inputs, **attrs):
        """Runs the primitive on Tensors (or infers the output on KerasTensors)."""
        try:
            arrays = [t._value for t in inputs]
        except AttributeError:
            return self._bind_other(inputs, attrs)
        out = self.impl(*arrays, **attrs)
        if self.multiple_results:
            out = tuple(Tensor(o) for o in out)
            if RECORDERS:
                _record(self, inputs, out, attrs)
            return out
        out = Tensor(out)
        if RECORDERS:
            _record(self, inputs, (out,), attrs)
        return out

    def _bind_other(self, inputs, attrs):
        if any(isinstance(t, KerasTensor) for t in inputs):
            return self.compute_output_spec(*inputs, **attrs)
        bad = [type(t).__name__ for t in inputs if not isinstance(t, Tensor)]
        raise TypeError(f"{self.name}: expected Tensor inputs, got {', '.join(bad)}")


def _record(prim: Primitive, inputs, outputs: tuple, attrs: dict[str, Any]) -> None:
    for recorder in RECORDERS:
        recorder.record(prim, inputs, outputs, attrs)
