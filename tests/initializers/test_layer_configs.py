"""The modules as layers use them: names in a Dense layer resolve, and the layer's
config stores them in Keras's format and rebuilds them."""

from __future__ import annotations

import json

import numpy as np

import lamina
from lamina import activations, constraints, initializers, regularizers
from lamina.layers import Dense


def test_dense_config_uses_keras_formats():
    layer = Dense(4, activation="swish", kernel_initializer="orthogonal",
                  bias_initializer=initializers.Constant(0.5), kernel_regularizer="l2",
                  kernel_constraint="max_norm")
    layer.build((None, 6))
    w = layer.kernel.numpy()
    np.testing.assert_allclose(w.T @ w, np.eye(4), atol=1e-5)
    np.testing.assert_array_equal(layer.bias.numpy(), np.full(4, 0.5, np.float32))

    config = json.loads(json.dumps(layer.get_config()))
    assert config["activation"] == "silu"
    assert config["kernel_initializer"] == {
        "module": "keras.initializers", "class_name": "OrthogonalInitializer",
        "config": {"gain": 1.0, "seed": None}, "registered_name": None}
    assert config["kernel_regularizer"]["config"] == {"l2": 0.01}
    assert config["kernel_constraint"]["class_name"] == "MaxNorm"

    rebuilt = Dense.from_config(config)
    assert rebuilt.activation is activations.silu
    assert isinstance(rebuilt.kernel_initializer, initializers.OrthogonalInitializer)
    assert isinstance(rebuilt.bias_initializer, initializers.Constant)
    assert isinstance(rebuilt.kernel_regularizer, regularizers.L2)
    assert isinstance(rebuilt.kernel_constraint, constraints.MaxNorm)


def test_default_dense_initializers_are_reproducible():
    lamina.utils.set_random_seed(5)
    a = Dense(3)
    a.build((None, 4))
    lamina.utils.set_random_seed(5)
    b = Dense(3)
    b.build((None, 4))
    np.testing.assert_array_equal(a.kernel.numpy(), b.kernel.numpy())
    limit = np.sqrt(6 / 7)
    assert np.abs(a.kernel.numpy()).max() <= limit
