"""Lowering a Graph to the native executor (`lamina._core.Program`): instruction
selection with fusion, buffer placement in one arena, and the run-time binding of
inputs, state and outputs.

Instruction selection, in schedule order:
- `matmul` (2-D) followed by a bias `add` and a `relu` becomes one `gemm` whose
  epilogue adds the bias and applies the activation in the output pass;
- runs of elementwise nodes of one output shape (unary, binary, where, casts to
  the compute dtype) become one `fused` kernel (lamina._core.FusedKernel):
  intermediates live in registers, tile by tile, never in memory;
- reductions, softmax, transposes, reshapes (a view: no instruction) and the
  optimizers' updates (in place on the weights) have native instructions;
- every other primitive runs as a `callback` into its own kernel (`prim.impl`),
  so any traced graph lowers.

State stays resident: a Variable the step updates gets a private buffer once (its
current value, copied), the program updates it in place on every run, and the
Variable holds a Tensor over that buffer. Reading `Variable.value` marks the
Tensor as escaped (someone may hold it): the next run copies again instead of
changing a Tensor under its holder, so Tensors stay immutable.
"""

from __future__ import annotations

import threading
from itertools import chain
from operator import is_not

import numpy as np

from lamina.backend.native import _core
from lamina.backend.tensor import Tensor
from lamina.graph import memory
from lamina.graph.ir import Graph, Value

_UNARY = set(_core.UNARY_OPS)
_BINARY = set(_core.BINARY_OPS)
_REDUCE_KINDS = {"sum": 0, "max": 1, "min": 2}
_FLOATS = ("float32", "float64")
_ACTS = {"relu": 1, "sigmoid": 2, "tanh": 3}
_HAS_FUSED = hasattr(_core, "FusedKernel")


class NotLowerable(Exception):
    """The graph uses something the native executor cannot run (the caller keeps
    the Python interpreter for it)."""


