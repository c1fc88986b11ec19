"""Benchmark: lamina kernels against NumPy, measured in the same run.

Usage: python bench/bench_ops.py [--quick]   (lamina installed, or PYTHONPATH=src)

For each case it prints the best time per call of lamina and of NumPy (best of
several repeats after a warm-up), their ratio as NumPy time / lamina time (above
1.0: lamina is faster) and the goal. It asserts nothing: it is a benchmark.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys

import numpy as np
from timing import best_time

try:
    import lamina
except ImportError:  # running from a checkout without PYTHONPATH=src
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    import lamina

from lamina import ops

try:
    from lamina import random as lrandom
except ImportError:  # pragma: no cover - an older tree without lamina.random
    lrandom = None



def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def fmt_time(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:9.2f} us"
    return f"{s * 1e3:9.3f} ms"


ROW = "{:<34} {:>13} {:>13} {:>8}  {:<22} {}"


def report(name: str, t_lamina: float, t_numpy: float, goal: str, met: bool | None,
           extra: str = "") -> None:
    ratio = t_numpy / t_lamina if t_lamina > 0 else float("inf")
    status = "" if met is None else ("ok" if met else "BELOW GOAL")
    print(ROW.format(name, fmt_time(t_lamina), fmt_time(t_numpy), f"{ratio:6.2f}x", goal,
                     status) + (f"  {extra}" if extra else ""))


def bench_matmul(m: int, k: int, n: int, reps: int) -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    ta, tb = ops.convert_to_tensor(a), ops.convert_to_tensor(b)
    flops = 2.0 * m * k * n
    number = max(1, int(2e9 / flops))
    tl = best_time(lambda: ops.matmul(ta, tb), number, reps)
    tn = best_time(lambda: a @ b, number, reps)
    report(f"matmul {m}x{k} @ {k}x{n} f32", tl, tn, "ratio >= 0.9", tn / tl >= 0.9,
           f"GFLOP/s lamina {flops / tl / 1e9:7.1f}, numpy {flops / tn / 1e9:7.1f}")


def bench_elementwise(reps: int, size: int = 1_000_000) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(size).astype(np.float32)
    y = rng.standard_normal(size).astype(np.float32)
    tx, ty = ops.convert_to_tensor(x), ops.convert_to_tensor(y)
    number = 20
    cases = [
        # (name, lamina, numpy, arrays read + written)
        ("add 1M f32", lambda: ops.add(tx, ty), lambda: np.add(x, y), 3),
        ("relu 1M f32", lambda: ops.relu(tx), lambda: np.maximum(x, 0), 2),
        ("exp 1M f32", lambda: ops.exp(tx), lambda: np.exp(x), 2),
    ]
    for name, fl, fn, arrays in cases:
        tl = best_time(fl, number, reps)
        tn = best_time(fn, number, reps)
        report(name, tl, tn, "ratio >= 1.0", tn / tl >= 1.0,
               f"memory GB/s lamina {x.nbytes * arrays / tl / 1e9:5.1f}, "
               f"numpy {x.nbytes * arrays / tn / 1e9:5.1f}")


def bench_dispatch(reps: int) -> None:
    a1, b1 = np.ones(1, np.float32), np.ones(1, np.float32)
    ta, tb = ops.convert_to_tensor(a1), ops.convert_to_tensor(b1)
    number = 20_000
    tl = best_time(lambda: ops.add(ta, tb), number, reps)
    tn = best_time(lambda: np.add(a1, b1), number, reps)
    report("dispatch ops.add, 1 element", tl, tn, "lamina <= 3 us", tl <= 3e-6)
    tl = best_time(lambda: ta + tb, number, reps)
    tn = best_time(lambda: a1 + b1, number, reps)
    report("dispatch a + b, 1 element", tl, tn, "lamina <= 3 us", tl <= 3e-6)


def bench_random(reps: int, size: int = 1_000_000) -> None:
    if lrandom is None:
        return
    gen = np.random.default_rng(0)
    number = 10
    cases = [
        ("random.normal 1M f32", lambda: lrandom.normal((size,), seed=1),
         lambda: gen.standard_normal(size, dtype=np.float32)),
        ("random.uniform 1M f32", lambda: lrandom.uniform((size,), seed=1),
         lambda: gen.random(size, dtype=np.float32)),
    ]
    for name, fl, fn in cases:
        report(name, best_time(fl, number, reps), best_time(fn, number, reps), "(info)", None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    reps = 3 if args.quick else 7

    from lamina.backend.native import _core

    try:
        blas = _core.blas_config()
    except Exception as e:  # noqa: BLE001 - informational only
        blas = f"unavailable ({type(e).__name__})"
    print(f"lamina {lamina.__version__} vs NumPy {np.__version__} -- "
          f"{datetime.datetime.now().isoformat(timespec='seconds')}")
    print(f"machine: {cpu_model()}, {os.cpu_count()} logical cores, {platform.system()} "
          f"{platform.machine()}, Python {platform.python_version()}")
    print(f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(unset)')}; "
          f"lamina BLAS: {blas}")
    print(f"best of {reps} repeats after warm-up; ratio = NumPy time / lamina time "
          "(above 1: lamina faster)\n")
    print(ROW.format("case", "lamina", "numpy", "ratio", "goal", ""))
    print("-" * 104)
    bench_matmul(1024, 1024, 1024, reps)
    bench_matmul(128, 784, 512, reps)
    bench_elementwise(reps)
    bench_dispatch(reps)
    bench_random(reps)


if __name__ == "__main__":
    main()
