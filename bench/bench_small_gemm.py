"""Benchmark: float32 matrix products of small shapes (a small MLP's training step, a
one-sample forward pass), lamina against NumPy, measured in the same run.

Usage: python bench/bench_small_gemm.py [--quick]   (lamina installed, or PYTHONPATH=src)

For each shape op(A) @ op(B) (ta/tb: the operand is stored transposed) it prints the
best time per product of:
  program   one `gemm` instruction of the native executor (_core.Program), timed as a
            program of many such instructions, so Python's call overhead is left out;
  blas      the same, with lamina's own small-matrix kernels switched off (every product
            goes to OpenBLAS: what `program` was before them);
  eager     `_core.matmul(a, b, ta, tb)` called from Python (allocates its result);
  numpy     `np.matmul` on the same float32 operands (transposed views), into `out=`;
and the ratios blas / program and numpy / eager (above 1.0: lamina is faster). numpy and
eager both include a Python call (~0.3-1 us), program and blas do not. Then whole
forward passes of small Dense stacks (one program call against NumPy's matmuls). It
asserts nothing: it is a benchmark.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
from timing import best_time

try:
    from lamina.backend.native import _core  # sets OMP_WAIT_POLICY as users have it
except ImportError:  # running from a checkout without PYTHONPATH=src
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    from lamina.backend.native import _core

# (label, ta, tb, M, K, N): C (M x N) = op(A) (M x K) @ op(B) (K x N).
CASES = [
    ("mlp 32-64-64-1 fwd: x @ W1", 0, 0, 32, 32, 64),
    ("mlp fwd: h1 @ W2", 0, 0, 32, 64, 64),
    ("mlp fwd: h2 @ W3 (N = 1)", 0, 0, 32, 64, 1),
    ("mlp bwd: h2^T @ d (dW3)", 1, 0, 64, 32, 1),
    ("mlp bwd: d @ W3^T (K = 1)", 0, 1, 32, 1, 64),
    ("mlp bwd: h1^T @ dh2 (dW2)", 1, 0, 64, 32, 64),
    ("mlp bwd: dh2 @ W2^T", 0, 1, 32, 64, 64),
    ("mlp bwd: x^T @ dh1 (dW1)", 1, 0, 32, 32, 64),
    ("both transposed", 1, 1, 32, 64, 64),
    ("batch 128: 128x64 @ 64x64", 0, 0, 128, 64, 64),
    ("mlp 784-512-256-10 b128 fwd: h2 @ W3", 0, 0, 128, 256, 10),
    ("b128 bwd: h2^T @ d (dW3)", 1, 0, 256, 128, 10),
    ("b128 bwd: d @ W3^T", 0, 1, 128, 10, 256),
    ("64x128 @ 128x128 (2^20: largest small)", 0, 0, 64, 128, 128),
    ("128x128 @ 128x128 (OpenBLAS in both)", 0, 0, 128, 128, 128),
    ("mlp 784-512-256-10, 1 sample: x @ W1", 0, 0, 1, 784, 512),
    ("1 sample: h1 @ W2", 0, 0, 1, 512, 256),
    ("1 sample: h2 @ W3", 0, 0, 1, 256, 10),
    ("1 sample, B stored N x K: x @ W^T", 0, 1, 1, 784, 512),
]



def gemm_program(ta, tb, a, b, out, count):
    """`count` identical gemm instructions over three externals."""
    slots = [("external", "float32", x.shape, i) for i, x in enumerate((a, b, out))]
    instrs = [("gemm", (0, 1, 2), (ta, tb, 0), (), None)] * count
    return _core.Program(0, slots, instrs)


def measure(case, number, repeats, rng):
    _, ta, tb, M, K, N = case
    a = rng.standard_normal((K, M) if ta else (M, K)).astype("float32")
    b = rng.standard_normal((N, K) if tb else (K, N)).astype("float32")
    out = np.empty((M, N), "float32")
    flops = M * N * K
    count = max(1, min(64, (1 << 22) // flops))  # instructions per program run
    prog = gemm_program(ta, tb, a, b, out, count)
    ext = [a, b, out]
    op_a, op_b = (a.T if ta else a), (b.T if tb else b)
    res = out.copy()
    calls = max(5, number * count // 8)

    def timed_program():
        return best_time(lambda: prog.run(ext), max(2, number // 4), repeats) / count

    has_switch = hasattr(_core, "_small_gemm")
    t_prog = timed_program()
    if has_switch:
        prev = _core._small_gemm(False)
        t_blas = timed_program()
        _core._small_gemm(prev)
        t_prog = min(t_prog, timed_program())  # interleaved: the same load for both
    else:
        t_blas = float("nan")
    t_eager = best_time(lambda: _core.matmul(a, b, bool(ta), bool(tb)), calls, repeats)
    t_numpy = best_time(lambda: np.matmul(op_a, op_b, out=res), calls, repeats)
    err = np.abs(out.astype("float64") - op_a.astype("float64") @ op_b.astype("float64")).max()
    return t_prog, t_blas, t_eager, t_numpy, err


def forward_pass(sizes, batch, number, repeats, rng):
    """A Dense stack's forward pass (relu between layers) as one program of gemm
    instructions with bias + activation epilogues, against the same in NumPy; the
    weights (2.1 MB for 784-512-256-10) compete for each core's 2 MB L2 as in a loop
    of `model(x)` calls."""
    ws = [(rng.standard_normal((m, n)) * 0.05).astype("float32") for m, n in zip(sizes, sizes[1:])]
    bs = [(rng.standard_normal(n) * 0.05).astype("float32") for n in sizes[1:]]
    x = rng.standard_normal((batch, sizes[0])).astype("float32")
    slots = [("external", "float32", x.shape, 0)]
    for w, b in zip(ws, bs):
        slots += [("external", "float32", w.shape, len(slots)), ("external", "float32", b.shape, len(slots) + 1)]
    offset, instrs, src = 0, [], 0
    for i, n in enumerate(sizes[1:]):
        slots.append(("arena", "float32", (batch, n), offset))
        offset += (batch * n * 4 + 63) // 64 * 64
        act = 1 if i + 2 < len(sizes) else 0
        instrs.append(("gemm", (src, 1 + 2 * i, 2 + 2 * i, len(slots) - 1), (0, 0, act), (), None))
        src = len(slots) - 1
    prog = _core.Program(offset, slots, instrs)
    ext = [x] + [a for wb in zip(ws, bs) for a in wb]

    def numpy_pass():
        h = x
        for i, (w, b) in enumerate(zip(ws, bs)):
            h = h @ w + b
            if i + 1 < len(ws):
                h = np.maximum(h, 0)
        return h

    t_prog = best_time(lambda: prog.run(ext), number, repeats)
    prev = _core._small_gemm(False) if hasattr(_core, "_small_gemm") else None
    t_blas = best_time(lambda: prog.run(ext), number, repeats) if prev is not None else float("nan")
    if prev is not None:
        _core._small_gemm(prev)
        t_prog = min(t_prog, best_time(lambda: prog.run(ext), number, repeats))
    t_numpy = best_time(numpy_pass, number, repeats)
    return t_prog, t_blas, t_numpy


def fmt(seconds: float) -> str:
    return f"{seconds * 1e6:8.2f} us"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args()
    number, repeats = (40, 5) if args.quick else (200, 15)
    rng = np.random.default_rng(0)
    print(f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}; best of {repeats}")
    head = (f"{'shape':<40}{'ta tb':>6}  {'M x K x N':<15}{'program':>11}{'blas':>11}"
            f"{'blas/prog':>10}{'eager':>11}{'numpy':>11}{'numpy/eager':>12}")
    print(head)
    print("-" * len(head))
    for case in CASES:
        label, ta, tb, M, K, N = case
        tp, tbl, te, tn, err = measure(case, number, repeats, rng)
        print(f"{label:<40}{ta:>3}{tb:>3}  {f'{M}x{K}x{N}':<15}{fmt(tp):>11}{fmt(tbl):>11}"
              f"{tbl / tp:9.2f}x{fmt(te):>11}{fmt(tn):>11}{tn / te:11.2f}x"
              + (f"   max err {err:.1e}" if err > 1e-3 * max(1, K) ** 0.5 else ""))
    print()
    head = f"{'whole forward pass (one program call)':<46}{'program':>11}{'blas':>11}{'blas/prog':>10}{'numpy':>11}{'numpy/prog':>11}"
    print(head)
    print("-" * len(head))
    for sizes, batch in [((784, 512, 256, 10), 1), ((32, 64, 64, 1), 32)]:
        tp, tbl, tn = forward_pass(sizes, batch, number, repeats, rng)
        label = f"Dense {'-'.join(map(str, sizes))}, batch {batch}"
        print(f"{label:<46}{fmt(tp):>11}{fmt(tbl):>11}{tbl / tp:9.2f}x{fmt(tn):>11}{tn / tp:10.2f}x")


if __name__ == "__main__":
    main()