class NativeExecutor:
    """Runs a Graph as one `_core.Program` call per step (GIL released)."""

    def __init__(self, graph: Graph):
        self.graph = graph
        b = _Builder(graph)
        b.build()
        self.builder = b
        self.program = _core.Program(b.arena_bytes, b.slots, b.instructions, b.n_scalars)
        self._template = [None] * b.n_externals
        for e, data in b.const_externals:
            self._template[e] = data
        self._owned: dict[int, Tensor] = {}
        self._lock = threading.Lock()
        self._read_states = [(var, e) for var, e, w in b.state_externals if not w]
        self._written_states = [(var, e) for var, e, w in b.state_externals if w]
        self._scalar_keys = [(p, k) for p, k, _ in b.scalar_sources]
        self._one_prologue = self._scalar_keys == [(0, k) for k in range(len(self._scalar_keys))]
        self._state_vars = [var for var, _ in self._read_states + self._written_states]
        self._written_vars = [var for var, _ in self._written_states]
        self._last_tensors = None
        self._last_ext: list = []
        self._outputs_are_values = all(isinstance(v, Value) for v in graph.outputs)

    def run(self, inputs: list) -> list:
        # One arena per program: calls from several threads take turns.
        with self._lock:
            return self._run(inputs)

    def _run(self, inputs: list) -> list:
        b = self.builder
        ext = self._bound_state()
        for pos, e in b.input_externals:
            ext[e] = inputs[pos]
        outs = self._bind_outputs(ext)
        self.program.run(ext, self._step_scalars() if b.n_scalars else None)
        return self._results(outs)

    @property
    def single_io(self) -> bool:
        """One input array, one output array, no per-step scalars: `run_single` applies."""
        b = self.builder
        return (len(b.input_externals) == 1 and b.input_externals[0][0] == 0
                and len(b.output_externals) == 1 and b.n_scalars == 0
                and len(self.graph.outputs) == 1 and self._outputs_are_values)

    def run_single(self, x: np.ndarray) -> np.ndarray:
        """`run([x])[0]` for a `single_io` program, with less Python around the call
        (a one-sample `model(x)` is mostly that)."""
        with self._lock:
            ext = self._bound_state()
            ext[self.builder.input_externals[0][1]] = x
            e, shape, dtype = self.builder.output_externals[0]
            out = ext[e] = np.empty(shape, dtype)
            self.program.run(ext, None)
            return out

    def run_steps(self, sources: list, rows, n_steps: int, batch_size: int,
                  collect: bool = False) -> list | None:
        """Runs `n_steps` steps in one native call; returns the last step's outputs.

        `sources[pos]` is the whole array whose rows feed input `pos` (each step's
        batch is `batch_size` of its rows); `rows` picks them: an int64 array of
        `n_steps * batch_size` row indices (gathered natively), or an int (the first
        row of contiguous batches, read in place). The optimizer's prologue runs
        before each step, with the GIL, exactly as for `run`. With `collect`, each
        output is every step's, stacked (None when an output has no batch axis)."""
        b = self.builder
        if collect and (not self._outputs_are_values or any(
                not shape or shape[0] != batch_size for _, shape, _ in b.output_externals)):
            return None
        with self._lock:
            ext = self._bound_state()
            indices = rows if isinstance(rows, np.ndarray) else None
            row0 = 0 if indices is not None else int(rows)
            streams = []
            for pos, e in b.input_externals:
                src = sources[pos]
                if indices is not None:
                    ext[e] = np.empty((batch_size,) + src.shape[1:], src.dtype)  # gather target
                else:
                    ext[e] = src[row0:row0 + batch_size]
                streams.append((e, src, indices, row0, False))
            outs = self._bind_outputs(ext)
            if collect:
                for i, (e, shape, dtype) in enumerate(b.output_externals):
                    outs[i] = np.empty((n_steps * batch_size,) + tuple(shape[1:]), dtype)
                    ext[e] = outs[i][:batch_size]
                    streams.append((e, outs[i], None, 0, True))
            prologue = self._step_scalars if b.n_scalars else None
            self.program.run_steps(ext, streams, n_steps, prologue)
            return self._results(outs)

    def _bind_outputs(self, ext: list) -> list:
        outs = []
        for e, shape, dtype in self.builder.output_externals:
            a = np.empty(shape, dtype)
            ext[e] = a
            outs.append(a)
        return outs

    def _results(self, outs: list) -> list:
        if self._outputs_are_values:
            return outs
        it = iter(outs)
        return [next(it) if isinstance(v, Value) else v for v in self.graph.outputs]

    def _step_scalars(self) -> list:
        """One step's scalars (the host prologues: the optimizers' learning rates,
        bias corrections, step counters), flat, in the program's order."""
        results = [fn() for fn in self.graph.prologues]
        if self._one_prologue and len(results[0]) == len(self._scalar_keys):
            flat = list(chain.from_iterable(results[0]))  # one optimizer, in order
        else:
            flat = list(chain.from_iterable(results[p][k] for p, k in self._scalar_keys))
        if len(flat) != self.builder.n_scalars:
            raise RuntimeError(f"internal error: the prologues gave {len(flat)} scalars "
                               f"where the program expects {self.builder.n_scalars}")
        return flat

    def _bound_state(self) -> list:
        """The externals list with every state buffer bound. When no Variable got a
        new Tensor and none was read out since the last run (the steady state of a
        training loop), the previous binding is reused as is."""
        tensors = [v._tensor for v in self._state_vars]
        last = self._last_tensors
        if (last is not None and not any(map(is_not, tensors, last))
                and not any(v._escaped for v in self._written_vars)):
            return list(self._last_ext)
        ext = list(self._template)
        for var, e in self._read_states:
            ext[e] = var._tensor._value
        owned = self._owned
        for var, e in self._written_states:
            t = var._tensor
            if var._escaped or owned.get(id(var)) is not t:
                # A private buffer that nobody else holds, updated in place from now on.
                t = Tensor(np.array(t._value, copy=True))
                var._tensor = t
                var._escaped = False
                owned[id(var)] = t
            ext[e] = t._value
        self._last_tensors = [v._tensor for v in self._state_vars]
        self._last_ext = list(ext)
        return ext

    def text(self) -> str:
        return self.program.describe()


