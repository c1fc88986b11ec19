"""Object registration and Keras-format (de)serialization."""

import json

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.saving import (custom_object_scope, deserialize_keras_object, get_custom_objects,
                           get_registered_name, get_registered_object,
                           register_keras_serializable, serialize_keras_object)


@register_keras_serializable(package="Tests")
class Twice(layers.Layer):
    def __init__(self, k=2.0, **kwargs):
        super().__init__(**kwargs)
        self.k = k

    def call(self, x):
        return x * self.k

    def get_config(self):
        config = super().get_config()
        config["k"] = self.k
        return config


def test_builtin_layer_uses_keras_names():
    config = serialize_keras_object(layers.Dense(3, name="d"))
    assert config["module"] == "keras.layers"
    assert config["class_name"] == "Dense"
    assert config["registered_name"] is None
    assert set(config) >= {"module", "class_name", "config", "registered_name"}


def test_registered_custom_class_round_trip():
    assert get_registered_name(Twice) == "Tests>Twice"
    assert get_registered_object("Tests>Twice") is Twice
    assert get_custom_objects()["Tests>Twice"] is Twice
    config = serialize_keras_object(Twice(3.0))
    assert config["registered_name"] == "Tests>Twice"
    obj = deserialize_keras_object(json.loads(json.dumps(config)))
    assert isinstance(obj, Twice) and obj.k == 3.0


def test_unregistered_class_needs_custom_objects():
    class Local(layers.Layer):
        def get_config(self):
            return super().get_config()

    config = serialize_keras_object(Local())
    with pytest.raises(TypeError, match="Could not locate.*Local.*register_keras_serializable"):
        deserialize_keras_object(config)
    assert isinstance(deserialize_keras_object(config, custom_objects={"Local": Local}), Local)
    with custom_object_scope({"Local": Local}):
        assert isinstance(deserialize_keras_object(config), Local)


def test_register_requires_get_config():
    with pytest.raises(ValueError, match="get_config"):
        register_keras_serializable()(type("NoConfig", (), {}))


def test_plain_values_numpy_and_nested_structures():
    value = {"a": [1, 2.5, "s", None, True], "b": np.arange(3, dtype="int32")}
    config = serialize_keras_object(value)
    json.dumps(config)
    back = deserialize_keras_object(config)
    assert back["a"] == [1, 2.5, "s", None, True]
    np.testing.assert_array_equal(back["b"], np.arange(3))
    assert back["b"].dtype == np.int32


def test_reads_keras_internal_module_paths():
    config = {"module": "keras.src.layers.core.dense", "class_name": "Dense",
              "config": {"units": 2, "name": "dd"}, "registered_name": None}
    layer = deserialize_keras_object(config)
    assert isinstance(layer, layers.Dense) and layer.units == 2


def test_dtype_policy_string_or_dict_accepted():
    for dtype in ("float64", {"module": "keras", "class_name": "DTypePolicy",
                              "config": {"name": "float64"}, "registered_name": None}):
        layer = layers.Dense.from_config({"units": 1, "dtype": dtype})
        assert layer.dtype == "float64"


def test_lambda_functions_refused_in_safe_mode():
    config = serialize_keras_object(lambda x: x)
    with pytest.raises(ValueError, match="safe mode"):
        deserialize_keras_object(config)
