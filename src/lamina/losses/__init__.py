"""`lamina.losses`: Keras 3's losses (keras.losses): `Loss` classes, loss
functions, and `get` / `serialize` / `deserialize`.

Example:
>>> from lamina import losses
>>> loss = losses.get("CategoricalCrossentropy")
>>> losses.serialize(loss)["class_name"]
'CategoricalCrossentropy'
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from lamina.api_export import keras_export
from lamina.losses.loss import Loss, reduce_weighted_values, squeeze_or_expand_to_same_rank
from lamina.losses.losses import (
    BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
    CategoricalFocalCrossentropy, CategoricalHinge, CosineSimilarity, Dice, Hinge, Huber,
    KLDivergence, LogCosh, LossFunctionWrapper, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredError, MeanSquaredLogarithmicError, Poisson, SparseCategoricalCrossentropy,
    SquaredHinge, Tversky, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, categorical_focal_crossentropy, categorical_hinge,
    cosine_similarity, dice, hinge, huber, kl_divergence, log_cosh, mean_absolute_error,
    mean_absolute_percentage_error, mean_squared_error, mean_squared_logarithmic_error, poisson,
    sparse_categorical_crossentropy, squared_hinge, tversky,
)
from lamina.saving import serialization_lib

# Keras's short aliases.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
bce = BCE = binary_crossentropy
logcosh = log_cosh

__all__ = [
    "Loss", "LossFunctionWrapper", "get", "serialize", "deserialize",
    "BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy", "CategoricalHinge", "CosineSimilarity", "Dice", "Hinge",
    "Huber", "KLDivergence", "LogCosh", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredError", "MeanSquaredLogarithmicError", "Poisson",
    "SparseCategoricalCrossentropy", "SquaredHinge", "Tversky",
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "categorical_hinge", "cosine_similarity", "dice", "hinge",
    "huber", "kl_divergence", "log_cosh", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error",
    "poisson", "sparse_categorical_crossentropy", "squared_hinge", "tversky",
    "mse", "MSE", "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "kld", "KLD", "bce", "BCE",
    "kullback_leibler_divergence", "logcosh",
]

_CLASSES = (
    Loss, LossFunctionWrapper, KLDivergence, Poisson, BinaryCrossentropy,
    BinaryFocalCrossentropy, CategoricalCrossentropy, CategoricalFocalCrossentropy,
    SparseCategoricalCrossentropy, MeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, LogCosh, Huber,
    Hinge, SquaredHinge, CategoricalHinge, Dice, Tversky,
)
_FUNCTIONS = (
    kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, categorical_focal_crossentropy, sparse_categorical_crossentropy,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, log_cosh, huber, hinge, squared_hinge,
    categorical_hinge, dice, tversky,
)

# The names `get` and `deserialize` accept: class names, function names, aliases.
ALL_OBJECTS_DICT: dict[str, Any] = {obj.__name__: obj for obj in _CLASSES + _FUNCTIONS}
ALL_OBJECTS_DICT.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "kld": kl_divergence, "KLD": kl_divergence,
    "kullback_leibler_divergence": kl_divergence,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
    "logcosh": log_cosh,
})


@keras_export("keras.losses.serialize")
def serialize(loss) -> Any:
    """A loss (a `Loss` or a loss function) as a Keras config dict.

    Example:
    >>> serialize(MeanSquaredError())["config"]
    {'name': 'mean_squared_error', 'reduction': 'sum_over_batch_size'}
    """
    return serialization_lib.serialize_keras_object(loss)


@keras_export("keras.losses.deserialize")
def deserialize(name, custom_objects: dict | None = None):
    """The loss a Keras config (or a name) describes.

    Example:
    >>> deserialize({"class_name": "Huber", "config": {"delta": 2.0}}).delta
    2.0
    """
    return serialization_lib.deserialize_keras_object(
        name, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects,
        printable_module_name="loss function")


@keras_export("keras.losses.get")
def get(identifier) -> Callable | None:
    """A loss from a name ("mse", "categorical_crossentropy", "Huber", ...), a config
    dict, a `Loss` instance or class, or a callable; None gives None. Class names
    give an instance; function names give the function.

    Example:
    >>> get("mse") is mean_squared_error
    True
    >>> type(get("CategoricalCrossentropy")).__name__
    'CategoricalCrossentropy'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
        if obj is None:
            raise ValueError(
                f"Unknown loss: {identifier!r}. Known names: "
                f"{', '.join(sorted(ALL_OBJECTS_DICT))}. For a custom loss, pass the object "
                "itself or register it with @lamina.saving.register_keras_serializable().")
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret loss identifier: {identifier!r} (expected a name, a "
                     "config dict, a Loss or a callable)")
