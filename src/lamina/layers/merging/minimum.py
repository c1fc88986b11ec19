"""`Minimum` and its functional form `minimum`."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.merging.base_merge import Merge, reduce_pairwise
from lamina.ops import elementwise as e


@keras_export("keras.layers.Minimum")
class Minimum(Merge):
    """The elementwise minimum of a list of tensors.

    Takes a list of tensors with the same batch size; the other axes broadcast
    as in Keras's merge layers.

    Example:
    >>> Minimum()([lamina.ops.ones((1, 2)), lamina.ops.zeros((1, 2))]).numpy()
    array([[0., 0.]], dtype=float32)
    """

    def _merge_function(self, inputs: list):
        return reduce_pairwise(e.minimum, inputs)


@keras_export("keras.layers.minimum")
def minimum(inputs, **kwargs):
    """Functional form of `Minimum`: `Minimum(**kwargs)(inputs)`."""
    return Minimum(**kwargs)(inputs)
