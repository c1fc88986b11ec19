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
