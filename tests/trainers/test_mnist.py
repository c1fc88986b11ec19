"""On real MNIST (../shared/datasets/mnist): the Keras MLP and logistic regression."""

import os

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.models import Sequential

MNIST = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "datasets", "mnist")


@pytest.fixture(scope="module")
def mnist():
    if not os.path.isdir(MNIST):
        pytest.skip("the shared MNIST folder is not present")
    (x_train, y_train), (x_test, y_test) = lamina.datasets.mnist.load_data(MNIST)
    x_train = x_train.reshape(-1, 784).astype("float32") / 255.0
    x_test = x_test.reshape(-1, 784).astype("float32") / 255.0
    return (x_train, y_train.astype("int32")), (x_test, y_test.astype("int32"))


def test_loader_shapes(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert np.bincount(y_test).tolist()[:3] == [980, 1135, 1032]


def test_keras_mlp_reaches_97_5_percent_in_3_epochs(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    lamina.utils.set_random_seed(1)
    model = Sequential([lamina.Input(shape=(784,)), layers.Dense(512, activation="relu"),
                        layers.Dense(256, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=lamina.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=128, epochs=3, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.975


def test_logistic_regression_reaches_91_percent(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    lamina.utils.set_random_seed(2)
    model = Sequential([lamina.Input(shape=(784,)), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=lamina.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=128, epochs=3, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.91


def test_fashion_mnist_reads_a_local_copy(tmp_path):
    import gzip
    import shutil
    from lamina.datasets import fashion_mnist
    if not os.path.isdir(MNIST):
        pytest.skip("the shared MNIST folder is not present")
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        shutil.copy(os.path.join(MNIST, name + ".gz"), tmp_path / (name + ".gz"))
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(str(tmp_path))
    assert x_train.shape == (60000, 28, 28) and y_test.shape == (10000,)


def test_corrupt_idx_file_is_refused(tmp_path):
    from lamina.datasets.mnist import read_idx
    import gzip
    p = tmp_path / "bad-idx1-ubyte.gz"
    with gzip.open(p, "wb") as f:
        f.write(bytes([0, 0, 8, 1, 0, 0, 0, 10, 1, 2, 3]))
    with pytest.raises(ValueError, match="truncated or corrupt"):
        read_idx(str(p))


@pytest.mark.slow
def test_keras_convnet_reaches_98_5_percent_in_3_epochs(mnist):
    """The classic Keras MNIST convnet (run with `pytest -m slow`; minutes on 2 cores)."""
    (x_train, y_train), (x_test, y_test) = mnist
    x_train = x_train.reshape(-1, 28, 28, 1)
    x_test = x_test.reshape(-1, 28, 28, 1)
    lamina.utils.set_random_seed(3)
    model = Sequential([
        lamina.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=128, epochs=3, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.985
