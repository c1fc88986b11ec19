"""`InputLayer` and `Input`: the entry point of a model, a symbolic placeholder."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.backend import dtypes
from lamina.backend.keras_tensor import KerasTensor
from lamina.layers.layer import Layer


@keras_export("keras.layers.InputLayer")
class InputLayer(Layer):
    """Holds the symbolic input of a model: `output` is a KerasTensor of shape
    `(batch_size,) + shape`.

    Example:
    >>> InputLayer(shape=(784,)).output.shape
    (None, 784)
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional: bool = False, name=None, **kwargs):
        if "batch_input_shape" in kwargs:  # Keras 2 configs
            batch_shape = kwargs.pop("batch_input_shape")
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        kwargs.pop("ragged", None)
        super().__init__(name=name, **kwargs)
        if sparse:
            raise ValueError("InputLayer: sparse inputs are not supported by lamina")
        if input_tensor is not None:
            if not isinstance(input_tensor, KerasTensor):
                raise ValueError(f"InputLayer: input_tensor must be a KerasTensor, got "
                                 f"{type(input_tensor).__name__}")
            batch_shape = input_tensor.shape
            dtype = dtype or input_tensor.dtype
        if shape is not None and batch_shape is not None:
            raise ValueError("InputLayer: pass either `shape` or `batch_shape`, not both")
        if batch_shape is None:
            if shape is None:
                raise ValueError("InputLayer: you must pass a `shape` argument (e.g. shape=(784,))")
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        for d in self.batch_shape:
            if d is not None and d < 0:
                raise ValueError(f"InputLayer: negative dimension in shape {self.batch_shape}")
        self._dtype = dtypes.standardize_dtype(dtype)
        self.sparse = False
        self.optional = optional
        self.output = input_tensor if input_tensor is not None else \
            KerasTensor(self.batch_shape, self._dtype, name=self.name)
        self.output._keras_history = (self, 0, 0)
        self.built = True

    @property
    def dtype(self) -> str:
        return self._dtype

    def call(self):
        return None

    def get_config(self) -> dict:
        return {"batch_shape": list(self.batch_shape), "dtype": self._dtype,
                "sparse": self.sparse, "ragged": False, "name": self.name}


@keras_export("keras.Input", "keras.layers.Input")
def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional: bool = False) -> KerasTensor:
    """A symbolic input tensor, the start of a model.

    Example:
    >>> x = lamina.Input(shape=(32,))
    >>> x.shape
    (None, 32)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, input_tensor=tensor,
                       optional=optional)
    return layer.output
