"""Reverse-mode automatic differentiation over primitives: `GradientTape`.

While a tape is active, every primitive whose inputs depend on a watched tensor
is recorded in execution order. `gradient` walks that record backwards, calling
each primitive's VJP rule. VJPs are built from primitives too, so an outer tape
records the backward pass of an inner one: that is how second-order gradients
work.
"""

from __future__ import annotations

from typing import Any

from lamina.backend import dtypes
from lamina.backend.tensor import Tensor
from lamina.ops import primitive

_UNCONNECTED = ("none", "zero")


class GradientTape:
    """Records operations for automatic differentiation.

    Args:
        persistent: allow several `gradient` calls on the same tape.
        watch_accessed_variables: watch trainable variables as they are used.

    Example:
    >>> x = lamina.ops.convert_to_tensor(3.0)
    >>> with lamina.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * x
    >>> float(tape.gradient(y, x))
    6.0
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self._persistent = persistent
        self._watch_accessed_variables = watch_accessed_variables
        self._nodes: list[tuple] = []
        self._tracked: set[int] = set()
        self._watched: list = []  # keeps watched objects alive, so their ids stay valid
        self._recording = False
        self._used = False

    # ----------------------------------------------------------- recording
    def __enter__(self) -> "GradientTape":
        if self in primitive.RECORDERS:
            raise RuntimeError("This GradientTape is already active")
        self._recording = True
        primitive.RECORDERS.append(self)
        return self

    def __exit__(self, *exc) -> None:
        self._recording = False
        primitive.RECORDERS.remove(self)

    def watch(self, tensor) -> None:
        """Tracks `tensor` (or a nested structure of them); integer and bool
        tensors are ignored, as they have no gradient."""
        for t in _flatten(tensor):
            value = _as_tensor(t)
            if value is None:
                raise TypeError(f"GradientTape.watch: expected a Tensor, got {type(t).__name__}")
            if dtypes.is_float(value.dtype):
                self._tracked.add(id(value))
                self._watched.append(value)

    def watched_variables(self) -> tuple:
        return tuple(self._watched)

    def stop_recording(self):
        """Context manager that suspends recording on this tape."""
        return _Paused(self)

    def reset(self) -> None:
        self._nodes.clear()
        self._tracked.clear()
        self._watched.clear()

    def variable_accessed(self, variable) -> None:
        """Called when a Variable is read: watch it if it is trainable (and this
        tape watches accessed variables)."""
        if (self._recording and self._watch_accessed_variables and variable.trainable
                and id(variable._tensor) not in self._tracked):
            self.watch(variable._tensor)

    def record(self, prim, inputs, outputs, attrs: dict[str, Any]) -> None:
        if not self._recording:
            return
        tracked = self._tracked
        for t in inputs:
            if id(t) in tracked:
                break
        else:
            return
        self._nodes.append((prim, inputs, outputs, attrs))
        for o in outputs:
            if dtypes.is_float(o.dtype):
                tracked.add(id(o))

    # ------------------------------------------------------------ gradients
    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients: str = "none"):
        """d(sum of targets)/d(sources), with the same nesting as `sources`.

        `target` must be a scalar unless `output_gradients` (the cotangent of each
        target) is given. Sources not connected to the target get None, or zeros
        with `unconnected_gradients="zero"`.
        """
        from lamina.ops import core, creation, elementwise

        if self._used and not self._persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only compute one set of gradients; "
                "create it with persistent=True to call gradient() several times"
            )
        if unconnected_gradients not in _UNCONNECTED:
            raise ValueError(
                f"unconnected_gradients must be one of {_UNCONNECTED}, got {unconnected_gradients!r}"
            )
        self._used = True
        targets = [_require_tensor(t, "target") for t in _flatten(target)]
        if output_gradients is None:
            for t in targets:
                if t.size != 1:
                    raise ValueError(
                        f"GradientTape.gradient: the target must be a scalar, got shape {t.shape}; "
                        "reduce it (e.g. lamina.ops.sum) or pass output_gradients"
                    )
            seeds = [creation.ones_like(t) for t in targets]
        else:
            seeds = [_require_tensor(g, "output_gradients") for g in _flatten(output_gradients)]
            if len(seeds) != len(targets):
                raise ValueError(
                    f"output_gradients has {len(seeds)} entries for {len(targets)} targets"
                )
            for t, g in zip(targets, seeds):
                if tuple(g.shape) != tuple(t.shape):
                    raise ValueError(
                        f"output_gradients: shape {g.shape} does not match target shape {t.shape}"
                    )

        grads: dict[int, Tensor] = {}
        for t, g in zip(targets, seeds):
            if dtypes.is_float(t.dtype):
                _accumulate(grads, t, core.cast(g, t.dtype), elementwise.add)

        tracked = self._tracked
        was_recording, self._recording = self._recording, False
        try:
            for prim, inputs, outputs, attrs in reversed(self._nodes):
                cts = [grads.get(id(o)) for o in outputs]
                if all(c is None for c in cts):
                    continue
                if not prim.differentiable:
                    continue
                extra = attrs
                if prim.partial_vjp:
                    needs = tuple(id(x) in tracked and dtypes.is_float(x.dtype) for x in inputs)
                    extra = dict(attrs, needs=needs)
                if prim.multiple_results:
                    cts = [c if c is not None else creation.zeros_like(o) for c, o in zip(cts, outputs)]
                    in_cts = prim.vjp(inputs, outputs, cts, **extra)
                else:
                    in_cts = prim.vjp(inputs, outputs[0], cts[0], **extra)
                for x, g in zip(inputs, in_cts):
                    # Unwatched inputs (constants, frozen variables) get no gradient.
                    if g is None or id(x) not in tracked or not dtypes.is_float(x.dtype):
                        continue
                    if tuple(g.shape) != tuple(x.shape):
                        raise RuntimeError(
                            f"internal error: the VJP of {prim.name} gave a cotangent of shape "
                            f"{g.shape} for an input of shape {x.shape}"
                        )
                    _accumulate(grads, x, g, elementwise.add)
        finally:
            self._recording = was_recording
            if not self._persistent:
                self._nodes = []

        def result(s):
            value = _as_tensor(s)
            if value is None:
                raise TypeError(f"GradientTape.gradient: sources must be Tensors, got {type(s).__name__}")
            g = grads.get(id(value))
            if g is None and unconnected_gradients == "zero":
                g = creation.zeros_like(value)
            return g

        return _map_structure(result, sources)


def _accumulate(grads: dict, x: Tensor, g: Tensor, add) -> None:
    prev = grads.get(id(x))
    grads[id(x)] = g if prev is None else add(prev, g)


class _Paused:
    def __init__(self, tape: GradientTape):
        self._tape = tape

    def __enter__(self):
        self._was, self._tape._recording = self._tape._recording, False

    def __exit__(self, *exc):
        self._tape._recording = self._was


def _as_tensor(x):
    """The Tensor behind `x` (a Tensor, or an object exposing one as `.value`)."""
    if isinstance(x, Tensor):
        return x
    value = getattr(x, "value", None)
    return value if isinstance(value, Tensor) else None


def _require_tensor(x, what: str) -> Tensor:
    t = _as_tensor(x)
    if t is None:
        raise TypeError(f"GradientTape.gradient: {what} must be a Tensor, got {type(x).__name__}")
    return t


def _flatten(x) -> list:
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _flatten(item)]
    if isinstance(x, dict):
        return [leaf for k in x for leaf in _flatten(x[k])]
    return [x]


def _map_structure(fn, x):
    if isinstance(x, list):
        return [_map_structure(fn, i) for i in x]
    if isinstance(x, tuple):
        return tuple(_map_structure(fn, i) for i in x)
    if isinstance(x, dict):
        return {k: _map_structure(fn, v) for k, v in x.items()}
    return fn(x)
