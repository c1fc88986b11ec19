"""_core.FusedKernel: a fused program must give bit-identical results to the same ops
run one by one through _core.unary / _core.binary, for every op, broadcast and dtype."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from lamina.backend.native import _core

U, B = _core.UNARY_OPS, _core.BINARY_OPS
FLOATS = ["float32", "float64"]


# ----------------------------------------------------------------- reference
def reference(code, consts, out_regs, inputs, out_shape, out_dtypes, compute):
    """The program run op by op with the single-op kernels, on broadcast copies."""
    ct = np.dtype(compute)
    regs = {}
    for i, a in enumerate(inputs):
        regs[i] = np.broadcast_to(a.astype(ct), out_shape).copy()
    for j, c in enumerate(consts):
        regs[len(inputs) + j] = np.full(out_shape, c, ct)
    for op, dst, srcs, *param in code:
        args = [regs[s] for s in srcs]
        if op in U:
            r = _core.unary(U[op], args[0], param[0] if param else 0.0)
        elif op in B:
            r = _core.binary(B[op], args[0], args[1])
        elif op == "where":
            r = np.where(args[0] != 0, args[1], args[2])
        else:
            assert op == "copy"
            r = args[0].copy()
        regs[dst] = r.astype(ct) if r.dtype == np.bool_ else r
    outs = []
    for r, dt in zip(out_regs, out_dtypes):
        v = regs[r]
        outs.append(v != 0 if dt == "bool" else v.astype(dt))
    return outs


def assert_identical(got, want):
    """Same dtype, shape and bits (NaNs compared as NaNs; +0 and -0 differ)."""
    assert got.dtype == want.dtype and got.shape == want.shape
    if got.dtype.kind != "f":
        np.testing.assert_array_equal(got, want)
        return
    gn, wn = np.isnan(got), np.isnan(want)
    np.testing.assert_array_equal(gn, wn)
    ubits = np.uint32 if got.dtype == np.float32 else np.uint64
    g, w = got[~gn].view(ubits), want[~wn].view(ubits)
    bad = np.nonzero(g != w)[0]
    assert bad.size == 0, f"{bad.size} elements differ, e.g. {got[~gn][bad[:5]]} vs {want[~wn][bad[:5]]}"


def kernel(code, consts, out_regs, inputs, out_shape, out_dtypes, compute):
    return _core.FusedKernel(code, consts, out_regs, [a.shape for a in inputs],
                             [a.dtype.name for a in inputs], out_shape, out_dtypes, compute)


def check(code, consts, out_regs, inputs, out_shape=None, out_dtypes=None, compute="float32"):
    """Builds, runs and compares with the reference; returns the kernel."""
    if out_shape is None:
        out_shape = np.broadcast_shapes(*(a.shape for a in inputs))
    if out_dtypes is None:
        out_dtypes = [compute] * len(out_regs)
    k = kernel(code, consts, out_regs, inputs, out_shape, out_dtypes, compute)
    got = k(inputs)
    assert isinstance(got, tuple) and len(got) == len(out_regs)
    want = reference(code, consts, out_regs, inputs, out_shape, out_dtypes, compute)
    for g, w in zip(got, want):
        assert_identical(g, w)
    return k


def special_values(dtype, n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(n) * 3).astype(dtype)
    x[:12] = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 6.0, 7.5, np.inf, -np.inf, np.nan, 90.0]
    return x


# ----------------------------------------------------------------- every op
@pytest.mark.parametrize("compute", FLOATS)
@pytest.mark.parametrize("op", sorted(U))
def test_each_unary_op_matches_single_kernel(op, compute):
    x = special_values(compute)
    check([(op, 1, (0,), 0.3)], [], [1], [x], compute=compute)


@pytest.mark.parametrize("compute", FLOATS)
@pytest.mark.parametrize("op", sorted(B))
def test_each_binary_op_matches_single_kernel(op, compute):
    a = special_values(compute, seed=1)
    b = special_values(compute, seed=2)[::-1].copy()
    check([(op, 2, (0, 1), 0.0)], [], [2], [a, b], compute=compute)
    check([(op, 2, (1, 0), 0.0)], [], [2], [a, b], compute=compute)


@pytest.mark.parametrize("compute", FLOATS)
def test_random_chains_match_one_by_one(compute):
    """Random programs over every op, with reassigned registers and broadcast inputs."""
    rng = np.random.default_rng(7)
    ops = sorted(U) + sorted(B) + ["where", "copy"]
    shapes = [(3, 5, 7), (5, 7), (7,), (3, 1, 7), (1, 5, 1), (), (1,)]
    for _ in range(150):
        n_in = int(rng.integers(1, 4))
        inputs = [np.asarray(rng.standard_normal(shapes[0] if i == 0 else
                                                 shapes[rng.integers(len(shapes))]) * 2, compute)
                  for i in range(n_in)]
        consts = [float(c) for c in rng.standard_normal(int(rng.integers(0, 3)))]
        base = n_in + len(consts)
        defined, code = list(range(base)), []
        for k in range(int(rng.integers(1, 10))):
            op = ops[rng.integers(len(ops))]
            arity = 1 if op in U or op == "copy" else (2 if op in B else 3)
            srcs = tuple(int(rng.choice(defined)) for _ in range(arity))
            temps = [r for r in defined if r >= base]
            dst = int(rng.choice(temps)) if temps and rng.random() < 0.4 else base + k
            code.append((op, dst, srcs, float(rng.uniform(0.05, 0.5))))
            if dst not in defined:
                defined.append(dst)
        out_regs = [code[-1][1]] + [int(rng.choice(defined))
                                    for _ in range(int(rng.integers(0, 2)))]
        check(code, consts, out_regs, inputs, out_shape=shapes[0], compute=compute)


# ----------------------------------------------------------------- broadcasting
@pytest.mark.parametrize("compute", FLOATS)
@pytest.mark.parametrize("shapes", [
    [(40, 30), ()],            # scalar
    [(40, 30), (1,)],          # one element
    [(40, 30), (30,)],         # row vector
    [(40, 30), (1, 30)],
    [(40, 30), (40, 1)],       # column vector
    [(40, 1), (1, 30)],        # outer product
    [(4, 1, 6), (5, 1)],       # 3-D mixes
    [(4, 5, 6), (4, 1, 6)],
    [(1, 5, 1), (4, 1, 6)],
    [(2, 3, 4, 5), (3, 1, 5)],
    [(700, 3), (700, 1)],      # short rows crossing tile boundaries
    [(3, 2000), (2000,)],      # rows longer than a tile
])
def test_broadcasting(shapes, compute):
    rng = np.random.default_rng(3)
    a, b = (np.asarray(rng.standard_normal(s), compute) for s in shapes)
    code = [("multiply", 3, (0, 1)), ("add", 3, (3, 2)), ("tanh", 3, (3,)), ("subtract", 4, (3, 1))]
    check(code, [0.25], [3, 4], [a, b], compute=compute)


def test_output_larger_than_every_input():
    x = np.array([2.0], np.float32)
    k = check([("exp", 2, (0,)), ("add", 2, (2, 1))], [1.0], [2], [x], out_shape=(3, 4))
    assert k.size == 12


def test_zero_d_and_empty_outputs():
    x = np.array(1.5, np.float32)
    check([("square", 1, (0,))], [], [1], [x], out_shape=())
    e = np.zeros((0, 3), np.float32)
    k = check([("exp", 1, (0,))], [], [1], [e])
    assert k.size == 0 and k([e])[0].shape == (0, 3)


# ----------------------------------------------------------------- dtypes
@pytest.mark.parametrize("compute", FLOATS)
@pytest.mark.parametrize("in_dtype", ["int32", "int64", "uint8", "bool", "float32", "float64"])
def test_inputs_are_converted_on_load(in_dtype, compute):
    rng = np.random.default_rng(4)
    x = (rng.integers(0, 200, (6, 9)) if in_dtype != "bool" else rng.random((6, 9)) > 0.5)
    x = x.astype(in_dtype)
    row = rng.integers(-5, 5, 9).astype(in_dtype if in_dtype != "uint8" else "int32")
    scalar = np.array(3, in_dtype)
    code = [("multiply", 4, (0, 3)), ("add", 4, (4, 1)), ("subtract", 4, (4, 2))]
    check(code, [0.5], [4], [x, row, scalar], compute=compute)
    check(code, [0.5], [4], [x, row.reshape(1, 9), scalar.reshape(1, 1)], compute=compute)
    check(code, [0.5], [4], [x, x[:, :1].copy(), scalar], compute=compute)  # column vector


@pytest.mark.parametrize("compute", FLOATS)
def test_output_dtypes(compute):
    x = special_values(compute)[12:]  # finite values only: float -> int casts of NaN are undefined
    code = [("greater", 2, (0, 1)), ("floor", 3, (0,)), ("multiply", 4, (0, 1))]
    outs = ["bool", "int32", "int64", "uint8", "float32", "float64", "bool"]
    check(code, [0.0], [2, 3, 3, 2, 4, 4, 4], [x], out_dtypes=outs, compute=compute)


def test_bool_output_of_a_value_is_nonzero_test():
    x = np.array([0.0, -0.0, 1.0, -2.0, np.nan, np.inf], np.float32)
    (out,) = kernel([("copy", 1, (0,))], [], [1], [x], x.shape, ["bool"], "float32")([x])
    np.testing.assert_array_equal(out, [False, False, True, True, True, True])


def test_comparisons_and_logic_give_one_or_zero():
    a = np.array([1.0, 2.0, np.nan, 0.0], np.float64)
    b = np.array([2.0, 2.0, 1.0, 0.0], np.float64)
    k = kernel([("less_equal", 2, (0, 1)), ("logical_or", 3, (0, 1)), ("isnan", 4, (0,))], [],
               [2, 3, 4], [a, b], a.shape, ["float64"] * 3, "float64")
    le, lor, nan = k([a, b])
    np.testing.assert_array_equal(le, [1, 1, 0, 1])
    np.testing.assert_array_equal(lor, [1, 1, 1, 0])
    np.testing.assert_array_equal(nan, [0, 0, 1, 0])


# ----------------------------------------------------------------- program forms
def test_where_and_copy():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((8, 9)).astype(np.float32)
    y = rng.standard_normal(9).astype(np.float32)
    cond = rng.random((8, 1)) > 0.5
    check([("greater", 4, (0, 1)), ("where", 5, (4, 0, 1)), ("where", 6, (2, 5, 3)),
           ("copy", 7, (6,))], [-1.0], [7, 5], [x, y, cond])


@pytest.mark.parametrize("op", ["leaky_relu", "elu"])
def test_alpha_param(op):
    x = special_values("float32")
    for alpha in (0.0, 0.1, 0.3, 2.5):
        check([(op, 1, (0,), alpha)], [], [1], [x])
    k = kernel([(op, 1, (0,), 0.1), (op, 2, (0,), 0.2)], [], [1, 2], [x], x.shape,
               ["float32"] * 2, "float32")
    a, b = k([x])
    neg = x < 0
    assert not np.array_equal(a[neg], b[neg])
    assert "alpha=0.2" in k.describe()


def test_three_element_instructions_and_lists_are_accepted():
    x = np.arange(5, dtype=np.float32)
    k = _core.FusedKernel([["add", 2, [0, 1]], ("relu", 2, (2,), None)], [3], [2], [[5]],
                          ["float32"], [5], ["float32"], "float32")
    np.testing.assert_array_equal(k([x])[0], x + 3)


def test_multiple_outputs_inputs_and_constants_as_outputs():
    x = np.linspace(-2, 2, 11, dtype=np.float32)
    k = check([("exp", 2, (0,)), ("multiply", 3, (2, 1))], [0.5], [3, 0, 1, 2, 3], [x])
    assert k.n_outputs == 5 and k.n_inputs == 1


def test_reassigned_registers_and_unused_instructions():
    x = np.linspace(-3, 3, 50, dtype=np.float64)
    code = [("exp", 2, (0,)), ("sin", 3, (0,)), ("add", 2, (2, 1)), ("multiply", 2, (2, 2)),
            ("cos", 4, (0,)), ("tanh", 2, (2,))]
    k = check(code, [1.0], [2], [x], compute="float64")
    text = k.describe()
    assert text.count("skipped") == 2  # sin and cos reach no output
    assert "r2 = multiply(r2, r2)" in text and "out 0 (float64) = r2" in text
    assert len(text.splitlines()) == 1 + 1 + 1 + len(code) + 1


# ----------------------------------------------------------------- sizes, threads
def test_large_threaded_equals_small_and_one_by_one():
    rng = np.random.default_rng(6)
    code = [("multiply", 3, (0, 2)), ("exp", 3, (3,)), ("add", 3, (3, 1)), ("tanh", 4, (3,))]
    x = rng.standard_normal((600, 500)).astype(np.float32)
    bias = rng.standard_normal(500).astype(np.float32)
    big = check(code, [0.7], [3, 4], [x, bias])
    assert big.parallel  # exp and tanh on 300K elements: worth threads
    small = kernel(code, [0.7], [3, 4], [x[:3], bias], (3, 500), ["float32"] * 2, "float32")
    assert not small.parallel
    for g, s in zip(big([x, bias]), small([x[:3].copy(), bias])):
        assert_identical(g[:3], s)
    cheap = kernel([("add", 2, (0, 1))], [], [2], [x, x], x.shape, ["float32"], "float32")
    assert not cheap.parallel  # memory-bound below 4M elements: one thread


def test_many_calls_and_concurrent_calls():
    rng = np.random.default_rng(8)
    x = rng.standard_normal(200_000).astype(np.float32)
    k = kernel([("sigmoid", 1, (0,)), ("multiply", 1, (1, 0))], [], [1], [x], x.shape,
               ["float32"], "float32")
    (first,) = k([x])
    for _ in range(50):
        assert_identical(k([x])[0], first)
    results = [None] * 4

    def work(i):
        results[i] = k([x])[0]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        assert_identical(r, first)


def test_outs_are_written_and_returned():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    k = kernel([("square", 1, (0,)), ("greater", 2, (0, 0))], [], [1, 2], [x], (3, 4),
               ["float32", "bool"], "float32")
    o1, o2 = np.empty((3, 4), np.float32), np.ones((3, 4), np.bool_)
    r1, r2 = k([x], [o1, o2])
    assert r1 is o1 and r2 is o2
    np.testing.assert_array_equal(o1, x * x)
    assert not o2.any()


def test_in_place_output_over_an_input():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((50, 70)).astype(np.float32)
    y = rng.standard_normal(70).astype(np.float32)
    code = [("add", 2, (0, 1)), ("multiply", 3, (0, 2)), ("exp", 4, (0,))]
    want = reference(code, [], [3, 4, 0], [x, y], x.shape, ["float32"] * 3, "float32")
    k = kernel(code, [], [3, 4, 0], [x, y], x.shape, ["float32"] * 3, "float32")
    copy_out, exp_out = np.empty_like(x), np.empty_like(x)
    k([x, y], [x, exp_out, copy_out])  # out 0 overwrites input 0, which out 2 copies
    for g, w in zip([x, exp_out, copy_out], want):
        assert_identical(g, w)


# ----------------------------------------------------------------- errors
def make(code=(("add", 2, (0, 1)),), consts=(), out_regs=(2,), shapes=((4,), (4,)),
         dtypes=("float32", "float32"), out_shape=(4,), out_dtypes=("float32",),
         compute="float32"):
    code = code if not isinstance(code, (list, tuple)) else list(code)
    return _core.FusedKernel(code, list(consts), list(out_regs), list(shapes), list(dtypes),
                             out_shape, list(out_dtypes), compute)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(code=[("frobnicate", 2, (0, 1))]), ValueError, r"instruction 0 .*unknown op 'frobnicate'"),
    (dict(code=[("add", 2, (0,))]), ValueError, r"'add' takes 2 source registers, got 1"),
    (dict(code=[("exp", 2, (0, 1))]), ValueError, r"'exp' takes 1 source register, got 2"),
    (dict(code=[("where", 2, (0, 1))]), ValueError, r"'where' takes 3 source registers, got 2"),
    (dict(code=[("add", 2, (0, 3)), ("exp", 3, (0,))], out_regs=[2]), ValueError,
     r"register 3 is read before it is written"),
    (dict(code=[("add", 2, (0, 7))]), ValueError, r"source register 7 is out of range: registers are 0..2"),
    (dict(code=[("add", 2, (-1, 0))]), ValueError, r"source register -1 is out of range"),
    (dict(code=[("add", 9, (0, 1))]), ValueError, r"destination register 9 is out of range"),
    (dict(code=[("add", 1, (0, 1))], out_regs=[1]), ValueError,
     r"destination register 1 is an input register \(read-only\)"),
    (dict(code=[("add", 3, (0, 1)), ("exp", 3, (3,))], consts=[1.0], out_regs=[4]), ValueError,
     r"out_regs\[0\] = register 4, which no instruction writes"),
    (dict(code=[("add", 2, (0, 1))], consts=[1.0], out_regs=[2]), ValueError,
     r"destination register 2 is a constant register \(read-only\); write to a temporary, 3 or above"),
    (dict(out_regs=[5]), ValueError, r"out_regs\[0\] = 5 is out of range"),
    (dict(out_regs=[]), ValueError, r"out_regs is empty"),
    (dict(out_regs=[2, 2]), ValueError, r"got 2 out_regs but 1 out_dtypes"),
    (dict(shapes=[(4,)]), ValueError, r"got 1 input shapes but 2 input dtypes"),
    (dict(shapes=[(4,), (3,)]), ValueError,
     r"input 1 has shape \(3,\), which does not broadcast to the output shape \(4,\)"),
    (dict(shapes=[(4,), (1, 4)]), ValueError, r"input 1 has shape \(1, 4\), which does not broadcast"),
    (dict(out_shape=(-1,), shapes=[(), ()]), ValueError, r"negative dimension"),
    (dict(compute="int32"), TypeError, r"compute dtype must be float32 or float64, got int32"),
    (dict(dtypes=["float32", "float16"]), TypeError,
     r"input_dtypes\[1\] is 'float16', expected one of float32, float64, int32"),
    (dict(out_dtypes=[3]), TypeError, r"out_dtypes\[0\] must be a dtype name, got int"),
    (dict(code=["add"]), TypeError, r"instruction 0: expected a tuple \(op: str, dst: int"),
    (dict(code=[("add", 2)]), TypeError, r"got a sequence of length 2"),
    (dict(code=[(1, 2, (0, 1))]), TypeError, r"op must be a str, got int"),
    (dict(code=[("add", 2.5, (0, 1))]), TypeError, r"dst must be an int, got float"),
    (dict(code=[("add", 2, 0)]), TypeError, r"srcs must be a tuple of ints, got int"),
    (dict(code=[("add", 2, (0, "1"))]), TypeError, r"srcs must be a tuple of ints, got an element of type str"),
    (dict(code=[("add", 2, (0, 1), "x")]), TypeError, r"param must be a float, got str"),
    (dict(consts=["a"]), TypeError, r"consts\[0\] must be a float, got str"),
    (dict(code=("x" for _ in [])), TypeError, r"code must be a list, got generator"),
])
def test_construction_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        make(**kwargs)


def test_call_errors():
    k = make()
    a, b = np.ones(4, np.float32), np.ones(4, np.float32)
    with pytest.raises(ValueError, match=r"expected 2 inputs, got 1"):
        k([a])
    with pytest.raises(TypeError, match=r"inputs must be a list, got numpy.ndarray"):
        k(a)
    with pytest.raises(TypeError, match=r"inputs\[1\] must be float32, got float64"):
        k([a, b.astype(np.float64)])
    with pytest.raises(ValueError, match=r"inputs\[0\] must have shape \(4,\), got \(2, 2\)"):
        k([a.reshape(2, 2), b])
    with pytest.raises(ValueError, match=r"inputs\[0\]' must be an aligned C-contiguous array"):
        k([np.ones(8, np.float32)[::2], b])
    with pytest.raises(TypeError, match=r"argument 'inputs\[1\]' must be a NumPy array, got list"):
        k([a, [1, 2, 3, 4]])
    with pytest.raises(ValueError, match=r"expected 1 outs, got 2"):
        k([a, b], [np.empty(4, np.float32)] * 2)
    with pytest.raises(TypeError, match=r"outs\[0\] must be float32, got int32"):
        k([a, b], [np.empty(4, np.int32)])
    with pytest.raises(ValueError, match=r"outs\[0\] must have shape \(4,\), got \(5,\)"):
        k([a, b], [np.empty(5, np.float32)])
    ro = np.empty(4, np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match=r"outs\[0\] is read-only"):
        k([a, b], [ro])
    big = np.zeros(8, np.float32)
    with pytest.raises(ValueError, match=r"outs\[0\] overlaps inputs\[0\]"):
        k([big[:4], b], [big[2:6]])
    k2 = make(out_regs=[2, 2], out_dtypes=["float32"] * 2)
    with pytest.raises(ValueError, match=r"outs\[1\] overlaps outs\[0\]"):
        k2([a, b], [big[:4], big[2:6]])


def test_describe_and_repr():
    x = np.ones((2, 3), np.float32)
    k = kernel([("relu_grad", 3, (0, 1)), ("multiply", 3, (3, 2))], [0.5], [3],
               [x, x[0].copy()], (2, 3), ["float32"], "float32")
    text = k.describe()
    assert text.splitlines()[0].startswith("FusedKernel: 2 inputs, 1 constant, 1 output; compute float32")
    assert "r1 = input 1: float32 (3,) [broadcast]" in text
    assert "r2 = 0.5" in text and "r3 = relu_grad(r0, r1)" in text
    assert repr(k) == "<FusedKernel 2 -> 1, 6 elements, 2 ops>"
    assert k.size == 6
