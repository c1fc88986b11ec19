"""The native executor `_core.Program`: a whole training step over arena buffers,
arena reuse, validation at construction and at run(), callbacks, the GIL."""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest

from lamina import _core

U = _core.UNARY_OPS
B = _core.BINARY_OPS
R = _core.REDUCE_OPS


class Builder:
    """Lays out slots: arena buffers at 64-byte aligned offsets, externals in order."""

    def __init__(self):
        self.slots, self.instrs, self.offset, self.n_ext = [], [], 0, 0

    def arena(self, dtype, shape):
        nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
        self.slots.append(("arena", dtype, tuple(shape), self.offset))
        self.offset += (nbytes + 63) // 64 * 64
        return len(self.slots) - 1

    def ext(self, dtype, shape):
        self.slots.append(("external", dtype, tuple(shape), self.n_ext))
        self.n_ext += 1
        return len(self.slots) - 1

    def add(self, op, slots, iparams=(), fparams=(), extra=None):
        self.instrs.append((op, tuple(slots), tuple(iparams), tuple(fparams), extra))

    def build(self, n_scalars=0):
        return _core.Program(self.offset, self.slots, self.instrs, n_scalars)


# ------------------------------------------------------- a whole training step
ADAM = dict(alpha=1e-2, beta_1=0.9, beta_2=0.999, epsilon=1e-7)


def mlp_step_eager(x, y, params, slots, n_classes):
    """Forward, softmax cross-entropy backward and an Adam step, with eager _core calls."""
    w1, b1, w2, b2 = params
    h = _core.unary(U["relu"], _core.binary(B["add"], _core.matmul(x, w1), b1))
    logits = _core.binary(B["add"], _core.matmul(h, w2), b2)
    p = _core.softmax(logits, -1)
    onehot = _core.one_hot(y, n_classes, -1, 0)
    dlogits = _core.binary(B["multiply"], _core.binary(B["subtract"], p, onehot),
                           np.array(1.0 / len(x), "float32"))
    dw2 = _core.matmul(h, dlogits, True, False)
    db2 = _core.reduce(R["sum"], dlogits, [0])
    dh = _core.binary(B["relu_grad"], h, _core.matmul(dlogits, w2, False, True))
    dw1 = _core.matmul(x, dh, True, False)
    db1 = _core.reduce(R["sum"], dh, [0])
    new = []
    for g, prm, (m, v) in zip((dw1, db1, dw2, db2), params, slots):
        new.append(_core.adam_update(g, [prm, m, v], None, **ADAM))
    return p, new


def mlp_program(batch, n_in, n_hidden, n_classes):
    b = Builder()
    x, y = b.ext("float32", (batch, n_in)), b.ext("int32", (batch,))
    shapes = [(n_in, n_hidden), (n_hidden,), (n_hidden, n_classes), (n_classes,)]
    params = [b.ext("float32", s) for s in shapes]
    slots = [(b.ext("float32", s), b.ext("float32", s)) for s in shapes]
    probs = b.ext("float32", (batch, n_classes))
    h = b.arena("float32", (batch, n_hidden))
    logits = b.arena("float32", (batch, n_classes))
    onehot = b.arena("float32", (batch, n_classes))
    dlogits = b.arena("float32", (batch, n_classes))
    grads = [b.arena("float32", s) for s in shapes]
    dh_pre = b.arena("float32", (batch, n_hidden))
    dh = b.arena("float32", (batch, n_hidden))
    w1, b1, w2, b2 = params
    b.add("gemm", (x, w1, b1, h), (0, 0, 1))
    b.add("gemm", (h, w2, b2, logits), (0, 0, 0))
    b.add("softmax", (logits, probs), (-1,))
    b.add("one_hot", (y, onehot), (-1,))

    def xent_grad(inputs, outputs):  # (p - onehot) / batch, with the eager kernels
        p, oh = inputs
        d = _core.binary(B["subtract"], p, oh)
        outputs[0][...] = _core.binary(B["multiply"], d, np.array(1.0 / batch, "float32"))

    b.add("callback", (probs, onehot, dlogits), (2,), (), xent_grad)
    b.add("gemm", (h, dlogits, grads[2]), (1, 0, 0))
    b.add("reduce", (dlogits, grads[3]), (0, 1, n_classes))
    b.add("gemm", (dlogits, w2, dh_pre), (0, 1, 0))

    def relu_grad(inputs, outputs):
        outputs[0][...] = _core.binary(B["relu_grad"], inputs[0], inputs[1])

    b.add("callback", (h, dh_pre, dh), (2,), (), relu_grad)
    b.add("gemm", (x, dh, grads[0]), (1, 0, 0))
    b.add("reduce", (dh, grads[1]), (0, 1, n_hidden))
    names = _core.OPTIMIZER_SCALARS["adam"]
    for g, prm, (m, v) in zip(grads, params, slots):
        b.add("optimizer", (g, prm, m, v), (0,), (), "adam")
    values = dict(gscale=1.0, clip=np.inf, decay=0.0, **ADAM)
    scalars = np.array([values[n] for n in names], "float64")
    return b.build(n_scalars=len(scalars)), scalars


