"""lamina.config: defaults and setters as keras.config."""

import pytest

import lamina


def test_defaults():
    assert lamina.config.backend() == "lamina"
    assert lamina.config.floatx() == "float32"
    assert lamina.config.epsilon() == pytest.approx(1e-7)
    assert lamina.config.image_data_format() == "channels_last"


def test_set_floatx_changes_new_layers_and_is_validated():
    try:
        lamina.config.set_floatx("float64")
        layer = lamina.layers.Dense(2)
        layer.build((None, 3))
        assert layer.kernel.dtype == "float64"
        with pytest.raises(ValueError, match="set_floatx"):
            lamina.config.set_floatx("int32")
    finally:
        lamina.config.set_floatx("float32")
    assert lamina.config.floatx() == "float32"


def test_enable_unsafe_deserialization_allows_lambdas():
    from lamina.saving import deserialize_keras_object, serialize_keras_object
    from lamina.saving import serialization_lib

    config = serialize_keras_object(lamina.layers.Lambda(lambda x: x + 1))
    try:
        lamina.config.enable_unsafe_deserialization()
        layer = deserialize_keras_object(config)
        assert float(layer(lamina.ops.zeros(()))) == 1.0
    finally:
        serialization_lib._state.safe_mode = None
