"""`Concatenate` and its functional form `concatenate`."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.backend.keras_tensor import KerasTensor
from lamina.layers.merging.base_merge import Merge
from lamina.ops import core, manipulation as m, reduction as r


@keras_export("keras.layers.Concatenate")
class Concatenate(Merge):
    """Joins a list of tensors along `axis`; all other axes must match.

    Args:
        axis: the concatenation axis (default -1, the features).

    Example:
    >>> Concatenate()([lamina.ops.ones((2, 3)), lamina.ops.zeros((2, 1))]).shape
    (2, 4)
    """

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"Concatenate: axis must be an int, got {axis!r}")
        self.axis = axis

    def compute_output_shape(self, input_shape):
        shapes = self._check_list(input_shape)
        rank = len(shapes[0])
        bad = ValueError(
            f"A `Concatenate` layer ('{self.name}') requires inputs with matching shapes except "
            f"for the concatenation axis {self.axis}. Received: input_shape="
            f"{[tuple(s) for s in shapes]}")
        if any(len(s) != rank for s in shapes) or not -rank <= self.axis < rank:
            raise bad
        axis = self.axis % rank
        out = []
        for d in range(rank):
            dims = [s[d] for s in shapes]
            if d == axis:
                out.append(None if None in dims else sum(dims))
                continue
            known = {x for x in dims if x is not None}
            if len(known) > 1:
                raise bad
            out.append(known.pop() if known else None)
        return tuple(out)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A `Concatenate` layer ('{self.name}') should be called on a list "
                             f"of inputs. Received: {inputs!r}")
        self.compute_output_shape([tuple(x.shape) for x in inputs])
        return m.concatenate(list(inputs), axis=self.axis)

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None or all(mk is None for mk in previous_mask):
            return None
        if any(isinstance(x, KerasTensor) for x in inputs):
            return KerasTensor(self.compute_output_shape([x.shape for x in inputs])[:-1], "bool")
        masks = []
        for x, mk in zip(inputs, previous_mask):
            if mk is None:  # an unmasked input: every entry is valid
                mk = m.broadcast_to(core.convert_to_tensor(True), tuple(x.shape))
            while mk.ndim < x.ndim:
                mk = m.expand_dims(mk, -1)
            masks.append(m.broadcast_to(mk, tuple(x.shape)))
        return r.all(m.concatenate(masks, axis=self.axis), axis=-1)

    def get_config(self) -> dict:
        config = super().get_config()
        config["axis"] = self.axis
        return config


@keras_export("keras.layers.concatenate")
def concatenate(inputs, axis: int = -1, **kwargs):
    """Functional form of `Concatenate`: `Concatenate(axis, **kwargs)(inputs)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)
