"""Loads the native core `lamina._core`, after the OpenBLAS it links against.

OpenBLAS comes from the `scipy-openblas32` wheel. The extension's RPATH finds it
beside lamina in site-packages; loading it here first (globally) also covers
in-tree development builds and unusual install layouts.
"""

from __future__ import annotations

import ctypes
import os

# OpenMP threads in our kernels and OpenBLAS's own threads share the cores:
# idle OpenMP workers should sleep rather than spin (unless the user chose).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# OpenBLAS workers spin for 2**28 cycles after each call by default, stealing the
# cores our OpenMP kernels want next; 2**10 lets them sleep almost at once. Measured
# on a matmul + exp step, 2 cores: 1.50-1.72 ms -> 1.10-1.32 ms (best of 30, 3 runs).
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
