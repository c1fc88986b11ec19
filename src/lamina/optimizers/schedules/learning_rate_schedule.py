"""Learning rate schedules (`keras.optimizers.schedules`).

A schedule maps the optimizer's step count to a learning rate. An optimizer given a
schedule evaluates it at `optimizer.iterations` before every update. The values are
scalars, computed in Python (double precision) and returned as float32 Tensors.

Example:
>>> schedule = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
>>> float(schedule(10))
0.05000000074505806
"""

from __future__ import annotations

import math

from lamina.api_export import keras_export
from lamina.saving import serialization_lib


def _step_value(step) -> float:
    try:
        return float(step)
    except (TypeError, ValueError):
        raise TypeError(f"A learning rate schedule needs a scalar step, got {step!r}") from None


def _result(value: float):
    from lamina import ops

    return ops.convert_to_tensor(value, dtype="float32")


def _check_decay_steps(decay_steps, name: str = "decay_steps") -> None:
    if isinstance(decay_steps, bool) or not isinstance(decay_steps, (int, float)):
        raise TypeError(f"Argument `{name}` must be a number. Received: {name}={decay_steps!r}")
    if decay_steps <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={decay_steps}")


@keras_export("keras.optimizers.schedules.LearningRateSchedule")
class LearningRateSchedule:
    """Base class of learning rate schedules: subclasses define `__call__(step)`.

    Example:
    >>> class Halving(LearningRateSchedule):
    ...     def __call__(self, step):
    ...         return 0.1 / (float(step) + 1)
    >>> optimizer = lamina.optimizers.SGD(learning_rate=Halving())
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self) -> dict:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` "
            "in order to be serializable."
        )

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


@keras_export("keras.optimizers.schedules.ExponentialDecay")
class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)` (the exponent is
    floored when `staircase=True`).

    Example:
    >>> float(ExponentialDecay(1.0, 10, 0.5, staircase=True)(15))
    0.5
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "ExponentialDecay"):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = _step_value(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return _result(self.initial_learning_rate * self.decay_rate ** p)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


@keras_export("keras.optimizers.schedules.PiecewiseConstantDecay")
class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` while `step <= boundaries[0]`, `values[i]` while
    `boundaries[i-1] < step <= boundaries[i]`, and `values[-1]` after the last boundary.

    Example:
    >>> schedule = PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    >>> [float(schedule(s)) for s in (10, 11, 21)]
    [1.0, 0.5, 0.10000000149011612]
    """

    def __init__(self, boundaries, values, name: str = "PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}."
            )
        if any(b >= c for b, c in zip(boundaries[:-1], boundaries[1:])):
            raise ValueError(f"`boundaries` must be strictly increasing. Received: {boundaries}")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        s = _step_value(step)
        for boundary, value in zip(self.boundaries, self.values):
            if s <= boundary:
                return _result(value)
        return _result(self.values[-1])

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


