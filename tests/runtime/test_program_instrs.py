"""Each instruction of the native executor (`_core.Program`) against NumPy or against
the eager `_core` kernel it shares code with (bit for bit where promised)."""

from __future__ import annotations

import numpy as np
import pytest

from lamina import _core, ops

U = _core.UNARY_OPS
B = _core.BINARY_OPS
R = _core.REDUCE_OPS


def ext(dtype, shape, i):
    return ("external", str(np.dtype(dtype)), tuple(shape), i)


def run1(op, arrays, n_out_first, iparams=(), fparams=(), extra=None, scalars=None, n_scalars=0):
    """A one-instruction program whose slots are all externals, in `arrays` order."""
    slots = [ext(a.dtype, a.shape, i) for i, a in enumerate(arrays)]
    p = _core.Program(0, slots, [(op, tuple(range(len(arrays))), tuple(iparams), tuple(fparams), extra)],
                      n_scalars)
    p.run(list(arrays), scalars)
    return p


# ------------------------------------------------------------------------ gemm
def eager_dense(a, b, bias, ta, tb, act):
    y = _core.matmul(a, b, bool(ta), bool(tb))
    if bias is not None:
        y = _core.binary(B["add"], y, bias)
    if act:
        y = _core.unary(U[("relu", "sigmoid", "tanh")[act - 1]], y)
    return y


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("ta,tb", [(0, 0), (1, 0), (0, 1), (1, 1)])
@pytest.mark.parametrize("act", [0, 1, 2, 3])
@pytest.mark.parametrize("with_bias", [False, True])
def test_gemm_equals_eager_bit_for_bit(rng, dtype, ta, tb, act, with_bias):
    M, K, N = 33, 70, 21
    a = rng.standard_normal((K, M) if ta else (M, K)).astype(dtype)
    b = rng.standard_normal((N, K) if tb else (K, N)).astype(dtype)
    bias = rng.standard_normal(N).astype(dtype) if with_bias else None
    out = np.full((M, N), np.nan, dtype)
    arrays = [a, b] + ([bias] if with_bias else []) + [out]
    run1("gemm", arrays, 0, (ta, tb, act))
    np.testing.assert_array_equal(out, eager_dense(a, b, bias, ta, tb, act))


@pytest.mark.parametrize("shape", [(1, 50, 7), (50, 1), (1, 1)])
def test_gemm_vector_shapes_and_folded_leading_dims(rng, shape):
    # (1, K) rows and (K, 1) columns take gemv; 3-D a folds leading dims into M.
    K = 50
    a = rng.standard_normal(shape[:-1] + (K,)).astype("float32") if len(shape) == 3 else \
        rng.standard_normal((shape[0], K)).astype("float32")
    n = shape[-1]
    b = rng.standard_normal((K, n)).astype("float32")
    bias = rng.standard_normal(n).astype("float32")
    out = np.empty(a.shape[:-1] + (n,), "float32")
    run1("gemm", [a, b, bias, out], 0, (0, 0, 1))
    np.testing.assert_array_equal(out, eager_dense(a, b, bias, 0, 0, 1))


def test_gemm_with_empty_contraction_gives_bias(rng):
    a = np.zeros((4, 0), "float32")
    b = np.zeros((0, 3), "float32")
    bias = np.array([1.0, -2.0, 3.0], "float32")
    out = np.full((4, 3), np.nan, "float32")
    run1("gemm", [a, b, bias, out], 0, (0, 0, 1))
    np.testing.assert_array_equal(out, np.tile([1.0, 0.0, 3.0], (4, 1)))


# ---------------------------------------------------------------------- reduce
@pytest.mark.parametrize("shape,keep", [
    ((6, 7, 8), (1, 7, 8)), ((6, 7, 8), (6, 1, 8)), ((6, 7, 8), (6, 7, 1)),
    ((6, 7, 8), (1, 7, 1)), ((6, 7, 8), (1, 1, 1)), ((300, 200), (1, 200)), ((5, 1, 4), (1, 1, 4)),
])
@pytest.mark.parametrize("kind,name", [(0, "sum"), (1, "max"), (2, "min")])
def test_reduce_equals_core_reduce(rng, shape, keep, kind, name):
    x = rng.standard_normal(shape).astype("float32")
    axes = [i for i, (d, k) in enumerate(zip(shape, keep)) if k == 1 and d != 1]
    ref = _core.reduce(R[name], x, axes)
    out = np.empty(keep, "float32")  # keepdims layout: same elements as ref
    run1("reduce", [x, out], 0, (kind,) + keep)
    np.testing.assert_array_equal(out.reshape(ref.shape), ref)


