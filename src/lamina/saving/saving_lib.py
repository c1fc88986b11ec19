"""The `.keras` format (Keras 3's): a zip of `metadata.json`, `config.json` and
`model.weights.h5`, plus the `*.weights.h5` weights-only files.

- `config.json` is `serialize_keras_object(model)` (with its build and compile configs);
- `metadata.json` is `{"keras_version": ..., "date_saved": ...}`;
- `model.weights.h5` holds the state of every saveable object (layers and optimizer)
  under a path made as Keras 3 makes it: the model is the root; a Sequential or
  Functional model's `layers` come first; then the attributes of each layer in
  sorted order (public names before private ones, skipping those of a bare `Layer`);
  objects inside lists, tuples and dicts are named by their snake-case class name
  made unique ("dense", "dense_1"). An object reached twice is saved once, at the
  first path. So a Sequential model's Dense layer is `layers/dense` and its optimizer
  `optimizer`, as Keras writes them, and the files interoperate both ways.

Files are written to a temporary file in the target's directory and renamed over the
target, so a failure while saving never destroys a previous file. Reading refuses
archive members with absolute paths or `..`, decompression bombs, and reports a
corrupt or truncated file by name.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import os
import re
import tempfile
import threading
import warnings
import zipfile
import zlib
from pathlib import PurePosixPath
from typing import Any, Iterator

from lamina.saving import h5_io, serialization_lib

# The Keras version whose format this module writes (recorded in metadata.json).
KERAS_VERSION = "3.15.1"
CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
VARS_FILENAME = "model.weights.h5"

# A zip member declaring more than this must not expand more than 100x its stored size.
_ZIP_BOMB_FLOOR_BYTES = 1 << 30
_ZIP_MAX_EXPANSION = 100
_MAX_JSON_BYTES = 1 << 28


# ============================================================== atomic writes
_umask_lock = threading.Lock()


def _default_file_mode() -> int:
    with _umask_lock:
        mask = os.umask(0)
        os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(filepath: str) -> Iterator[str]:
    """Yields a temporary path next to `filepath`; on success it replaces `filepath`
    (`os.replace`), on any error it is removed and `filepath` is left as it was."""
    directory = os.path.dirname(os.path.abspath(filepath))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"Cannot save to '{filepath}': the directory '{directory}' "
                                "does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(filepath)}.", suffix=".tmp",
                               dir=directory)
    os.close(fd)
    try:
        yield tmp
        mode = (os.stat(filepath).st_mode & 0o777) if os.path.exists(filepath) \
            else _default_file_mode()
        os.chmod(tmp, mode)
        os.replace(tmp, filepath)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _check_overwrite(filepath: str, overwrite: bool) -> None:
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"'{filepath}' already exists; pass overwrite=True to replace it")


# ================================================================ the walk
def _snake_case(name: str) -> str:
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _saveable_kind(obj) -> str | None:
    """Keras's `_obj_type` of the objects that take part in saving, else None."""
    from lamina.layers.layer import Layer
    from lamina.losses.loss import Loss
    from lamina.metrics.metric import Metric
    from lamina.optimizers.base_optimizer import BaseOptimizer

    if isinstance(obj, Metric):
        return "Metric"
    if isinstance(obj, Layer):
        names = {klass.__name__ for klass in type(obj).__mro__}
        if "Sequential" in names:
            return "Sequential"
        if "Functional" in names:
            return "Functional"
        return "Layer"
    if isinstance(obj, BaseOptimizer):
        return "Optimizer"
    if isinstance(obj, Loss):
        return "Loss"
    return None


_SKIPSETS: dict[str, frozenset] = {}


