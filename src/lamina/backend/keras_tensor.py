"""`KerasTensor`: a symbolic tensor, shape and dtype only (no data).

Primitives called on KerasTensors run their shape/dtype rule instead of a kernel.
"""

from __future__ import annotations

from lamina.backend import dtypes


class KerasTensor:
    """A symbolic tensor; `None` marks an unknown dimension (e.g. the batch)."""

    # `_keras_history`: (layer, node index, tensor index) of the layer call that
    # produced this tensor, used by models built from symbolic tensors.
    __slots__ = ("shape", "dtype", "name", "_keras_history", "_keras_mask", "__weakref__")

    def __init__(self, shape, dtype="float32", name: str | None = None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtypes.standardize_dtype(dtype)
        self.name = name
        self._keras_history = None
        self._keras_mask = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    __hash__ = object.__hash__
