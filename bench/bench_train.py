"""Benchmark: whole training loops in lamina against PyTorch eager and Keras 3 on JAX,
measured in the same run.

Usage: python bench/bench_train.py [--quick] [--only NAME] [--profile]
       (lamina installed, or PYTHONPATH=src)

Workloads (every framework gets the same data, sizes, batch size and optimizer: Adam,
lr 1e-3, epsilon 1e-7):
  mlp       MLP 784-512-256-10 (relu, softmax), sparse categorical cross-entropy,
            batch 128, one epoch of the 60,000 MNIST training images (random data of
            that shape when /work/shared/datasets/mnist is absent); also against the
            sgemm-bound limit: the step's matmul FLOPs (forward + backward = 3x the
            forward) divided by NumPy's sgemm GFLOP/s on the step's own matmul shapes,
            measured in this run.
  small     MLP 32-64-64-1, MSE, 100,000 random tabular rows, batch 32 (overhead-bound).
  latency   the big MLP on one sample: `model(x)` and `model.predict(x)` in us
            (PyTorch: `model(x)` under `torch.no_grad()`).
  convnet   the classic Keras MNIST convnet (Conv2D 32 3x3 relu, MaxPool 2, Conv2D 64 3x3
            relu, MaxPool 2, Flatten, Dropout 0.5, Dense 10 softmax), batch 128, one epoch
            of 60,000 images (or --conv-steps steps, extrapolated to the epoch, said so).

lamina and Keras time `model.fit(..., epochs=1, verbose=0)` (shuffled, loss tracked,
no metrics); PyTorch times the idiomatic eager loop (randperm, index the batch,
zero_grad, forward, loss on logits, backward, step). lamina runs in this process;
PyTorch (this interpreter) and Keras (another venv, KERAS_BACKEND=jax) each run in a
subprocess started by this run, one workload at a time, so every time comes from the
same run and no two frameworks share a process (in one process, lamina and PyTorch
slow each other down through their OpenMP/BLAS threads); each peer is skipped with a
note when not installed. Every framework gets a warm-up fit of two
batches (a full one and the epoch's partial last one, so JAX has compiled both
shapes) before timing; its time is printed as information.

How to read it: the `lamina / X` column is lamina's time divided by X's time: below
1.0 lamina is faster, 2.0 means lamina takes twice as long. Goals from issues 5 and 7
are printed beside with "met" / "NOT MET". Short measurements are best of 3; epoch
times are best of --epoch-repeats (default 2 for the MLPs, 1 for the convnet). It
asserts nothing: it is a benchmark. The machine's noise matters: only same-run ratios
mean anything.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from typing import Callable

import numpy as np
from timing import best_time

# The environment before lamina's import: lamina sets GOMP_SPINCOUNT and
# OPENBLAS_THREAD_TIMEOUT (setdefault) when it loads, which would leak into the peers'
# subprocesses and change their threading.
ORIG_ENV = dict(os.environ)
HERE = os.path.dirname(os.path.abspath(__file__))
MNIST_DIR = "/work/shared/datasets/mnist"
DEFAULT_KERAS_PYTHON = "/tmp/benchkeras/bin/python"
WORKLOADS = ("mlp", "small", "latency", "convnet")
LR, EPS = 1e-3, 1e-7

# Shapes shared by every framework.
MLP_UNITS = (784, 512, 256, 10)
SMALL_UNITS = (32, 64, 64, 1)
MLP_BATCH, SMALL_BATCH, CONV_BATCH = 128, 32, 128
SMALL_ROWS = 100_000


# --------------------------------------------------------------------------- helpers


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def fmt_time(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.1f} us"
    if s < 1.0:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.3f} s"


def goal_line(text: str, value: float | None, limit: float) -> str:
    if value is None:
        return f"  goal: {text}: no peer measured"
    return f"  goal: {text}: {value:.2f}x  {'met' if value <= limit else 'NOT MET'}"


# ------------------------------------------------------- models (lamina and Keras share them)

def keras_mlp(K, units):
    """Dense stack `units` for lamina or Keras (`K` is the module)."""
    layers = [K.Input(shape=(units[0],))]
    for u in units[1:-1]:
        layers.append(K.layers.Dense(u, activation="relu"))
    classes = units[-1]
    layers.append(K.layers.Dense(classes, activation="softmax" if classes > 1 else None))
    model = K.Sequential(layers)
    model.compile(optimizer=K.optimizers.Adam(learning_rate=LR, epsilon=EPS),
                  loss="sparse_categorical_crossentropy" if classes > 1 else "mse")
    return model


def keras_convnet(K):
    model = K.Sequential([
        K.Input(shape=(28, 28, 1)),
        K.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        K.layers.MaxPooling2D(pool_size=(2, 2)),
        K.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        K.layers.MaxPooling2D(pool_size=(2, 2)),
        K.layers.Flatten(),
        K.layers.Dropout(0.5),
        K.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=K.optimizers.Adam(learning_rate=LR, epsilon=EPS),
                  loss="sparse_categorical_crossentropy")
    return model


def keras_build(K, name):
    return {"mlp": lambda: keras_mlp(K, MLP_UNITS), "small": lambda: keras_mlp(K, SMALL_UNITS),
            "latency": lambda: keras_mlp(K, MLP_UNITS), "convnet": lambda: keras_convnet(K)}[name]()


# ----------------------------------------------------------------------------- data

def load_data() -> tuple[dict, str]:
    """All workloads' arrays (float32 inputs, int64 / float32 targets) and a note on the source."""
    rng = np.random.default_rng(0)
    note = f"MNIST from {MNIST_DIR}"
    try:
        from lamina.datasets import mnist
        (x, y), _ = mnist.load_data(MNIST_DIR)
    except (OSError, ValueError) as e:  # folder absent or unreadable: same shapes, random
        note = f"random data of MNIST's shape ({MNIST_DIR}: {type(e).__name__})"
        x = rng.integers(0, 256, (60_000, 28, 28), dtype=np.uint8)
        y = rng.integers(0, 10, 60_000).astype(np.uint8)
    xt = rng.standard_normal((SMALL_ROWS, SMALL_UNITS[0])).astype(np.float32)
    w = rng.standard_normal((SMALL_UNITS[0], 1)).astype(np.float32)
    yt = (np.tanh(xt @ w) + 0.1 * rng.standard_normal((SMALL_ROWS, 1))).astype(np.float32)
    data = {"mnist_x": x, "mnist_y": y, "tab_x": xt, "tab_y": yt}
    return data, note


