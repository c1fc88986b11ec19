"""Benchmark: the fused elementwise kernel (_core.FusedKernel) against the same ops
run one by one through _core.unary / _core.binary, and against NumPy.

Usage: python bench/bench_fused.py [--quick]   (lamina installed, or PYTHONPATH=src)

Each case prints the best time per call of each way and the ratios
one-by-one / fused and NumPy / fused (above 1.0: fused is faster). It asserts
that fused and one-by-one results are identical, nothing about speed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
from timing import best_time

try:
    from lamina.backend.native import _core
except ImportError:  # running from a checkout without PYTHONPATH=src
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    from lamina.backend.native import _core

U, B = _core.UNARY_OPS, _core.BINARY_OPS



def fmt(s: float) -> str:
    return f"{s * 1e6:9.1f} us" if s < 1e-3 else f"{s * 1e3:9.3f} ms"


def one_by_one(code, consts, out_regs, inputs, dtype):
    """Runs a fused program's ops one at a time with the single-op kernels."""
    regs = {i: a for i, a in enumerate(inputs)}
    for j, c in enumerate(consts):
        regs[len(inputs) + j] = np.full((1,), c, dtype)
    for op, dst, srcs, param in code:
        if op in U:
            regs[dst] = _core.unary(U[op], regs[srcs[0]], param)
        else:
            regs[dst] = _core.binary(B[op], regs[srcs[0]], regs[srcs[1]])
    return [regs[r] for r in out_regs]


def case(name, code, consts, out_regs, inputs, numpy_fn, reps, number=20):
    dtype = inputs[0].dtype
    out_shape = np.broadcast_shapes(*(a.shape for a in inputs))
    k = _core.FusedKernel(code, consts, out_regs, [a.shape for a in inputs],
                          [a.dtype.name for a in inputs], out_shape, [dtype.name] * len(out_regs),
                          dtype.name)
    outs = [np.empty(out_shape, dtype) for _ in out_regs]
    got = k(inputs, outs)
    want = one_by_one(code, consts, out_regs, inputs, dtype)
    assert all(np.array_equal(g, w) for g, w in zip(got, want)), name
    t_fused = best_time(lambda: k(inputs, outs), number, reps)
    t_alloc = best_time(lambda: k(inputs), number, reps)
    t_one = best_time(lambda: one_by_one(code, consts, out_regs, inputs, dtype), number, reps)
    t_np = best_time(numpy_fn, number, reps)
    print(f"{name:<44} {fmt(t_fused)} {fmt(t_alloc)} {fmt(t_one)} {fmt(t_np)}   "
          f"{t_one / t_fused:5.2f}x {t_np / t_fused:5.2f}x   {'threaded' if k.parallel else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    reps = 3 if args.quick else 7
    rng = np.random.default_rng(0)
    n = 1_000_000
    x, g, y = (rng.standard_normal(n).astype(np.float32) for _ in range(3))
    print(f"{os.cpu_count()} logical cores, OMP_NUM_THREADS="
          f"{os.environ.get('OMP_NUM_THREADS', '(unset)')}; best of {reps} repeats")
    print(f"{'case':<44} {'fused':>12} {'fused+alloc':>12} {'one by one':>12} {'numpy':>12}"
          f"   {'1by1/f':>6} {'np/f':>6}")
    print("-" * 126)
    # relu's backward, scaled, plus a residual, clipped: 4 cheap ops (memory-bound).
    chain = [("relu_grad", 5, (0, 1), 0.0), ("multiply", 5, (5, 3), 0.0),
             ("add", 5, (5, 2), 0.0), ("minimum", 5, (5, 4), 0.0)]
    case("relu_grad(x,g)*0.5+y, min 6: 1M f32", chain, [0.5, 6.0], [5], [x, g, y],
         lambda: np.minimum(np.where(x > 0, g, 0) * np.float32(0.5) + y, np.float32(6)), reps)
    big = [rng.standard_normal(1 << 22).astype(np.float32) for _ in range(3)]
    bx, bg, by = big
    case("same chain, 4M f32 (beyond the L3 cache)", chain, [0.5, 6.0], [5], big,
         lambda: np.minimum(np.where(bx > 0, bg, 0) * np.float32(0.5) + by, np.float32(6)),
         reps, number=5)
    x64, g64, y64 = (a.astype(np.float64) for a in (x, g, y))
    case("same chain, 1M f64", chain, [0.5, 6.0], [5], [x64, g64, y64],
         lambda: np.minimum(np.where(x64 > 0, g64, 0) * 0.5 + y64, 6.0), reps)
    # Dense layer's bias + activation: a row-vector broadcast, then gelu_tanh.
    m = x.reshape(1000, 1000)
    b = rng.standard_normal(1000).astype(np.float32)
    case("gelu_tanh(x + bias[row]): 1000x1000 f32", [("add", 2, (0, 1), 0.0),
         ("gelu_tanh", 2, (2,), 0.0)], [], [2], [m, b],
         lambda: (lambda t: 0.5 * t * (1 + np.tanh(np.float32(0.7978845608) *
                                                     (t + np.float32(0.044715) * t ** 3))))(m + b),
         reps, number=10)
    # Sigmoid's backward, g * s * (1 - s), with s = sigmoid(x): compute-heavy.
    case("g*s*(1-s), s=sigmoid(x): 1M f32", [("sigmoid", 3, (0,), 0.0),
         ("subtract", 4, (2, 3), 0.0), ("multiply", 4, (3, 4), 0.0),
         ("multiply", 4, (4, 1), 0.0)], [1.0], [4], [x, g],
         lambda: (lambda s: g * s * (1 - s))(1 / (1 + np.exp(-x))), reps)
    # Small tensors: per-call overhead.
    xs, gs, ys = x[:1000].copy(), g[:1000].copy(), y[:1000].copy()
    case("same 4-op chain, 1000 f32", chain, [0.5, 6.0], [5], [xs, gs, ys],
         lambda: np.minimum(np.where(xs > 0, gs, 0) * np.float32(0.5) + ys, np.float32(6)),
         reps, number=2000)


if __name__ == "__main__":
    main()
