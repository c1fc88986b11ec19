"""`get_file`: downloads a file once into a cache, checking its hash."""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request

from lamina.api_export import keras_export


def cache_dir() -> str:
    """~/.lamina (or $LAMINA_HOME)."""
    return os.environ.get("LAMINA_HOME", os.path.join(os.path.expanduser("~"), ".lamina"))


def file_hash(path: str, algorithm: str = "sha256") -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@keras_export("keras.utils.get_file")
def get_file(fname: str, origin: str, file_hash: str | None = None,
             cache_subdir: str = "datasets", hash_algorithm: str = "sha256",
             cache_dir: str | None = None) -> str:
    """The local path of `fname`, downloaded from `origin` into the cache if missing.

    The download goes to a temporary file that is checked against `file_hash`
    and then renamed, so a failed or corrupt download never leaves a file behind.
    """
    folder = os.path.join(cache_dir or globals()["cache_dir"](), cache_subdir)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, fname)
    if os.path.exists(path) and (file_hash is None or _hash(path, hash_algorithm) == file_hash):
        return path
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=fname + ".", suffix=".part")
    os.close(fd)
    try:
        try:
            urllib.request.urlretrieve(origin, tmp)
        except Exception as e:  # noqa: BLE001 - any network failure
            raise OSError(f"get_file: could not download {origin!r}: {e}") from e
        if file_hash is not None and _hash(tmp, hash_algorithm) != file_hash:
            raise ValueError(f"get_file: the file downloaded from {origin!r} does not match the "
                             f"expected {hash_algorithm} hash {file_hash}")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def _hash(path: str, algorithm: str) -> str:
    return file_hash(path, algorithm)