def prepare(data: dict) -> dict:
    """Converted arrays, identical in every process: images scaled to [0, 1] float32."""
    img = data["mnist_x"].astype(np.float32) / 255.0
    return {"mlp": (img.reshape(-1, 784), data["mnist_y"].astype(np.int64)),
            "convnet": (img.reshape(-1, 28, 28, 1), data["mnist_y"].astype(np.int64)),
            "small": (data["tab_x"], data["tab_y"])}


# --------------------------------------------------- Keras-style runner (lamina and Keras)

def run_keras_style(K, name: str, arrays: dict, plan: dict) -> dict:
    """Times one workload with a Keras-API module; returns plain numbers (seconds)."""
    out: dict = {}
    model = keras_build(K, name)
    if name == "latency":
        x1 = arrays["mlp"][0][:1].copy()
        model.predict(x1, verbose=0)
        out["call"] = best_time(lambda: model(x1), plan["call_number"], plan["repeats"])
        out["predict"] = best_time(lambda: model.predict(x1, verbose=0),
                                   plan["predict_number"], plan["repeats"])
        return out
    x, y = arrays[name]
    n = plan["samples"][name]
    x, y = x[:n], y[:n]
    bs = plan["batch"][name]
    rem = n % bs or bs
    # Warm-up: one full batch and one batch of the epoch's last size (JAX compiles both).
    out["warmup"] = timed(lambda: model.fit(x[:bs + rem], y[:bs + rem], batch_size=bs,
                                            epochs=1, verbose=0))
    if hasattr(model, "compiled_step"):  # lamina: how long compiling its train step took
        fn = model._step_functions.get("train_step")
        if fn is not None and fn.programs:
            out["compile_s"] = max(p.compile_seconds for p in fn.programs.values())
            out["nodes"] = fn.last_program().num_nodes
    out["epochs"] = [timed(lambda: model.fit(x, y, batch_size=bs, epochs=1, verbose=0))
                     for _ in range(plan["epoch_repeats"][name])]
    return out