class _Op:
    """One instruction before slots are assigned: reads and writes are Values."""

    __slots__ = ("op", "reads", "writes", "iparams", "fparams", "extra", "inplace")

    def __init__(self, op, reads, writes, iparams=(), fparams=(), extra=None, inplace=False):
        self.op = op
        self.reads = list(reads)
        self.writes = list(writes)
        self.iparams = tuple(int(i) for i in iparams)
        self.fparams = tuple(float(f) for f in fparams)
        self.extra = extra
        self.inplace = inplace


class _Builder:
    def __init__(self, graph: Graph):
        self.g = graph
        self.ops: list[_Op] = []
        self.slots: list[tuple] = []
        self.instructions: list[tuple] = []
        self.n_scalars = 0
        self.scalar_sources: list[tuple[int, int, int]] = []
        self.n_externals = 0
        self.input_externals: list[tuple[int, int]] = []
        self.state_externals: list[tuple] = []
        self.const_externals: list[tuple[int, np.ndarray]] = []
        self.output_externals: list[tuple] = []
        self.arena_bytes = 0
        self._slot_of: dict[int, int] = {}
        self._view_of: dict[int, Value] = {}  # reshape outputs -> the value they view

    # ------------------------------------------------------------ selection
    def build(self) -> None:
        nodes = self.g.nodes
        consumers = _consumers(nodes)
        roots = {v.id for v in self.g.live_roots()}
        taken: set[int] = set()
        group: list = []

        def close_group():
            if group:
                self.ops.append(self._fused(list(group), consumers, roots))
                group.clear()

        for i, node in enumerate(nodes):
            if id(node) in taken:
                continue
            if _fusible(node):
                shape, dtype = _group_key(node)
                if group and _group_key(group[0]) != (shape, dtype):
                    close_group()
                group.append(node)
                continue
            group_values = {o.id for n in group for o in n.outputs}
            if node.prologue is not None or any(v.id in group_values for v in node.inputs):
                close_group()
            self._select(node, nodes, i, consumers, roots, taken)
        close_group()
        self._finish(roots)

    def _select(self, node, nodes, i, consumers, roots, taken) -> None:
        name = node.op
        ins, outs = node.inputs, node.outputs
        if name == "matmul" and len(ins[0].shape) == 2 and len(ins[1].shape) == 2 \
                and ins[0].dtype in _FLOATS and ins[0].dtype == ins[1].dtype:
            self.ops.append(self._gemm(node, nodes, i, consumers, roots, taken))
        elif name in _REDUCE_KINDS and ins[0].dtype in _FLOATS and outs[0].dtype == ins[0].dtype:
            axes = set(node.attrs["axis"])
            keep = [1 if d in axes else n for d, n in enumerate(ins[0].shape)]
            self.ops.append(_Op("reduce", ins, outs, [_REDUCE_KINDS[name]] + keep))
        elif name in ("softmax", "log_softmax") and ins[0].dtype in _FLOATS:
            self.ops.append(_Op(name, ins, outs, [node.attrs["axis"]]))
        elif name in ("softmax_grad", "log_softmax_grad") and ins[0].dtype in _FLOATS:
            self.ops.append(_Op("softmax_grad", ins, outs,
                                [node.attrs["axis"], int(name == "log_softmax_grad")]))
        elif name in ("take_along_axis", "scatter_add_along"):
            self.ops.append(_Op(name, ins, outs, [node.attrs["axis"]]))
        elif name in ("argmax", "argmin") and node.attrs["axis"] is not None \
                and not node.attrs["keepdims"]:
            self.ops.append(_Op(name, ins, outs, [node.attrs["axis"]]))
        elif name == "check_range" and _runtime_has("check_range"):
            self.ops.append(_Op("check_range", ins, [], [node.attrs["lo"], node.attrs["hi"]],
                                extra=node.attrs["message"]))
            self._view_of[outs[0].id] = self._view_of.get(ins[0].id, ins[0])
        elif name == "broadcast_to":
            self.ops.append(_Op("broadcast", ins, outs))
        elif name == "cast":
            self.ops.append(_Op("cast", ins, outs))
        elif name == "transpose":
            self.ops.append(_Op("transpose", ins, outs, node.attrs["perm"]))
        elif name == "reshape" and ins[0].kind == "node":
            self._view_of[outs[0].id] = self._view_of.get(ins[0].id, ins[0])
        elif name == "optimizer_update":
            self.ops.append(self._optimizer(node))
        else:
            self.ops.append(_Op("callback", ins, outs, [len(ins)], extra=_callback(node)))

    def _gemm(self, node, nodes, i, consumers, roots, taken) -> _Op:
        a, b = node.inputs
        out = node.outputs[0]
        ta, tb = bool(node.attrs.get("transpose_a")), bool(node.attrs.get("transpose_b"))
        n = out.shape[1]
        reads, act = [a, b], 0
        add = _sole_consumer(out, consumers, roots)
        if add is not None and add.op == "add":
            bias = add.inputs[1] if add.inputs[0] is out else add.inputs[0]
            if (bias.shape == (n,) and bias.dtype == out.dtype and bias is not out
                    and add.outputs[0].shape == out.shape and _defined_before(bias, i, nodes)):
                reads.append(bias)
                taken.add(id(add))
                out = add.outputs[0]
                act_node = _sole_consumer(out, consumers, roots)
                if act_node is not None and act_node.op in _ACTS \
                        and not act_node.attrs.get("alpha"):
                    act = _ACTS[act_node.op]
                    taken.add(id(act_node))
                    out = act_node.outputs[0]
        return _Op("gemm", reads, [out], [int(ta), int(tb), act])

    def _optimizer(self, node) -> _Op:
        rule = node.attrs["rule"]
        n = len(node.attrs["scalars"])
        expected = getattr(_core, "OPTIMIZER_SCALARS", {}).get(rule)
        if expected is not None and len(expected) != n:
            raise NotLowerable(f"optimizer '{rule}': {n} scalars, the runtime expects "
                               f"{len(expected)}")
        offset = self.n_scalars
        self.n_scalars += n
        p, k = node.prologue
        self.scalar_sources.append((p, k, n))
        op = _Op("optimizer", node.inputs, node.outputs, [offset], extra=rule, inplace=True)
        return op

    def _fused(self, nodes, consumers, roots) -> _Op:
        shape, dtype = _group_key(nodes[0])
        defined = {o.id for n in nodes for o in n.outputs}
        inputs: list[Value] = []
        consts: list[float] = []
        reg: dict[int, int] = {}
        # Registers: inputs first, then scalar constants, then temporaries.
        for n in nodes:
            for v in n.inputs:
                if v.id in defined or v.id in reg:
                    continue
                if v.kind == "const" and v.data is not None and v.data.size == 1:
                    continue
                reg[v.id] = len(inputs)
                inputs.append(v)
        const_reg: dict[int, int] = {}
        for n in nodes:
            for v in n.inputs:
                if v.id not in defined and v.id not in reg and v.id not in const_reg:
                    const_reg[v.id] = len(consts)
                    consts.append(float(v.data.reshape(-1)[0]))
        for vid, k in const_reg.items():
            reg[vid] = len(inputs) + k
        next_reg = len(inputs) + len(consts)
        code = []
        for n in nodes:
            srcs = tuple(reg[v.id] for v in n.inputs)
            dst = next_reg
            next_reg += 1
            reg[n.outputs[0].id] = dst
            if n.op == "cast":
                code.append(("copy", dst, srcs, 0.0))
            else:
                code.append((n.op, dst, srcs, float(n.attrs.get("alpha", 0.0))))
        outputs = [o for n in nodes for o in n.outputs
                   if o.id in roots or any(id(c) not in {id(m) for m in nodes}
                                           for c in consumers.get(o.id, ()))]
        kernel = _core.FusedKernel(code, consts, [reg[o.id] for o in outputs],
                                   [v.shape for v in inputs], [v.dtype for v in inputs],
                                   shape, [o.dtype for o in outputs], dtype)
        return _Op("fused", inputs, outputs, [len(inputs)], extra=kernel)

    # ------------------------------------------------------ slots and arena
    def _finish(self, roots: set[int]) -> None:
        g = self.g
        ops = self.ops
        # In place: an optimizer's outputs take its state inputs' buffers; the old
        # values must not be read afterwards.
        same_buffer: dict[int, Value] = {}
        for k, op in enumerate(ops):
            if op.inplace:
                for old, new in zip(op.reads[1:], op.writes):
                    same_buffer[new.id] = same_buffer.get(old.id, old)
        def root(v: Value) -> Value:
            v = self._view_of.get(v.id, v)
            return same_buffer.get(v.id, v)

        returned = {v.id for v in g.live_roots()}
        for k, op in enumerate(ops):
            if not op.inplace:
                continue
            olds = {v.id for v in op.reads[1:]}
            for later in ops[k + 1:]:
                if any(self._view_of.get(v.id, v).id in olds for v in later.reads):
                    raise NotLowerable("an optimizer's old weights are read after its update")
            if olds & returned:
                raise NotLowerable("an optimizer's old weights are returned by the step")

        self._root = root
        updated_vars = set()
        end_copies: list[tuple[Value, Value]] = []  # (value, state value)
        state_value = {id(v.var): v for v in g.states}
        for var, v in g.updates:
            r = root(v)
            target = state_value.get(id(var))
            if target is None:
                target = g.new_value(var.shape, var.dtype, "state", var=var)
                g.states.append(target)
                state_value[id(var)] = target
            updated_vars.add(id(var))
            if r is not target:
                end_copies.append((v, target))
        # Externals: inputs, state, constants, outputs.
        for pos, v in enumerate(g.inputs):
            if v is not None:
                self.input_externals.append((pos, self._external(v)))
        for v in g.states:
            self.state_externals.append((v.var, self._external(v), id(v.var) in updated_vars))
        for v in g.consts:
            self.const_externals.append((self._external(v), np.asarray(v.data, order="C")))
        out_values = [v for v in g.outputs if isinstance(v, Value)]
        out_slots = []
        for v in out_values:
            e = self.n_externals
            self.n_externals += 1
            self.output_externals.append((e, v.shape, v.dtype))
            out_slots.append(self._new_slot("external", v, e))
        # Arena buffers: lifetimes over instruction indices.
        n_ops = len(ops)
        first: dict[int, int] = {}
        last: dict[int, int] = {}
        for k, op in enumerate(ops):
            for v in op.writes:
                r = root(v)
                if r.kind == "node" and r.id not in first:
                    first[r.id] = last[r.id] = k
            for v in op.reads:
                r = root(v)
                if r.id in first:
                    last[r.id] = max(last[r.id], k)
        for v in out_values + [v for v, _ in end_copies]:
            r = root(v)
            if r.id in last:
                last[r.id] = n_ops
        values = {}
        for op in ops:
            for v in op.writes:
                values[root(v).id] = root(v)
        buffers = [(vid, memory.aligned(max(values[vid].nbytes, 1)), first[vid], last[vid])
                   for vid in first]
        offsets, self.arena_bytes = memory.pack(buffers)
        self._offsets = offsets

        def slot(v: Value) -> int:
            r = root(v)
            key = (v.id, r.id)
            if key in self._slot_of:
                return self._slot_of[key]
            if r.kind == "node":
                if r.id not in offsets:
                    raise NotLowerable(f"internal: {r!r} has no buffer")
                s = self._new_slot("arena", v, offsets[r.id])
            else:
                s = self._slot_of[(r.id, r.id)]
                if v is not r and tuple(v.shape) != tuple(r.shape):
                    # an external is bound with one shape per run
                    raise NotLowerable("a reshaped view of an external buffer")
            self._slot_of[key] = s
            return s

        for op in ops:
            slots = tuple(slot(v) for v in op.reads) + (
                () if op.inplace else tuple(slot(v) for v in op.writes))
            self.instructions.append((op.op, slots, op.iparams, op.fparams, op.extra))
        for v, s in zip(out_values, out_slots):
            self.instructions.append(("copy", (slot(v), s), (), (), None))
        for v, target in end_copies:
            self.instructions.append(("copy", (slot(v), slot(target)), (), (), None))

    def _external(self, v: Value) -> int:
        e = self.n_externals
        self.n_externals += 1
        self._slot_of[(v.id, v.id)] = self._new_slot("external", v, e)
        return e

    def _new_slot(self, kind: str, v: Value, where: int) -> int:
        self.slots.append((kind, v.dtype, tuple(v.shape), int(where)))
        return len(self.slots) - 1


