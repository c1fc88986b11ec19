"""The backend: Tensor storage, dtypes, the native core and symbolic tensors."""

from lamina.backend.dtypes import floatx, result_type, standardize_dtype
from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.tensor import Tensor
from lamina.backend.variable import Variable

__all__ = ["Tensor", "Variable", "KerasTensor", "floatx", "result_type", "standardize_dtype"]
