"""initializers.get / serialize / deserialize: names, aliases, dicts, errors."""

from __future__ import annotations

import pytest

from lamina import initializers
from lamina.saving import register_keras_serializable, serialize_keras_object


@pytest.mark.parametrize("name,cls", [
    ("zeros", initializers.Zeros), ("Zeros", initializers.Zeros), ("zero", initializers.Zeros),
    ("ones", initializers.Ones), ("one", initializers.Ones),
    ("constant", initializers.Constant),
    ("glorot_uniform", initializers.GlorotUniform), ("GlorotUniform", initializers.GlorotUniform),
    ("glorot_normal", initializers.GlorotNormal), ("he_normal", initializers.HeNormal),
    ("he_uniform", initializers.HeUniform), ("lecun_normal", initializers.LecunNormal),
    ("lecun_uniform", initializers.LecunUniform),
    ("random_normal", initializers.RandomNormal), ("normal", initializers.RandomNormal),
    ("random_uniform", initializers.RandomUniform), ("uniform", initializers.RandomUniform),
    ("truncated_normal", initializers.TruncatedNormal),
    ("variance_scaling", initializers.VarianceScaling),
    ("orthogonal", initializers.OrthogonalInitializer),
    ("Orthogonal", initializers.OrthogonalInitializer),
    ("OrthogonalInitializer", initializers.OrthogonalInitializer),
    ("identity", initializers.IdentityInitializer),
    ("IdentityInitializer", initializers.IdentityInitializer),
])
def test_get_by_name(name, cls):
    obj = initializers.get(name)
    assert type(obj) is cls
    assert initializers.get(name) is not obj  # a fresh instance each time


def test_get_none_instance_class_callable():
    assert initializers.get(None) is None
    inst = initializers.HeNormal(seed=1)
    assert initializers.get(inst) is inst
    assert type(initializers.get(initializers.Ones)) is initializers.Ones

    def fn(shape, dtype=None):
        return initializers.Zeros()(shape, dtype)

    assert initializers.get(fn) is fn


def test_get_dict():
    obj = initializers.get({"class_name": "RandomUniform",
                            "config": {"minval": -1.0, "maxval": 1.0, "seed": 2}})
    assert isinstance(obj, initializers.RandomUniform)
    assert obj.get_config() == {"minval": -1.0, "maxval": 1.0, "seed": 2}
    keras_dict = {"module": "keras.initializers", "class_name": "VarianceScaling",
                  "config": {"scale": 2.0, "mode": "fan_out", "distribution": "uniform",
                             "seed": None}, "registered_name": None}
    vs = initializers.get(keras_dict)
    assert (vs.scale, vs.mode, vs.distribution) == (2.0, "fan_out", "uniform")


def test_get_unknown_name():
    with pytest.raises(ValueError, match="Unknown initializer: 'glorot_unifrom'") as e:
        initializers.get("glorot_unifrom")
    assert "glorot_uniform" in str(e.value) and "he_normal" in str(e.value)


def test_get_uninterpretable():
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: 3"):
        initializers.get(3)


@pytest.mark.parametrize("init", [
    initializers.Zeros(), initializers.Ones(), initializers.Constant(0.5),
    initializers.RandomNormal(mean=1.0, stddev=0.2, seed=3),
    initializers.RandomUniform(minval=-2.0, maxval=2.0),
    initializers.TruncatedNormal(stddev=0.3, seed=1),
    initializers.VarianceScaling(scale=0.5, mode="fan_avg", distribution="untruncated_normal"),
    initializers.GlorotUniform(seed=1), initializers.GlorotNormal(),
    initializers.HeNormal(), initializers.HeUniform(seed=5), initializers.LecunNormal(),
    initializers.LecunUniform(), initializers.OrthogonalInitializer(gain=0.5),
    initializers.IdentityInitializer(gain=3.0),
])
def test_round_trip(init):
    s = initializers.serialize(init)
    assert s["module"] == "keras.initializers"
    assert s["class_name"] == type(init).__name__
    assert s["registered_name"] is None
    assert s["config"] == init.get_config()
    back = initializers.deserialize(s)
    assert type(back) is type(init) and back.get_config() == init.get_config()
    clone = init.clone()
    assert type(clone) is type(init) and clone is not init
    assert clone.get_config() == init.get_config()


def test_glorot_uniform_keras_dict():
    assert serialize_keras_object(initializers.GlorotUniform()) == {
        "module": "keras.initializers", "class_name": "GlorotUniform",
        "config": {"seed": None}, "registered_name": None}


def test_custom_initializer_round_trip():
    @register_keras_serializable(package="InitTest")
    class Halves(initializers.Initializer):
        def __init__(self, scale=0.5):
            self.scale = scale

        def __call__(self, shape, dtype=None):
            return initializers.Constant(self.scale)(shape, dtype)

        def get_config(self):
            return {"scale": self.scale}

    s = initializers.serialize(Halves(0.25))
    assert s["registered_name"] == "InitTest>Halves"
    back = initializers.deserialize(s)
    assert isinstance(back, Halves) and back.scale == 0.25
    assert isinstance(initializers.get("InitTest>Halves"), Halves)


def test_custom_objects():
    class Mine(initializers.Zeros):
        pass

    obj = initializers.deserialize({"class_name": "Mine", "config": {}},
                                   custom_objects={"Mine": Mine})
    assert isinstance(obj, Mine)
    with pytest.raises(TypeError, match="Could not locate initializer 'Mine'"):
        initializers.deserialize({"class_name": "Mine", "config": {}})
