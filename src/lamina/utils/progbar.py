"""`Progbar`: Keras 3's progress bar (`keras.utils.Progbar`).

On a terminal (or in Jupyter) verbose=1 redraws one line in place with `\\r` and ANSI
colours. Anywhere else (a log file, a pipe, pytest's capture) it prints no control
characters at all: only the final line of each bar, as plain text.

Example:
>>> bar = Progbar(3)
>>> for step in range(1, 4):
...     bar.update(step, values=[("loss", 0.5)])   # doctest: +SKIP
3/3 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - loss: 0.5000
"""

from __future__ import annotations

import math
import numbers
import os
import sys
import time
from typing import Iterable, Sequence

from lamina.api_export import keras_export

_BOLD = "\x1b[1m"
_GREEN = "\x1b[32m"
_WHITE = "\x1b[37m"
_RESET = "\x1b[0m"
_BAR_CHAR = "\u2501"  # "━"


def _now() -> float:
    """The clock the bar reads (a module function so tests can freeze it)."""
    return time.time()


def print_msg(message: str, line_break: bool = True) -> None:
    """Writes `message` to the current `sys.stdout` and flushes (Keras's `print_msg`)."""
    message = str(message) + ("\n" if line_break else "")
    stream = sys.stdout
    try:
        stream.write(message)
    except UnicodeEncodeError:
        stream.write(message.encode("ascii", "ignore").decode("ascii"))
    stream.flush()


def is_dynamic_display() -> bool:
    """Whether stdout redraws lines in place: a terminal, Jupyter or PyCharm."""
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        tty = bool(isatty()) if isatty is not None else False
    except ValueError:  # a closed stream
        tty = False
    return tty or "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


def format_time(time_per_unit: float, unit_name: str) -> str:
    """' 3ms/step'-style durations: seconds, milliseconds or microseconds per unit."""
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1e3:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1e6:.0f}us/{unit_name}"


