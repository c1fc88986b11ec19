"""Tracing, the graph passes and memory planning, on small functions."""

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.graph import memory, passes, trace
from lamina.graph.function import CompiledFunction
from lamina.graph.interpreter import Interpreter


def _t(a):
    return ops.convert_to_tensor(np.asarray(a, dtype="float32"))


def test_trace_records_nodes_with_shapes_and_returns_the_real_result():
    def f(x, y):
        return ops.relu(ops.matmul(x, y)) + 1.0

    x, y = _t(np.ones((2, 3))), _t(np.ones((3, 4)))
    graph, result, reasons = trace.trace(f, (x, y), [])
    assert reasons == []
    np.testing.assert_array_equal(result.numpy(), np.full((2, 4), 4.0))
    assert [n.op for n in graph.nodes] == ["matmul", "relu", "add"]
    assert graph.nodes[0].outputs[0].shape == (2, 4)
    assert [v.kind for v in graph.inputs] == ["input", "input"]
    assert "matmul" in graph.text()


def test_dead_code_is_removed():
    def f(x):
        _unused = ops.exp(x)
        return ops.negative(x)

    graph, _, _ = trace.trace(f, (_t([1.0, 2.0]),), [])
    assert passes.eliminate_dead_code(graph) == 1
    assert [n.op for n in graph.nodes] == ["negative"]


def test_common_subexpressions_are_merged():
    def f(x):
        return ops.add(ops.exp(x), ops.exp(x))

    graph, _, _ = trace.trace(f, (_t([1.0, 2.0]),), [])
    assert passes.eliminate_common_subexpressions(graph) == 1
    assert [n.op for n in graph.nodes] == ["exp", "add"]
    add = graph.nodes[1]
    assert add.inputs[0] is add.inputs[1]
    out = Interpreter(graph).run([np.array([1.0, 2.0], "float32")])
    np.testing.assert_allclose(out[0], 2 * np.exp([1.0, 2.0]), rtol=1e-6)


def test_constants_are_folded():
    c = _t([1.0, 2.0])

    def f(x):
        return ops.add(x, ops.exp(c))  # exp(c) depends on no input

    graph, _, _ = trace.trace(f, (_t([0.0, 0.0]),), [])
    assert passes.fold_constants(graph) == 1
    assert [n.op for n in graph.nodes] == ["add"]
    out = Interpreter(graph).run([np.array([1.0, 1.0], "float32")])
    np.testing.assert_allclose(out[0], 1 + np.exp([1.0, 2.0]), rtol=1e-6)


def test_variables_are_state_read_and_updated_on_every_run():
    v = lamina.Variable(np.zeros(3, "float32"), name="acc")

    def f(x):
        v.assign(ops.add(v.value, x))
        return ops.sum(v.value)

    fn = CompiledFunction(f, lambda: [v])
    for k in range(1, 5):
        out = fn(_t([1.0, 2.0, 3.0]))
        assert float(out) == pytest.approx(6.0 * k)
    assert len(fn.programs) == 1
    np.testing.assert_array_equal(v.numpy(), [4.0, 8.0, 12.0])
    v.assign(np.zeros(3, "float32"))  # an outside assignment is seen by the next run
    assert float(fn(_t([1.0, 1.0, 1.0]))) == pytest.approx(3.0)


def test_a_new_signature_is_traced_again():
    fn = CompiledFunction(lambda x: ops.multiply(x, 2.0), lambda: [])
    fn(_t([1.0]))
    fn(_t([3.0]))
    out = fn(_t([1.0, 2.0]))
    np.testing.assert_array_equal(out.numpy(), [2.0, 4.0])
    assert len(fn.programs) == 2


def test_host_reads_make_the_trace_unsupported():
    def f(x):
        if float(ops.sum(x)) > 0:  # Python control flow on a traced value
            return ops.exp(x)
        return x

    fn = CompiledFunction(f, lambda: [])
    out = fn(_t([1.0]))
    np.testing.assert_allclose(out.numpy(), np.exp([1.0]), rtol=1e-6)
    assert not fn.programs
    (reasons,) = fn.fallback_reasons.values()
    assert "reads the value of the result of 'sum'" in reasons[0]
    out = fn(_t([-1.0]))  # still right: the signature runs eagerly
    np.testing.assert_array_equal(out.numpy(), [-1.0])
    strict = CompiledFunction(f, lambda: [], mode=True)
    with pytest.raises(RuntimeError, match="cannot be compiled"):
        strict(_t([1.0]))


def test_random_ops_draw_fresh_numbers_each_run():
    gen = lamina.random.SeedGenerator(3)
    fn = CompiledFunction(lambda x: ops.add(x, lamina.random.normal((4,), seed=gen)),
                          lambda: [])
    zero = _t(np.zeros(4))
    draws = [fn(zero).numpy().copy() for _ in range(3)]
    assert len(fn.programs) == 1
    assert not np.array_equal(draws[1], draws[2])
    ref = lamina.random.SeedGenerator(3)
    for d in draws:
        np.testing.assert_array_equal(d, lamina.random.normal((4,), seed=ref).numpy())


def test_memory_plan_reuses_buffers_without_overlap():
    def f(x):
        a = ops.exp(x)
        b = ops.negative(a)
        c = ops.sqrt(ops.abs(b))
        d = ops.tanh(c)
        return ops.sum(d)

    graph, _, _ = trace.trace(f, (_t(np.ones((64, 64))),), [])
    plan = memory.plan(graph)
    assert plan.arena_bytes < plan.unplanned_bytes
    assert plan.peak_bytes <= plan.arena_bytes
    items = list(plan.offsets.items())
    for i, (a, off_a) in enumerate(items):
        for b, off_b in items[i + 1:]:
            la, lb = plan.lifetimes[a], plan.lifetimes[b]
            if la[1] < lb[0] or lb[1] < la[0]:
                continue
            assert off_a + plan.sizes[a] <= off_b or off_b + plan.sizes[b] <= off_a
    assert all(off % memory.ALIGNMENT == 0 for off in plan.offsets.values())


def test_the_program_cache_is_bounded():
    from lamina.graph import function as fmod

    fn = CompiledFunction(lambda x: ops.multiply(x, 2.0), lambda: [])
    for n in range(1, fmod.MAX_PROGRAMS + 5):
        out = fn(_t(np.ones(n)))
        np.testing.assert_array_equal(out.numpy(), np.full(n, 2.0))
    assert len(fn.programs) == fmod.MAX_PROGRAMS
