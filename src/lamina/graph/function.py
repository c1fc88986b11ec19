"""`CompiledFunction`: a step function that traces itself once per input
signature and then runs as a compiled program.

The first call with a new signature (the structure, shapes and dtypes of the
arguments) runs the function eagerly under the tracer (a real step: its result is
returned), optimizes the graph and keeps the program. Later calls with that
signature run the program. A trace that cannot be replayed (see
`lamina.graph.trace`) leaves that signature eager: with `jit_compile=True` that is
an error naming the reason; with "auto" it is silent (`fallback_reasons` says why).
"""

from __future__ import annotations

import time

import numpy as np

from lamina.backend.tensor import Tensor
from lamina.graph import lower, memory, passes, trace, tree
from lamina.graph.interpreter import Interpreter


NATIVE = True  # lower to lamina._core.Program (False: the Python interpreter)
MAX_PROGRAMS = 16  # per function; each holds an arena, so calls on ever-new shapes
#                    must not grow memory without bound


class Program:
    """One compiled signature: the optimized graph, its executor and facts about it."""

    def __init__(self, graph, executor, report: dict, compile_seconds: float):
        self.graph = graph
        self.executor = executor
        self.report = report
        self.compile_seconds = compile_seconds
        self.memory = memory.plan(graph)

    @property
    def num_nodes(self) -> int:
        return len(self.graph.nodes)

    @property
    def peak_bytes(self) -> int:
        """The most bytes of intermediate buffers live at once in one step."""
        return self.memory.peak_bytes

    @property
    def arena_bytes(self) -> int:
        """The size of the arena holding every intermediate buffer of one step."""
        return self.memory.arena_bytes

    def text(self) -> str:
        """The IR after optimization, the passes' report and the memory plan."""
        head = (f"compiled in {self.compile_seconds * 1e3:.1f} ms; passes: "
                + ", ".join(f"{k} {v}" for k, v in self.report.items()))
        parts = [head, self.graph.text(), self.memory.text()]
        if getattr(self.executor, "lowering_error", None):
            parts.append("runs on the Python interpreter: " + self.executor.lowering_error)
        if hasattr(self.executor, "text"):
            parts.append("native program:\n" + self.executor.text())
        return "\n".join(parts)


class CompiledFunction:
    """Wraps `fn(*args)`; `variables()` lists the state the step may touch (more are
    picked up when read). `mode` is True (must compile) or "auto" (compile when
    possible)."""

    def __init__(self, fn, variables, mode="auto", name: str | None = None):
        self.fn = fn
        self.variables = variables
        self.mode = mode
        self.name = name or getattr(fn, "__name__", "step")
        self.programs: dict = {}
        self.fallback_reasons: dict = {}

    def __call__(self, *args):
        leaves, key = _signature(args)
        program = self.programs.get(key)
        if program is not None:
            arrays = [x._value if isinstance(x, Tensor) else x for x in leaves]
            flat = program.executor.run(arrays)
            return tree.unflatten(program.graph.output_tree,
                                  [Tensor(a) if isinstance(a, np.ndarray) else a for a in flat])
        if key in self.fallback_reasons:
            return self.fn(*args)
        return self._trace(key, args)

    def program_for(self, *args) -> Program | None:
        """The compiled program for these arguments' signature, if there is one."""
        return self.programs.get(_signature(args)[1])

    def run_steps(self, sources, rows, n_steps: int, batch_size: int, collect: bool = False):
        """Runs the step `n_steps` times in one native call, on batches of
        `batch_size` rows of `sources` (one argument structure, like the step's
        arguments, holding whole arrays) picked by `rows` (see
        `NativeExecutor.run_steps`). Returns the last step's results, or None when no
        native program exists yet for that batch signature (the caller then runs
        single steps: the first one traces). With `collect`, the results are every
        step's outputs stacked along the batch axis (None if an output has no batch
        axis)."""
        leaves, structure = tree.flatten(sources)
        if not leaves or any(type(x) is not Tensor for x in leaves):
            return None
        program = self.programs.get(_key(structure, [
            ((batch_size,) + x._value.shape[1:], x._value.dtype) for x in leaves]))
        if program is None or not hasattr(program.executor, "run_steps"):
            return None
        flat = program.executor.run_steps([x._value for x in leaves], rows, n_steps,
                                          batch_size, collect)
        if flat is None:
            return None
        return tree.unflatten(program.graph.output_tree,
                              [Tensor(a) if isinstance(a, np.ndarray) else a for a in flat])

    def _trace(self, key, args):
        start = time.perf_counter()
        graph, result, reasons = trace.trace(self.fn, args, self.variables())
        if reasons:
            self.fallback_reasons[key] = reasons
            if self.mode is True:
                raise RuntimeError(
                    f"jit_compile=True, but {self.name} cannot be compiled: " + "; ".join(reasons)
                    + ". Use jit_compile='auto' to run such steps eagerly.")
            return result
        report = passes.optimize(graph)
        program = Program(graph, _executor(graph), report, 0.0)
        program.compile_seconds = time.perf_counter() - start
        if len(self.programs) >= MAX_PROGRAMS:  # many shapes: keep the recent ones
            del self.programs[next(iter(self.programs))]
        self.programs[key] = program
        return result

    def last_program(self) -> Program | None:
        return next(reversed(self.programs.values()), None) if self.programs else None


def _executor(graph):
    """The native executor when the graph lowers to it, else the interpreter."""
    if NATIVE:
        try:
            return lower.NativeExecutor(graph)
        except lower.NotLowerable as e:
            reason = str(e)
        except (ValueError, TypeError) as e:  # the runtime refused an instruction
            reason = f"the native runtime refused the program: {e}"
        interpreter = Interpreter(graph)
        interpreter.lowering_error = reason
        return interpreter
    return Interpreter(graph)


def _signature(args) -> tuple[list, tuple]:
    """The arguments' leaves and the key of their signature."""
    leaves, structure = tree.flatten(args)
    return leaves, _key(structure, [(x._value.shape, x._value.dtype) if type(x) is Tensor
                                    else _leaf_key(x) for x in leaves])


def _key(structure, leaf_keys) -> tuple:
    """A signature's key: the structure, and each leaf's (shape, dtype) (for Python
    scalars, type and value)."""
    return (structure, tuple(leaf_keys))


def _leaf_key(x):
    if isinstance(x, Tensor):
        return (x._value.shape, x._value.dtype)
    if isinstance(x, (int, float, str, bool, type(None))):
        return (type(x), x)
    raise TypeError(f"compiled step: unsupported argument type {type(x).__name__}; pass "
                    "Tensors (or nested lists/tuples/dicts of them)")
