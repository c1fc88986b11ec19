"""Fashion-MNIST (Zalando; MIT licence): `load_data()` as Keras's, returning uint8
images (N, 28, 28) and labels (N,) for 10 classes of clothing."""

from __future__ import annotations

import os

from lamina.api_export import keras_export
from lamina.datasets.mnist import IDX_FILES, _load_idx_dir
from lamina.utils.file_utils import get_file

BASE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
# md5 of each gzipped file, as published with the dataset.
MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}


@keras_export("keras.datasets.fashion_mnist.load_data")
def load_data(path: str | None = None):
    """Loads Fashion-MNIST: `(x_train, y_train), (x_test, y_test)`.

    `path` may be a directory holding the four IDX files (optionally gzipped);
    without it the files are downloaded once into ~/.lamina/datasets/fashion-mnist,
    each checked against its published md5.
    """
    if path is not None:
        if not os.path.isdir(path):
            raise FileNotFoundError(f"fashion_mnist.load_data: {path} is not a directory")
        return _load_idx_dir(path)
    folder = None
    for name in IDX_FILES:
        fname = name + ".gz"
        local = get_file(fname, origin=BASE + fname, file_hash=MD5[fname],
                         cache_subdir=os.path.join("datasets", "fashion-mnist"),
                         hash_algorithm="md5")
        folder = os.path.dirname(local)
    return _load_idx_dir(folder)