def format_eta(seconds: float) -> str:
    """'5s', '1:05' or '1:00:05', as Keras shows the estimated time left."""
    if seconds > 3600:
        return "%d:%02d:%02d" % (seconds // 3600, (seconds % 3600) // 60, seconds % 60)
    if seconds > 60:
        return "%d:%02d" % (seconds // 60, seconds % 60)
    return "%ds" % seconds


def _format_value(value: float) -> str:
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


@keras_export("keras.utils.Progbar")
class Progbar:
    """Displays a progress bar.

    Args:
        target: total number of steps expected, None if unknown.
        width: progress bar width on screen (in characters).
        verbose: 0 (silent), 1 (one updating line), 2 (one line when finished).
        interval: minimum time between two redraws, in seconds.
        stateful_metrics: names of metrics shown as given; others are averaged over
            the steps seen.
        unit_name: name of a step in the time per step ("step", "sample").

    Example:
    >>> bar = Progbar(target=100, verbose=2)
    >>> bar.update(100, values=[("loss", 0.25)])   # doctest: +SKIP
    100/100 - 0s - 12us/step - loss: 0.2500
    """

    def __init__(self, target: int | None, width: int = 20, verbose: int = 1,
                 interval: float = 0.05, stateful_metrics: Iterable[str] | None = None,
                 unit_name: str = "step"):
        if target is not None:
            if (isinstance(target, bool) or not isinstance(target, numbers.Integral)
                    or target < 0):
                raise ValueError(
                    f"Progbar: `target` must be a non-negative integer or None, got {target!r}")
            target = int(target)
        if verbose not in (0, 1, 2):
            raise ValueError(f"Progbar: `verbose` must be 0, 1 or 2, got {verbose!r}")
        if not isinstance(width, int) or width < 1:
            raise ValueError(f"Progbar: `width` must be a positive integer, got {width!r}")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()
        self._dynamic_display = is_dynamic_display()
        self._seen_so_far = 0
        self._values: dict[str, list] = {}  # name -> [weighted sum, weight]
        self._values_order: list[str] = []
        self._start = _now()
        self._last_update = 0.0
        self._time_after_first_step: float | None = None
        self._prev_total_width = 0

    def update(self, current: int, values: Sequence[tuple[str, float]] | None = None,
               finalize: bool | None = None) -> None:
        """Updates the bar to step `current`.

        Args:
            current: index of the current step (1-based count of steps done).
            values: `(name, value_for_last_step)` pairs; averaged over steps unless the
                name is in `stateful_metrics`.
            finalize: whether this is the bar's last update (default:
                `current >= target`).
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            if name not in self._values_order:
                self._values_order.append(name)
            if name in self.stateful_metrics or finalize:
                self._values[name] = [value, 1]
            else:
                weight = max(current - self._seen_so_far, 1)
                if name not in self._values:
                    self._values[name] = [value * weight, weight]
                else:
                    self._values[name][0] += value * weight
                    self._values[name][1] += weight
        self._seen_so_far = current

        now = _now()
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            if not finalize and (not self._dynamic_display
                                 or now - self._last_update < self.interval):
                return
            self._print_line(current, now, time_per_unit, finalize)
        elif self.verbose == 2 and finalize:
            self._print_summary(current, now, time_per_unit)
        self._last_update = now

    def add(self, n: int, values: Sequence[tuple[str, float]] | None = None) -> None:
        """Advances the bar by `n` steps."""
        self.update(self._seen_so_far + n, values)

    # --- drawing -------------------------------------------------------------------

    def _metrics_text(self) -> str:
        text = ""
        for name in self._values_order:
            total, count = self._values[name]
            text += f" - {name}: {self._value_text(total, count)}"
        return text

    @staticmethod
    def _value_text(total, count) -> str:
        try:
            avg = float(_mean(total)) / max(1, count)
        except (TypeError, ValueError):
            return str(total)
        return _format_value(avg)

    def _print_line(self, current: int, now: float, time_per_unit: float,
                    finalize: bool) -> None:
        dynamic = self._dynamic_display
        styled = (lambda s, code: f"{code}{s}{_RESET}") if dynamic else (lambda s, code: s)
        if self.target:
            digits = int(math.log10(self.target)) + 1
            count = f"{current:{digits}d}/{self.target}"
            done = min(self.width, max(0, int(self.width * current / self.target)))
            bar_plain = f"{count} {_BAR_CHAR * self.width}"
            bar = styled(count, _BOLD) + " "
            if done > 0:
                bar += styled(_BAR_CHAR * done, _GREEN)
            bar += styled(_BAR_CHAR * (self.width - done), _WHITE)
        else:
            bar = bar_plain = "%7d/Unknown" % current
        if self.target and not finalize:
            clock = format_eta(time_per_unit * (self.target - current))
        else:
            clock = f"{now - self._start:.0f}s"
        info_plain = " " + clock + format_time(time_per_unit, self.unit_name)
        info_plain += self._metrics_text()
        info = " " + styled(clock, _BOLD) + info_plain[1 + len(clock):]
        width = len(bar_plain) + len(info_plain)
        if dynamic:
            message = "\r" + bar + info
            if self._prev_total_width > width:
                message += " " * (self._prev_total_width - width)
        else:
            message = bar + info
        if finalize:
            message += "\n"
        print_msg(message, line_break=False)
        self._prev_total_width = width

    def _print_summary(self, current: int, now: float, time_per_unit: float) -> None:
        if self.target:
            digits = int(math.log10(self.target)) + 1
            count = f"{current:{digits}d}/{self.target}"
        else:
            count = f"{current}/Unknown"
        line = f"{count} - {now - self._start:.0f}s -{format_time(time_per_unit, self.unit_name)}"
        print_msg(line + self._metrics_text())

    def _estimate_step_duration(self, current: int, now: float) -> float:
        """Seconds per step, leaving out the (often slow) first step once there are more."""
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_unit


def _mean(value):
    """The mean of a scalar or array-like value (metrics may log small arrays)."""
    if isinstance(value, (int, float)):
        return value
    import numpy as np

    return np.mean(np.asarray(value, dtype=np.float64))
