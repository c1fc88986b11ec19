"""Shape manipulation ops against NumPy: values, dtypes, symbolic shapes, errors, gradients."""

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.backend.keras_tensor import KerasTensor

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


# --------------------------------------------------------------- existing ops
def test_reshape_transpose_expand_squeeze(rng):
    x = _data(rng, (2, 3, 4))
    _same(ops.reshape(x, (4, -1)), x.reshape(4, -1))
    _same(ops.transpose(x, (2, 0, 1)), x.transpose(2, 0, 1))
    _same(ops.expand_dims(x, -1), x[..., None])
    _same(ops.squeeze(ops.expand_dims(x, 0), 0), x)


# ------------------------------------------------------- ravel / swap / move
@pytest.mark.parametrize("dtype", DTYPES)
def test_ravel_swapaxes_moveaxis(rng, dtype):
    x = _data(rng, (2, 3, 4), dtype)
    _same(ops.ravel(x), x.ravel())
    _same(ops.swapaxes(x, 0, -1), np.swapaxes(x, 0, -1))
    _same(ops.swapaxes(x, 1, 1), x)
    _same(ops.moveaxis(x, 0, -1), np.moveaxis(x, 0, -1))
    _same(ops.moveaxis(x, [0, 1], [-1, 0]), np.moveaxis(x, [0, 1], [-1, 0]))
    _same(ops.ravel(np.float32(3.0)), np.array([3.0], np.float32))


def test_moveaxis_errors():
    x = ops.ones((2, 3))
    with pytest.raises(ValueError, match="moveaxis: .*differ in length"):
        ops.moveaxis(x, [0, 1], [0])
    with pytest.raises(ValueError, match="moveaxis: repeated axis"):
        ops.moveaxis(x, [0, 0], [0, 1])
    with pytest.raises(ValueError, match="moveaxis: axis 2 is out of bounds"):
        ops.moveaxis(x, 2, 0)


# -------------------------------------------------------------- concatenate
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate_matches_numpy(rng, dtype, axis):
    shapes = [(2, 3, 4), (2, 3, 4), (2, 3, 4)]
    shapes = [tuple(s[d] + i if d == axis % 3 else s[d] for d in range(3)) for i, s in enumerate(shapes)]
    xs = [_data(rng, s, dtype) for s in shapes]
    _same(ops.concatenate(xs, axis=axis), np.concatenate(xs, axis=axis))


def test_concatenate_edge_cases(rng):
    a, b = _data(rng, (0, 3)), _data(rng, (2, 3))
    _same(ops.concatenate([a, b]), np.concatenate([a, b]))
    _same(ops.concatenate([a, a]), np.zeros((0, 3), np.float32))
    _same(ops.concatenate([b]), b)
    big = _data(rng, (300, 200))  # above the parallel threshold
    _same(ops.concatenate([big, big[:7]], 0), np.concatenate([big, big[:7]], 0))
    _same(ops.concatenate([big, big[:, :9]], 1), np.concatenate([big, big[:, :9]], 1))
    # non-contiguous-derived inputs (a transpose materialized by a primitive)
    t = ops.transpose(b)
    _same(ops.concatenate([t, t], 1), np.concatenate([b.T, b.T], 1))


def test_concatenate_promotes_dtypes():
    out = ops.concatenate([np.ones((1, 2), np.int32), np.ones((1, 2), np.float32)])
    assert out.dtype == "float32"
    _same(out, np.ones((2, 2), np.float32))


def test_concatenate_errors():
    with pytest.raises(ValueError, match=r"concatenate: input 1 has shape \(2, 4\), which does not match \(2, 3\)"):
        ops.concatenate([ops.ones((2, 3)), ops.ones((2, 4))], axis=0)
    with pytest.raises(ValueError, match="concatenate: zero-dimensional"):
        ops.concatenate([ops.ones(()), ops.ones(())])
    with pytest.raises(ValueError, match="concatenate: expected a non-empty list"):
        ops.concatenate([])
    with pytest.raises(ValueError, match="concatenate: axis 2 is out of bounds"):
        ops.concatenate([ops.ones((2, 3))] * 2, axis=2)


def test_concatenate_gradient(rng):
    a, b, c = _data(rng, (2, 3), "float64"), _data(rng, (2, 1), "float64"), _data(rng, (2, 2), "float64")
    check_grad(lambda a, b, c: ops.concatenate([a, b, c], axis=-1), a, b, c)
    check_grad(lambda a: ops.concatenate([a, ops.sin(a)], axis=0), a)