def make_mlp_data(rng, batch, n_in, n_hidden, n_classes):
    params = [rng.standard_normal(s).astype("float32") * 0.3
              for s in [(n_in, n_hidden), (n_hidden,), (n_hidden, n_classes), (n_classes,)]]
    slots = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    return params, slots


def test_mlp_training_step_equals_eager_over_several_runs(rng):
    batch, n_in, n_hidden, n_classes = 16, 12, 20, 5
    prog, scalars = mlp_program(batch, n_in, n_hidden, n_classes)
    assert prog.num_instructions == 15 and prog.num_externals == 15
    params, slots = make_mlp_data(rng, batch, n_in, n_hidden, n_classes)
    ref_params = [p.copy() for p in params]
    ref_slots = [(m.copy(), v.copy()) for m, v in slots]
    probs = np.empty((batch, n_classes), "float32")
    for step in range(3):  # the arena is reused; each step feeds a new batch
        x = rng.standard_normal((batch, n_in)).astype("float32")
        y = rng.integers(0, n_classes, batch).astype("int32")
        externals = [x, y] + params + [a for pair in slots for a in pair] + [probs]
        prog.run(externals, scalars)
        ref_probs, new = mlp_step_eager(x, y, ref_params, ref_slots, n_classes)
        ref_params = [n[0] for n in new]
        ref_slots = [(n[1], n[2]) for n in new]
        np.testing.assert_array_equal(probs, ref_probs)
        for got, want in zip(params, ref_params):
            np.testing.assert_array_equal(got, want)
        for (m, v), (rm, rv) in zip(slots, ref_slots):
            np.testing.assert_array_equal(m, rm)
            np.testing.assert_array_equal(v, rv)


def test_arena_is_reused_across_runs_with_different_inputs(rng):
    b = Builder()
    x, w, out = b.ext("float32", (8, 6)), b.ext("float32", (6, 4)), b.ext("float32", (8, 4))
    t = b.arena("float32", (8, 4))
    b.add("gemm", (x, w, t), (0, 0, 3))
    b.add("softmax", (t, out), (0,))
    prog = b.build()
    wv = rng.standard_normal((6, 4)).astype("float32")
    o = np.empty((8, 4), "float32")
    for _ in range(2):
        xv = rng.standard_normal((8, 6)).astype("float32")
        prog.run([xv, wv, o])
        ref = _core.softmax(_core.unary(U["tanh"], _core.matmul(xv, wv)), 0)
        np.testing.assert_array_equal(o, ref)
    assert prog.arena_bytes == 128


def test_describe_has_one_line_per_instruction():
    prog, _ = mlp_program(4, 3, 5, 2)
    lines = prog.describe().splitlines()
    assert len(lines) == prog.num_instructions
    assert lines[0].startswith("0: gemm(ta=0, tb=0, act=relu) a=s0:float32(4, 3)@ext0")
    assert "-> out=" in lines[0] and "@arena+" in lines[0]
    assert "rule=adam, scalars[0:7]=(gscale, clip, decay, alpha, beta_1, beta_2, epsilon)" in lines[-1]
    assert "callback(fn=xent_grad, n_inputs=2)" in lines[4]


# ------------------------------------------------------------ run() validation
def small_program():
    b = Builder()
    x, w, out = b.ext("float32", (2, 3)), b.ext("float32", (3, 4)), b.ext("float32", (2, 4))
    b.add("gemm", (x, w, out), (0, 0, 0))
    return b.build()


