"""Large products are split over lamina's OpenMP threads (kernels/matmul.cc): the
results are the same, bit for bit, with one thread or two."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

import lamina

SCRIPT = r"""
import sys
import numpy as np
from lamina import _core
rng = np.random.default_rng(0)
cases = []
for (M, K, N, ta, tb) in [(1, 784, 512, 0, 0), (1, 512, 300, 0, 1), (600, 400, 1, 1, 0),
                          (1, 1024, 1024, 0, 0), (128, 784, 512, 0, 0), (784, 128, 512, 1, 0),
                          (300, 256, 40, 0, 1)]:
    a = rng.standard_normal((K, M) if ta else (M, K)).astype(np.float32)
    b = rng.standard_normal((N, K) if tb else (K, N)).astype(np.float32)
    cases.append(_core.matmul(a, b, bool(ta), bool(tb)))
np.savez(sys.argv[1], *cases)
"""


def _run(tmp_path, threads: int):
    out = tmp_path / f"t{threads}.npz"
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    # The lamina this test imported (an installed one, or the source tree in development).
    where = os.path.dirname(os.path.dirname(os.path.abspath(lamina.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([where, env.get("PYTHONPATH", "")])
    subprocess.run([sys.executable, "-c", SCRIPT, str(out)], check=True, env=env)
    with np.load(out) as f:
        return [f[k] for k in sorted(f.files, key=lambda k: int(k.split("_")[1]))]


def test_products_do_not_depend_on_the_thread_count(tmp_path):
    # gemv: each output is one FMA chain, wherever the blocks fall; gemm: each block is
    # a BLAS call on a sub-matrix, blocked over K the same way as the whole product.
    one, two = _run(tmp_path, 1), _run(tmp_path, 2)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)
