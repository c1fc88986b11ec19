"""Shared machinery of the spatial reshaping layers (ZeroPadding, Cropping,
UpSampling in 1D/2D/3D): argument normalization, the spatial axes of a data
format, and the base class that applies one (before, after) pair or one factor
per spatial axis."""

from __future__ import annotations

from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.reshaping._data_format import standardize_data_format


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def normalize_pairs(value, n: int, arg: str, layer: str) -> tuple:
    """Keras's padding/cropping argument as `n` (before, after) pairs: an int (all
    sides), `n` ints (symmetric per axis), or `n` pairs; 1D also takes one pair."""
    def bad():
        forms = "an int, a tuple of 2 ints" if n == 1 else \
            f"an int, a tuple of {n} ints, or a tuple of {n} tuples of 2 ints"
        return ValueError(f"{layer}: `{arg}` should be {forms}, all non-negative. "
                          f"Received: {arg}={value!r}")

    if _is_int(value):
        pairs = ((value, value),) * n
    elif isinstance(value, (list, tuple)) and n == 1 and len(value) == 2 \
            and all(_is_int(v) for v in value):
        pairs = (tuple(value),)
    elif isinstance(value, (list, tuple)) and len(value) == n:
        pairs = []
        for v in value:
            if _is_int(v):
                pairs.append((v, v))
            elif isinstance(v, (list, tuple)) and len(v) == 2 and all(_is_int(i) for i in v):
                pairs.append(tuple(v))
            else:
                raise bad()
        pairs = tuple(pairs)
    else:
        raise bad()
    if any(a < 0 or b < 0 for a, b in pairs):
        raise bad()
    return pairs


def normalize_sizes(value, n: int, layer: str) -> tuple:
    """UpSampling's `size`: an int (every axis) or `n` positive ints."""
    if _is_int(value):
        sizes = (value,) * n
    elif isinstance(value, (list, tuple)) and len(value) == n and all(_is_int(v) for v in value):
        sizes = tuple(value)
    else:
        sizes = None
    if sizes is None or any(s <= 0 for s in sizes):
        raise ValueError(f"{layer}: `size` should be a positive int or a tuple of {n} positive "
                         f"ints. Received: size={value!r}")
    return sizes


class SpatialLayer(Layer):
    """A layer acting on the `n` spatial axes of a rank-(n + 2) input."""

    n_spatial = 1

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format, type(self).__name__)
        self.input_spec = InputSpec(ndim=self.n_spatial + 2)
        self.built = True

    def spatial_axes(self) -> tuple:
        start = 2 if self.data_format == "channels_first" else 1
        return tuple(range(start, start + self.n_spatial))
