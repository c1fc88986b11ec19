"""`Add` and its functional form `add`."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.merging.base_merge import Merge, reduce_pairwise
from lamina.ops import elementwise as e


@keras_export("keras.layers.Add")
class Add(Merge):
    """Adds a list of tensors elementwise (same shapes, or broadcastable as Keras allows).

    Takes a list of tensors with the same batch size; the other axes broadcast
    as in Keras's merge layers.

    Example:
    >>> Add()([lamina.ops.ones((2, 3)), lamina.ops.ones((2, 3))]).numpy()[0]
    array([2., 2., 2.], dtype=float32)
    """

    def _merge_function(self, inputs: list):
        return reduce_pairwise(e.add, inputs)


@keras_export("keras.layers.add")
def add(inputs, **kwargs):
    """Functional form of `Add`: `Add(**kwargs)(inputs)`."""
    return Add(**kwargs)(inputs)