def _skipset(kind: str) -> frozenset:
    """The attributes not walked: those of a bare `Layer` (as in Keras)."""
    if kind not in _SKIPSETS:
        from lamina.layers.layer import Layer

        names = set(dir(Layer(name="saving_reference"))) | {"_self_unconditional_dependency_names"}
        if kind == "Sequential":
            names |= {"_functional"}
        elif kind == "Functional":
            names |= {"operations", "_operations"}
        _SKIPSETS[kind] = frozenset(names)
    return _SKIPSETS[kind]


def _children(obj, kind: str) -> Iterator[tuple[str, Any]]:
    """(attribute name, value) of a layer, in Keras's saving order."""
    if kind in ("Sequential", "Functional"):
        yield "layers", obj.layers
    skip = _skipset(kind)
    for attr in sorted(dir(obj), key=lambda a: f"~{a}" if a.startswith("_") else a):
        if attr.startswith("__") or attr in skip:
            continue
        try:
            value = getattr(obj, attr)
        except Exception:  # noqa: BLE001 - properties may not apply; Keras skips them too
            continue
        yield attr, value


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name


def walk_saveables(root) -> list[tuple[str, Any]]:
    """Every object whose state is saved, with its path, in Keras 3's order.

    Example:
    >>> [p for p, _ in walk_saveables(model)]
    ['', 'layers/dense', 'layers/dropout', 'layers/dense_1', 'optimizer']
    """
    out: list[tuple[str, Any]] = []
    visited: set[int] = set()

    def visit(obj, path: str) -> None:
        if id(obj) in visited:
            return
        visited.add(id(obj))
        kind = _saveable_kind(obj)
        if hasattr(obj, "save_own_variables") and kind in (
                "Layer", "Sequential", "Functional", "Optimizer"):
            out.append((path, obj))
        if kind not in ("Layer", "Sequential", "Functional"):
            return  # metrics, losses and optimizers hold no layers to save
        for attr, child in _children(obj, kind):
            if _saveable_kind(child) is not None:
                visit(child, _join(path, attr))
            elif isinstance(child, (list, tuple, dict)):
                visit_container(child, _join(path, attr), set())

    def visit_container(container, path: str, seen: set[int]) -> None:
        if id(container) in seen:
            return
        seen.add(id(container))
        used: dict[str, int] = {}
        items = list(container.values()) if isinstance(container, dict) else container
        for item in items:
            if _saveable_kind(item) is not None:
                visit(item, _join(path, _unique_name(_snake_case(type(item).__name__), used)))
            elif isinstance(item, (list, tuple, dict)):
                visit_container(item, _join(path, _unique_name("container", used)), seen)

    visit(root, "")
    return out


def _unique_name(name: str, used: dict[str, int]) -> str:
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def save_state(model, store: h5_io.H5IOStore) -> None:
    """Writes the state of every saveable of `model` into `store`."""
    for path, obj in walk_saveables(model):
        name = getattr(obj, "name", None)
        metadata = {"name": name} if isinstance(name, str) else None
        obj.save_own_variables(store.make(path, metadata=metadata))


def load_state(model, store: h5_io.H5IOStore, skip_mismatch: bool = False) -> None:
    """Reads the state of every saveable of `model` from `store`.

    Objects whose state does not fit (count or shapes) are collected; with
    `skip_mismatch=True` they are skipped with a warning, otherwise a ValueError names
    them and the model's variables are left exactly as they were.
    """
    saveables = walk_saveables(model)
    snapshot = _snapshot(obj for _, obj in saveables)
    errors: list[tuple[str, Any, Exception]] = []
    for path, obj in saveables:
        try:
            obj.load_own_variables(store.get(path))
        except Exception as e:  # noqa: BLE001 - reported together below
            errors.append((path or "<root>", obj, e))
    if not errors:
        return
    first = errors[0][2]
    lines = [f"- {p} ({type(o).__name__} '{getattr(o, 'name', '?')}'): {e}" for p, o, e in errors]
    msg = (f"A total of {len(errors)} objects could not be loaded from "
           f"'{store.display_name}':\n" + "\n".join(lines))
    if skip_mismatch:
        warnings.warn(msg + "\n(skipped: skip_mismatch=True)", stacklevel=3)
        return
    _restore(snapshot)
    raise ValueError(msg) from first


