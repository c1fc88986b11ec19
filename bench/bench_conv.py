"""Benchmark: Conv2D forward + backward in lamina against PyTorch eager (CPU),
measured in the same run.

Usage: python bench/bench_conv.py [--quick]   (lamina installed, or PYTHONPATH=src)

Cases are the two convolutions of the classic Keras MNIST convnet at batch 128:
Conv2D(32, 3x3) on (128, 28, 28, 1) and Conv2D(64, 3x3) on (128, 13, 13, 32),
plus MaxPooling2D(2) on the first one's output. Each step is the layer's forward
pass (bias included) and the gradients of the input, kernel and bias for a given
output cotangent. lamina runs channels_last (Keras's default), PyTorch its native
NCHW. It prints the best time per step of each, and the ratio lamina / PyTorch
(below 1.0: lamina is faster). It asserts nothing: it is a benchmark.
"""

from __future__ import annotations

import argparse
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

from lamina import layers, ops

try:
    import torch
except ImportError:  # PyTorch is optional: lamina's times are printed alone
    torch = None



def lamina_conv_step(x: np.ndarray, filters: int):
    layer = layers.Conv2D(filters, 3)
    xt = ops.convert_to_tensor(x)
    layer.build(x.shape)
    cot = ops.convert_to_tensor(
        np.random.default_rng(1).standard_normal(layer.compute_output_shape(x.shape)).astype("float32"))
    params = [layer.kernel, layer.bias]

    def step():
        with lamina.GradientTape() as tape:
            tape.watch(xt)
            y = layer(xt)
        return tape.gradient(y, [xt] + params, output_gradients=cot)

    return step


def torch_conv_step(x: np.ndarray, filters: int):
    conv = torch.nn.Conv2d(x.shape[-1], filters, 3)
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))).requires_grad_(True)
    with torch.no_grad():
        out_shape = conv(xt).shape
    cot = torch.randn(out_shape)

    def step():
        conv.zero_grad(set_to_none=True)
        xt.grad = None
        y = conv(xt)
        y.backward(cot)
        return xt.grad

    return step


def lamina_pool_step(x: np.ndarray):
    xt = ops.convert_to_tensor(x)
    layer = layers.MaxPooling2D(2)
    cot = ops.convert_to_tensor(np.ones(layer.compute_output_shape(x.shape), "float32"))

    def step():
        with lamina.GradientTape() as tape:
            tape.watch(xt)
            y = layer(xt)
        return tape.gradient(y, xt, output_gradients=cot)

    return step


def torch_pool_step(x: np.ndarray):
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))).requires_grad_(True)
    pool = torch.nn.MaxPool2d(2)
    cot = torch.ones(pool(xt).shape)

    def step():
        xt.grad = None
        pool(xt).backward(cot)
        return xt.grad

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    number, repeats = (2, 3) if args.quick else (5, 5)
    rng = np.random.default_rng(0)
    print(f"lamina conv benchmark - {platform.machine()}, {os.cpu_count()} CPUs, "
          f"torch {torch.__version__ + ' (' + str(torch.get_num_threads()) + ' threads)' if torch else 'not installed'}")
    cases = [
        ("Conv2D(32, 3x3) fwd+bwd on (128, 28, 28, 1)", (128, 28, 28, 1), 32),
        ("Conv2D(64, 3x3) fwd+bwd on (128, 13, 13, 32)", (128, 13, 13, 32), 64),
        ("MaxPooling2D(2) fwd+bwd on (128, 26, 26, 32)", (128, 26, 26, 32), None),
    ]
    print(f"{'case':48s} {'lamina':>10s} {'torch':>10s} {'lamina/torch':>13s}")
    for name, shape, filters in cases:
        x = rng.standard_normal(shape).astype("float32")
        if filters is None:
            lam, tor = lamina_pool_step(x), (torch_pool_step(x) if torch else None)
        else:
            lam, tor = lamina_conv_step(x, filters), (torch_conv_step(x, filters) if torch else None)
        t_l = best_time(lam, number, repeats)
        if tor is not None:
            t_t = best_time(tor, number, repeats)
            print(f"{name:48s} {t_l * 1e3:8.2f}ms {t_t * 1e3:8.2f}ms {t_l / t_t:12.2f}x")
        else:
            print(f"{name:48s} {t_l * 1e3:8.2f}ms {'-':>10s} {'-':>13s}")


if __name__ == "__main__":
    main()
