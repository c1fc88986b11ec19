"""ProgbarLogger driven through a fake fit / evaluate / predict, as the Trainer will."""

import re
from contextlib import redirect_stdout

import pytest

from lamina.callbacks import CallbackList, LambdaCallback, ProgbarLogger
from callback_fakes import model, fit, stdout, tty, frozen_clock  # noqa: F401 (fixtures)

ANSI = re.compile(r"\x1b\[[0-9;]*m")
BAR = "\u2501" * 20
LOGS = [{"loss": 0.7, "accuracy": 0.5, "val_loss": 0.9, "val_accuracy": 0.25},
        {"loss": 0.6, "accuracy": 0.625, "val_loss": 0.8, "val_accuracy": 0.375}]


def ticking(clock, dt):
    """A user callback that advances the fake clock by `dt` at each training batch."""
    def tick(batch, logs):
        clock[0] += dt
    return LambdaCallback(on_train_batch_begin=tick)


def test_verbose_1_non_terminal_one_plain_line_per_epoch(model, fit, stdout, frozen_clock):
    fit(model, [ticking(frozen_clock, 0.003)], LOGS, steps=4, verbose=1, validation_steps=2)
    out = stdout()
    assert out == (
        "Epoch 1/2\n"
        f"4/4 {BAR} 0s 3ms/step - accuracy: 0.5000 - loss: 0.7000 - val_accuracy: 0.2500 "
        "- val_loss: 0.9000\n"
        "Epoch 2/2\n"
        f"4/4 {BAR} 0s 3ms/step - accuracy: 0.6250 - loss: 0.6000 - val_accuracy: 0.3750 "
        "- val_loss: 0.8000\n")
    assert not re.search(r"[\r\b\x1b]", out)


def test_verbose_1_terminal_updates_in_place(model, fit, tty, frozen_clock):
    with redirect_stdout(tty):
        fit(model, [ticking(frozen_clock, 0.1)], LOGS[:1], steps=4, verbose=1,
            validation_steps=2)
    out = tty.getvalue()
    # One epoch: no "Epoch 1/1" line; a redraw per batch, then the final line.
    frames = out.split("\r")
    assert frames[0] == "" and len(frames) == 6
    plain = [ANSI.sub("", f) for f in frames[1:]]
    assert plain[0] == f"1/4 {BAR} 0s 100ms/step - accuracy: 0.5000 - loss: 0.7000"
    assert plain[3] == f"4/4 {BAR} 0s 100ms/step - accuracy: 0.5000 - loss: 0.7000"
    assert plain[4].rstrip(" \n") == (
        f"4/4 {BAR} 0s 100ms/step - accuracy: 0.5000 - loss: 0.7000 - val_accuracy: 0.2500 "
        "- val_loss: 0.9000")
    assert out.endswith("\n") and out.count("\n") == 1
    assert "\x1b[32m" in out  # coloured on a terminal


def test_running_metrics_are_shown_as_logged(model, tty, frozen_clock):
    # The trainer's batch logs are running values: the bar must not re-average them.
    cbs = CallbackList([], add_progbar=True, model=model, verbose=1, epochs=1, steps=3)
    with redirect_stdout(tty):
        cbs.on_train_begin()
        cbs.on_epoch_begin(0)
        for step, loss in enumerate((3.0, 2.0, 1.0)):
            frozen_clock[0] += 0.1
            cbs.on_train_batch_end(step, {"loss": loss})
    last = ANSI.sub("", tty.getvalue().split("\r")[-1])
    assert last.endswith("loss: 1.0000")


def test_verbose_2_one_line_per_epoch(model, fit, stdout, tty, frozen_clock):
    fit(model, [ticking(frozen_clock, 0.003)], LOGS, steps=4, verbose=2)
    expected = ("Epoch 1/2\n"
                "4/4 - 0s - 3ms/step - accuracy: 0.5000 - loss: 0.7000 - val_accuracy: 0.2500 "
                "- val_loss: 0.9000\n"
                "Epoch 2/2\n"
                "4/4 - 0s - 3ms/step - accuracy: 0.6250 - loss: 0.6000 - val_accuracy: 0.3750 "
                "- val_loss: 0.8000\n")
    assert stdout() == expected
    with redirect_stdout(tty):
        fit(model, [ticking(frozen_clock, 0.003)], LOGS, steps=4, verbose=2)
    assert tty.getvalue() == expected


def test_verbose_0_is_silent(model, fit, stdout, tty):
    fit(model, [], LOGS, verbose=0, validation_steps=1)
    fit(model, [ProgbarLogger()], LOGS, verbose=0, validation_steps=1)
    assert stdout() == ""
    with redirect_stdout(tty):
        fit(model, [ProgbarLogger()], LOGS, verbose=0)
    assert tty.getvalue() == ""


def test_auto_verbose_is_1(model, fit, stdout):
    fit(model, [], LOGS[:1], steps=2, verbose="auto")
    assert stdout().startswith("2/2 ")


def test_unknown_steps_take_the_count_of_the_first_epoch(model, stdout, frozen_clock):
    cbs = CallbackList([], add_progbar=True, model=model, verbose=1, epochs=2, steps=None)
    cbs.on_train_begin()
    for epoch in range(2):
        cbs.on_epoch_begin(epoch)
        for step in range(3):
            cbs.on_train_batch_end(step, {"loss": 1.0})
        cbs.on_epoch_end(epoch, {"loss": 1.0})
    assert stdout() == (f"Epoch 1/2\n3/3 {BAR} 0s 0s/step - loss: 1.0000\n"
                        f"Epoch 2/2\n3/3 {BAR} 0s 0s/step - loss: 1.0000\n")


def test_evaluate_shows_a_bar(model, stdout, frozen_clock):
    cbs = CallbackList(None, add_progbar=True, model=model, verbose=1, epochs=1, steps=2)
    cbs.on_test_begin()
    for step in range(2):
        cbs.on_test_batch_begin(step)
        frozen_clock[0] += 0.002
        cbs.on_test_batch_end(step, {"loss": 0.5, "mae": 0.25})
    cbs.on_test_end({"loss": 0.5, "mae": 0.25})
    assert stdout() == f"2/2 {BAR} 0s 2ms/step - loss: 0.5000 - mae: 0.2500\n"


def test_predict_shows_a_bar_without_outputs(model, stdout, frozen_clock):
    cbs = CallbackList(None, add_progbar=True, model=model, verbose=1, epochs=1, steps=2)
    cbs.on_predict_begin()
    for step in range(2):
        cbs.on_predict_batch_begin(step)
        frozen_clock[0] += 0.00005
        cbs.on_predict_batch_end(step, {"outputs": [[1.0, 2.0]]})
    cbs.on_predict_end()
    assert stdout() == f"2/2 {BAR} 0s 50us/step\n"


def test_bad_verbose_is_a_clear_error():
    with pytest.raises(ValueError, match="`verbose` must be 0, 1, 2 or 'auto', got 5"):
        CallbackList([], add_progbar=True, verbose=5, epochs=1, steps=1)
