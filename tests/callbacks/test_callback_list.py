import math

import numpy as np
import pytest

from lamina import callbacks
from lamina.api_export import keras_name, lookup
from lamina.callbacks import (Callback, CallbackList, History, LambdaCallback, ProgbarLogger,
                              TerminateOnNaN)
from callback_fakes import model, fit, stdout  # noqa: F401 (fixtures)


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def __getattribute__(self, name):
        attr = super().__getattribute__(name)
        if name.startswith("on_") and callable(attr):
            calls = super().__getattribute__("calls")

            def wrapped(*args, **kwargs):
                calls.append(name)
                return attr(*args, **kwargs)
            return wrapped
        return attr


def test_exported_under_keras_names():
    for name in callbacks.__all__:
        cls = getattr(callbacks, name)
        assert keras_name(cls) == f"keras.callbacks.{name}"
        assert lookup("keras.callbacks", name) is cls


def test_base_callback_hooks_are_noops_and_store_model_and_params(model):
    cb = Callback()
    assert cb.model is None and cb.params is None
    cb.set_model(model)
    cb.set_params({"epochs": 3})
    assert cb.model is model and cb.params == {"epochs": 3}
    for hook in ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
                 "on_predict_begin", "on_predict_end"):
        assert getattr(cb, hook)({}) is None
    for hook in ("on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
                 "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end",
                 "on_predict_batch_begin", "on_predict_batch_end", "on_batch_begin",
                 "on_batch_end"):
        assert getattr(cb, hook)(0, {}) is None


def test_legacy_batch_aliases_receive_train_batches():
    seen = []

    class Legacy(Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, logs["loss"]))

    cbs = CallbackList([Legacy()])
    cbs.on_train_batch_begin(4)
    cbs.on_train_batch_end(4, {"loss": np.float32(0.5)})
    cbs.on_test_batch_end(4, {"loss": 1.0})  # not a training batch
    assert seen == [("begin", 4), ("end", 4, 0.5)]


def test_hook_order_in_fit(model, fit):
    rec = Recorder()
    fit(model, [rec], [{"loss": 1.0, "val_loss": 1.0}] * 2, steps=2, validation_steps=1)
    assert rec.calls == [
        "on_train_begin",
        "on_epoch_begin", "on_train_batch_begin", "on_batch_begin", "on_train_batch_end",
        "on_batch_end", "on_train_batch_begin", "on_batch_begin", "on_train_batch_end",
        "on_batch_end", "on_test_begin", "on_test_batch_begin", "on_test_batch_end",
        "on_test_end", "on_epoch_end",
    ] + [
        "on_epoch_begin", "on_train_batch_begin", "on_batch_begin", "on_train_batch_end",
        "on_batch_end", "on_train_batch_begin", "on_batch_begin", "on_train_batch_end",
        "on_batch_end", "on_test_begin", "on_test_batch_begin", "on_test_batch_end",
        "on_test_end", "on_epoch_end",
    ] + ["on_train_end"]


def test_callback_list_defaults_params_and_model(model):
    user = Callback()
    cbs = CallbackList([user], add_history=True, add_progbar=True, model=model,
                       verbose=0, epochs=2, steps=5)
    assert [type(c) for c in cbs.callbacks] == [Callback, History, ProgbarLogger]
    assert all(c.model is model for c in cbs.callbacks)
    assert all(c.params == {"verbose": 0, "epochs": 2, "steps": 5} for c in cbs.callbacks)
    assert model.history is cbs.callbacks[1]
    assert len(cbs) == 3 and list(cbs) == cbs.callbacks


def test_callback_list_keeps_user_history_and_progbar_and_flattens():
    h, p, other = History(), ProgbarLogger(), Callback()
    cbs = CallbackList([[h, other], (p,)], add_history=True, add_progbar=True)
    assert cbs.callbacks == [h, other, p]
    assert CallbackList().callbacks == []


def test_callback_list_rejects_non_callbacks():
    with pytest.raises(TypeError, match="must be a lamina.callbacks.Callback instance.*str"):
        CallbackList(["early_stopping"])
    with pytest.raises(TypeError, match="expected a Callback"):
        CallbackList().append(lambda: None)


def test_batch_logs_are_pythonified_sorted_and_flattened():
    got = []
    cb = LambdaCallback(on_train_batch_end=lambda batch, logs: got.append(logs))
    CallbackList([cb]).on_train_batch_end(
        0, {"loss": np.float32(0.25), "acc": np.array(0.5), "out": {"mae": np.float64(2)}})
    assert got == [{"acc": 0.5, "loss": 0.25, "mae": 2.0}]
    assert list(got[0]) == ["acc", "loss", "mae"]
    assert all(type(v) is float for v in got[0].values())


def test_history_records_epochs_and_sets_model_history(model, fit):
    logs = [{"loss": 1.0, "val_loss": 2.0}, {"loss": 0.5, "val_loss": 1.5},
            {"loss": 0.25, "val_loss": 1.0}]
    history = fit(model, [], logs)
    assert isinstance(history, History) and model.history is history
    assert history.epoch == [0, 1, 2]
    assert history.history == {"loss": [1.0, 0.5, 0.25], "val_loss": [2.0, 1.5, 1.0]}
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 3}


def test_lambda_callback_hooks_and_kwargs(model, fit):
    events = []
    cb = LambdaCallback(
        on_train_begin=lambda logs: events.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: events.append(("epoch_begin", epoch)),
        on_epoch_end=lambda epoch, logs: events.append(("epoch_end", epoch, logs["loss"])),
        on_train_batch_end=lambda batch, logs: events.append(("batch", batch)),
        on_train_end=lambda logs: events.append("train_end"),
        on_test_end=lambda logs: events.append("test_end"),
    )
    fit(model, [cb], [{"loss": 3.0, "val_loss": 1.0}], steps=2, validation_steps=1)
    assert events == ["train_begin", ("epoch_begin", 0), ("batch", 0), ("batch", 1),
                      "test_end", ("epoch_end", 0, 3.0), "train_end"]


def test_lambda_callback_errors():
    with pytest.raises(TypeError, match="`on_epoch_end` must be callable"):
        LambdaCallback(on_epoch_end=3)
    with pytest.raises(ValueError, match="unknown hook 'on_epoch_middle'"):
        LambdaCallback(on_epoch_middle=print)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_terminate_on_nan_stops_at_the_bad_batch(model, stdout, bad):
    seen = []
    counter = LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(batch))
    cbs = CallbackList([TerminateOnNaN(), counter], model=model)
    cbs.on_train_batch_end(0, {"loss": 1.0})
    assert model.stop_training is False
    cbs.on_train_batch_end(1, {"loss": bad})
    assert model.stop_training is True
    assert stdout() == "Batch 1: Invalid loss, terminating training\n"


def test_terminate_on_nan_in_fit_stops_training(model, fit, stdout):
    history = fit(model, [TerminateOnNaN()], [{"loss": 1.0}, {"loss": math.nan},
                                              {"loss": 1.0}], steps=4)
    assert history.epoch == [0, 1]
    assert model.stop_training is True
    # Ignores logs without a loss.
    model.stop_training = False
    CallbackList([TerminateOnNaN()], model=model).on_train_batch_end(0, {"acc": math.nan})
    assert model.stop_training is False