# ------------------------------------------------------------------ helpers
_PROBED: dict[str, bool] = {}


def _runtime_has(op: str) -> bool:
    """Whether this build's runtime knows instruction `op` (probed once: an unknown
    op is refused at construction, other errors mean it exists)."""
    if op not in _PROBED:
        try:
            _core.Program(0, [], [(op, (), (), (), None)], 0)
            _PROBED[op] = True
        except (ValueError, TypeError) as e:
            _PROBED[op] = "unknown" not in str(e).lower()
    return _PROBED[op]


def _fusible(node) -> bool:
    if not _HAS_FUSED:
        return False
    name = node.op
    if len(node.outputs) != 1 or node.prologue is not None:
        return False
    out = node.outputs[0]
    if name == "cast":
        return out.dtype in _FLOATS and node.inputs[0].dtype != "int64"
    if name in _UNARY or name in _BINARY or name == "where":
        if out.dtype not in _FLOATS + ("bool",):
            return False
        floats = {v.dtype for v in node.inputs if v.dtype != "bool"}
        return len(floats) <= 1 and floats <= set(_FLOATS)
    return False


def _group_key(node) -> tuple:
    """(shape, compute dtype): nodes of a fused group share both."""
    out = node.outputs[0]
    dtype = out.dtype if out.dtype in _FLOATS else next(
        (v.dtype for v in node.inputs if v.dtype in _FLOATS), "float32")
    return tuple(out.shape), dtype


def _consumers(nodes) -> dict[int, list]:
    out: dict[int, list] = {}
    for n in nodes:
        for v in n.inputs:
            out.setdefault(v.id, []).append(n)
    return out


def _sole_consumer(v: Value, consumers, roots):
    users = consumers.get(v.id, [])
    if len(users) != 1 or v.id in roots:
        return None
    return users[0]


def _defined_before(v: Value, i: int, nodes) -> bool:
    if v.kind != "node":
        return True
    return any(n is v.producer for n in nodes[:i])


def _callback(node):
    impl, attrs, multi = node.prim.impl, node.attrs, node.prim.multiple_results
    if node.prim.impl_writes_out and not multi:
        def run(inputs, outputs):  # the kernel writes into the arena buffer itself
            impl(*inputs, out=outputs[0], **attrs)

        run.__name__ = node.op
        return run

    def run(inputs, outputs):
        result = impl(*inputs, **attrs)
        if multi:
            for o, r in zip(outputs, result):
                o[...] = r
        else:
            outputs[0][...] = result

    run.__name__ = node.op
    return run