def _snapshot(objects) -> list[tuple[Any, Any]]:
    out = []
    for obj in objects:
        variables = obj.variables if hasattr(obj, "variables") else []
        out.extend((v, v._tensor) for v in variables)
    return out


def _restore(snapshot) -> None:
    for variable, tensor in snapshot:
        variable._tensor = tensor


# ============================================================ .keras files
def _display(filepath) -> str:
    return os.fspath(filepath) if isinstance(filepath, (str, os.PathLike)) else "<file object>"


def serialize_model_as_json(model) -> tuple[str, str]:
    """`config.json` and `metadata.json` of `model`, as text."""
    from lamina import __version__ as lamina_version

    config = serialization_lib.serialize_keras_object(model)
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "lamina_version": lamina_version}
    return json.dumps(config), json.dumps(metadata)


def _write_archive(model, fileobj) -> None:
    config_json, metadata_json = serialize_model_as_json(model)
    buffer, store = h5_io.bytes_store_for_writing()
    try:
        save_state(model, store)
    finally:
        store.close()
    with zipfile.ZipFile(fileobj, "w") as zf:
        zf.writestr(METADATA_FILENAME, metadata_json)
        zf.writestr(CONFIG_FILENAME, config_json)
        zf.writestr(VARS_FILENAME, buffer.getvalue())


def save_model(model, filepath, overwrite: bool = True) -> None:
    """Saves `model` as a `.keras` zip (to a path, atomically, or to a binary file
    object). See the module docstring for the layout."""
    if not getattr(model, "built", False):
        warnings.warn("You are saving a model that has not yet been built. It might not "
                      "contain any weights yet. Consider building the model first by calling "
                      "it on some data.", stacklevel=3)
    if not isinstance(filepath, (str, os.PathLike)):
        _write_archive(model, filepath)
        return
    filepath = os.fspath(filepath)
    _check_overwrite(filepath, overwrite)
    with atomic_path(filepath) as tmp:
        with open(tmp, "wb") as f:
            _write_archive(model, f)


def _open_archive(filepath) -> zipfile.ZipFile:
    name = _display(filepath)
    if isinstance(filepath, (str, os.PathLike)) and not os.path.exists(filepath):
        raise ValueError(f"File not found: filepath={name}. Please ensure the file is an "
                         "accessible `.keras` zip file.")
    try:
        zf = zipfile.ZipFile(filepath, "r")
    except zipfile.BadZipFile as e:
        raise ValueError(f"Cannot load '{name}': it is not a valid `.keras` zip archive (it may "
                         f"be truncated or corrupt): {e}") from e
    try:
        _check_members(zf, name)
    except BaseException:
        zf.close()
        raise
    return zf


def _check_members(zf: zipfile.ZipFile, name: str) -> None:
    for info in zf.infolist():
        member = info.filename
        parts = PurePosixPath(member.replace("\\", "/")).parts
        if member.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", member) or ".." in parts:
            raise ValueError(f"Refusing to load '{name}': the archive member {member!r} has an "
                             "absolute path or '..' (path traversal)")
        if info.file_size > _ZIP_BOMB_FLOOR_BYTES and \
                info.file_size > _ZIP_MAX_EXPANSION * max(info.compress_size, 1):
            raise ValueError(f"Refusing to load '{name}': the archive member {member!r} declares "
                             f"{info.file_size} bytes but stores {info.compress_size} "
                             "(a decompression bomb)")


