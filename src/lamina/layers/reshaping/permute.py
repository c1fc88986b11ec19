"""`Permute`: reorders the non-batch axes."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.ops import transpose


@keras_export("keras.layers.Permute")
class Permute(Layer):
    """Permutes the non-batch axes; `dims` is 1-indexed, e.g. (2, 1) swaps them.

    Example:
    >>> Permute((2, 1))(lamina.ops.ones((5, 3, 4))).shape
    (5, 4, 3)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices in "
                f"`dims` must be consecutive and start from 1. Received dims={self.dims}"
            )
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)
        self.built = True

    def call(self, inputs):
        return transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self) -> dict:
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config
