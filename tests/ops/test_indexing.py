"""Indexing against NumPy: take, take_along_axis, one_hot and getitem (values, dtypes,
symbolic shapes, errors, gradients including repeated indices and second order)."""

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.tensor import Tensor

from conftest import assert_close, check_grad

DTYPES = ["float32", "float64", "int32", "bool"]


def _data(rng, shape, dtype="float32"):
    x = rng.standard_normal(shape) * 3
    if dtype == "bool":
        return x > 0
    return x.astype(dtype)


def _same(actual, expected):
    a, e = np.asarray(actual), np.asarray(expected)
    assert a.shape == e.shape, f"shape {a.shape} != expected {e.shape}"
    assert a.dtype == e.dtype, f"dtype {a.dtype} != expected {e.dtype}"
    np.testing.assert_array_equal(a, e)


# --------------------------------------------------------------------- take
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("idx", [[0, 2, -1, 2], [[1, 0], [0, -3]], 1, []])
def test_take_matches_numpy(rng, dtype, axis, idx):
    x = _data(rng, (3, 4, 5), dtype)
    _same(ops.take(x, idx, axis=axis), np.take(x, idx, axis=axis))


def test_take_index_dtypes_and_tensors(rng):
    x = _data(rng, (6, 2))
    for idx in (np.array([5, 0], np.int64), np.array([5, 0], np.int32), np.array([5, 0], np.uint8),
                ops.convert_to_tensor([5, 0])):
        _same(ops.take(x, idx, axis=0), x[[5, 0]])
    big = _data(rng, (1000, 300))  # above the parallel threshold
    idx = rng.integers(-1000, 1000, 4000)
    _same(ops.take(big, idx, axis=0), big[idx])
    _same(ops.take(big, idx[:50] % 300 - 150, axis=1), np.take(big, idx[:50] % 300 - 150, axis=1))
    _same(ops.take(np.zeros((0, 3)), [], axis=0), np.zeros((0, 3)))
    # a non-contiguous-derived input
    t = ops.transpose(ops.convert_to_tensor(x))
    _same(ops.take(t, [1, 1], axis=1), x.T[:, [1, 1]])


def test_take_errors():
    x = ops.ones((3, 4))
    with pytest.raises(IndexError, match="take: index 4 is out of bounds for axis 1 with size 4"):
        ops.take(x, [0, 4], axis=1)
    with pytest.raises(IndexError, match="take: index -4 is out of bounds for axis 0 with size 3"):
        ops.take(x, [-4], axis=0)
    with pytest.raises(IndexError, match="take: index 0 is out of bounds for axis 0 with size 0"):
        ops.take(np.zeros((0, 2)), [0], axis=0)
    with pytest.raises(TypeError, match="take: indices must be integers, got dtype float"):
        ops.take(x, [0.5], axis=0)
    with pytest.raises(ValueError, match="take: axis 2 is out of bounds"):
        ops.take(x, [0], axis=2)


def test_take_gradient_repeated_indices(rng):
    x = _data(rng, (4, 3), "float64")
    check_grad(lambda x: ops.take(x, [0, 2, 0, 0, -1], axis=0), x)
    check_grad(lambda x: ops.take(x, [[1, 1], [2, 0]], axis=1), x)
    check_grad(lambda x: ops.take(x, [3, 3, 11]), x)
    with lamina.GradientTape() as tape:
        xt = ops.convert_to_tensor(np.zeros(3))
        tape.watch(xt)
        y = ops.take(xt, [1, 1, 1, 2])
    assert_close(tape.gradient(y, xt, output_gradients=ops.ones((4,), "float64")), [0.0, 3.0, 1.0])


def test_take_second_order(rng):
    # d/dx <w, take(x)^2> = scatter_add(2 w take(x)); its VJP is a gather again.
    x = ops.convert_to_tensor(np.array([1.0, 2.0, 3.0]))
    w = ops.convert_to_tensor(np.array([1.0, 1.0, 1.0, 1.0]))
    with lamina.GradientTape() as outer:
        outer.watch(x)
        with lamina.GradientTape() as inner:
            inner.watch(x)
            t = ops.take(x, [0, 2, 2, 1])
            y = t * t
        g = inner.gradient(y, x, output_gradients=w)
    assert_close(g, [2.0, 4.0, 12.0])
    gg = outer.gradient(g, x, output_gradients=ops.convert_to_tensor(np.array([1.0, 1.0, 1.0])))
    assert_close(gg, [2.0, 2.0, 4.0])