# -------------------------------------------------------------------- stack
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack_matches_numpy(rng, dtype, axis):
    xs = [_data(rng, (2, 3), dtype) for _ in range(3)]
    _same(ops.stack(xs, axis=axis), np.stack(xs, axis=axis))


def test_stack_errors_and_gradient(rng):
    with pytest.raises(ValueError, match=r"stack: all inputs must have the same shape, got \(2, 3\) and \(3, 2\)"):
        ops.stack([ops.ones((2, 3)), ops.ones((3, 2))])
    with pytest.raises(ValueError, match="stack: axis 3 is out of bounds"):
        ops.stack([ops.ones((2, 3))], axis=3)
    a, b = _data(rng, (2, 3), "float64"), _data(rng, (2, 3), "float64")
    check_grad(lambda a, b: ops.stack([a, b], axis=1), a, b)


# -------------------------------------------------------------------- split
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("spec,axis", [(2, 0), (3, 1), (1, -1), ([1, 3], 1), ([0, 2, 2], 0), ([-1], 1),
                                       ([5], 1), ([3, 1], 1)])
def test_split_matches_numpy(rng, dtype, spec, axis):
    x = _data(rng, (4, 6, 2), dtype)
    if not isinstance(spec, list) and x.shape[axis] % spec:
        pytest.skip("not divisible")
    got = ops.split(x, spec, axis=axis)
    want = np.split(x, spec, axis=axis)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        _same(g, w)


def test_split_uneven_error():
    with pytest.raises(ValueError, match=r"split: a tensor of shape \(5, 2\) cannot be split into 2 equal sections along axis 0 \(size 5\)"):
        ops.split(ops.ones((5, 2)), 2)
    with pytest.raises(ValueError, match="split: the number of sections must be positive"):
        ops.split(ops.ones((4,)), 0)
    with pytest.raises(TypeError, match="split: indices must be ints"):
        ops.split(ops.ones((4,)), [1.5])


def test_split_gradients(rng):
    x = _data(rng, (4, 6), "float64")
    check_grad(lambda x: ops.split(x, 3, axis=1)[1], x)
    check_grad(lambda x: ops.concatenate(ops.split(x, [1, 4], axis=1)[::-1], axis=1), x)
    # overlapping / gapped pieces (decreasing indices) take the general VJP
    check_grad(lambda x: ops.concatenate(ops.split(x, [4, 2], axis=1), axis=1), x)


def test_split_shares_contiguous_buffers():
    x = ops.reshape(ops.arange(12.0), (4, 3))
    a, b = ops.split(x, 2)
    assert a.numpy().base is not None  # a view of x's buffer (tensors are immutable)
    _same(b, np.arange(12.0, dtype=np.float32).reshape(4, 3)[2:])


# ------------------------------------------------------------------ unstack
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unstack(rng, axis):
    x = _data(rng, (2, 3, 4))
    got = ops.unstack(x, axis=axis)
    want = [np.take(x, i, axis=axis) for i in range(x.shape[axis])]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        _same(g, w)
    assert ops.unstack(np.zeros((0, 2))) == []
    with pytest.raises(ValueError, match="unstack: num=3 does not match size 2 of axis 0"):
        ops.unstack(x, num=3)


def test_unstack_gradient(rng):
    x = _data(rng, (3, 2), "float64")
    check_grad(lambda x: ops.sin(ops.unstack(x, axis=1)[0]) + ops.unstack(x, axis=1)[1], x)


# --------------------------------------------------------------------- tile
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,reps", [((3,), 2), ((2, 3), (2, 1)), ((2, 3), (1, 3)), ((2, 3), (2, 2, 2)),
                                        ((2, 1, 3), (2,)), ((2, 3), (0, 1)), ((), (3,)), ((0, 2), (2, 2))])
def test_tile_matches_numpy(rng, dtype, shape, reps):
    x = _data(rng, shape, dtype)
    _same(ops.tile(x, reps), np.tile(x, reps))


def test_tile_gradient(rng):
    # needs ops.sum (reduction.py) for the VJP
    x = _data(rng, (2, 3), "float64")
    check_grad(lambda x: ops.tile(x, (2, 3)), x)


def test_tile_errors():
    with pytest.raises(ValueError, match="tile: repeats must be non-negative"):
        ops.tile(ops.ones((2,)), -1)


