"""`_core.Program.run_steps`: many steps in one call, batches streamed from whole
arrays (gathered through indices or read in place), a per-step prologue, output
streams, and the checks at the boundary."""

from __future__ import annotations

import numpy as np
import pytest

from lamina import _core
from test_program import Builder, make_mlp_data, mlp_program, mlp_step_eager


def _mlp_setup(rng, batch=8, n_in=6, n_hidden=10, n_classes=3, n_steps=5):
    prog, scalars = mlp_program(batch, n_in, n_hidden, n_classes)
    params, slots = make_mlp_data(rng, batch, n_in, n_hidden, n_classes)
    rows = batch * n_steps + 3
    xs = rng.standard_normal((rows, n_in)).astype("float32")
    ys = rng.integers(0, n_classes, rows).astype("int32")
    return prog, scalars, params, slots, xs, ys


@pytest.mark.parametrize("gather", [True, False])
def test_run_steps_equals_one_run_per_step(rng, gather):
    batch, n_classes, n_steps = 8, 3, 5
    prog, scalars, params, slots, xs, ys = _mlp_setup(rng, batch, n_steps=n_steps)
    ref_params = [p.copy() for p in params]
    ref_slots = [(m.copy(), v.copy()) for m, v in slots]
    if gather:
        idx = rng.permutation(len(xs))[: batch * n_steps].astype(np.int64)
        x_bound, y_bound = np.empty((batch, 6), "float32"), np.empty(batch, "int32")
        streams = [(0, xs, idx, 0, False), (1, ys, idx, 0, False)]
    else:
        idx = np.arange(3, 3 + batch * n_steps)
        x_bound, y_bound = xs[3:3 + batch], ys[3:3 + batch]
        streams = [(0, xs, None, 3, False), (1, ys, None, 3, False)]
    probs = np.empty((batch, n_classes), "float32")
    calls = []

    def prologue():
        calls.append(1)
        return list(scalars)

    done = np.zeros(1, np.int64)
    externals = [x_bound, y_bound] + params + [a for pair in slots for a in pair] + [probs]
    prog.run_steps(externals, streams, n_steps, prologue, done)
    assert len(calls) == n_steps and done[0] == n_steps
    for s in range(n_steps):
        rows = idx[s * batch:(s + 1) * batch]
        ref_probs, new = mlp_step_eager(xs[rows], ys[rows], ref_params, ref_slots, n_classes)
        ref_params = [n[0] for n in new]
        ref_slots = [(n[1], n[2]) for n in new]
    np.testing.assert_array_equal(probs, ref_probs)  # the last step's output
    for got, want in zip(params, ref_params):
        np.testing.assert_array_equal(got, want)


def _affine_program():
    b = Builder()
    x, w, out = b.ext("float32", (2, 3)), b.ext("float32", (3, 4)), b.ext("float32", (2, 4))
    b.add("gemm", (x, w, out), (0, 0, 0))
    return b.build()


def test_output_stream_writes_every_step_rows(rng):
    prog = _affine_program()
    xs = rng.standard_normal((7, 3)).astype("float32")
    w = rng.standard_normal((3, 4)).astype("float32")
    out = np.zeros((6, 4), "float32")
    idx = np.array([6, 0, 5, 1, 4, 2], np.int64)
    prog.run_steps([np.empty((2, 3), "f4"), w, out[:2]],
                   [(0, xs, idx, 0, False), (2, out, None, 0, True)], 3)
    np.testing.assert_allclose(out, xs[idx] @ w, rtol=1e-6)


def test_a_failing_step_reports_the_steps_done(rng):
    b = Builder()
    x, out = b.ext("float32", (2, 3)), b.ext("float32", (2, 3))
    calls = []

    def fails_on_the_third_step(inputs, outputs):
        calls.append(1)
        if len(calls) == 3:
            raise ArithmeticError("step three")
        outputs[0][...] = inputs[0]

    b.add("callback", (x, out), (1,), (), fails_on_the_third_step)
    prog = b.build()
    done = np.zeros(1, np.int64)
    xs = rng.standard_normal((10, 3)).astype("float32")
    with pytest.raises(ArithmeticError, match="step three"):
        prog.run_steps([xs[:2], np.empty((2, 3), "f4")], [(0, xs, None, 0, False)], 5, None, done)
    assert done[0] == 2