def test_reduce_mean_equals_ops_mean(rng):
    x = rng.standard_normal((16, 10, 3)).astype("float32")
    out = np.empty((16, 1, 3), "float32")
    run1("reduce", [x, out], 0, (3, 16, 1, 3))
    np.testing.assert_array_equal(out, ops.mean(x, axis=1, keepdims=True).numpy())


def test_reduce_sum_of_int32_and_bool_gives_int32(rng):
    x = rng.integers(-5, 5, (4, 5)).astype("int32")
    out = np.empty((4,), "int32")
    run1("reduce", [x, out], 0, (0, 4, 1))
    np.testing.assert_array_equal(out, x.sum(1))
    m = x > 0
    out = np.empty((1, 5), "int32")
    run1("reduce", [m, out], 0, (0, 1, 5))
    np.testing.assert_array_equal(out[0], m.sum(0))


# ------------------------------------------------------------- softmax family
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_equals_core(rng, op, axis):
    x = (rng.standard_normal((5, 6, 7)) * 3).astype("float32")
    out = np.empty_like(x)
    run1(op, [x, out], 0, (axis,))
    np.testing.assert_array_equal(out, _core.softmax(x, axis, op == "log_softmax"))


@pytest.mark.parametrize("log", [0, 1])
def test_softmax_grad_equals_core(rng, log):
    y = _core.softmax(rng.standard_normal((8, 9)), -1, bool(log))
    g = rng.standard_normal((8, 9))
    out = np.empty_like(y)
    run1("softmax_grad", [y, g, out], 0, (-1, log))
    np.testing.assert_array_equal(out, _core.softmax_grad(y, g, -1, bool(log)))


# ----------------------------------------------------------------- data movement
def test_copy_between_shapes_of_equal_bytes(rng):
    x = rng.standard_normal((6, 4)).astype("float32")
    out = np.empty((2, 3, 4), "float32")
    run1("copy", [x, out], 0)
    np.testing.assert_array_equal(out, x.reshape(2, 3, 4))


@pytest.mark.parametrize("dtype,value,want", [
    ("float32", 2.5, 2.5), ("float64", -1.0, -1.0), ("int32", 7.0, 7), ("int64", -3.0, -3),
    ("bool", 2.0, True), ("uint8", 200.0, 200), ("int32", float("nan"), np.iinfo(np.int32).min),
])
def test_fill(dtype, value, want):
    out = np.zeros((3, 5), dtype)
    run1("fill", [out], 0, (), (value,))
    np.testing.assert_array_equal(out, np.full((3, 5), want, dtype))


@pytest.mark.parametrize("perm", [(1, 0, 2), (2, 0, 1), (0, 2, 1), (2, 1, 0)])
def test_transpose(rng, perm):
    x = rng.standard_normal((3, 4, 5))
    out = np.empty(tuple(x.shape[i] for i in perm))
    run1("transpose", [x, out], 0, perm)
    np.testing.assert_array_equal(out, x.transpose(perm))


@pytest.mark.parametrize("axis", [0, 1])
def test_take(rng, axis):
    x = rng.standard_normal((6, 5, 3)).astype("float32")
    idx = np.array([[0, 2], [-1, 4]], "int64")
    out = np.empty(x.shape[:axis] + idx.shape + x.shape[axis + 1:], "float32")
    run1("take", [x, idx, out], 0, (axis,))
    np.testing.assert_array_equal(out, np.take(x, idx, axis=axis))


def test_take_out_of_range_raises_and_program_stays_usable(rng):
    x = rng.standard_normal((4, 3)).astype("float32")
    out = np.empty((2, 3), "float32")
    p = _core.Program(0, [ext("float32", (4, 3), 0), ext("int32", (2,), 1), ext("float32", (2, 3), 2)],
                      [("take", (0, 1, 2), (0,), (), None)])
    with pytest.raises(IndexError,
                       match=r"^Program: instruction 0 \(take\): index 4 is out of bounds for axis 0 with size 4$"):
        p.run([x, np.array([0, 4], "int32"), out])
    p.run([x, np.array([3, -4], "int32"), out])
    np.testing.assert_array_equal(out, x[[3, 0]])