# ------------------------------------------------------------------- repeat
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("repeats,axis", [(2, None), (3, 0), (2, -1), ([1, 0, 2], 1), ([2, 1], 0), (0, 1)])
def test_repeat_matches_numpy(rng, dtype, repeats, axis):
    x = _data(rng, (2, 3), dtype)
    _same(ops.repeat(x, repeats, axis=axis), np.repeat(x, repeats, axis=axis))


def test_repeat_errors_and_gradient(rng):
    with pytest.raises(ValueError, match="repeat: repeats has 2 entries for an axis of size 3"):
        ops.repeat(ops.ones((3,)), [1, 2])
    with pytest.raises(ValueError, match="repeat: repeats must be non-negative"):
        ops.repeat(ops.ones((3,)), -1)
    x = _data(rng, (2, 3), "float64")
    check_grad(lambda x: ops.repeat(x, [2, 0, 3], axis=1), x)
    check_grad(lambda x: ops.repeat(x, 2), x)


# --------------------------------------------------------------------- flip
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
def test_flip_matches_numpy(rng, dtype, axis):
    x = _data(rng, (2, 3, 4), dtype)
    _same(ops.flip(x, axis=axis), np.flip(x, axis=axis))


def test_flip_gradient(rng):
    check_grad(lambda x: ops.flip(x, 1), _data(rng, (2, 3), "float64"))


# --------------------------------------------------------------------- roll
@pytest.mark.parametrize("shift,axis", [(1, None), (-2, None), (7, 0), (1, 1), ((1, 2), (0, 1)), (2, (0, 1)), (0, 0)])
def test_roll_matches_numpy(rng, shift, axis):
    x = _data(rng, (3, 4))
    _same(ops.roll(x, shift, axis=axis), np.roll(x, shift, axis=axis))


def test_roll_gradient(rng):
    check_grad(lambda x: ops.roll(x, 2, axis=1), _data(rng, (2, 5), "float64"))


# ------------------------------------------------------------------- slice
@pytest.mark.parametrize("dtype", DTYPES)
def test_slice_matches_numpy(rng, dtype):
    x = _data(rng, (5, 6, 3), dtype)
    _same(ops.slice(x, (1, 2, 0), (3, 2, 3)), x[1:4, 2:4, 0:3])
    _same(ops.slice(x, (4, 0, 1), (1, 6, -1)), x[4:5, :, 1:])
    _same(ops.slice(x, (0, 0, 0), (0, 2, 1)), x[0:0, 0:2, 0:1])
    _same(ops.slice(x, np.array([1, 1, 1]), np.array([2, 2, 2])), x[1:3, 1:3, 1:3])


def test_slice_errors():
    x = ops.ones((5, 5))
    with pytest.raises(ValueError, match=r"slice: the window starting at \(4, 0\) with shape \(2, 2\) does not fit in the input of shape \(5, 5\) \(axis 0\)"):
        ops.slice(x, (4, 0), (2, 2))
    with pytest.raises(ValueError, match="slice: start_indices .* one entry per dimension"):
        ops.slice(x, (0,), (2, 2))


def test_slice_gradient(rng):
    x = _data(rng, (4, 5), "float64")
    check_grad(lambda x: ops.slice(x, (1, 2), (2, 3)), x)


@pytest.mark.parametrize("dtype", DTYPES)
def test_slice_update_matches_numpy(rng, dtype):
    x = _data(rng, (5, 5), dtype)
    u = _data(rng, (2, 3), dtype)
    want = x.copy()
    want[3:5, 1:4] = u
    _same(ops.slice_update(x, (3, 1), u), want)
    _same(x, x)  # input untouched (checked by value below)
    got = ops.slice_update(ops.convert_to_tensor(x), [0, 0], np.zeros((0, 2), dtype))
    _same(got, x)


def test_slice_update_errors_and_gradient(rng):
    with pytest.raises(ValueError, match="slice_update: the window .* does not fit"):
        ops.slice_update(ops.ones((3, 3)), (2, 2), ops.ones((2, 2)))
    with pytest.raises(ValueError, match="slice_update: updates of shape"):
        ops.slice_update(ops.ones((3, 3)), (0, 0), ops.ones((2,)))
    x, u = _data(rng, (4, 5), "float64"), _data(rng, (2, 2), "float64")
    check_grad(lambda x, u: ops.slice_update(x, (1, 3), u), x, u)