def _read_member(zf: zipfile.ZipFile, member: str, name: str, limit: int | None = None) -> bytes:
    try:
        info = zf.getinfo(member)
    except KeyError:
        raise ValueError(f"Cannot load '{name}': the archive has no '{member}' (it holds "
                         f"{zf.namelist()}); is it a Keras 3 `.keras` file?") from None
    if limit is not None and info.file_size > limit:
        raise ValueError(f"Cannot load '{name}': '{member}' is {info.file_size} bytes, more "
                         f"than the {limit} allowed")
    try:
        return zf.read(member)
    except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, zlib.error) as e:
        raise ValueError(f"Cannot load '{name}': reading '{member}' failed (the file may be "
                         f"truncated or corrupt): {e}") from e


def _parse_json(raw: bytes, member: str, name: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"Cannot load '{name}': '{member}' is not valid JSON: {e}") from e


def model_from_config(config: Any, custom_objects: dict | None = None, compile: bool = True,
                      safe_mode: bool = True, name: str = "<config>"):
    """The model described by a `config.json` dict."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Cannot load '{name}': config.json does not describe a model (expected "
                         "an object with 'class_name' and 'config')")
    config = dict(config)
    if not compile:
        config["compile_config"] = None
    # deserialize_keras_object sets the safe-mode scope (that Lambda layers consult)
    # unless an enclosing scope already decided it.
    return serialization_lib.deserialize_keras_object(config, custom_objects=custom_objects,
                                                      safe_mode=safe_mode)


def load_model(filepath, custom_objects: dict | None = None, compile: bool = True,
               safe_mode: bool = True):
    """Loads a `.keras` file (a path or a binary file object)."""
    name = _display(filepath)
    with _open_archive(filepath) as zf:
        config = _parse_json(_read_member(zf, CONFIG_FILENAME, name, _MAX_JSON_BYTES),
                             CONFIG_FILENAME, name)
        if METADATA_FILENAME in zf.namelist():
            _parse_json(_read_member(zf, METADATA_FILENAME, name, _MAX_JSON_BYTES),
                        METADATA_FILENAME, name)
        model = model_from_config(config, custom_objects, compile, safe_mode, name)
        raw = _read_member(zf, VARS_FILENAME, name)
    store = h5_io.H5IOStore(io.BytesIO(raw), mode="r", display_name=f"{name}:{VARS_FILENAME}")
    try:
        load_state(model, store)
    finally:
        store.close()
    return model


# ========================================================= weights-only files
def save_weights_only(model, filepath, overwrite: bool = True) -> None:
    """Writes the state of `model` (layers and optimizer) to a `.weights.h5` file."""
    if not getattr(model, "built", False):
        raise ValueError("You are saving a model that has not yet been built. Try building the "
                         "model first by calling it on some data or by using `build()`.")
    filepath = os.fspath(filepath)
    if not filepath.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={filepath}")
    _check_overwrite(filepath, overwrite)
    with atomic_path(filepath) as tmp:
        store = h5_io.H5IOStore(tmp, mode="w", display_name=filepath)
        try:
            save_state(model, store)
        finally:
            store.close()


def load_weights_only(model, filepath, skip_mismatch: bool = False) -> None:
    """Loads the state of `model` from a `.weights.h5` or `.keras` file."""
    if not getattr(model, "built", False):
        raise ValueError("You are loading weights into a model that has not yet been built. "
                         "Try building the model first by calling it on some data or by using "
                         "`build()`.")
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise ValueError(f"File not found: filepath={filepath}")
    if filepath.endswith(".keras"):
        with _open_archive(filepath) as zf:
            raw = _read_member(zf, VARS_FILENAME, filepath)
        store = h5_io.H5IOStore(io.BytesIO(raw), mode="r",
                                display_name=f"{filepath}:{VARS_FILENAME}")
    elif filepath.endswith(".weights.h5"):
        store = h5_io.H5IOStore(filepath, mode="r")
    else:
        raise ValueError(f"Invalid filepath for load_weights: expected a `.weights.h5` or "
                         f"`.keras` file. Received: filepath={filepath}")
    try:
        load_state(model, store, skip_mismatch=skip_mismatch)
    finally:
        store.close()