@pytest.mark.parametrize("axis", [-1, 0])
def test_one_hot_equals_core(rng, axis):
    labels = np.array([[0, 3], [9, -1]], "int32")  # 9 and -1: all-zero rows
    shape = list(labels.shape)
    shape.insert(axis if axis >= 0 else len(shape) + 1 + axis, 4)
    out = np.full(shape, 7, "float32")
    run1("one_hot", [labels, out], 0, (axis,))
    np.testing.assert_array_equal(out, _core.one_hot(labels, 4, axis, 0))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_take_along_axis_equals_core(rng, axis):
    x = rng.standard_normal((4, 5, 3)).astype("float32")
    shape = list(x.shape)
    shape[axis] = 2
    idx = rng.integers(-x.shape[axis], x.shape[axis], shape).astype("int32")
    out = np.empty(shape, "float32")
    run1("take_along_axis", [x, idx, out], 0, (axis,))
    np.testing.assert_array_equal(out, _core.take_along_axis(x, idx, axis))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_scatter_add_along_equals_core(rng, axis):
    g = rng.standard_normal((4, 6, 3)).astype("float32")
    n = 5
    idx = rng.integers(0, n, g.shape).astype("int64")  # repeated indices accumulate
    shape = list(g.shape)
    shape[axis] = n
    out = np.full(shape, np.nan, "float32")
    run1("scatter_add_along", [g, idx, out], 0, (axis,))
    np.testing.assert_array_equal(out, _core.scatter_add_along(g, idx, axis, n))


def test_gather_indices_are_checked_each_run(rng):
    x = np.arange(6, dtype="float32").reshape(2, 3)
    out = np.empty((2, 1), "float32")
    p = _core.Program(0, [ext("float32", (2, 3), 0), ext("int32", (2, 1), 1), ext("float32", (2, 1), 2)],
                      [("take_along_axis", (0, 1, 2), (1,), (), None)])
    with pytest.raises(IndexError,
                       match=r"^Program: instruction 0 \(take_along_axis\): index 3 is out of bounds"):
        p.run([x, np.array([[0], [3]], "int32"), out])
    p.run([x, np.array([[2], [-3]], "int32"), out])
    np.testing.assert_array_equal(out, [[2.0], [3.0]])


@pytest.mark.parametrize("op", ["argmax", "argmin"])
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_arg_reduce_equals_core(rng, op, axis):
    x = rng.standard_normal((5, 6, 7)).astype("float32")
    x[1, 2, 3] = np.nan
    ref = getattr(_core, op)(x, axis)
    out = np.empty(ref.shape, "int32")
    run1(op, [x, out], 0, (axis,))
    np.testing.assert_array_equal(out, ref)
    keep = list(x.shape)
    keep[axis] = 1
    out = np.empty(keep, "int32")  # keepdims layout works too
    run1(op, [x, out], 0, (axis,))
    np.testing.assert_array_equal(out.reshape(ref.shape), ref)


@pytest.mark.parametrize("src,dst", [((3, 1), (2, 3, 4)), ((4,), (3, 4)), ((), (2, 2)),
                                     ((2, 1, 3), (2, 5, 3))])
def test_broadcast_equals_ops_broadcast_to(rng, src, dst):
    x = np.asarray(rng.standard_normal(src), "float32")
    out = np.empty(dst, "float32")
    run1("broadcast", [x, out], 0)
    np.testing.assert_array_equal(out, ops.broadcast_to(x, dst).numpy())


@pytest.mark.parametrize("src,dst", [("float32", "int32"), ("int64", "float32"), ("float64", "float32"),
                                     ("float32", "bool"), ("bool", "float32"), ("float32", "uint8")])
def test_cast_equals_core_cast(rng, src, dst):
    x = (rng.standard_normal((7, 9)) * 100).astype(src)
    if src == "float32":
        x[0, :3] = [np.nan, np.inf, -1e20]
    out = np.empty((7, 9), dst)
    run1("cast", [x, out], 0)
    codes = {"float32": 0, "float64": 1, "int32": 2, "int64": 3, "bool": 4, "uint8": 5}
    np.testing.assert_array_equal(out, _core.cast(x, codes[dst]))