def test_slice_update_does_not_mutate_input():
    x = ops.zeros((3,))
    ops.slice_update(x, (1,), ops.ones((2,)))
    _same(x, np.zeros(3, np.float32))


# ---------------------------------------------------------------------- pad
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("pw", [1, (1, 2), ((0, 1), (2, 0)), [[1, 1]], ((0, 0), (0, 0))])
def test_pad_matches_numpy(rng, dtype, pw):
    x = _data(rng, (2, 3), dtype)
    _same(ops.pad(x, pw), np.pad(x, pw))


def test_pad_constant_value_errors_gradient(rng):
    x = _data(rng, (2, 3))
    _same(ops.pad(x, 1, constant_values=7.5), np.pad(x, 1, constant_values=7.5))
    with pytest.raises(ValueError, match="pad: pad_width must be non-negative"):
        ops.pad(x, -1)
    with pytest.raises(NotImplementedError, match="pad: mode 'reflect'"):
        ops.pad(x, 1, mode="reflect")
    with pytest.raises(ValueError, match="pad: pad_width .* does not fit a tensor of rank 2"):
        ops.pad(x, ((1, 1), (1, 1), (1, 1)))
    check_grad(lambda x: ops.pad(x, ((1, 0), (2, 1))), _data(rng, (2, 3), "float64"))


# ------------------------------------------------------- symbolic shapes
def test_symbolic_shapes():
    x = KerasTensor((None, 3, 4))
    assert ops.ravel(x).shape == (None,)
    assert ops.swapaxes(x, 0, 2).shape == (4, 3, None)
    assert ops.moveaxis(x, 0, -1).shape == (3, 4, None)
    assert ops.concatenate([x, KerasTensor((None, 2, 4))], axis=1).shape == (None, 5, 4)
    assert ops.concatenate([x, KerasTensor((2, 3, 4))], axis=0).shape == (None, 3, 4)
    assert ops.concatenate([KerasTensor((2, 3, 4)), KerasTensor((None, 3, 4))], axis=1).shape == (2, 6, 4)
    assert ops.stack([x, x], axis=1).shape == (None, 2, 3, 4)
    assert [p.shape for p in ops.split(x, [1], axis=1)] == [(None, 1, 4), (None, 2, 4)]
    assert [p.shape for p in ops.split(x, 2, axis=0)] == [(None, 3, 4)] * 2
    assert [p.shape for p in ops.unstack(x, axis=1)] == [(None, 4)] * 3
    assert ops.tile(x, (2, 1, 2)).shape == (None, 3, 8)
    assert ops.repeat(x, 2, axis=1).shape == (None, 6, 4)
    assert ops.repeat(x, [1, 2, 3], axis=1).shape == (None, 6, 4)
    assert ops.repeat(x, 2, axis=0).shape == (None, 3, 4)
    assert ops.flip(x, 0).shape == (None, 3, 4)
    assert ops.roll(x, 1, axis=1).shape == (None, 3, 4)
    assert ops.slice(x, (0, 1, 0), (-1, 2, 4)).shape == (None, 2, 4)
    assert ops.slice_update(x, (0, 0, 0), KerasTensor((1, 2, 4))).shape == (None, 3, 4)
    assert ops.pad(x, 1).shape == (None, 5, 6)
    assert ops.concatenate([x, x], axis=-1).dtype == "float32"
    with pytest.raises(ValueError, match="concatenate: input 1 has shape"):
        ops.concatenate([x, KerasTensor((None, 2, 5))], axis=1)


# ---------------------------------------------------- second-order gradient
def test_second_order_through_concatenate_and_slice():
    x = ops.convert_to_tensor(np.array([1.0, 2.0, 3.0]))
    with lamina.GradientTape() as outer:
        outer.watch(x)
        with lamina.GradientTape() as inner:
            inner.watch(x)
            y = ops.concatenate([x * x, ops.slice(x, (1,), (2,))])
            y = ops.slice(y, (1,), (3,))  # [x1^2, x2^2, x1]
        g = inner.gradient(y, x, output_gradients=ops.convert_to_tensor(np.array([1.0, 1.0, 1.0])))
        # g = [0, 2 x1 + 1, 2 x2]
    gg = outer.gradient(g, x, output_gradients=ops.convert_to_tensor(np.array([1.0, 1.0, 1.0])))
    assert_close(g, [0.0, 5.0, 6.0])
    assert_close(gg, [0.0, 2.0, 2.0])