def test_scatter_add_gradient(rng):
    from lamina.ops.indexing import _SCATTER_ADD

    g = _data(rng, (2, 5), "float64")
    idx = ops.convert_to_tensor([0, 3, 0, 1, 3])
    check_grad(lambda g: _SCATTER_ADD.bind(g, idx, axis=1, n=4), g)


# ---------------------------------------------------------- take_along_axis
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_take_along_axis_matches_numpy(rng, dtype, axis):
    x = _data(rng, (3, 4, 5), dtype)
    shape = list(x.shape)
    shape[axis] = 6
    idx = rng.integers(-x.shape[axis], x.shape[axis], shape)
    _same(ops.take_along_axis(x, idx, axis=axis), np.take_along_axis(x, idx, axis=axis))


def test_take_along_axis_broadcast_and_none(rng):
    x = _data(rng, (3, 4))
    idx = np.array([[0, 3]])
    _same(ops.take_along_axis(x, idx, axis=1), np.take_along_axis(x, idx, axis=1))
    x1 = _data(rng, (1, 4))
    idx = np.array([[0], [3], [1]])
    _same(ops.take_along_axis(x1, idx, axis=1), np.take_along_axis(x1, idx, axis=1))
    _same(ops.take_along_axis(x, np.array([11, 0]), axis=None), np.take_along_axis(x, np.array([11, 0]), axis=None))
    # the common argsort/argmax pattern
    order = np.argsort(x, axis=1)
    _same(ops.take_along_axis(x, order, axis=1), np.sort(x, axis=1))


def test_take_along_axis_errors():
    x = ops.ones((3, 4))
    with pytest.raises(IndexError, match="take_along_axis: index 4 is out of bounds for axis 1 with size 4"):
        ops.take_along_axis(x, [[4]], axis=1)
    with pytest.raises(ValueError, match="take_along_axis: indices of shape \\(2,\\) must have the rank of x"):
        ops.take_along_axis(x, [0, 1], axis=1)
    with pytest.raises(ValueError, match="take_along_axis: indices of shape \\(2, 1\\) do not broadcast"):
        ops.take_along_axis(x, [[0], [1]], axis=1)
    with pytest.raises(ValueError, match="with axis=None, indices must be 1-D"):
        ops.take_along_axis(x, [[0]], axis=None)


def test_take_along_axis_gradient(rng):
    x = _data(rng, (3, 4), "float64")
    idx = np.array([[0, 0, 3], [1, 1, 1], [2, 3, 0]])
    check_grad(lambda x: ops.take_along_axis(x, idx, axis=1), x)
    check_grad(lambda x: ops.take_along_axis(x, np.array([[0, 2, 2, 1], [0, 0, 0, 0]]), axis=0), x)


def test_take_along_axis_second_order():
    x = ops.convert_to_tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    idx = [[1, 1, 0], [0, 0, 0]]
    with lamina.GradientTape() as outer:
        outer.watch(x)
        with lamina.GradientTape() as inner:
            inner.watch(x)
            t = ops.take_along_axis(x, idx, axis=1)
            y = t * t
        g = inner.gradient(y, x, output_gradients=ops.ones((2, 3), "float64"))
    assert_close(g, [[2.0, 8.0], [18.0, 0.0]])
    gg = outer.gradient(g, x, output_gradients=ops.ones((2, 2), "float64"))
    assert_close(gg, [[2.0, 4.0], [6.0, 0.0]])


# ------------------------------------------------------------------ one_hot
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_one_hot_matches_reference(axis):
    x = np.array([[1, 3, -1], [0, 4, 2]])
    ref = (x[..., None] == np.arange(4)).astype(np.float32)  # -1 and 4 give zero rows
    ref = np.moveaxis(ref, -1, axis)
    _same(ops.one_hot(x, 4, axis=axis), ref)