def worker(kind: str, name: str, data_path: str, plan_json: str) -> None:
    """Entry point of a peer's subprocess (kind "torch" or "keras"): prints one JSON line."""
    with np.load(data_path) as f:
        data = {k: f[k] for k in f.files}
    arrays, plan = prepare(data), json.loads(plan_json)
    if kind == "keras":
        import jax
        import keras
        keras.utils.set_random_seed(0)
        res = run_keras_style(keras, name, arrays, plan)
        res["info"] = (f"Keras {keras.__version__}, JAX {jax.__version__} "
                       f"({keras.backend.backend()} backend, devices {jax.devices()}, "
                       f"XLA_FLAGS={os.environ.get('XLA_FLAGS', '(unset)')})")
    else:
        import torch
        res = run_torch(torch, name, arrays, plan)
        res["info"] = (f"PyTorch {torch.__version__}: torch.get_num_threads()="
                       f"{torch.get_num_threads()}, interop {torch.get_num_interop_threads()}")
    print("BENCH_JSON " + json.dumps(res))


def run_subprocess(kind: str, python: str | None, name: str, data_path: str, plan: dict):
    """Runs the workload for one peer in its own process; returns (result or None, note)."""
    label = {"keras": "Keras 3/JAX", "torch": "PyTorch"}[kind]
    if python is None:
        hint = ("python3 -m venv /tmp/benchkeras && /tmp/benchkeras/bin/pip install keras jax"
                if kind == "keras" else "pip install torch==2.13.0")
        return None, f"{label} skipped: not installed ({hint})"
    env = dict(ORIG_ENV)
    env.pop("PYTHONPATH", None)
    if kind == "keras":
        env["KERAS_BACKEND"] = "jax"
    cmd = [python, os.path.abspath(__file__), "--worker", kind, name, "--data", data_path,
           "--plan", json.dumps(plan)]
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"{label} skipped: {type(e).__name__}: {e}"
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):]), ""
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["(no output)"]
    return None, f"{label} failed (exit {proc.returncode}): {tail[0]}"


# ------------------------------------------------------------------------------- PyTorch

def torch_model(torch, name: str):
    nn = torch.nn
    if name == "convnet":
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10))
    units = SMALL_UNITS if name == "small" else MLP_UNITS
    mods = []
    for a, b in zip(units[:-2], units[1:-1]):
        mods += [nn.Linear(a, b), nn.ReLU()]
    mods.append(nn.Linear(units[-2], units[-1]))  # logits: CrossEntropyLoss applies softmax
    return nn.Sequential(*mods)


def run_torch(torch, name: str, arrays: dict, plan: dict) -> dict:
    torch.manual_seed(0)
    model = torch_model(torch, name)
    out: dict = {}
    if name == "latency":
        x1 = torch.from_numpy(arrays["mlp"][0][:1].copy())
        model.eval()

        def call():
            with torch.no_grad():
                return model(x1)

        out["call"] = best_time(call, plan["call_number"], plan["repeats"])
        return out
    x, y = arrays[name]
    n = plan["samples"][name]
    if name == "convnet":
        x = np.ascontiguousarray(x[:n].transpose(0, 3, 1, 2))  # NCHW, PyTorch's native layout
    X, Y = torch.from_numpy(np.ascontiguousarray(x[:n])), torch.from_numpy(y[:n])
    bs = plan["batch"][name]
    loss_fn = torch.nn.MSELoss() if name == "small" else torch.nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=LR, eps=EPS)
    model.train()

    def epoch(Xe, Ye):
        perm = torch.randperm(Xe.shape[0])
        for i in range(0, Xe.shape[0], bs):
            idx = perm[i:i + bs]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(Xe[idx]), Ye[idx])
            loss.backward()
            opt.step()
        return loss.item()

    rem = n % bs or bs
    out["warmup"] = timed(lambda: epoch(X[:bs + rem], Y[:bs + rem]))
    out["epochs"] = [timed(lambda: epoch(X, Y)) for _ in range(plan["epoch_repeats"][name])]
    return out


# ------------------------------------------------------------------------ sgemm bound

