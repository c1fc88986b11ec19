"""Fakes for callback tests (fixtures imported by each test module; not a conftest.py,
which would shadow tests/conftest.py for `from conftest import ...`): a model recording what callbacks do to it, and a training
loop calling the hooks in the order Keras 3's trainer does."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest

from lamina.callbacks import CallbackList


class FakeOptimizer:
    def __init__(self, learning_rate=0.01):
        self._lr = learning_rate
        self.assigned = []

    @property
    def learning_rate(self):
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value):
        self.assigned.append(value)
        self._lr = float(value)


class FakeModel:
    def __init__(self, learning_rate=0.01):
        self.stop_training = False
        self.weights = [np.zeros(2), np.zeros(())]
        self.optimizer = FakeOptimizer(learning_rate)
        self.saved = []  # (method, path, overwrite)
        self.set_weights_calls = 0

    def get_weights(self):
        return [np.array(w, copy=True) for w in self.weights]

    def set_weights(self, weights):
        self.set_weights_calls += 1
        self.weights = [np.array(w, copy=True) for w in weights]

    def save(self, filepath, overwrite=True):
        self.saved.append(("save", filepath, overwrite))

    def save_weights(self, filepath, overwrite=True):
        self.saved.append(("save_weights", filepath, overwrite))


def run_fit(model, callbacks, epoch_logs, steps=3, verbose=0, validation_steps=0):
    """Keras 3's fit loop over fake data. During epoch `e` the weights become `e`;
    `epoch_logs[e]` are the epoch's logs (keys starting with "val_" come from a fake
    validation run of `validation_steps` batches); batch logs are the training ones."""
    cbs = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=model,
                       verbose=verbose, epochs=len(epoch_logs), steps=steps)
    model.stop_training = False
    cbs.on_train_begin()
    training_logs = None
    for epoch, logs in enumerate(epoch_logs):
        cbs.on_epoch_begin(epoch)
        # Keras's trainer logs metric results with sorted keys (pythonify_logs).
        train_logs = {k: logs[k] for k in sorted(logs) if not k.startswith("val_")}
        for step in range(steps):
            cbs.on_train_batch_begin(step)
            model.weights = [np.full(2, float(epoch)), np.array(float(epoch))]
            cbs.on_train_batch_end(step, dict(train_logs))
            if model.stop_training:
                break
        epoch_log = dict(train_logs)
        if validation_steps:
            val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
            cbs.on_test_begin()
            for step in range(validation_steps):
                cbs.on_test_batch_begin(step)
                cbs.on_test_batch_end(step, dict(val))
            cbs.on_test_end(dict(val))
        epoch_log.update({k: logs[k] for k in sorted(logs) if k.startswith("val_")})
        cbs.on_epoch_end(epoch, epoch_log)
        training_logs = epoch_log
        if model.stop_training:
            break
    cbs.on_train_end(training_logs)
    return model.history


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def model():
    return FakeModel()


@pytest.fixture
def fit():
    return run_fit


@pytest.fixture
def stdout(monkeypatch, capsys):
    """Reads what was printed to a non-terminal stdout (pytest's capture, like a log
    file): `stdout()` returns the text printed since the last call."""
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    return lambda: capsys.readouterr().out


@pytest.fixture
def tty():
    """A fake terminal: `with redirect_stdout(tty): ...`, then `tty.getvalue()`.
    (pytest resets sys.stdout between setup and call, so tests redirect themselves.)"""
    return FakeTTY()


@pytest.fixture
def frozen_clock(monkeypatch):
    """The progress bar's clock, frozen: set `clock[0]` to move time."""
    from lamina.utils import progbar

    clock = [1000.0]
    monkeypatch.setattr(progbar, "_now", lambda: clock[0])
    return clock