def test_one_hot_dtypes_and_errors():
    _same(ops.one_hot([0, 2], 3, dtype="int32"), np.array([[1, 0, 0], [0, 0, 1]], np.int32))
    _same(ops.one_hot(np.array([1.0, 0.0]), 2), np.array([[0, 1], [1, 0]], np.float32))
    _same(ops.one_hot(np.zeros((0,), np.int32), 3), np.zeros((0, 3), np.float32))
    _same(ops.one_hot(2, 3), np.array([0, 0, 1], np.float32))
    big = np.arange(100000) % 7
    _same(ops.one_hot(big, 5), (big[:, None] == np.arange(5)).astype(np.float32))
    with pytest.raises(ValueError, match="one_hot: num_classes must be non-negative"):
        ops.one_hot([0], -1)
    with pytest.raises(ValueError, match="one_hot: axis 3 is out of bounds"):
        ops.one_hot([[0]], 2, axis=3)
    assert ops.one_hot(KerasTensor((None, 5), "int32"), 10).shape == (None, 5, 10)
    assert ops.one_hot(KerasTensor((None, 5), "int32"), 10, axis=1).shape == (None, 10, 5)


# ------------------------------------------------------------------ getitem
X = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)

KEYS = [
    0, -1, 1, (1, 2), (1, -1, 2, 3), (-2, -3, -4, -5), slice(None), slice(1, None), slice(None, None, -1),
    (Ellipsis, 1), (None, 0), (slice(None), None, 1, slice(None, None, 2)), (Ellipsis, None), Ellipsis, (),
    (slice(5, 1),), (slice(-100, 100),), (1, Ellipsis, slice(None, None, -3)), (slice(None, None, -2), slice(1, None, 2)),
    (slice(3, 0, -1), slice(None), slice(-1, -5, -2)), (0, 0, 0, slice(None, None, 7)),
    (None, None, Ellipsis, None), np.int64(1), (np.int32(-1), slice(0, 2)),
    # integer arrays
    [1, 0], [[0, 1], [1, 0]], (0, [0, 2]), ([0, 1], [2, 0]), ([0, 1], slice(None), [2, 0]),
    (slice(None), [0, 2], [1, 3]), (0, slice(None), [0, 1]), (slice(None), 0, [0, 1]),
    (np.array([1, 0]), Ellipsis, np.array([3])), ([0], None, [1]), (slice(None, None, -2), [2, -1], slice(1, 4, 2)),
    ([],), (np.array([], dtype=np.int64), 0), (Ellipsis, [0, 0, 0]), ([[0], [1]], slice(None), [[0, 1, 2]]),
    (slice(None), [[0], [1]], [[0, 1, 2]], slice(None)), ([-1, 0], [-1], [-1], [-1]), (1, [2], 3, [4]),
    (None, [0, 1]), ([0, 1], None), (slice(None), None, [1, 2], None, [0, 3]), (np.array(1),),
    (np.array([[1]], np.int32), slice(1, 3)), ((0, 1), 1),
    # bool masks
    (X[..., 0, 0] > 20,), (X[:, :, 0, 0] > 25,), (slice(None), X[0, :, :, 0] > 30), (0, 0, X[0, 0] > 50),
    (slice(None), slice(None), X[0, 0] > 44), (X > 60,), (X < 0,), (X[..., 0, 0] > 20, slice(1, 3)),
    (X[:, 0, 0, 0] > 30, [1, 2]), (X[:, :, 0, 0] > 50, 0, [1, 0, 4]), (Ellipsis, X[0, 0, 0] > 2),
    ([True, False],), (0, [True, False, True]),
]


def _np_key(k):
    if isinstance(k, tuple):
        return tuple(a._value if isinstance(a, Tensor) else a for a in k)
    return k._value if isinstance(k, Tensor) else k


@pytest.mark.parametrize("key", KEYS, ids=[str(i) for i in range(len(KEYS))])
def test_getitem_matches_numpy(key):
    _same(ops.convert_to_tensor(X)[key], X[_np_key(key)])


@pytest.mark.parametrize("dtype", DTYPES)
def test_getitem_dtypes(rng, dtype):
    x = _data(rng, (4, 3), dtype)
    t = ops.convert_to_tensor(x)
    for key in (1, (slice(None), -1), ([3, 0, 3],), (slice(None, None, -1), [1]), (x[:, 0] == x[0, 0],), (None, 2, 1)):
        _same(t[key], x[key])


