"""`Subtract` and its functional form `subtract`."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.merging.base_merge import Merge
from lamina.ops import elementwise as e


@keras_export("keras.layers.Subtract")
class Subtract(Merge):
    """`inputs[0] - inputs[1]` for a list of exactly two tensors.

    Example:
    >>> Subtract()([lamina.ops.ones((1, 2)), lamina.ops.ones((1, 2))]).numpy()
    array([[0., 0.]], dtype=float32)
    """

    min_inputs = 2

    def _check_list(self, input_shape) -> list:
        shapes = super()._check_list(input_shape)
        if len(shapes) != 2:
            raise ValueError(f"A `Subtract` layer ('{self.name}') should be called on exactly "
                             f"2 inputs. Received: {len(shapes)} inputs with shapes "
                             f"{[tuple(s) for s in shapes]}")
        return shapes

    def _merge_function(self, inputs: list):
        return e.subtract(inputs[0], inputs[1])


@keras_export("keras.layers.subtract")
def subtract(inputs, **kwargs):
    """Functional form of `Subtract`: `Subtract(**kwargs)(inputs)`."""
    return Subtract(**kwargs)(inputs)
