"""Progbar: Keras's line format, in-place redraws on a terminal, plain lines elsewhere."""

import io
import re
import sys
from contextlib import redirect_stdout

import pytest

from lamina.api_export import keras_name
from lamina.utils import progbar as progbar_module
from lamina.utils.progbar import Progbar, format_eta, format_time

ANSI = re.compile(r"\x1b\[[0-9;]*m")
BAR = "\u2501" * 20


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(progbar_module, "_now", lambda: now[0])
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    return now


def run(stream, clock, target=4, steps=4, dt=0.1, final=0.3, **kwargs):
    """Steps 1..steps, `dt` seconds apart, loss 1/step; then a finalizing update."""
    with redirect_stdout(stream):
        bar = Progbar(target, **kwargs)
        for i in range(1, steps + 1):
            clock[0] += dt
            bar.update(i, [("loss", 1.0 / i)], finalize=False)
        bar.update(steps, [("loss", final)], finalize=True)
    return stream.getvalue()


def test_exported():
    assert keras_name(Progbar) == "keras.utils.Progbar"


def test_terminal_redraws_in_place(clock):
    out = run(FakeTTY(), clock)
    frames = out.split("\r")
    assert frames[0] == "" and len(frames) == 6  # 4 steps + the final frame
    plain = [ANSI.sub("", f) for f in frames[1:]]
    assert plain == [
        "1/4 " + "\u2501" * 20 + " 0s 100ms/step - loss: 1.0000",
        "2/4 " + "\u2501" * 20 + " 0s 100ms/step - loss: 0.7500",
        "3/4 " + "\u2501" * 20 + " 0s 100ms/step - loss: 0.6111",
        "4/4 " + "\u2501" * 20 + " 0s 100ms/step - loss: 0.5208",
        "4/4 " + "\u2501" * 20 + " 0s 100ms/step - loss: 0.3000\n",
    ]
    # Keras's colours: bold counter, green done part, white rest, bold time.
    assert frames[1] == ("\x1b[1m1/4\x1b[0m \x1b[32m" + "\u2501" * 5 + "\x1b[0m\x1b[37m"
                         + "\u2501" * 15 + "\x1b[0m \x1b[1m0s\x1b[0m 100ms/step - loss: 1.0000")
    assert "\n" not in "".join(frames[1:-1])


def test_non_terminal_prints_only_the_final_plain_line(clock):
    out = run(io.StringIO(), clock)
    assert out == f"4/4 {BAR} 0s 100ms/step - loss: 0.3000\n"
    assert not re.search(r"[\r\b\x1b]", out)


def test_shorter_redraw_is_padded_to_erase_the_previous_line(clock):
    stream = FakeTTY()
    with redirect_stdout(stream):
        bar = Progbar(3)
        clock[0] += 0.1
        bar.update(1, [("loss", 123456.0)])
        clock[0] += 0.1
        bar.update(2, [("loss", -123456.0)], finalize=False)
    first, second = [ANSI.sub("", f) for f in stream.getvalue().split("\r")[1:]]
    assert second.startswith("2/3") and len(second) == len(first)
    assert second.endswith(" ")


def test_eta_while_running_elapsed_when_done(clock):
    stream = FakeTTY()
    with redirect_stdout(stream):
        bar = Progbar(1000)
        clock[0] += 4.0
        bar.update(1)  # 4 s/step, 999 steps to go
        clock[0] += 0.5
        bar.update(2)  # after the first step: 0.5 s/step, 998 to go
        clock[0] += 10.5
        bar.update(1000)
    frames = [ANSI.sub("", f) for f in stream.getvalue().split("\r")[1:]]
    assert frames[0] == "   1/1000 " + BAR + " 1:06:36 4s/step"
    assert frames[1] == "   2/1000 " + BAR + " 8:19 500ms/step"
    assert frames[2].rstrip(" \n") == "1000/1000 " + BAR + " 15s 11ms/step"
    assert frames[2].endswith("\n")