def test_getitem_tensor_indices():
    t = ops.convert_to_tensor(X)
    i = ops.convert_to_tensor([1, 0, 1])
    j = ops.convert_to_tensor(np.array([[2], [0]]))
    _same(t[i], X[[1, 0, 1]])
    _same(t[:, j, i], X[:, np.array([[2], [0]]), [1, 0, 1]])
    _same(t[ops.convert_to_tensor(1)], X[1])  # a 0-d integer tensor is an int
    m = ops.convert_to_tensor(X[:, :, 0, 0] > 30)
    _same(t[m], X[X[:, :, 0, 0] > 30])
    _same(t[t > 100.0], X[X > 100])
    _same(t[1:, ops.convert_to_tensor(2)], X[1:, 2])


def test_getitem_fast_path_and_large_inputs(rng):
    x = _data(rng, (2000, 40))
    t = ops.convert_to_tensor(x)
    idx = rng.integers(-2000, 2000, 5000)
    _same(t[idx], x[idx])
    _same(t[idx.astype(np.int32)], x[idx])
    _same(t[idx[::2]], x[idx[::2]])  # non-contiguous index array
    u = (np.abs(idx) % 2000).astype(np.uint16)  # widened to int32 on the way in
    _same(t[u], x[u])
    _same(t[:, ::-3], x[:, ::-3])
    _same(t[x > 1.0], x[x > 1.0])


def test_getitem_shares_contiguous_views():
    t = ops.reshape(ops.arange(12.0), (3, 4))
    row = t[1]
    assert row.numpy().base is not None
    _same(row, np.arange(4.0, 8.0, dtype=np.float32))
    col = t[:, 1]
    assert col.numpy().flags.c_contiguous  # materialized by the strided copy
    _same(col, np.array([1.0, 5.0, 9.0], np.float32))
    s = t[1, 2]
    assert s.shape == () and float(s) == 6.0


def test_getitem_of_derived_tensor():
    t = ops.transpose(ops.reshape(ops.arange(24.0), (2, 3, 4)), (2, 0, 1))
    ref = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4).transpose(2, 0, 1)
    for key in ((1, slice(None), [2, 0]), (slice(None, None, -1), 1), ([3, 1], [1, 0], [0, 2])):
        _same(t[key], ref[key])


def test_getitem_iteration_and_empty():
    t = ops.convert_to_tensor(np.arange(6, dtype=np.int32).reshape(3, 2))
    rows = list(t)
    assert len(rows) == 3
    _same(rows[2], np.array([4, 5], np.int32))
    e = ops.zeros((0, 3))
    _same(e[:, 1], np.zeros((0,), np.float32))
    _same(e[[]], np.zeros((0, 3), np.float32))
    _same(e[e > 0], np.zeros((0,), np.float32))


@pytest.mark.parametrize("key,exc,msg", [
    (5, IndexError, "getitem: index 5 is out of bounds for axis 0 with size 2"),
    ((0, -4), IndexError, "getitem: index -4 is out of bounds for axis 1 with size 3"),
    ([0, 2], IndexError, "getitem: index 2 is out of bounds for axis 0 with size 2"),
    ((slice(None), [0, 3]), IndexError, "getitem: index 3 is out of bounds for axis 1 with size 3"),
    ((None, 0, [3]), IndexError, "getitem: index 3 is out of bounds for axis 1 with size 3"),
    (([0], [0], [0], [5]), IndexError, "getitem: index 5 is out of bounds for axis 3 with size 5"),
    ((0, 0, 0, 0, 0), IndexError, "getitem: too many indices for a tensor of rank 4: 5 were indexed"),
    ((Ellipsis, 0, Ellipsis), IndexError, r"getitem: an index can only have a single ellipsis"),
    (([0, 1], [0, 1, 2]), IndexError, r"getitem: shape mismatch: indexing arrays could not be broadcast together"),
    ((np.ones(3, bool),), IndexError, "getitem: boolean index did not match the indexed tensor along axis 0: size of axis is 2 but size of the boolean axis is 3"),
    (1.5, TypeError, "getitem: indices must be .*; got the float 1.5"),
    ((0, np.array([0.0, 1.0])), TypeError, "getitem: arrays used as indices must be of integer or boolean type, got float64"),
    (slice(0.5, 2), TypeError, "getitem: slice start must be an integer or None, got 0.5"),
    (slice(0, 2, 0), ValueError, "getitem: slice step cannot be zero"),
    ("a", TypeError, "getitem: indices must be .*; got str"),
    (True, TypeError, "getitem: boolean scalar indices are not supported"),
])
def test_getitem_errors(key, exc, msg):
    with pytest.raises(exc, match=msg):
        ops.convert_to_tensor(X)[key]


