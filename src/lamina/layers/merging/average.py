"""`Average` and its functional form `average`."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.merging.base_merge import Merge, reduce_pairwise
from lamina.ops import elementwise as e


@keras_export("keras.layers.Average")
class Average(Merge):
    """The elementwise mean of a list of tensors.

    Takes a list of tensors with the same batch size; the other axes broadcast
    as in Keras's merge layers.

    Example:
    >>> Average()([lamina.ops.ones((1, 2)), lamina.ops.zeros((1, 2))]).numpy()
    array([[0.5, 0.5]], dtype=float32)
    """

    def _merge_function(self, inputs: list):
        return e.multiply(reduce_pairwise(e.add, inputs), 1.0 / len(inputs))


@keras_export("keras.layers.average")
def average(inputs, **kwargs):
    """Functional form of `Average`: `Average(**kwargs)(inputs)`."""
    return Average(**kwargs)(inputs)
