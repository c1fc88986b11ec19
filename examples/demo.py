"""lamina demo: a two-layer MLP learns a 2-D spiral with GradientTape and plain SGD.

Everything numeric runs in lamina's native core; NumPy only generates the data.
"""

import time

import numpy as np

import lamina
from lamina import ops


def spiral(n_per_class: int = 200, classes: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c in range(classes):
        r = np.linspace(0.0, 1.0, n_per_class)
        t = np.linspace(c * 4.0, (c + 1) * 4.0, n_per_class) + rng.normal(0, 0.2, n_per_class)
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        ys.append(np.full(n_per_class, c))
    return np.concatenate(xs).astype("float32"), np.concatenate(ys)


def main() -> None:
    lamina.utils.set_random_seed(0)
    x_np, y_np = spiral()
    x = ops.convert_to_tensor(x_np)
    y = ops.one_hot(ops.convert_to_tensor(y_np), 3)
    hidden = 64
    params = [
        lamina.random.normal((2, hidden), stddev=1.0),
        ops.zeros((hidden,)),
        lamina.random.normal((hidden, 3), stddev=0.1),
        ops.zeros((3,)),
    ]
    lr = 1.0
    start = time.perf_counter()
    for step in range(301):
        with lamina.GradientTape() as tape:
            tape.watch(params)
            w1, b1, w2, b2 = params
            h = ops.relu(x @ w1 + b1)
            logits = h @ w2 + b2
            loss = -ops.mean(ops.sum(ops.log_softmax(logits) * y, axis=-1))
        grads = tape.gradient(loss, params)
        params = [p - lr * g for p, g in zip(params, grads)]
        if step % 50 == 0:
            acc = float(ops.mean(ops.cast(ops.argmax(logits, axis=-1) == ops.argmax(y, axis=-1), "float32")))
            print(f"step {step:3d}  loss {float(loss):.4f}  accuracy {acc:.3f}")
    print(f"300 steps in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