def test_getitem_float_tensor_index_error():
    t = ops.convert_to_tensor(X)
    with pytest.raises(TypeError, match="getitem: arrays used as indices must be of integer or boolean type, got float32"):
        t[ops.convert_to_tensor([0.0])]


GRAD_KEYS = [
    1, (slice(None), -1), (slice(None, None, -1), slice(1, 3)), (None, 0, Ellipsis), (1, 2),
    ([0, 0, 2],), ([2, 0, 2], [1, 1, 0]), (slice(None), [1, 1]), ([[0], [2]], slice(None, None, -1), ...),
    (-1, [1, 0, 1]), (np.array([[True, False, True, True]] * 3),), (slice(1, None), [True, False, True, True]),
    ([0, 2, 0], [True, False, True, True]),
]


@pytest.mark.parametrize("key", GRAD_KEYS, ids=[str(i) for i in range(len(GRAD_KEYS))])
def test_getitem_gradient(rng, key):
    x = _data(rng, (3, 4), "float64")
    check_grad(lambda x: x[key], x)


def test_getitem_gradient_with_new_axes(rng):
    x = _data(rng, (2, 3, 2), "float64")
    check_grad(lambda x: x[:, None, [2, 0, 2], None], x)
    check_grad(lambda x: x[[1, 1], :, [0, 1]], x)


def test_getitem_second_order():
    x = ops.convert_to_tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    with lamina.GradientTape() as outer:
        outer.watch(x)
        with lamina.GradientTape() as inner:
            inner.watch(x)
            a = x[:, 1]  # basic
            b = x[[0, 0], [1, 1]]  # advanced, repeated
            y = a * a + b * b
        g = inner.gradient(y, x, output_gradients=ops.ones((2,), "float64"))
    assert_close(g, [[0.0, 2 * 2.0 + 2 * 2 * 2.0], [0.0, 2 * 4.0]])
    gg = outer.gradient(g, x, output_gradients=ops.ones((2, 2), "float64"))
    assert_close(gg, [[0.0, 2.0 + 4.0], [0.0, 2.0]])


# ------------------------------------------------------- symbolic shapes
def test_symbolic_indexing_shapes():
    x = KerasTensor((None, 3, 4))
    assert ops.getitem(x, 0).shape == (3, 4)
    assert ops.getitem(x, (slice(None), 1)).shape == (None, 4)
    assert ops.getitem(x, (Ellipsis, slice(1, 3))).shape == (None, 3, 2)
    assert ops.getitem(x, (slice(None), None, slice(None, None, -1))).shape == (None, 1, 3, 4)
    assert ops.getitem(x, (slice(None), [0, 2, 2])).shape == (None, 3, 4)
    assert ops.getitem(x, (slice(None), [[0], [1]], [0, 1, 3])).shape == (None, 2, 3)
    assert ops.getitem(x, (slice(None), [0, 1], slice(None))).shape == (None, 2, 4)
    assert ops.getitem(x, ([0, 1], slice(None), [1, 1])).shape == (2, 3)
    assert ops.getitem(x, (slice(None), np.array([[True, False, True, True]] * 3))).shape == (None, 9)
    assert ops.getitem(x, (slice(None), [0, 1], [1, 2])).dtype == "float32"
    assert ops.take(x, [0, 1], axis=1).shape == (None, 2, 4)
    assert ops.take(x, [[0, 1]], axis=-1).shape == (None, 3, 1, 2)
    assert ops.take(x, [0, 1]).shape == (2,)
    assert ops.take_along_axis(x, KerasTensor((None, 3, 7), "int32"), axis=2).shape == (None, 3, 7)
    assert ops.take_along_axis(x, np.zeros((1, 3, 2), np.int32), axis=-1).shape == (None, 3, 2)


def test_take_along_axis_broadcast_x_gradient(rng):
    # x broadcast along a non-indexed axis: the VJP goes through broadcast_to's (ops.sum)
    x = _data(rng, (1, 3), "float64")
    check_grad(lambda x: ops.take_along_axis(x, np.array([[0, 2], [1, 1], [0, 0]]), axis=1), x)