@keras_export("keras.optimizers.schedules.PolynomialDecay")
class PolynomialDecay(LearningRateSchedule):
    """`(initial - end) * (1 - step / decay_steps) ** power + end`, with `step` capped at
    `decay_steps`; with `cycle=True`, `decay_steps` grows to the first multiple above
    `step` instead.

    Example:
    >>> float(PolynomialDecay(1.0, 10, end_learning_rate=0.0)(5))
    0.5
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int,
                 end_learning_rate: float = 0.0001, power: float = 1.0, cycle: bool = False,
                 name: str = "PolynomialDecay"):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        s = _step_value(step)
        decay_steps = float(self.decay_steps)
        if self.cycle:
            multiplier = 1.0 if s == 0 else math.ceil(s / decay_steps)
            decay_steps *= multiplier
        else:
            s = min(s, decay_steps)
        p = s / decay_steps
        lr = ((self.initial_learning_rate - self.end_learning_rate) * (1 - p) ** self.power
              + self.end_learning_rate)
        return _result(lr)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


@keras_export("keras.optimizers.schedules.InverseTimeDecay")
class InverseTimeDecay(LearningRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)` (the ratio is
    floored when `staircase=True`).

    Example:
    >>> float(InverseTimeDecay(1.0, 1, 0.5)(2))
    0.5
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "InverseTimeDecay"):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = _step_value(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return _result(self.initial_learning_rate / (1 + self.decay_rate * p))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


@keras_export("keras.optimizers.schedules.CosineDecay")
class CosineDecay(LearningRateSchedule):
    """Cosine decay with optional linear warmup (Loshchilov & Hutter, SGDR).

    Without warmup: `lr(step) = initial * ((1 - alpha) * 0.5 * (1 + cos(pi * t)) + alpha)`
    with `t = min(step, decay_steps) / decay_steps`. With `warmup_target`, the rate rises
    linearly from `initial_learning_rate` to `warmup_target` over `warmup_steps`, then
    decays from `warmup_target` over the next `decay_steps`.

    Example:
    >>> float(CosineDecay(1.0, 10)(5))
    0.5
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0,
                 name: str = "CosineDecay", warmup_target: float | None = None,
                 warmup_steps: int = 0):
        _check_decay_steps(decay_steps)
        if warmup_steps < 0:
            raise ValueError(f"Argument `warmup_steps` must be >= 0. Received: {warmup_steps}")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def _decay(self, step: float, decay_from: float) -> float:
        fraction = step / self.decay_steps
        cosine = 0.5 * (1.0 + math.cos(math.pi * fraction))
        return decay_from * ((1 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        s = _step_value(step)
        if self.warmup_target is None:
            return _result(self._decay(min(s, float(self.decay_steps)), self.initial_learning_rate))
        s = min(s, float(self.decay_steps + self.warmup_steps))
        if s < self.warmup_steps:
            fraction = s / self.warmup_steps
            lr = (self.warmup_target - self.initial_learning_rate) * fraction + \
                self.initial_learning_rate
            return _result(lr)
        return _result(self._decay(s - self.warmup_steps, self.warmup_target))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


@keras_export("keras.optimizers.schedules.CosineDecayRestarts")
class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts: periods of `first_decay_steps * t_mul**i` steps,
    each restarting at `initial_learning_rate * m_mul**i`.

    Example:
    >>> float(CosineDecayRestarts(1.0, 10)(10))  # the first restart
    1.0
    """

    def __init__(self, initial_learning_rate: float, first_decay_steps: int,
                 t_mul: float = 2.0, m_mul: float = 1.0, alpha: float = 0.0,
                 name: str = "SGDRDecay"):
        _check_decay_steps(first_decay_steps, "first_decay_steps")
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        fraction = _step_value(step) / self.first_decay_steps
        t_mul, m_mul = float(self._t_mul), float(self._m_mul)
        if t_mul == 1.0:
            i_restart = math.floor(fraction)
            fraction -= i_restart
        else:
            i_restart = math.floor(math.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            sum_r = (1.0 - t_mul ** i_restart) / (1.0 - t_mul)
            fraction = (fraction - sum_r) / t_mul ** i_restart
        m_fac = m_mul ** i_restart
        cosine = 0.5 * m_fac * (1.0 + math.cos(math.pi * fraction))
        return _result(self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


@keras_export("keras.optimizers.schedules.serialize")
def serialize(learning_rate_schedule) -> dict:
    """The schedule's config in Keras's format
    (`{"module": "keras.optimizers.schedules", "class_name": ..., "config": ...}`)."""
    return serialization_lib.serialize_keras_object(learning_rate_schedule)


@keras_export("keras.optimizers.schedules.deserialize")
def deserialize(config, custom_objects: dict | None = None):
    """Rebuilds a schedule from `serialize`'s output."""
    return serialization_lib.deserialize_keras_object(
        config, module_objects=_MODULE_OBJECTS, custom_objects=custom_objects,
        printable_module_name="decay")


_MODULE_OBJECTS = {
    cls.__name__: cls for cls in (
        LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
        InverseTimeDecay, CosineDecay, CosineDecayRestarts)
}
