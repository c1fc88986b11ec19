"""The public saving functions (Keras 3's `keras.saving` API): `save_model`,
`load_model`, `save_weights`, `load_weights`.

Example:
>>> model.save("mlp.keras")                       # or lamina.saving.save_model(model, ...)
>>> restored = lamina.models.load_model("mlp.keras")
>>> model.save_weights("mlp.weights.h5")
>>> model.load_weights("mlp.weights.h5")
"""

from __future__ import annotations

import os

from lamina.api_export import keras_export
from lamina.saving import saving_lib

_LEGACY_SUFFIXES = (".h5", ".hdf5")


def _path_str(filepath) -> str | None:
    return os.fspath(filepath) if isinstance(filepath, (str, os.PathLike)) else None


@keras_export("keras.saving.save_model", "keras.models.save_model")
def save_model(model, filepath, overwrite: bool = True, zipped: bool | None = None,
               **kwargs) -> None:
    """Saves a model as a `.keras` file: its config, weights and optimizer state.

    The file is written to a temporary file in the same directory and then renamed,
    so an error while saving leaves any previous file intact.

    Args:
        model: the model to save.
        filepath: a path ending in `.keras`, or a writable binary file object.
        overwrite: if False and `filepath` exists, raise `FileExistsError`.
        zipped: only the zipped format is supported (None or True).

    Example:
    >>> lamina.saving.save_model(model, "model.keras")
    """
    if kwargs:
        raise ValueError(f"save_model: unexpected arguments {sorted(kwargs)}")
    if zipped is False:
        raise ValueError("save_model: only the zipped `.keras` format is supported by lamina "
                         "(zipped=False is not)")
    path = _path_str(filepath)
    if path is not None and not path.endswith(".keras"):
        if path.endswith(_LEGACY_SUFFIXES):
            raise ValueError(
                "lamina saves models in the Keras 3 `.keras` format only; the legacy HDF5 "
                f"format ('.h5') is not supported. Use a `.keras` filename. Received: "
                f"filepath={path}"
            )
        raise ValueError(
            "Invalid filepath extension for saving. Please add a `.keras` extension for the "
            f"native Keras format. Received: filepath={path}"
        )
    saving_lib.save_model(model, filepath, overwrite=overwrite)


@keras_export("keras.saving.load_model", "keras.models.load_model")
def load_model(filepath, custom_objects: dict | None = None, compile: bool = True,
               safe_mode: bool = True):
    """Loads a model saved as a `.keras` file (by lamina or by Keras 3).

    Args:
        filepath: a path to a `.keras` file, or a readable binary file object.
        custom_objects: maps class or function names in the file to user objects
            (registered objects are found without it).
        compile: whether to compile the model as it was saved (optimizer, loss,
            metrics) and restore the optimizer's state.
        safe_mode: refuse to deserialize Python bytecode (`Lambda` layers holding a
            `lambda`). Pass False only for files you trust.

    Example:
    >>> model = lamina.models.load_model("model.keras")
    """
    path = _path_str(filepath)
    if path is not None and not path.endswith(".keras"):
        if path.endswith(".weights.h5"):
            raise ValueError(
                "load_model reads `.keras` files; this is a weights file: build the model and "
                f"call `model.load_weights(filepath)`. Received: filepath={path}"
            )
        if path.endswith(_LEGACY_SUFFIXES):
            raise ValueError(
                "lamina loads models in the Keras 3 `.keras` format; legacy HDF5 model files "
                "('.h5') are not supported (load the model in Keras and re-save it with "
                f"`model.save('model.keras')`). Received: filepath={path}"
            )
        raise ValueError(
            "File format not supported: expected a `.keras` file (Keras 3's format). "
            f"Received: filepath={path}"
        )
    return saving_lib.load_model(filepath, custom_objects=custom_objects, compile=compile,
                                 safe_mode=safe_mode)


def save_weights(model, filepath, overwrite: bool = True, max_shard_size=None) -> None:
    """Saves the weights (and optimizer state) of `model` to a `.weights.h5` file.

    Example:
    >>> lamina.saving.save_weights(model, "model.weights.h5")
    """
    if max_shard_size is not None:
        raise NotImplementedError("save_weights: sharded weights (max_shard_size) are not "
                                  "supported by lamina yet")
    saving_lib.save_weights_only(model, filepath, overwrite=overwrite)


def load_weights(model, filepath, skip_mismatch: bool = False, **kwargs) -> None:
    """Loads weights saved by `save_weights` (a `.weights.h5` file) or from a `.keras` file.

    With `skip_mismatch=True`, objects whose saved state does not fit (number of
    variables or shapes) are skipped with a warning; otherwise a ValueError names them
    and the model is left unchanged.

    Example:
    >>> lamina.saving.load_weights(model, "model.weights.h5")
    """
    if kwargs:
        raise ValueError(f"load_weights: unexpected arguments {sorted(kwargs)}")
    path = os.fspath(filepath)
    if path.endswith(_LEGACY_SUFFIXES) and not path.endswith(".weights.h5"):
        raise ValueError(
            "lamina reads weights files named `*.weights.h5` (Keras 3's format) or `.keras` "
            "files; legacy Keras 2 '.h5' weights files are not supported. Received: "
            f"filepath={path}"
        )
    saving_lib.load_weights_only(model, filepath, skip_mismatch=skip_mismatch)


@keras_export("keras.models.model_from_json")
def model_from_json(json_string: str, custom_objects: dict | None = None):
    """The model described by `json_string` (from `model.to_json()`), with fresh weights.

    Example:
    >>> clone = lamina.models.model_from_json(model.to_json())
    """
    import json

    try:
        config = json.loads(json_string)
    except (TypeError, json.JSONDecodeError) as e:
        raise ValueError(f"model_from_json: the argument is not valid JSON: {e}") from e
    return saving_lib.model_from_config(config, custom_objects=custom_objects, name="<json>")
