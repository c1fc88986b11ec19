"""`LearningRateScheduler`: sets the optimizer's learning rate at each epoch start."""

from __future__ import annotations

import inspect
from typing import Callable

import numpy as np

from lamina.api_export import keras_export
from lamina.callbacks.callback import Callback
from lamina.utils.progbar import print_msg


def _takes_two_args(fn: Callable) -> bool:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins without a signature
        return True
    positional = 0
    for p in sig.parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            return True
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            positional += 1
    return positional >= 2


def _as_float_lr(value) -> float:
    if isinstance(value, (float, np.floating)):
        return float(value)
    dtype = getattr(value, "dtype", None)
    if dtype is not None and "float" in str(dtype) and tuple(getattr(value, "shape", ())) == ():
        return float(value)  # a 0-d float array or tensor
    raise ValueError(f"The output of the `schedule` function should be a float. Got: {value!r}")


@keras_export("keras.callbacks.LearningRateScheduler")
class LearningRateScheduler(Callback):
    """At each epoch start sets `optimizer.learning_rate = schedule(epoch, lr)`.

    Args:
        schedule: function of the epoch index (0-based) and the current learning rate
            (float) returning the new learning rate (float). A one-argument
            `schedule(epoch)` is accepted too.
        verbose: 1 prints each update.

    Example:
    >>> def schedule(epoch, lr):
    ...     return lr if epoch < 10 else lr * 0.9
    >>> model.fit(x, y, epochs=15, callbacks=[LearningRateScheduler(schedule)])  # doctest: +SKIP
    """

    def __init__(self, schedule: Callable, verbose: int = 0) -> None:
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: `schedule` must be callable, "
                            f"got {schedule!r}")
        self.schedule = schedule
        self.verbose = verbose

    def _optimizer(self):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute '
                             "(compile the model with an optimizer before fit).")
        return optimizer

    def on_epoch_begin(self, epoch, logs=None) -> None:
        optimizer = self._optimizer()
        if _takes_two_args(self.schedule):
            lr = self.schedule(epoch, float(optimizer.learning_rate))
        else:
            lr = self.schedule(epoch)
        lr = _as_float_lr(lr)
        optimizer.learning_rate = lr
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate "
                      f"to {lr}.")

    def on_epoch_end(self, epoch, logs=None) -> None:
        if logs is not None:
            logs["learning_rate"] = float(self._optimizer().learning_rate)
