"""MNIST handwritten digits: `load_data()` as Keras's, returning NumPy arrays
`(x_train, y_train), (x_test, y_test)` of uint8 images (N, 28, 28) and labels (N,)."""

from __future__ import annotations

import gzip
import os

import numpy as np

from lamina.api_export import keras_export
from lamina.utils.file_utils import get_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


@keras_export("keras.datasets.mnist.load_data")
def load_data(path: str = "mnist.npz"):
    """Loads MNIST.

    `path` may be a directory holding the four IDX files (optionally gzipped), a
    `.npz` file with Keras's keys (x_train, y_train, x_test, y_test), or a file
    name in the cache (~/.lamina/datasets), downloaded there with a checksum when
    missing.

    Example:
    >>> (x_train, y_train), (x_test, y_test) = load_data("/data/mnist")
    >>> x_train.shape
    (60000, 28, 28)
    """
    if os.path.isdir(path):
        return _load_idx_dir(path)
    if not os.path.isfile(path):
        path = get_file(path, origin=ORIGIN, file_hash=SHA256)
    with np.load(path, allow_pickle=False) as f:
        try:
            return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
        except KeyError as e:
            raise ValueError(f"mnist.load_data: {path} lacks the array {e}") from None


def read_idx(path: str) -> np.ndarray:
    """Reads an IDX file (gzipped or not) into a NumPy array, checking its header."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"read_idx: {path} is not an unsigned-byte IDX file")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    offset = 4 + 4 * ndim
    expected = int(np.prod(dims)) if dims else 0
    if len(data) - offset != expected:
        raise ValueError(f"read_idx: {path} is truncated or corrupt: header says {dims} "
                         f"({expected} bytes), file holds {len(data) - offset}")
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(dims)


def _load_idx_dir(folder: str):
    arrays = []
    for name in IDX_FILES:
        for candidate in (name + ".gz", name):
            p = os.path.join(folder, candidate)
            if os.path.exists(p):
                arrays.append(read_idx(p))
                break
        else:
            raise FileNotFoundError(f"mnist.load_data: {folder} has no {name}(.gz)")
    x_train, y_train, x_test, y_test = arrays
    return (x_train, y_train), (x_test, y_test)
