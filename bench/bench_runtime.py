"""Benchmark: the native executor (_core.Program) against the same computation made
of eager `_core` calls from Python.

Usage: python bench/bench_runtime.py [--quick]   (lamina installed, or PYTHONPATH=src)

Cases:
  mlp step   forward, softmax cross-entropy backward and an Adam update of a 2-layer
             MLP: one Program.run (gemm epilogues, fused elementwise kernels, in-place
             optimizer over arena buffers) against ~20 eager `_core` calls that allocate
             their results. Both start from the same weights; the script asserts the
             updated weights are bit-identical, nothing about speed.
  adam       one optimizer instruction against `_core.adam_update` (the same raw step:
             the difference is the call overhead).
  tiny ops   100 one-element fills: the executor's cost per instruction.
Prints the best time per call of each way and the ratio eager / program (above 1.0:
the program is faster).
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
from timing import best_time

try:
    from lamina.backend.native import _core
except ImportError:  # running from a checkout without PYTHONPATH=src
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    from lamina.backend.native import _core

U, B, R = _core.UNARY_OPS, _core.BINARY_OPS, _core.REDUCE_OPS
ADAM = dict(alpha=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7)



def fmt(seconds: float) -> str:
    return f"{seconds * 1e6:9.1f} us" if seconds < 1e-2 else f"{seconds * 1e3:9.3f} ms"


class Layout:
    def __init__(self):
        self.slots, self.instrs, self.offset, self.n_ext = [], [], 0, 0

    def arena(self, shape, dtype="float32"):
        self.slots.append(("arena", dtype, tuple(shape), self.offset))
        self.offset += (int(np.prod(shape)) * np.dtype(dtype).itemsize + 63) // 64 * 64
        return len(self.slots) - 1

    def ext(self, shape, dtype="float32"):
        self.slots.append(("external", dtype, tuple(shape), self.n_ext))
        self.n_ext += 1
        return len(self.slots) - 1

    def add(self, op, slots, iparams=(), fparams=(), extra=None):
        self.instrs.append((op, tuple(slots), tuple(iparams), tuple(fparams), extra))


def mlp_program(batch, n_in, n_hidden, n_classes):
    L = Layout()
    x, y = L.ext((batch, n_in)), L.ext((batch,), "int32")
    shapes = [(n_in, n_hidden), (n_hidden,), (n_hidden, n_classes), (n_classes,)]
    params = [L.ext(s) for s in shapes]
    slots = [(L.ext(s), L.ext(s)) for s in shapes]
    h, logits, probs, onehot = (L.arena((batch, n)) for n in (n_hidden, n_classes, n_classes, n_classes))
    dlogits, dh_pre, dh = L.arena((batch, n_classes)), L.arena((batch, n_hidden)), L.arena((batch, n_hidden))
    grads = [L.arena(s) for s in shapes]
    w1, b1, w2, b2 = params
    L.add("gemm", (x, w1, b1, h), (0, 0, 1))
    L.add("gemm", (h, w2, b2, logits), (0, 0, 0))
    L.add("softmax", (logits, probs), (-1,))
    L.add("one_hot", (y, onehot), (-1,))
    xent = _core.FusedKernel([("subtract", 3, (0, 1)), ("multiply", 4, (3, 2))], [1.0 / batch], [4],
                             [(batch, n_classes)] * 2, ["float32"] * 2, (batch, n_classes),
                             ["float32"], "float32")
    L.add("fused", (probs, onehot, dlogits), (2,), (), xent)
    L.add("gemm", (h, dlogits, grads[2]), (1, 0, 0))
    L.add("reduce", (dlogits, grads[3]), (0, 1, n_classes))
    L.add("gemm", (dlogits, w2, dh_pre), (0, 1, 0))
    relu_grad = _core.FusedKernel([("relu_grad", 2, (0, 1))], [], [2], [(batch, n_hidden)] * 2,
                                  ["float32"] * 2, (batch, n_hidden), ["float32"], "float32")
    L.add("fused", (h, dh_pre, dh), (2,), (), relu_grad)
    L.add("gemm", (x, dh, grads[0]), (1, 0, 0))
    L.add("reduce", (dh, grads[1]), (0, 1, n_hidden))
    for g, p, (m, v) in zip(grads, params, slots):
        L.add("optimizer", (g, p, m, v), (0,), (), "adam")
    values = dict(gscale=1.0, clip=np.inf, decay=0.0, **ADAM)
    scalars = np.array([values[n] for n in _core.OPTIMIZER_SCALARS["adam"]], "float64")
    prog = _core.Program(L.offset, L.slots, L.instrs, len(scalars))
    return prog, scalars, shapes


def mlp_eager(x, y, params, slots, n_classes):
    w1, b1, w2, b2 = params
    h = _core.unary(U["relu"], _core.binary(B["add"], _core.matmul(x, w1), b1))
    p = _core.softmax(_core.binary(B["add"], _core.matmul(h, w2), b2), -1)
    onehot = _core.one_hot(y, n_classes, -1, 0)
    d = _core.binary(B["multiply"], _core.binary(B["subtract"], p, onehot),
                     np.array(1.0 / len(x), "float32"))
    dw2, db2 = _core.matmul(h, d, True, False), _core.reduce(R["sum"], d, [0])
    dh = _core.binary(B["relu_grad"], h, _core.matmul(d, w2, False, True))
    dw1, db1 = _core.matmul(x, dh, True, False), _core.reduce(R["sum"], dh, [0])
    for g, prm, (m, v) in zip((dw1, db1, dw2, db2), params, slots):
        _core.adam_update(g, [prm, m, v], [prm, m, v], **ADAM)


def case_mlp(batch, n_in, n_hidden, n_classes, number, repeats):
    rng = np.random.default_rng(0)
    prog, scalars, shapes = mlp_program(batch, n_in, n_hidden, n_classes)
    x = rng.standard_normal((batch, n_in)).astype("float32")
    y = rng.integers(0, n_classes, batch).astype("int32")
    start = [(rng.standard_normal(s) * 0.1).astype("float32") for s in shapes]

    def fresh():
        params = [p.copy() for p in start]
        return params, [(np.zeros_like(p), np.zeros_like(p)) for p in params]

    pp, ps = fresh()
    ext = [x, y] + pp + [a for pair in ps for a in pair]
    ep, es = fresh()
    prog.run(ext, scalars)
    mlp_eager(x, y, ep, es, n_classes)
    for a, b in zip(pp + [a for p in ps for a in p], ep + [a for p in es for a in p]):
        assert np.array_equal(a, b), "program and eager results differ"
    t_prog = best_time(lambda: prog.run(ext, scalars), number, repeats)
    t_eager = best_time(lambda: mlp_eager(x, y, ep, es, n_classes), number, repeats)
    return (f"mlp step {n_in}-{n_hidden}-{n_classes}, batch {batch}, adam "
            f"({prog.num_instructions} instructions)", t_prog, t_eager)


def case_adam(n, number, repeats):
    rng = np.random.default_rng(1)
    g = rng.standard_normal(n).astype("float32")
    state = [rng.standard_normal(n).astype("float32") for _ in range(3)]
    state[1:] = [np.abs(s) for s in state[1:]]
    values = dict(gscale=1.0, clip=np.inf, decay=0.0, **ADAM)
    scalars = np.array([values[k] for k in _core.OPTIMIZER_SCALARS["adam"]], "float64")
    prog = _core.Program(0, [("external", "float32", (n,), i) for i in range(4)],
                         [("optimizer", (0, 1, 2, 3), (0,), (), "adam")], len(scalars))
    t_prog = best_time(lambda: prog.run([g] + state, scalars), number, repeats)
    t_eager = best_time(lambda: _core.adam_update(g, state, state, **ADAM), number, repeats)
    return f"adam step, {n} float32 (one instruction)", t_prog, t_eager


def case_tiny(count, number, repeats):
    slots = [("arena", "float32", (1,), 64 * i) for i in range(count)]
    prog = _core.Program(64 * count, slots, [("fill", (i,), (), (1.0,), None) for i in range(count)])
    arrays = [np.empty(1, "float32") for _ in range(count)]

    def eager():
        for a in arrays:
            a.fill(1.0)

    t_prog = best_time(lambda: prog.run([]), number, repeats)
    t_eager = best_time(eager, number, repeats)
    return f"{count} one-element fills (ndarray.fill from Python)", t_prog, t_eager


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args()
    n, r = (20, 3) if args.quick else (100, 5)
    rows = [
        case_mlp(32, 64, 128, 10, n, r),
        case_mlp(128, 784, 256, 10, max(n // 5, 5), r),
        case_adam(8192, n * 5, r),
        case_adam(1 << 20, max(n // 10, 3), r),
        case_tiny(100, n * 5, r),
    ]
    print(f"{'case':<64}{'program':>13}{'eager':>13}  eager/program")
    print("-" * 104)
    for name, tp, te in rows:
        print(f"{name:<64}{fmt(tp):>13}{fmt(te):>13}  {te / tp:6.2f}x")


if __name__ == "__main__":
    main()
