"""Timing (not a test): one Adam step on a 784x512 float32 variable, lamina's fused
kernel vs the equivalent NumPy expression sequence. Run:
PYTHONPATH=src python tests/optimizers/time_adam_update.py"""

from __future__ import annotations

import timeit

import numpy as np

import lamina
from lamina import optimizers
from lamina.backend.native import _core

rng = np.random.default_rng(0)
shape = (784, 512)
p, g = rng.standard_normal(shape, np.float32), rng.standard_normal(shape, np.float32)
m, v = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
alpha, b1, b2, eps = np.float32(1e-3), np.float32(0.9), np.float32(0.999), np.float32(1e-7)


def numpy_step():
    global p, m, v
    m = m + (g - m) * (1 - b1)
    v = v + (np.square(g) - v) * (1 - b2)
    p = p - (m * alpha) / (np.sqrt(v) + eps)


def kernel_new():
    _core.adam_update(g, (p, m, v), alpha=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7)


def kernel_in_place():
    _core.adam_update(g, (p, m, v), (p, m, v), alpha=1e-3, beta_1=0.9, beta_2=0.999,
                      epsilon=1e-7)


var = lamina.Variable(p.copy())
opt = optimizers.Adam()
grad = lamina.ops.convert_to_tensor(g)
opt.apply([grad], [var])


def optimizer_apply():
    opt.apply([grad], [var])


def best(fn, number=50, repeat=7):
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


if __name__ == "__main__":
    t_np = best(numpy_step)
    for label, fn in [("numpy expression sequence", numpy_step),
                      ("_core.adam_update (new outputs)", kernel_new),
                      ("_core.adam_update (in place)", kernel_in_place),
                      ("Adam.apply (whole optimizer step)", optimizer_apply)]:
        t = best(fn)
        print(f"{label:36s} {t:9.1f} us   numpy/this = {t_np / t:5.2f}x")
