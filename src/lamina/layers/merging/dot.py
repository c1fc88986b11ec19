"""`Dot` and its functional form `dot`: batched dot products of two tensors."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.merging.base_merge import Merge
from lamina.ops import linalg, manipulation as m
from lamina.ops.normalization import normalize


@keras_export("keras.layers.Dot")
class Dot(Merge):
    """For each sample, the dot product of two tensors contracted along `axes`
    (`x1`'s axis `axes[0]` with `x2`'s axis `axes[1]`; never the batch axis).

    Args:
        axes: an int (the same axis of both inputs) or a pair of ints.
        normalize: if True, L2-normalize both inputs along the contracted axes
            first, so the result is the cosine similarity.

    The result has shape `(batch,) + x1's other axes + x2's other axes`, with a
    trailing axis of size 1 when nothing else remains.

    Example:
    >>> x1, x2 = lamina.ops.ones((2, 3)), lamina.ops.ones((2, 3))
    >>> Dot(axes=1)([x1, x2]).numpy()
    array([[3.],
           [3.]], dtype=float32)
    """

    min_inputs = 2

    def __init__(self, axes, normalize: bool = False, **kwargs):
        super().__init__(**kwargs)
        ok = (isinstance(axes, int) and not isinstance(axes, bool)) or (
            isinstance(axes, (list, tuple)) and len(axes) == 2
            and all(isinstance(a, int) and not isinstance(a, bool) for a in axes))
        if not ok:
            raise TypeError("Invalid type/value for `axes`: expected an int or a list/tuple of "
                            f"2 ints. Received: axes={axes!r}")
        self.axes = list(axes) if isinstance(axes, (list, tuple)) else axes
        self.normalize = bool(normalize)
        self.supports_masking = False

    def _resolve(self, shapes) -> tuple:
        if len(shapes) != 2:
            raise ValueError(f"A `Dot` layer ('{self.name}') should be called on a list of "
                             f"exactly 2 inputs. Received: input_shape={shapes}")
        s1, s2 = (tuple(s) for s in shapes)
        if len(s1) < 2 or len(s2) < 2:
            raise ValueError(f"Dot '{self.name}': inputs need a batch axis and at least one "
                             f"more axis. Received shapes {s1} and {s2}")
        pair = self.axes if isinstance(self.axes, list) else [self.axes, self.axes]
        axes = []
        for a, s in zip(pair, (s1, s2)):
            if not -len(s) <= a < len(s) or a % len(s) == 0:
                raise ValueError(f"Dot '{self.name}': axes {self.axes} must name non-batch "
                                 f"axes of the inputs of shapes {s1} and {s2}")
            axes.append(a % len(s))
        d1, d2 = s1[axes[0]], s2[axes[1]]
        if d1 is not None and d2 is not None and d1 != d2:
            raise ValueError(f"Dot '{self.name}': incompatible input shapes: axis values {d1} "
                             f"(at axis {axes[0]}) != {d2} (at axis {axes[1]}). Full input "
                             f"shapes: {s1}, {s2}")
        if s1[0] is not None and s2[0] is not None and s1[0] != s2[0]:
            raise ValueError(f"Dot '{self.name}': the batch sizes differ. Received shapes "
                             f"{s1} and {s2}")
        return s1, s2, axes[0], axes[1]

    def compute_output_shape(self, input_shape):
        s1, s2, a1, a2 = self._resolve(self._check_list(input_shape))
        batch = s1[0] if s1[0] is not None else s2[0]
        rest = [d for i, d in enumerate(s1) if i not in (0, a1)] + \
            [d for i, d in enumerate(s2) if i not in (0, a2)]
        return (batch,) + (tuple(rest) if rest else (1,))

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A `Dot` layer ('{self.name}') should be called on a list of 2 "
                             f"inputs. Received: {inputs!r}")
        x1, x2 = inputs if len(inputs) == 2 else (None, None)
        s1, s2, a1, a2 = self._resolve([tuple(x.shape) for x in inputs])
        if self.normalize:
            x1 = normalize(x1, axis=a1)
            x2 = normalize(x2, axis=a2)
        # x1 -> (batch, M, K) with K last; x2 -> (batch, K, N); one batched matmul.
        x1 = m.moveaxis(x1, a1, -1)
        x2 = m.moveaxis(x2, a2, 1)
        batch, k = s1[0], s1[a1]
        rest1 = tuple(x1.shape[1:-1])
        rest2 = tuple(x2.shape[2:])
        y = linalg.matmul(m.reshape(x1, (batch, -1, k)), m.reshape(x2, (batch, k, -1)))
        return m.reshape(y, (batch,) + (rest1 + rest2 if rest1 + rest2 else (1,)))

    def compute_mask(self, inputs, previous_mask=None):
        return None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


@keras_export("keras.layers.dot")
def dot(inputs, axes=-1, normalize: bool = False, **kwargs):
    """Functional form of `Dot`: `Dot(axes, normalize, **kwargs)(inputs)`."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