@pytest.mark.parametrize("externals,exc,match", [
    (lambda: [np.ones((2, 3), "f4"), np.ones((3, 4), "f4")], ValueError,
     r"expected 3 external array\(s\), got 2"),
    (lambda: [np.ones((2, 3), "f8"), np.ones((3, 4), "f4"), np.ones((2, 4), "f4")], ValueError,
     r"externals\[0\] \(slot s0:float32\(2, 3\)@ext0\) has dtype float64, expected float32"),
    (lambda: [np.ones((2, 3), "f4"), np.ones((4, 3), "f4"), np.ones((2, 4), "f4")], ValueError,
     r"externals\[1\] \(slot s1:float32\(3, 4\)@ext1\) has shape \(4, 3\), expected \(3, 4\)"),
    (lambda: [np.ones((3, 2), "f4").T, np.ones((3, 4), "f4"), np.ones((2, 4), "f4")], ValueError,
     r"externals\[0\] .* must be an aligned C-contiguous array"),
    (lambda: [np.ones((2, 3), ">f4"), np.ones((3, 4), "f4"), np.ones((2, 4), "f4")], ValueError,
     r"externals\[0\] .* must be in native byte order"),
    (lambda: [np.ones((2, 3), "f4"), np.ones((3, 4), "f4"), [[0.0] * 4] * 2], TypeError,
     r"externals\[2\] .* must be a NumPy array, got list"),
])
def test_run_checks_externals(externals, exc, match):
    with pytest.raises(exc, match=match):
        small_program().run(externals())


def test_run_refuses_a_read_only_array_it_would_write():
    out = np.zeros((2, 4), "f4")
    out.setflags(write=False)
    with pytest.raises(ValueError,
                       match=r"externals\[2\] .* is read-only, but instruction 0 \(gemm\) writes it"):
        small_program().run([np.ones((2, 3), "f4"), np.ones((3, 4), "f4"), out])
    x = np.ones((2, 3), "f4")
    x.setflags(write=False)  # inputs may be read-only
    small_program().run([x, np.ones((3, 4), "f4"), np.zeros((2, 4), "f4")])


def test_run_refuses_a_written_external_aliasing_another():
    x = np.ones((3, 4), "f4")
    with pytest.raises(ValueError, match=r"externals\[1\] and externals\[2\] share memory, and instruction 0 "
                                         r"\(gemm\) writes externals\[2\]"):
        small_program().run([np.ones((2, 3), "f4"), x, x[:2]])
    base = np.ones(12, "f4")  # two inputs may share memory
    small_program().run([base[:6].reshape(2, 3), base.reshape(3, 4), np.zeros((2, 4), "f4")])


def test_run_checks_scalars():
    with pytest.raises(ValueError, match=r"expected 0 scalar\(s\), got 2"):
        small_program().run([np.ones((2, 3), "f4"), np.ones((3, 4), "f4"), np.zeros((2, 4), "f4")],
                            np.zeros(2))
    b = Builder()
    g, prm, m, v = (b.arena("float32", (3,)) for _ in range(4))
    b.add("optimizer", (g, prm, m, v), (0,), (), "adam")
    prog = b.build(n_scalars=7)
    with pytest.raises(ValueError, match=r"expected 7 scalar\(s\), got None"):
        prog.run([], None)
    with pytest.raises(ValueError, match=r"expected 7 scalar\(s\), got 6"):
        prog.run([], np.zeros(6))
    with pytest.raises(ValueError, match="'scalars' must be float64 in native byte order, got float32"):
        prog.run([], np.zeros(7, "float32"))
    with pytest.raises(ValueError, match="'scalars' must be float64 in native byte order, got >f8"):
        prog.run([], np.zeros(7, ">f8"))


# ----------------------------------------------------- construction validation
E = ("external", "float32", (2, 3), 0)


