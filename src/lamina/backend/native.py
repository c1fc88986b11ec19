"""Loads the native core `lamina._core`, after the OpenBLAS it links against.

OpenBLAS comes from the `scipy-openblas32` wheel. The extension's RPATH finds it
beside lamina in site-packages; loading it here first (globally) also covers
in-tree development builds and unusual install layouts.
"""

from __future__ import annotations

import ctypes
import os

# Every parallel kernel, large matrix products included (OpenBLAS runs one thread per
# block, see kernels/matmul.cc), runs on one OpenMP pool. Its idle workers spin
# about half a millisecond (10,000 pauses) before sleeping: long enough to bridge
# the gaps between the kernels of a step, so a parallel region costs no wake-up
# (on this VM a sleeping core takes ~3 us to ~125 us to wake), short enough not to
# hold a core after the work ends. MLP 784-512-256-10 step, 2 cores: 2.19 ms with
# OMP_WAIT_POLICY=PASSIVE, 1.88 ms at 2,000 spins, 1.71 ms at 10,000 and at
# 1,000,000. A user's OMP_WAIT_POLICY or GOMP_SPINCOUNT wins.
if "OMP_WAIT_POLICY" not in os.environ:
    os.environ.setdefault("GOMP_SPINCOUNT", "10000")
# OpenBLAS's own workers (unused: it runs single-threaded) would spin for 2**28
# cycles after a call; should a caller raise its thread count, let them sleep soon.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "10")


def _preload_openblas() -> None:
    try:
        import scipy_openblas32
    except ImportError as e:  # pragma: no cover - a broken install
        raise ImportError(
            "lamina needs the 'scipy-openblas32' package for matrix multiplication; "
            "install it with: pip install scipy-openblas32"
        ) from e
    lib_dir = scipy_openblas32.get_lib_dir()
    name = f"lib{scipy_openblas32.get_library()}.so"
    path = os.path.join(lib_dir, name)
    if os.path.exists(path):
        ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)


_preload_openblas()

from lamina import _core  # noqa: E402

UNARY = dict(_core.UNARY_OPS)
BINARY = dict(_core.BINARY_OPS)

__all__ = ["_core", "UNARY", "BINARY"]