def test_interval_throttles_redraws_but_not_the_last(clock):
    stream = FakeTTY()
    with redirect_stdout(stream):
        bar = Progbar(10, interval=1.0)
        for i in range(1, 11):
            clock[0] += 0.3
            bar.update(i)
    frames = stream.getvalue().split("\r")[1:]
    assert len(frames) == 4  # t=0.3 (first), 1.5, 2.7, and the final update at 3.0
    assert ANSI.sub("", frames[-1]).startswith("10/10")


def test_verbose_2_one_line_at_the_end(clock):
    out = run(io.StringIO(), clock, verbose=2)
    assert out == "4/4 - 0s - 100ms/step - loss: 0.3000\n"
    assert run(FakeTTY(), clock, verbose=2) == out


def test_verbose_0_is_silent(clock):
    assert run(FakeTTY(), clock, verbose=0) == ""
    assert run(io.StringIO(), clock, verbose=0) == ""


def test_averaging_and_stateful_metrics(clock):
    stream = FakeTTY()
    with redirect_stdout(stream):
        bar = Progbar(10, stateful_metrics=["acc"])
        clock[0] += 1
        bar.update(2, [("loss", 1.0), ("acc", 0.1)])
        clock[0] += 1
        bar.update(4, [("loss", 0.0), ("acc", 0.9)])  # 2 more steps each
        clock[0] += 1
        bar.add(1, [("loss", 3.0), ("acc", 0.5)])   # 1 more step
    frames = [ANSI.sub("", f) for f in stream.getvalue().split("\r")[1:]]
    assert frames[1].endswith(" - loss: 0.5000 - acc: 0.9000")
    assert frames[2].startswith(" 5/10") and frames[2].endswith(" - loss: 1.0000 - acc: 0.5000")


def test_small_values_use_scientific_notation(clock):
    out = run(io.StringIO(), clock, final=1e-4)
    assert out.endswith(" - loss: 1.0000e-04\n")
    out = run(io.StringIO(), clock, final=-2e-5, verbose=2)
    assert out.endswith(" - loss: -2.0000e-05\n")


def test_unknown_target(clock):
    stream = FakeTTY()
    with redirect_stdout(stream):
        bar = Progbar(None)
        clock[0] += 0.5
        bar.update(1, [("loss", 2.0)])
        clock[0] += 1.0
        bar.update(2, [("loss", 1.0)], finalize=True)
    frames = [ANSI.sub("", f) for f in stream.getvalue().split("\r")[1:]]
    assert frames == ["      1/Unknown 0s 500ms/step - loss: 2.0000",
                      "      2/Unknown 2s 1s/step - loss: 1.0000   \n"]  # padded over the longer line
    assert run(io.StringIO(), clock, target=None, steps=2, verbose=2) == \
        "2/Unknown - 0s - 100ms/step - loss: 0.3000\n"


def test_unit_name_and_width(clock):
    out = run(io.StringIO(), clock, unit_name="sample", width=5)
    assert out == "4/4 \u2501\u2501\u2501\u2501\u2501 0s 100ms/sample - loss: 0.3000\n"


@pytest.mark.parametrize("seconds, expected", [
    (0, " 0s/step"), (2.4, " 2s/step"), (1.0, " 1s/step"), (0.0034, " 3ms/step"),
    (0.001, " 1ms/step"), (5e-5, " 50us/step"),
])
def test_format_time(seconds, expected):
    assert format_time(seconds, "step") == expected


@pytest.mark.parametrize("seconds, expected", [
    (0, "0s"), (59.9, "59s"), (65, "1:05"), (3599, "59:59"), (3605, "1:00:05"),
])
def test_format_eta(seconds, expected):
    assert format_eta(seconds) == expected


@pytest.mark.parametrize("kwargs, msg", [
    (dict(target=-1), "`target` must be a non-negative integer or None, got -1"),
    (dict(target=2.5), "`target` must be a non-negative integer or None, got 2.5"),
    (dict(target="10"), "`target` must be a non-negative integer or None"),
    (dict(target=10, verbose=3), "`verbose` must be 0, 1 or 2, got 3"),
    (dict(target=10, width=0), "`width` must be a positive integer, got 0"),
])
def test_argument_errors(kwargs, msg):
    with pytest.raises(ValueError, match=re.escape(msg)):
        Progbar(**kwargs)
