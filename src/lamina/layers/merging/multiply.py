"""`Multiply` and its functional form `multiply`."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.merging.base_merge import Merge, reduce_pairwise
from lamina.ops import elementwise as e


@keras_export("keras.layers.Multiply")
class Multiply(Merge):
    """Multiplies a list of tensors elementwise.

    Takes a list of tensors with the same batch size; the other axes broadcast
    as in Keras's merge layers.

    Example:
    >>> Multiply()([lamina.ops.ones((2, 3)), lamina.ops.full((2, 3), 3.0)]).numpy()[0]
    array([3., 3., 3.], dtype=float32)
    """

    def _merge_function(self, inputs: list):
        return reduce_pairwise(e.multiply, inputs)


@keras_export("keras.layers.multiply")
def multiply(inputs, **kwargs):
    """Functional form of `Multiply`: `Multiply(**kwargs)(inputs)`."""
    return Multiply(**kwargs)(inputs)
