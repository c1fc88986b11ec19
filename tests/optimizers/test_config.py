"""Optimizer configs in Keras's format, `get`, `serialize` / `deserialize`."""

from __future__ import annotations

import numpy as np
import pytest

import lamina
from lamina import optimizers

NAMES = ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "lion"]
CLASSES = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop",
           "adagrad": "Adagrad", "adadelta": "Adadelta", "adamax": "Adamax", "nadam": "Nadam",
           "lion": "Lion"}
BASE_KEYS = {"name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue",
             "use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
             "gradient_accumulation_steps"}
OWN_KEYS = {
    "sgd": {"momentum", "nesterov"},
    "adam": {"beta_1", "beta_2", "epsilon", "amsgrad"},
    "adamw": {"beta_1", "beta_2", "epsilon", "amsgrad"},
    "rmsprop": {"rho", "momentum", "epsilon", "centered"},
    "adagrad": {"initial_accumulator_value", "epsilon"},
    "adadelta": {"rho", "epsilon"},
    "adamax": {"beta_1", "beta_2", "epsilon"},
    "nadam": {"beta_1", "beta_2", "epsilon"},
    "lion": {"beta_1", "beta_2"},
}


@pytest.mark.parametrize("name", NAMES)
def test_get_by_name_case_insensitive(name):
    for ident in (name, name.upper(), CLASSES[name]):
        opt = optimizers.get(ident)
        assert type(opt).__name__ == CLASSES[name]


@pytest.mark.parametrize("name", NAMES)
def test_serialize_round_trip(name):
    opt = optimizers.get({"class_name": name,
                          "config": {"learning_rate": 0.5, "clipnorm": 1.5, "use_ema": True}})
    config = optimizers.serialize(opt)
    assert config["module"] == "keras.optimizers"
    assert config["class_name"] == CLASSES[name]
    assert config["registered_name"] is None
    assert set(config["config"]) == BASE_KEYS | OWN_KEYS[name]
    assert config["config"]["learning_rate"] == 0.5
    clone = optimizers.deserialize(config)
    assert type(clone) is type(opt)
    assert clone.get_config() == opt.get_config()
    assert optimizers.get(config).get_config() == opt.get_config()


def test_adam_config_matches_keras_defaults():
    config = optimizers.Adam().get_config()
    assert config == {
        "name": "adam", "learning_rate": float(np.float32(0.001)), "weight_decay": None,
        "clipnorm": None, "global_clipnorm": None, "clipvalue": None, "use_ema": False,
        "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
        "gradient_accumulation_steps": None, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7,
        "amsgrad": False,
    }
    assert optimizers.SGD().get_config()["name"] == "SGD"
    assert optimizers.AdamW().get_config()["weight_decay"] == 0.004


def test_keras_dict_deserializes():
    keras_dict = {"module": "keras.optimizers", "class_name": "RMSprop", "registered_name": None,
                  "config": {"name": "rmsprop", "learning_rate": 0.01, "rho": 0.8,
                             "momentum": 0.1, "epsilon": 1e-7, "centered": True,
                             "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                             "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                             "ema_overwrite_frequency": None, "loss_scale_factor": None,
                             "gradient_accumulation_steps": None}}
    opt = optimizers.deserialize(keras_dict)
    assert isinstance(opt, optimizers.RMSprop)
    assert opt.rho == 0.8 and opt.centered and np.isclose(float(opt.learning_rate), 0.01)


def test_schedule_is_stored_serialized():
    sched = optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    opt = optimizers.Adam(learning_rate=sched)
    config = optimizers.serialize(opt)
    assert config["config"]["learning_rate"] == {
        "module": "keras.optimizers.schedules", "class_name": "ExponentialDecay",
        "config": sched.get_config(), "registered_name": None}
    clone = optimizers.deserialize(config)
    assert isinstance(clone._learning_rate, optimizers.schedules.ExponentialDecay)
    assert clone._learning_rate.get_config() == sched.get_config()
    assert [v.path for v in clone.variables] == ["adam/iteration"]


def test_get_passes_instances_and_none():
    opt = optimizers.Lion()
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None


def test_get_unknown_name_lists_known():
    with pytest.raises(ValueError, match=r"Unknown optimizer: 'adamz'.*adadelta, adagrad, adam, "
                                         r"adamax, adamw, lion, nadam, rmsprop, sgd"):
        optimizers.get("adamz")


def test_get_rejects_other_objects():
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(42)


def test_export_names():
    from lamina.api_export import lookup

    assert lookup("keras.optimizers", "Adam") is optimizers.Adam
    assert lookup("keras.optimizers.schedules", "CosineDecay") is \
        optimizers.schedules.CosineDecay
    assert lookup("lamina.optimizers", "Optimizer") is optimizers.Optimizer


def test_from_config_rebuilds_without_state():
    v = lamina.Variable([1.0])
    opt = optimizers.Adam(learning_rate=0.1)
    opt.apply([np.ones(1, np.float32)], [v])
    clone = optimizers.Adam.from_config(opt.get_config())
    assert not clone.built and int(clone.iterations) == 0