# ------------------------------------------------------------------- optimizer
def _rule_cases():
    # (rule, number of state arrays incl. param, keyword hyper-parameters)
    return [
        ("sgd", 1, dict(lr=0.1, momentum=0.0, nesterov=False)),
        ("sgd", 2, dict(lr=0.1, momentum=0.9, nesterov=False)),
        ("sgd", 2, dict(lr=0.1, momentum=0.9, nesterov=True)),
        ("adam", 3, dict(alpha=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7)),
        ("adam", 4, dict(alpha=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7)),
        ("rmsprop", 2, dict(lr=0.01, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False)),
        ("rmsprop", 4, dict(lr=0.01, rho=0.9, momentum=0.5, epsilon=1e-7, centered=True)),
        ("rmsprop", 3, dict(lr=0.01, rho=0.9, momentum=0.0, epsilon=1e-7, centered=True)),
        ("adagrad", 2, dict(lr=0.01, epsilon=1e-7)),
        ("adadelta", 3, dict(lr=1.0, rho=0.95, epsilon=1e-7)),
        ("adamax", 3, dict(lr=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7, bias_correction=0.1)),
        ("nadam", 3, dict(lr=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7, u_next=0.9, d_m=0.2,
                          u_g=0.1, d_g=0.1, d_v=0.01)),
        ("lion", 2, dict(lr=0.01, beta_1=0.9, beta_2=0.99)),
    ]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("rule,n_state,hyper", _rule_cases())
def test_optimizer_equals_eager_update(rng, dtype, rule, n_state, hyper):
    shape = (300, 130)  # above the parallel grain
    grad = rng.standard_normal(shape).astype(dtype)
    state = [rng.standard_normal(shape).astype(dtype) for _ in range(n_state)]
    if rule in ("adam", "nadam", "rmsprop", "adagrad", "adadelta", "adamax"):
        state[1:] = [np.abs(s) for s in state[1:]]
    pre = dict(gscale=0.5, clip=1.5, decay=0.01)
    expected = getattr(_core, rule + "_update")(grad, state, None, **pre, **hyper)
    names = _core.OPTIMIZER_SCALARS[rule]
    lo, hi = _core.OPTIMIZER_STATE_COUNTS[rule]
    assert lo <= n_state <= hi
    values = {**pre, **hyper}
    scalars = np.array([-1.0, -1.0] + [float(values[n]) for n in names], "float64")
    arrays = [grad] + [s.copy() for s in state]
    run1("optimizer", arrays, 0, (2,), (), rule, scalars, n_scalars=len(scalars))
    for got, want in zip(arrays[1:], expected):
        np.testing.assert_array_equal(got, want)


def test_optimizer_scalars_listing():
    assert _core.OPTIMIZER_SCALARS["adam"] == ("gscale", "clip", "decay", "alpha", "beta_1", "beta_2",
                                               "epsilon")
    assert _core.OPTIMIZER_STATE_COUNTS["adam"] == (3, 4)
    assert set(_core.OPTIMIZER_SCALARS) == {"sgd", "adam", "rmsprop", "adagrad", "adadelta", "adamax",
                                            "nadam", "lion"}
    for names in _core.OPTIMIZER_SCALARS.values():
        assert names[:3] == ("gscale", "clip", "decay")


def test_rmsprop_slot_count_must_match_its_scalars(rng):
    g, p, v = (np.ones(4, "float32") for _ in range(3))
    names = _core.OPTIMIZER_SCALARS["rmsprop"]
    vals = dict(gscale=1, clip=np.inf, decay=0, lr=0.1, rho=0.9, momentum=0.5, epsilon=1e-7, centered=0)
    scalars = np.array([vals[n] for n in names], "float64")
    prog = _core.Program(0, [ext("float32", (4,), i) for i in range(3)],
                         [("optimizer", (0, 1, 2), (0,), (), "rmsprop")], len(scalars))
    with pytest.raises(ValueError, match=r"instruction 0 \(optimizer\): rmsprop with momentum=0.5.* takes 3"):
        prog.run([g, p, v], scalars)
    np.testing.assert_array_equal(p, 1.0)  # nothing ran
    scalars[names.index("momentum")] = 0.0
    prog.run([g, p, v], scalars)
    assert not np.array_equal(p, 1.0)


# ----------------------------------------------------------------------- fused
needs_fused = pytest.mark.skipif(not hasattr(_core, "FusedKernel"), reason="no fused kernel in this build")


def relu_add_kernel(shape, bias_shape, dtype="float32"):
    # r0 = x, r1 = bias, r2 = 0.5; r3 = x + bias; r4 = relu(r3); r5 = r4 * 0.5
    code = [("add", 3, (0, 1)), ("relu", 4, (3,)), ("multiply", 5, (4, 2))]
    return _core.FusedKernel(code, [0.5], [4, 5], [shape, bias_shape], [dtype, dtype], shape,
                             [dtype, dtype], dtype)