def test_a_prologue_exception_propagates(rng):
    prog, scalars, params, slots, xs, ys = _mlp_setup(rng)
    externals = [xs[:8], ys[:8]] + params + [a for pair in slots for a in pair] + \
        [np.empty((8, 3), "float32")]

    def prologue():
        raise KeyError("from the prologue")

    with pytest.raises(KeyError, match="from the prologue"):
        prog.run_steps(externals, [(0, xs, None, 0, False), (1, ys, None, 0, False)], 2, prologue)
    with pytest.raises(TypeError, match=r"the prologue's result\): scalars\[0\] must be a float"):
        prog.run_steps(externals, [(0, xs, None, 0, False), (1, ys, None, 0, False)], 2,
                       lambda: ["a"] * len(scalars))
    with pytest.raises(TypeError, match="'prologue' must be a callable"):
        prog.run_steps(externals, [(0, xs, None, 0, False), (1, ys, None, 0, False)], 2)


@pytest.mark.parametrize("streams,exc,match", [
    (lambda xs, w, o: [(0, xs, None, 0, False)] * 2, ValueError, "streamed twice"),
    (lambda xs, w, o: [(5, xs, None, 0, False)], ValueError, "no slot is bound"),
    (lambda xs, w, o: [(0, xs.astype("f8"), None, 0, False)], ValueError,
     "source has dtype float64, expected float32"),
    (lambda xs, w, o: [(0, xs[:, :2].copy(), None, 0, False)], ValueError,
     r"source has shape \(7, 2\), expected rows shaped like \(2, 3\)"),
    (lambda xs, w, o: [(0, xs, None, 2, False)], ValueError,
     "3 steps of 2 rows from row 2 need 8 rows, the source has 7"),
    (lambda xs, w, o: [(0, xs, np.arange(5), 0, False)], ValueError,
     "3 steps of 2 rows need 6 indices, got 5"),
    (lambda xs, w, o: [(0, xs, np.arange(6, dtype=np.int32), 0, False)], ValueError,
     "indices must be a 1-D int64 array"),
    (lambda xs, w, o: [(2, o, np.arange(6), 0, True)], ValueError,
     "an output stream writes contiguous rows"),
    (lambda xs, w, o: [(2, w, None, 0, True)], ValueError, "need 6 rows, the source has 3"),
    (lambda xs, w, o: [(0, xs, None, 0)], TypeError, "got 4 item"),
])
def test_run_steps_checks_streams(rng, streams, exc, match):
    prog = _affine_program()
    xs = rng.standard_normal((7, 3)).astype("float32")
    w = rng.standard_normal((3, 4)).astype("float32")
    o = np.zeros((6, 4), "float32")
    with pytest.raises(exc, match=match):
        prog.run_steps([np.empty((2, 3), "f4"), w, o[:2]], streams(xs, w, o), 3)


def test_gathered_row_indices_are_checked(rng):
    prog = _affine_program()
    xs = rng.standard_normal((7, 3)).astype("float32")
    w = rng.standard_normal((3, 4)).astype("float32")
    done = np.zeros(1, np.int64)
    with pytest.raises(IndexError, match="step 1: row index 7 is out of range for a source of 7"):
        prog.run_steps([np.empty((2, 3), "f4"), w, np.empty((2, 4), "f4")],
                       [(0, xs, np.array([0, 1, 7, 2], np.int64), 0, False)], 2, None, done)
    assert done[0] == 1


def test_an_output_stream_may_not_alias_an_input_source(rng):
    prog = _affine_program()
    buf = np.zeros((8, 4), "float32")
    xs = buf[:, :3]  # not contiguous: refused as a source
    with pytest.raises(ValueError):
        prog.run_steps([np.empty((2, 3), "f4"), np.ones((3, 4), "f4"), buf[:2]],
                       [(0, xs, None, 0, False), (2, buf, None, 0, True)], 3)


def test_a_long_run_without_a_prologue_stops_on_ctrl_c(rng):
    import _thread
    import threading

    prog = _affine_program()
    xs = rng.standard_normal((2, 3)).astype("float32")
    w = rng.standard_normal((3, 4)).astype("float32")
    done = np.zeros(1, np.int64)
    n_steps = 10 ** 9  # minutes of steps: only the interrupt can end it in time
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):  # nothing streamed: the same batch each step
            prog.run_steps([xs, w, np.empty((2, 4), "f4")], [], n_steps, None, done)
    finally:
        timer.cancel()
    assert 0 < done[0] < n_steps


def test_a_gather_target_inside_its_source_is_refused(rng):
    prog = _affine_program()
    xs = rng.standard_normal((7, 3)).astype("float32")
    with pytest.raises(ValueError, match="the gather target\\) shares memory with the source"):
        prog.run_steps([xs[2:4], np.ones((3, 4), "f4"), np.empty((2, 4), "f4")],
                       [(0, xs, np.arange(6), 0, False)], 3)
