"""One epoch of a step function over a data adapter, with callbacks, running many
steps per native call where nothing needs to see each step.

A compiled step on array data can run a whole run of full batches in one call into
the executor (`CompiledFunction.run_steps`: batches gathered natively, the GIL
released between the optimizer's per-step prologues). Whether steps may be grouped
follows from what observes them, as in Keras:

- `steps_per_execution > 1`: the batch hooks are called once per group of that many
  steps, with the group's first step (`on_*_batch_begin`) and last step
  (`on_*_batch_end`), as Keras 3 does.
- otherwise, when no callback overrides a batch hook of this loop, nothing can tell
  the steps apart: the epoch runs in as few calls as possible.
- when the only batch hooks are ones that sample (the progress bar, which redraws at
  most every 50 ms), groups last about `SAMPLE_SECONDS`, so the display is the same.
- any other batch hook gets every step, one call each.

The first batch of a signature always runs alone (it is traced), and so does a
partial last batch (its own signature); results are those of single steps.
"""

from __future__ import annotations

import time

import numpy as np

from lamina.callbacks.callback import Callback
from lamina.trainers.data_adapters.array_data_adapter import ArrayDataAdapter

SAMPLE_SECONDS = 0.04  # a sampling hook is called at least this often (its redraw: 50 ms)
MAX_GROUP = 1 << 30

_HOOKS = {
    "train": ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end"),
    "test": ("on_test_batch_begin", "on_test_batch_end"),
    "predict": ("on_predict_batch_begin", "on_predict_batch_end"),
}


def batch_hook_need(callbacks, mode: str) -> str:
    """"every" (a callback overrides a batch hook of `mode`), "sampled" (only hooks of
    callbacks with `_samples_batches = True` do) or "none"."""
    need = "none"
    for cb in callbacks:
        if any(getattr(type(cb), h, None) is not getattr(Callback, h) for h in _HOOKS[mode]):
            if not getattr(cb, "_samples_batches", False):
                return "every"
            need = "sampled"
    return need


class EpochLoop:
    """Runs epochs of `step_fn()` (called lazily, after `prepare(first_batch)`)
    over `adapter`, calling `callbacks.<begin>(step)` / `<end>(step, logs)`.

    Each `run()` is one epoch; it returns the last logs (Python numbers) and the
    number of steps run. With `collect` (predict), every step's outputs go to
    `collect(outputs)` in order (a group's stacked along the batch axis), and the batch
    hooks get what it returns."""

    def __init__(self, adapter, callbacks, mode: str, steps_per_execution: int,
                 prepare, step_fn, to_python, should_stop, collect=None):
        self.adapter = adapter
        self.begin_hook = getattr(callbacks, f"on_{mode}_batch_begin")
        self.end_hook = getattr(callbacks, f"on_{mode}_batch_end")
        self.prepare = prepare
        self.step_fn = step_fn
        self.to_python = to_python
        self.collect = collect
        self.should_stop = should_stop
        self.fixed = steps_per_execution > 1
        need = batch_hook_need(callbacks, mode)
        self.group = steps_per_execution if self.fixed else \
            {"every": 1, "none": MAX_GROUP, "sampled": 1}[need]
        self.timed = not self.fixed and need == "sampled"
        self.multi = isinstance(adapter, ArrayDataAdapter) and (self.group > 1 or self.timed)
        self.fn = None
        self.no_chunks = False

    def run(self) -> tuple[dict, int]:
        if self.multi or self.fixed:
            return self._run_groups()
        return self._run_single()

    def _run_single(self) -> tuple[dict, int]:
        logs, step = {}, -1
        for step, batch in enumerate(self.adapter.get_iterator()):
            self.begin_hook(step)
            logs = self._logs(self._one(batch))
            self.end_hook(step, logs)
            if self.should_stop():
                break
        return logs, step + 1

    def _one(self, batch):
        if self.fn is None:
            self.prepare(batch)
            self.fn = self.step_fn()
        out = self.fn(batch)
        if self.collect is not None:
            self._last = self.collect(out)
        return out

    def _logs(self, out) -> dict:
        return self._last if self.collect is not None else self.to_python(out)

    def _run_groups(self) -> tuple[dict, int]:
        if self.multi:
            selections, batch_of = self.adapter.epoch_selections(), None
            n = len(selections)
        else:  # steps_per_execution on data that is not arrays: one step per call
            selections, batch_of = None, iter(self.adapter.get_iterator())
            n = self.adapter.num_batches
        logs, step, group = {}, 0, self.group
        while n is None or step < n:
            end = step + group if n is None else min(step + group, n)
            start, t0 = step, time.perf_counter()
            self.begin_hook(start)
            out = None
            while step < end:
                ran = self._chunk(selections, step, end) if selections is not None else 0
                if ran:
                    out, step = ran
                    continue
                if selections is not None:
                    batch = self.adapter.gather(selections[step])
                else:
                    batch = next(batch_of, None)
                    if batch is None:
                        n = step
                        break
                out = self._one(batch)
                step += 1
            if step == start:
                break  # a generator ran dry
            logs = self._logs(out)
            self.end_hook(step - 1, logs)
            if self.should_stop():
                break
            if self.timed:  # a sampling hook: about SAMPLE_SECONDS per group
                per_step = (time.perf_counter() - t0) / (step - start)
                group = int(min(max(SAMPLE_SECONDS / max(per_step, 1e-9), 1), 1 << 16))
                self.group = group  # the next epoch starts from it
        return logs, step

    def _chunk(self, selections: list, step: int, end: int):
        """Runs the full batches from `step` (before `end`) in one native call:
        (logs, next step), or 0 when they must run one by one."""
        if self.fn is None or self.no_chunks:
            return 0
        bs = self.adapter.batch_size
        stop = step
        while stop < end and _length(selections[stop]) == bs:
            stop += 1
        if stop - step < 2:
            return 0
        rows = _rows(selections[step:stop])
        collect = self.collect is not None
        out = self.fn.run_steps((self.adapter.source_batch(),), rows, stop - step, bs,
                                collect) if hasattr(self.fn, "run_steps") else None
        if out is None:  # no native program for full batches (e.g. the step runs eagerly)
            self.no_chunks = True
            return 0
        if collect:
            self._last = self.collect(out)
        return out, stop


def _length(sel) -> int:
    return sel.stop - sel.start if isinstance(sel, slice) else len(sel)


def _rows(selections: list):
    """The first row when the batches are consecutive slices (read in place), else
    every row index, concatenated (gathered natively)."""
    if all(isinstance(s, slice) for s in selections) and all(
            a.stop == b.start for a, b in zip(selections, selections[1:])):
        return selections[0].start
    return np.concatenate([np.arange(s.start, s.stop) if isinstance(s, slice) else s
                           for s in selections]).astype(np.int64, copy=False)
