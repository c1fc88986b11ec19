"""`lamina.config`: global settings, as `keras.config`.

lamina computes in float32 (or float64 on request) with channels-last images; these
functions report and set those defaults.
"""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.backend import dtypes
from lamina.saving import serialization_lib

_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"


@keras_export("keras.config.backend", "keras.backend.backend")
def backend() -> str:
    """The name of the backend: always "lamina" (its own native core)."""
    return "lamina"


@keras_export("keras.config.floatx", "keras.backend.floatx")
def floatx() -> str:
    """The default float dtype ("float32")."""
    return dtypes.FLOATX


@keras_export("keras.config.set_floatx", "keras.backend.set_floatx")
def set_floatx(value: str) -> None:
    """Sets the default float dtype: "float32" or "float64"."""
    value = dtypes.standardize_dtype(value)
    if value not in dtypes.FLOAT_DTYPES:
        raise ValueError(f"set_floatx: expected one of {dtypes.FLOAT_DTYPES}, received {value!r}")
    dtypes.FLOATX = value


@keras_export("keras.config.epsilon", "keras.backend.epsilon")
def epsilon() -> float:
    """The fuzz factor used in numeric expressions (1e-7)."""
    return _EPSILON


@keras_export("keras.config.image_data_format", "keras.backend.image_data_format")
def image_data_format() -> str:
    """The default image layout: "channels_last"."""
    return _IMAGE_DATA_FORMAT


@keras_export("keras.config.enable_unsafe_deserialization")
def enable_unsafe_deserialization() -> None:
    """Allows loading Lambda layers that carry Python code (only for trusted files)."""
    serialization_lib.enable_unsafe_deserialization()
