"""HDF5 variable stores in Keras 3's layout (`model.weights.h5`, `*.weights.h5`).

Each saveable object (a layer, the optimizer) owns one group named by its path in
the model, e.g. `layers/dense/vars`, holding its variables as datasets "0", "1", ...
and the object's name as the group attribute "name"; the model itself owns the
root group `vars`. Reading refuses what a weights file never needs (soft and external
links, external or virtual datasets, datasets that declare far more data than the
file stores), so a hostile file cannot reach outside itself or exhaust memory.

Example:
>>> store = H5IOStore("w.weights.h5", mode="w")
>>> store.make("layers/dense", metadata={"name": "dense"})["0"] = np.ones((2, 3))
>>> store.close()
>>> H5IOStore("w.weights.h5").get("layers/dense")["0"].shape
(2, 3)
"""

from __future__ import annotations

import io
import math
import os
from typing import Any, Iterator

import numpy as np

# A dataset declaring more than this many bytes must store at least 1/1000 of them.
_BOMB_FLOOR_BYTES = 1 << 32
_BOMB_MAX_EXPANSION = 1000


def _h5py():
    try:
        import h5py
    except ImportError as e:  # pragma: no cover - h5py is a dependency
        raise ImportError("Saving and loading weights needs h5py: `pip install h5py`") from e
    return h5py


class H5IOStore:
    """An HDF5 file (a path or a binary file object) of Keras-layout variable groups.

    Args:
        target: a filesystem path or a seekable binary file object (e.g. `io.BytesIO`).
        mode: "r" to read, "w" to write (truncating).
        display_name: how errors name the file (defaults to the path).
    """

    def __init__(self, target, mode: str = "r", display_name: str | None = None):
        if mode not in ("r", "w"):
            raise ValueError(f"H5IOStore: mode must be 'r' or 'w', got {mode!r}")
        h5py = _h5py()
        self.mode = mode
        self.display_name = display_name or (os.fspath(target) if isinstance(
            target, (str, os.PathLike)) else "<file object>")
        try:
            self.h5_file = h5py.File(target, mode=mode)
        except (OSError, ValueError) as e:
            if mode == "r":
                raise ValueError(
                    f"Cannot read the weights file '{self.display_name}': it is not a valid "
                    f"HDF5 file (it may be truncated or corrupt). HDF5 said: {e}"
                ) from e
            raise

    def make(self, path: str, metadata: dict | None = None) -> "H5Entry":
        """The group of the object at `path`, for writing (created with `metadata` as
        attributes when given; otherwise on the first variable written)."""
        if self.mode != "w":
            raise ValueError("H5IOStore.make is only allowed in write mode")
        entry = H5Entry(self, path, writable=True)
        if metadata:
            entry._create(metadata)
        return entry

    def get(self, path: str) -> "H5Entry":
        """The group of the object at `path`, for reading (empty when the file has none)."""
        if self.mode != "r":
            raise ValueError("H5IOStore.get is only allowed in read mode")
        entry = H5Entry(self, path, writable=False)
        group_path = f"{path}/vars" if path else "vars"
        entry._group = _safe_group(self.h5_file, group_path, self.display_name)
        return entry

    def has_path(self, path: str) -> bool:
        return path in self.h5_file

    def close(self) -> None:
        self.h5_file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class H5Entry:
    """The variables of one object: a mapping "0", "1", ... -> arrays."""

    def __init__(self, store: H5IOStore, path: str, writable: bool):
        self._store = store
        self.path = path
        self._writable = writable
        self._group = None

    def _create(self, metadata: dict | None = None) -> None:
        h5 = self._store.h5_file
        self._group = h5.create_group(f"{self.path}/vars" if self.path else "vars")
        for k, v in (metadata or {}).items():
            self._group.attrs[k] = v

    def keys(self) -> list[str]:
        return [] if self._group is None else list(self._group.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __contains__(self, key: str) -> bool:
        return self._group is not None and key in self._group

    def items(self):
        return [(k, self[k]) for k in self.keys()]

    def __getitem__(self, key: str) -> np.ndarray:
        where = f"{self.path}/vars/{key}" if self.path else f"vars/{key}"
        if self._group is None or key not in self._group:
            raise KeyError(f"'{where}' is not in the weights file '{self._store.display_name}'")
        return _safe_read(self._group, key, where, self._store.display_name)

    def __setitem__(self, key: str, value: Any) -> None:
        if not self._writable:
            raise ValueError("Setting a value is only allowed in write mode")
        if self._group is None:
            self._create()
        value = np.asarray(value)
        self._group.create_dataset(key, data=value)


def _safe_group(h5_file, path: str, display_name: str):
    """The group at `path`, or None when absent; links and non-groups are refused."""
    h5py = _h5py()
    current = h5_file
    for part in path.split("/"):
        if not part:
            raise ValueError(f"Invalid path {path!r} in the weights file '{display_name}'")
        if part not in current:
            return None
        link = current.get(part, getclass=True, getlink=True)
        if link in (h5py.SoftLink, h5py.ExternalLink):
            raise ValueError(f"Refusing to read the weights file '{display_name}': "
                             f"'{path}' is an HDF5 {link.__name__}")
        current = current[part]
        if not isinstance(current, h5py.Group):
            raise ValueError(f"Invalid weights file '{display_name}': expected a group at "
                             f"'{path}', found {type(current).__name__}")
    return current


def _safe_read(group, key: str, where: str, display_name: str) -> np.ndarray:
    h5py = _h5py()
    link = group.get(key, getclass=True, getlink=True)
    if link in (h5py.SoftLink, h5py.ExternalLink):
        raise ValueError(f"Refusing to read the weights file '{display_name}': '{where}' is an "
                         f"HDF5 {link.__name__}")
    dataset = group[key]
    if not isinstance(dataset, h5py.Dataset):
        raise ValueError(f"Invalid weights file '{display_name}': expected a dataset at "
                         f"'{where}', found {type(dataset).__name__}")
    if dataset.external:
        raise ValueError(f"Refusing to read the weights file '{display_name}': '{where}' is "
                         "stored in an external file")
    if dataset.is_virtual:
        raise ValueError(f"Refusing to read the weights file '{display_name}': '{where}' is a "
                         "virtual dataset")
    declared = math.prod(dataset.shape or ()) * dataset.dtype.itemsize
    stored = dataset.id.get_storage_size()
    if declared > _BOMB_FLOOR_BYTES and declared > _BOMB_MAX_EXPANSION * stored:
        raise ValueError(f"Refusing to read the weights file '{display_name}': '{where}' "
                         f"declares {declared} bytes but stores {stored}")
    if dataset.attrs.get("dtype") == "bfloat16":
        raise ValueError(f"The weights file '{display_name}' stores '{where}' as bfloat16, "
                         "which lamina does not support")
    try:
        return np.asarray(dataset[()])
    except OSError as e:
        raise ValueError(f"Cannot read '{where}' from the weights file '{display_name}' (the "
                         f"file may be truncated or corrupt): {e}") from e


def bytes_store_for_writing() -> tuple[io.BytesIO, H5IOStore]:
    """An in-memory store to write (its bytes are `buffer.getvalue()` once closed)."""
    buffer = io.BytesIO()
    return buffer, H5IOStore(buffer, mode="w", display_name="model.weights.h5")
