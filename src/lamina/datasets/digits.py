"""The embedded handwritten digits (UCI optical digits, 8x8, 1797 images): real data
that ships inside lamina, for demos and tests with no download."""

from __future__ import annotations

import gzip
import os

import numpy as np

_PATH = os.path.join(os.path.dirname(__file__), "data", "digits.csv.gz")


def load_data(test_split: float = 0.2, seed: int = 113):
    """Returns `(x_train, y_train), (x_test, y_test)`: uint8 images (N, 8, 8) with
    values 0-16 and int labels, split at random (reproducibly, by `seed`).

    Example:
    >>> (x_train, y_train), (x_test, y_test) = load_data()
    >>> x_train.shape, x_test.shape
    ((1438, 8, 8), (359, 8, 8))
    """
    if not 0.0 < test_split < 1.0:
        raise ValueError(f"digits.load_data: test_split must be in (0, 1), got {test_split!r}")
    with gzip.open(_PATH, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    x = table[:, :64].astype(np.uint8).reshape(-1, 8, 8)
    y = table[:, 64].astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = int(round(len(y) * test_split))
    test, train = order[:n_test], order[n_test:]
    return (x[train], y[train]), (x[test], y[test])
