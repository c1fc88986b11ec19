"""`Maximum` and its functional form `maximum`."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.merging.base_merge import Merge, reduce_pairwise
from lamina.ops import elementwise as e


@keras_export("keras.layers.Maximum")
class Maximum(Merge):
    """The elementwise maximum of a list of tensors.

    Takes a list of tensors with the same batch size; the other axes broadcast
    as in Keras's merge layers.

    Example:
    >>> Maximum()([lamina.ops.ones((1, 2)), lamina.ops.zeros((1, 2))]).numpy()
    array([[1., 1.]], dtype=float32)
    """

    def _merge_function(self, inputs: list):
        return reduce_pairwise(e.maximum, inputs)


@keras_export("keras.layers.maximum")
def maximum(inputs, **kwargs):
    """Functional form of `Maximum`: `Maximum(**kwargs)(inputs)`."""
    return Maximum(**kwargs)(inputs)