def sgemm_step_rate(units, batch: int, repeats: int) -> tuple[float, float]:
    """NumPy's GFLOP/s on one training step's matmuls (forward x@W, backward x.T@g and
    g@W.T per layer; 3x the forward FLOPs) and at 1024^3 for reference."""
    rng = np.random.default_rng(3)
    mats = []
    for a, b in zip(units[:-1], units[1:]):
        x = rng.standard_normal((batch, a)).astype(np.float32)
        w = rng.standard_normal((a, b)).astype(np.float32)
        g = rng.standard_normal((batch, b)).astype(np.float32)
        mats.append((x, w, g))

    def step():
        for x, w, g in mats:
            x @ w
            x.T @ g
            g @ w.T

    flops = 3 * 2.0 * batch * sum(a * b for a, b in zip(units[:-1], units[1:]))
    t = best_time(step, 20, repeats)
    a = rng.standard_normal((1024, 1024)).astype(np.float32)
    t_big = best_time(lambda: a @ a, 5, repeats)
    return flops / t / 1e9, 2.0 * 1024 ** 3 / t_big / 1e9


# ---------------------------------------------------------------------------- printing

ROW = "    {:<22} {:>11} {:>11} {:>12}  {}"


def print_epoch_table(results: dict, steps: int, full_steps: int, extra_rows=()) -> dict:
    """Rows for lamina / PyTorch / Keras; returns {label: epoch seconds (extrapolated)}."""
    scale = full_steps / steps
    times = {}
    for label, res in results.items():
        if res is not None:
            times[label] = min(res["epochs"]) * scale
    t_lam = times.get("lamina fit")
    print(ROW.format("", "epoch", "per step", "lamina / X", "warm-up fit (2 batches)"))
    for label, res in results.items():
        if res is None:
            continue
        t = times[label]
        ratio = f"{t_lam / t:.2f}x" if t_lam else "-"
        print(ROW.format(label, fmt_time(t), fmt_time(t / full_steps), ratio,
                         fmt_time(res["warmup"])))
    for label, t, note in extra_rows:
        times[label] = t
        ratio = f"{t_lam / t:.2f}x" if t_lam else "-"
        print(ROW.format(label, fmt_time(t), fmt_time(t / full_steps), ratio, note))
    return times


def loadavg() -> str:
    try:
        return "load average " + " / ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "load average ?"


def fastest_peer(times: dict) -> tuple[str | None, float | None]:
    peers = {k: v for k, v in times.items() if k in ("PyTorch eager", "Keras 3/JAX fit")}
    if not peers:
        return None, None
    k = min(peers, key=peers.get)
    return k, peers[k]


# ------------------------------------------------------------------------------- main