@needs_fused
def test_fused_equals_the_ops_one_by_one(rng):
    x = rng.standard_normal((6, 5)).astype("float32")
    bias = rng.standard_normal(5).astype("float32")
    k = relu_add_kernel((6, 5), (5,))
    o1, o2 = np.empty_like(x), np.empty_like(x)
    p = run1("fused", [x, bias, o1, o2], 0, (2,), (), k)
    r = _core.unary(U["relu"], _core.binary(_core.BINARY_OPS["add"], x, bias))
    np.testing.assert_array_equal(o1, r)
    np.testing.assert_array_equal(o2, _core.binary(_core.BINARY_OPS["multiply"], r, np.array(0.5, "float32")))
    assert "fused(FusedKernel: 2 inputs" in p.describe()


@needs_fused
def test_fused_in_place_on_an_arena_buffer(rng):
    x = rng.standard_normal((6, 5)).astype("float32")
    bias = rng.standard_normal(5).astype("float32")
    out1, out2 = np.empty_like(x), np.empty_like(x)
    slots = [ext("float32", (6, 5), 0), ext("float32", (5,), 1), ("arena", "float32", (30,), 0),
             ("arena", "float32", (6, 5), 0), ("arena", "float32", (6, 5), 128), ext("float32", (6, 5), 2),
             ext("float32", (6, 5), 3)]
    k = relu_add_kernel((6, 5), (5,))
    prog = _core.Program(256, slots, [
        ("copy", (0, 2), (), (), None),            # x into the arena, flat
        ("fused", (3, 1, 3, 4), (2,), (), k),      # out0 in place over the input (same memory)
        ("copy", (3, 5), (), (), None), ("copy", (4, 6), (), (), None)])
    prog.run([x, bias, out1, out2])
    r = _core.unary(U["relu"], _core.binary(_core.BINARY_OPS["add"], x, bias))
    np.testing.assert_array_equal(out1, r)


@needs_fused
def test_fused_checks_slots_against_the_kernel():
    k = relu_add_kernel((6, 5), (5,))
    slots = [ext("float32", (6, 5), 0), ext("float64", (5,), 1), ext("float32", (6, 5), 2),
             ext("float32", (6, 5), 3)]
    with pytest.raises(ValueError,
                       match=r"instruction 0 \(fused\): slot 'in1' .* has dtype float64, expected float32"):
        _core.Program(0, slots, [("fused", (0, 1, 2, 3), (2,), (), k)])
    slots[1] = ext("float32", (4,), 1)
    with pytest.raises(ValueError, match=r"slot 'in1' .* has shape \(4,\), expected the kernel's \(5,\)"):
        _core.Program(0, slots, [("fused", (0, 1, 2, 3), (2,), (), k)])
    slots[1] = ext("float32", (5,), 1)
    with pytest.raises(ValueError, match=r"n_inputs = 1, but the kernel takes 2"):
        _core.Program(0, slots, [("fused", (0, 1, 2, 3), (1,), (), k)])
    with pytest.raises(TypeError, match="extra must be a _core.FusedKernel, got str"):
        _core.Program(0, slots, [("fused", (0, 1, 2, 3), (2,), (), "kernel")])
    arena = [("arena", "float32", (6, 5), 0), ext("float32", (5,), 0), ("arena", "float32", (6, 5), 64),
             ext("float32", (6, 5), 1)]
    with pytest.raises(ValueError,
                       match=r"slot 'out0' .* overlaps slot 'in0' .* without being exactly that input"):
        _core.Program(256, arena, [("fused", (0, 1, 2, 3), (2,), (), k)])


def test_check_range_passes_data_through_or_raises_with_the_message():
    labels = np.array([0, 2, 4], "int64")
    out = np.empty(3, "int64")
    slots = [ext("int64", (3,), 0), ext("int64", (3,), 1)]
    prog = _core.Program(0, slots, [("check_range", (0, 1), (0, 5), (), "label {bad} not in [0, 5) {{ok}}")])
    prog.run([labels, out])
    np.testing.assert_array_equal(out, labels)
    with pytest.raises(ValueError, match=r"^label 7 not in \[0, 5\) \{ok\}$"):
        prog.run([np.array([0, 7, 1], "int64"), out])
    # Below lo is reported first, as ops.check_range does.
    with pytest.raises(ValueError, match=r"^label -1 not in"):
        prog.run([np.array([0, 7, -1], "int64"), out])