@pytest.mark.parametrize("arena,slots,instrs,match", [
    (0, [E], [("copy", (0, 1), (), (), None)],
     r"instruction 0 \(copy\): slot index 1 is out of range \(the program has 1 slots\)"),
    (60, [("arena", "float32", (4, 4), 0)], [],
     r"slots\[0\]: \(4, 4\) float32 at arena offset 0 needs bytes up to 64, beyond the arena's 60"),
    (128, [("arena", "float32", (4, 4), 32)], [],
     r"slots\[0\]: arena offset 32 must be a non-negative multiple of 64"),
    (0, [("heap", "float32", (2,), 0)], [], r"slots\[0\]: kind must be 'arena' or 'external', got 'heap'"),
    (0, [("external", "complex64", (2,), 0)], [], r"slots\[0\]: unknown dtype 'complex64'"),
    (0, [E], [("frobnicate", (0,), (), (), None)], r"instruction 0: unknown op 'frobnicate' \(known: .*gemm"),
    (0, [E, ("external", "float32", (4, 5), 1), ("external", "float32", (2, 5), 2)],
     [("gemm", (0, 1, 2), (0, 0, 0), (), None)],
     r"instruction 0 \(gemm\): contraction dimensions differ: "
     r"op\(a\) slot 'a' \(s0:float32\(2, 3\)@ext0\) has K = 3"),
    (0, [E, ("external", "float32", (3, 5), 1), ("external", "float32", (2, 4), 2)],
     [("gemm", (0, 1, 2), (0, 0, 0), (), None)],
     r"instruction 0 \(gemm\): slot 'out' \(s2:float32\(2, 4\)@ext2\) has shape \(2, 4\), expected \(2, 5\)"),
    (0, [E, ("external", "float64", (3, 5), 1), ("external", "float32", (2, 5), 2)],
     [("gemm", (0, 1, 2), (0, 0, 0), (), None)],
     r"instruction 0 \(gemm\): slot 'b' .* has dtype float64, expected float32"),
    (0, [E], [("gemm", (0, 0), (0, 0, 0), (), None)],
     r"instruction 0 \(gemm\): expected slots \(a, b, out\) or \(a, b, bias, out\), got 2 slot\(s\)"),
    (0, [E, E], [("optimizer", (0, 1), (0,), (), "adamw")], r"unknown rule 'adamw' \(known: sgd, adam"),
    (0, [E, E, E], [("optimizer", (0, 1), (0,), (), "adam")],
     r"rule 'adam' takes slots \(grad, param, ...\) with 3-4 state arrays"),
    (0, [E, ("external", "float32", (2, 3), 1)], [("optimizer", (0, 1), (0,), (), "sgd")],
     r"rule 'sgd' reads 6 scalars from scalar_offset 0, beyond the program's n_scalars = 0"),
    (0, [E, E], [("reduce", (0, 1), (0, 2, 1), (), None)],
     r"instruction 0 \(reduce\): slot 'out' .* has 6 elements, expected 2"),
    (0, [E, ("external", "float32", (3, 2), 1)], [("transpose", (0, 1), (1, 1), (), None)],
     r"is not a permutation of 2 axes"),
    (0, [("external", "float32", (3, 3), 0), ("external", "float32", (3, 3), 1)],
     [("gemm", (0, 1, 0), (0, 0, 0), (), None)],
     r"slot 'out' \(s0:float32\(3, 3\)@ext0\) overlaps its operand slot 'a'"),
    (0, [E, E], [("copy", (0, 1), (), (), None, "x")],
     r"instructions\[0\] must be an \(op, slots, iparams, fparams, extra\) tuple"),
])
def test_construction_errors_name_the_instruction_and_slot(arena, slots, instrs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        _core.Program(arena, slots, instrs)


def test_slots_sharing_an_external_must_agree():
    with pytest.raises(ValueError, match="bound to the same external array but differ"):
        _core.Program(0, [E, ("external", "float32", (3, 2), 0)], [])


def test_gemm_output_may_not_overlap_its_operands():
    slots = [("arena", "float32", (4, 4), 0), ("arena", "float32", (4, 4), 64),
             ("arena", "float32", (4, 4), 0)]
    with pytest.raises(ValueError, match="slot 'out' .* overlaps its operand slot 'a'"):
        _core.Program(128, slots, [("gemm", (0, 1, 2), (0, 0, 0), (), None)])


# -------------------------------------------------------------------- callbacks
def test_callback_sees_read_only_inputs_and_writes_outputs(rng):
    seen = {}

    def fn(inputs, outputs):
        (x,), (y,) = inputs, outputs
        seen["flags"] = (x.flags.writeable, y.flags.writeable)
        y[...] = x * 2 + 1

    b = Builder()
    x, t, out = b.ext("float64", (3, 2)), b.arena("float64", (3, 2)), b.ext("float64", (2, 3))
    b.add("callback", (x, t), (1,), (), fn)
    b.add("transpose", (t, out), (1, 0))
    prog = b.build()
    xv = rng.standard_normal((3, 2))
    o = np.empty((2, 3))
    prog.run([xv, o])
    np.testing.assert_array_equal(o, (xv * 2 + 1).T)
    assert seen["flags"] == (False, True)


def test_callback_exception_propagates_and_program_stays_usable():
    calls = []

    def fn(inputs, outputs):
        calls.append(1)
        if len(calls) == 1:
            raise KeyError("boom")
        outputs[0][...] = 5

    b = Builder()
    out = b.ext("float32", (3,))
    b.add("fill", (out,), (), (1.0,))
    b.add("callback", (out,), (0,), (), fn)
    b.add("fill", (out,), (), (2.0,))
    prog = b.build()
    o = np.zeros(3, "float32")
    with pytest.raises(KeyError, match="boom"):
        prog.run([o])
    np.testing.assert_array_equal(o, 1.0)  # the instructions after the callback did not run
    prog.run([o])
    np.testing.assert_array_equal(o, 2.0)
    assert len(calls) == 2


def test_reentrant_run_from_a_callback_is_refused():
    holder = {}

    def fn(inputs, outputs):
        holder["prog"].run([np.zeros(1, "float32")])

    b = Builder()
    o = b.ext("float32", (1,))
    b.add("callback", (o,), (0,), (), fn)
    holder["prog"] = prog = b.build()
    with pytest.raises(RuntimeError, match="already running"):
        prog.run([np.zeros(1, "float32")])
    holder.clear()


def test_program_in_a_reference_cycle_is_collected():
    holder = {}

    def fn(inputs, outputs):
        holder  # noqa: B018 - the closure refers to the program: a cycle

    class Probe:
        pass

    b = Builder()
    o = b.ext("float32", (1,))
    b.add("callback", (o,), (0,), (), fn)
    holder["prog"] = b.build()
    holder["prog"].run([np.zeros(1, "float32")])
    holder["probe"] = probe = Probe()
    alive = weakref.ref(probe)
    assert gc.is_tracked(holder["prog"])
    del holder, fn, b, probe
    gc.collect()  # the cycle goes through the callable: traverse and clear break it
    assert alive() is None


def test_profiling_accumulates_time_per_instruction(rng):
    prog, scalars = mlp_program(4, 3, 5, 2)
    params, slots = make_mlp_data(rng, 4, 3, 5, 2)
    externals = [rng.standard_normal((4, 3)).astype("float32"), np.array([0, 1, 1, 0], "int32")]
    externals += params + [a for pair in slots for a in pair] + [np.empty((4, 2), "float32")]
    assert not prog.profiling
    prog.run(externals, scalars)
    assert all(c == 0 for _, c, _ in prog.profile())
    prog.profiling = True
    prog.run(externals, scalars)
    prog.run(externals, scalars)
    prof = prog.profile()
    assert [op for op, _, _ in prof][:3] == ["gemm", "gemm", "softmax"]
    assert all(c == 2 and s >= 0 for _, c, s in prof)
    prog.reset_profile()
    assert all(c == 0 for _, c, _ in prog.profile())


def test_views_kept_by_a_callback_stay_valid_memory():
    kept = []
    b = Builder()
    t = b.arena("float32", (4,))
    b.add("fill", (t,), (), (3.0,))
    b.add("callback", (t,), (1,), (), lambda i, o: kept.append(i[0]))
    prog = b.build()
    prog.run([])
    del prog, b
    gc.collect()
    np.testing.assert_array_equal(kept[0], 3.0)  # the view's base keeps the arena alive


# -------------------------------------------------------------------------- GIL
def test_run_releases_the_gil(rng):
    """A Python thread makes progress while a long program runs.

    The other thread counts in a NumPy array; the program copies the counter
    natively before and after a chain of gemms. Had run() held the GIL, no Python
    code could run between the two copies and the snapshots would be equal.
    Retried a few times, so a busy machine cannot make it fail spuriously."""
    n = 192
    b = Builder()
    a, w = b.ext("float32", (n, n)), b.ext("float32", (n, n))
    counter, before, after = b.ext("int64", (1,)), b.ext("int64", (1,)), b.ext("int64", (1,))
    t = [b.arena("float32", (n, n)) for _ in range(2)]
    b.add("copy", (counter, before))
    b.add("gemm", (a, w, t[0]), (0, 0, 3))
    for k in range(60):
        b.add("gemm", (t[k % 2], w, t[(k + 1) % 2]), (0, 0, 3))
    b.add("copy", (counter, after))
    prog = b.build()
    av = rng.standard_normal((n, n)).astype("float32")
    wv = (rng.standard_normal((n, n)) / n).astype("float32")
    count, snap0, snap1 = np.zeros(1, "int64"), np.zeros(1, "int64"), np.zeros(1, "int64")
    stop = threading.Event()

    def counting():
        while not stop.is_set():
            count[0] += 1

    thread = threading.Thread(target=counting)
    thread.start()
    try:
        for _ in range(5):
            prog.run([av, wv, count, snap0, snap1])
            if snap1[0] > snap0[0]:
                break
    finally:
        stop.set()
        thread.join()
    assert snap1[0] > snap0[0]
