"""Learning rate schedules against their formulas, and their configs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lamina.optimizers import schedules

STEPS = [0, 1, 5, 10, 15, 33, 100]


def _check(schedule, formula):
    for step in STEPS:
        got = schedule(step)
        assert got.dtype == "float32"
        np.testing.assert_allclose(float(got), formula(step), rtol=1e-6, atol=1e-9,
                                   err_msg=f"step {step}")


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay(staircase):
    s = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=staircase)
    _check(s, lambda t: 0.1 * 0.5 ** ((t // 10) if staircase else t / 10))


def test_piecewise_constant_decay():
    s = schedules.PiecewiseConstantDecay([5, 15], [1.0, 0.5, 0.1])
    _check(s, lambda t: 1.0 if t <= 5 else (0.5 if t <= 15 else 0.1))


@pytest.mark.parametrize("power, cycle", [(1.0, False), (0.5, False), (2.0, True)])
def test_polynomial_decay(power, cycle):
    s = schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.01, power=power, cycle=cycle)

    def formula(t):
        steps = 10
        if cycle:
            steps = 10 * (1 if t == 0 else math.ceil(t / 10))
        else:
            t = min(t, 10)
        return (0.1 - 0.01) * (1 - t / steps) ** power + 0.01

    _check(s, formula)


@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_decay(staircase):
    s = schedules.InverseTimeDecay(0.1, decay_steps=5, decay_rate=0.5, staircase=staircase)
    _check(s, lambda t: 0.1 / (1 + 0.5 * ((t // 5) if staircase else t / 5)))


def test_cosine_decay():
    s = schedules.CosineDecay(0.1, decay_steps=20, alpha=0.1)
    _check(s, lambda t: 0.1 * (0.9 * 0.5 * (1 + math.cos(math.pi * min(t, 20) / 20)) + 0.1))


def test_cosine_decay_with_warmup():
    s = schedules.CosineDecay(0.0, decay_steps=20, warmup_target=0.1, warmup_steps=10)

    def formula(t):
        t = min(t, 30)
        if t < 10:
            return 0.1 * t / 10
        return 0.1 * 0.5 * (1 + math.cos(math.pi * (t - 10) / 20))

    _check(s, formula)


def test_cosine_decay_restarts():
    s = schedules.CosineDecayRestarts(1.0, first_decay_steps=10, t_mul=2.0, m_mul=0.5)
    # periods: [0, 10), [10, 30), [30, 70)
    np.testing.assert_allclose(float(s(0)), 1.0)
    np.testing.assert_allclose(float(s(5)), 0.5, rtol=1e-6)
    np.testing.assert_allclose(float(s(10)), 0.5, rtol=1e-6)
    np.testing.assert_allclose(float(s(20)), 0.25, rtol=1e-6)
    np.testing.assert_allclose(float(s(30)), 0.25, rtol=1e-6)


SCHEDULES = [
    schedules.ExponentialDecay(0.1, 10, 0.9, staircase=True),
    schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001]),
    schedules.PolynomialDecay(0.1, 100, end_learning_rate=0.001, power=2.0, cycle=True),
    schedules.InverseTimeDecay(0.1, 10, 0.5),
    schedules.CosineDecay(0.1, 100, alpha=0.01, warmup_target=0.2, warmup_steps=5),
    schedules.CosineDecayRestarts(0.1, 10),
]


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: type(s).__name__)
def test_serialize_round_trip(schedule):
    config = schedules.serialize(schedule)
    assert config["module"] == "keras.optimizers.schedules"
    assert config["class_name"] == type(schedule).__name__
    assert config["registered_name"] is None
    assert config["config"] == schedule.get_config()
    clone = schedules.deserialize(config)
    assert type(clone) is type(schedule) and clone.get_config() == schedule.get_config()
    for step in (0, 7, 50):
        assert float(clone(step)) == float(schedule(step))


def test_keras_config_keys():
    assert schedules.CosineDecay(0.1, 10).get_config() == {
        "initial_learning_rate": 0.1, "decay_steps": 10, "alpha": 0.0, "name": "CosineDecay",
        "warmup_target": None, "warmup_steps": 0}
    assert schedules.ExponentialDecay(0.1, 10, 0.9).get_config()["name"] == "ExponentialDecay"
    assert schedules.PiecewiseConstantDecay([1], [1.0, 0.5]).get_config()["name"] == \
        "PiecewiseConstant"


@pytest.mark.parametrize("ctor, match", [
    (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), "decay_steps` must be > 0"),
    (lambda: schedules.PolynomialDecay(0.1, -1), "decay_steps` must be > 0"),
    (lambda: schedules.CosineDecay(0.1, 0), "decay_steps` must be > 0"),
    (lambda: schedules.PiecewiseConstantDecay([1, 2], [1.0]), "1 less than the length"),
    (lambda: schedules.PiecewiseConstantDecay([2, 1], [1.0, 0.5, 0.1]), "strictly increasing"),
])
def test_errors(ctor, match):
    with pytest.raises(ValueError, match=match):
        ctor()


def test_base_class_must_be_overridden():
    with pytest.raises(NotImplementedError, match="must override `__call__"):
        schedules.LearningRateSchedule()(0)


def test_unknown_schedule_in_deserialize():
    with pytest.raises(TypeError, match="Could not locate decay 'Nope'"):
        schedules.deserialize({"class_name": "Nope", "config": {}, "module": None})