def profile_convnet(lamina, arrays: dict, calls: int = 20) -> None:
    """cProfile of `calls` lamina train_on_batch calls on the convnet (after a warm-up)."""
    import cProfile
    import pstats
    model = keras_convnet(lamina)
    x, y = arrays["convnet"]
    xb, yb = x[:CONV_BATCH], y[:CONV_BATCH]
    model.train_on_batch(xb, yb)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for _ in range(calls):
        model.train_on_batch(xb, yb)
    prof.disable()
    print(f"\ncProfile: {calls} lamina convnet train_on_batch calls, "
          f"{(time.perf_counter() - t0) / calls * 1e3:.1f} ms per call (with profiler)")
    stats = pstats.Stats(prof).strip_dirs()
    stats.sort_stats("tottime").print_stats(20)
    stats.sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a few steps per workload (smoke run; not comparable to goals)")
    parser.add_argument("--only", choices=WORKLOADS, action="append",
                        help="run only this workload (repeatable)")
    parser.add_argument("--conv-steps", type=int, default=0,
                        help="convnet: time this many steps and extrapolate (0: full epoch)")
    parser.add_argument("--epoch-repeats", type=int, default=0,
                        help="epochs timed per framework, best kept (0: 2 for MLPs, 1 convnet)")
    parser.add_argument("--keras-python", default=os.environ.get("BENCH_KERAS_PYTHON",
                                                                 DEFAULT_KERAS_PYTHON),
                        help="interpreter with keras + jax installed (run with KERAS_BACKEND=jax)")
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile 20 lamina convnet train_on_batch calls")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--plan", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        worker(args.worker[0], args.worker[1], args.data, args.plan)
        return

    try:
        import lamina
    except ImportError:  # running from a checkout without PYTHONPATH=src
        sys.path.insert(0, os.path.join(HERE, "..", "src"))
        import lamina
    from lamina.backend.native import _core
    # PyTorch runs in its own process too: in one process with lamina, whichever of the
    # two is imported second trains several times slower (shared OpenMP / BLAS threads).
    torch_python = sys.executable if importlib.util.find_spec("torch") else None
    keras_python = args.keras_python if args.keras_python and os.path.exists(
        args.keras_python) else None

    selected = args.only or list(WORKLOADS)
    quick = args.quick
    rep = args.epoch_repeats
    conv_steps = args.conv_steps
    if quick:
        samples = {"mlp": 20 * MLP_BATCH, "small": 100 * SMALL_BATCH, "convnet": 5 * CONV_BATCH}
    else:
        conv_n = min(60_000, conv_steps * CONV_BATCH) if conv_steps > 0 else 60_000
        samples = {"mlp": 60_000, "small": SMALL_ROWS, "convnet": conv_n}
    plan = {
        "samples": samples,
        "batch": {"mlp": MLP_BATCH, "small": SMALL_BATCH, "convnet": CONV_BATCH},
        "epoch_repeats": {"mlp": rep or (1 if quick else 2), "small": rep or (1 if quick else 2),
                          "convnet": rep or 1},
        "repeats": 1 if quick else 3,
        "call_number": 20 if quick else 300,
        "predict_number": 5 if quick else 50,
    }

    # ---- header
    print(f"lamina {lamina.__version__} training benchmark -- "
          f"{datetime.datetime.now().isoformat(timespec='seconds')}" + ("  [--quick]" if quick else ""))
    print(f"machine: {cpu_model()}, {os.cpu_count()} logical cores, {platform.system()} "
          f"{platform.machine()}, Python {platform.python_version()}, {loadavg()}")
    print(f"NumPy {np.__version__}; lamina BLAS: {_core.blas_config()}")
    print("threads: " + ", ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in
                                  ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                   "OMP_WAIT_POLICY", "GOMP_SPINCOUNT")) +
          " in lamina's process\n         (lamina's import sets GOMP_SPINCOUNT=10000 unless "
          "OMP_WAIT_POLICY or it is set); the peers get the environment as it was before "
          f"(GOMP_SPINCOUNT={ORIG_ENV.get('GOMP_SPINCOUNT', '(unset)')})")
    print(f"PyTorch: {torch_python or 'not installed (skipped)'} (subprocess); "
          f"Keras 3/JAX: {keras_python or 'not found (skipped)'} (subprocess, KERAS_BACKEND=jax)")
    print("ratio lamina / X = lamina's time / X's time (below 1.0: lamina faster). Epochs: "
          f"best of {plan['epoch_repeats']['mlp']} (MLPs), {plan['epoch_repeats']['convnet']} "
          f"(convnet) after a warm-up fit; short calls: best of {plan['repeats']}.")

    data, data_note = load_data()
    print(f"data: {data_note}")
    arrays = prepare(data)
    tmpdir = tempfile.mkdtemp(prefix="bench_train_")
    data_path = os.path.join(tmpdir, "data.npz")
    np.savez(data_path, **data)
    info_printed: set = set()
    lamina.utils.set_random_seed(0)

    def peers(name):
        res_t, note_t = run_subprocess("torch", torch_python, name, data_path, plan)
        res_k, note_k = run_subprocess("keras", keras_python, name, data_path, plan)
        print(f"    ({loadavg()} after the run)")
        for kind, res, note in (("torch", res_t, note_t), ("keras", res_k, note_k)):
            if res is not None and kind not in info_printed:
                print(f"    ({res['info']})")
                info_printed.add(kind)
            if note:
                print(f"    {note}")
        return res_t, res_k

    try:
        if "mlp" in selected:
            n = samples["mlp"]
            steps = -(-n // MLP_BATCH)
            print(f"\n[mlp] MLP 784-512-256-10, Adam, batch {MLP_BATCH}, {n:,} samples = "
                  f"{steps} steps (one epoch)")
            rate, rate_big = sgemm_step_rate(MLP_UNITS, MLP_BATCH, plan["repeats"])
            # NumPy's OpenBLAS workers spin for ~0.1 s after its last call (its timeout was
            # read before lamina's import shortened it): let them go idle before timing.
            time.sleep(1.0)
            flops_epoch = 3 * 2.0 * n * sum(a * b for a, b in zip(MLP_UNITS[:-1], MLP_UNITS[1:]))
            res_l = run_keras_style(lamina, "mlp", arrays, plan)
            res_t, res_k = peers("mlp")
            t_bound = flops_epoch / (rate * 1e9)
            times = print_epoch_table(
                {"lamina fit": res_l, "PyTorch eager": res_t, "Keras 3/JAX fit": res_k},
                steps, steps,
                [("sgemm-bound", t_bound, f"{flops_epoch / 1e9:.1f} GFLOP at NumPy's "
                  f"{rate:.0f} GFLOP/s on the step's shapes (1024^3: {rate_big:.0f})")])
            t_l = times["lamina fit"]
            peer, t_p = fastest_peer(times)
            print(goal_line(f"lamina <= 0.8x the fastest peer ({peer})", t_l / t_p if t_p else None,
                            0.8))
            print(goal_line("lamina <= 1.3x the sgemm-bound", t_l / t_bound, 1.3))
            if "compile_s" in res_l:
                print(f"  goal: compiling lamina's train step <= 50 ms: "
                      f"{res_l['compile_s'] * 1e3:.1f} ms ({res_l['nodes']} nodes; includes "
                      f"the traced first step)  {'met' if res_l['compile_s'] <= 0.05 else 'NOT MET'}")

        if "small" in selected:
            n = samples["small"]
            steps = -(-n // SMALL_BATCH)
            print(f"\n[small] MLP 32-64-64-1, Adam, MSE, batch {SMALL_BATCH}, {n:,} random "
                  f"rows = {steps} steps (one epoch; overhead-bound)")
            res_l = run_keras_style(lamina, "small", arrays, plan)
            res_t, res_k = peers("small")
            times = print_epoch_table(
                {"lamina fit": res_l, "PyTorch eager": res_t, "Keras 3/JAX fit": res_k},
                steps, steps)
            peer, t_p = fastest_peer(times)
            print(goal_line(f"lamina <= 0.2x the fastest peer, i.e. 5x faster ({peer})",
                            times["lamina fit"] / t_p if t_p else None, 0.2))

        if "latency" in selected:
            print("\n[latency] MLP 784-512-256-10 on one sample (1, 784), per call")
            res_l = run_keras_style(lamina, "latency", arrays, plan)
            res_t, res_k = peers("latency")
            print(ROW.format("", "model(x)", "predict(x)", "", ""))
            print(ROW.format("lamina", fmt_time(res_l["call"]), fmt_time(res_l["predict"]), "", ""))
            if res_t is not None:
                print(ROW.format("PyTorch (no_grad)", fmt_time(res_t["call"]), "-", "",
                                 f"lamina model(x) / PyTorch = {res_l['call'] / res_t['call']:.2f}x"))
            if res_k is not None:
                print(ROW.format("Keras 3/JAX", fmt_time(res_k["call"]), fmt_time(res_k["predict"]),
                                 "", f"lamina / Keras: model(x) {res_l['call'] / res_k['call']:.2f}x,"
                                 f" predict {res_l['predict'] / res_k['predict']:.2f}x"))
            print(f"  goal: lamina model(x) <= 15 us: {fmt_time(res_l['call'])}  "
                  f"{'met' if res_l['call'] <= 15e-6 else 'NOT MET'}")
            print(f"  goal: lamina predict <= 100 us: {fmt_time(res_l['predict'])}  "
                  f"{'met' if res_l['predict'] <= 100e-6 else 'NOT MET'}")

        if "convnet" in selected:
            n = samples["convnet"]
            steps = -(-n // CONV_BATCH)
            full_steps = -(-60_000 // CONV_BATCH)
            if quick:
                full_steps = steps
            how = (f"{steps} steps measured, extrapolated to one epoch of {full_steps} steps"
                   if steps != full_steps else f"one epoch of {n:,} images = {steps} steps")
            print(f"\n[convnet] Keras MNIST convnet (Conv32-Pool-Conv64-Pool-Dropout-Dense10), "
                  f"Adam, batch {CONV_BATCH}: {how}")
            res_l = run_keras_style(lamina, "convnet", arrays, plan)
            res_t, res_k = peers("convnet")
            times = print_epoch_table(
                {"lamina fit": res_l, "PyTorch eager": res_t, "Keras 3/JAX fit": res_k},
                steps, full_steps)
            t_t = times.get("PyTorch eager")
            print(goal_line("lamina <= 1.0x PyTorch eager (issue 7)",
                            times["lamina fit"] / t_t if t_t else None, 1.0))

        if args.profile:
            profile_convnet(lamina, arrays)
    finally:
        try:
            os.remove(data_path)
            os.rmdir(tmpdir)
        except OSError:
            pass


if __name__ == "__main__":
    main()
