"""Dataset loaders: the embedded digits, and get_file's cache and checksum."""

import hashlib

import numpy as np
import pytest

from lamina.datasets import digits
from lamina.utils import get_file


def test_embedded_digits():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1438, 8, 8) and x_test.shape == (359, 8, 8)
    assert x_train.dtype == np.uint8 and x_train.max() == 16
    assert sorted(set(np.concatenate([y_train, y_test]).tolist())) == list(range(10))
    (a, _), _ = digits.load_data()
    np.testing.assert_array_equal(a, x_train)  # the split is reproducible
    with pytest.raises(ValueError, match="test_split"):
        digits.load_data(test_split=1.0)


def test_get_file_downloads_checks_and_caches(tmp_path):
    src = tmp_path / "data.bin"
    src.write_bytes(b"lamina" * 100)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    cache = tmp_path / "cache"
    path = get_file("data.bin", origin=src.as_uri(), file_hash=digest, cache_dir=str(cache))
    assert open(path, "rb").read() == src.read_bytes()
    src.write_bytes(b"changed")  # a cached, valid file is not fetched again
    assert get_file("data.bin", origin=src.as_uri(), file_hash=digest, cache_dir=str(cache)) == path
    with pytest.raises(ValueError, match="does not match"):
        get_file("other.bin", origin=src.as_uri(), file_hash=digest, cache_dir=str(cache))
    assert sorted(p.name for p in (cache / "datasets").iterdir()) == ["data.bin"]  # no leftovers
