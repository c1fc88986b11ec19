"""Tests for the data preprocessing utilities (Keras semantics, NumPy references)."""

import inspect

import numpy as np
import pytest

from lamina import ops
from lamina.utils.dataset_utils import split_dataset
from lamina.utils.numerical_utils import normalize, to_categorical
from lamina.utils.sequence_utils import pad_sequences
from lamina.utils.timeseries_dataset_utils import (
    TimeseriesDataset,
    timeseries_dataset_from_array,
)


def params(f):
    return [(p.name, p.default) for p in inspect.signature(f).parameters.values()]


def test_keras_signatures():
    empty = inspect.Parameter.empty
    assert params(to_categorical) == [("x", empty), ("num_classes", None)]
    assert params(normalize) == [("x", empty), ("axis", -1), ("order", 2)]
    assert params(pad_sequences) == [("sequences", empty), ("maxlen", None), ("dtype", "int32"),
                                     ("padding", "pre"), ("truncating", "pre"), ("value", 0.0)]
    assert params(split_dataset) == [("dataset", empty), ("left_size", None),
                                     ("right_size", None), ("shuffle", False), ("seed", None)]
    assert params(timeseries_dataset_from_array) == [
        ("data", empty), ("targets", empty), ("sequence_length", empty), ("sequence_stride", 1),
        ("sampling_rate", 1), ("batch_size", 128), ("shuffle", False), ("seed", None),
        ("start_index", None), ("end_index", None)]


# ----------------------------------------------------------------------------- to_categorical


def test_to_categorical_docstring_example():
    out = to_categorical([0, 1, 2, 3], num_classes=4)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.eye(4))


def test_to_categorical_infers_num_classes():
    np.testing.assert_array_equal(to_categorical([1, 3]), [[0, 1, 0, 0], [0, 0, 0, 1]])
    np.testing.assert_array_equal(to_categorical([1, 3], 5), [[0, 1, 0, 0, 0], [0, 0, 0, 1, 0]])


def test_to_categorical_shapes(rng):
    labels = rng.integers(0, 5, size=(2, 3, 4))
    out = to_categorical(labels, 5)
    assert out.shape == (2, 3, 4, 5)
    np.testing.assert_array_equal(out, np.eye(5, dtype=np.float32)[labels])
    assert to_categorical([[1], [0]]).shape == (2, 2)  # trailing axis of 1 squeezed
    assert to_categorical(np.array([[1, 0]])).shape == (1, 2, 2)
    assert to_categorical([1]).shape == (1, 2)  # a 1-D input keeps its axis
    np.testing.assert_array_equal(to_categorical(2, 3), [0, 0, 1])  # scalar label
    assert to_categorical(np.zeros((0,), np.int64), 3).shape == (0, 3)


def test_to_categorical_accepts_integral_floats_bools_and_tensors():
    np.testing.assert_array_equal(to_categorical([0.0, 2.0]), [[1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(to_categorical([True, False]), [[0, 1], [1, 0]])
    tensor = ops.convert_to_tensor(np.array([2, 0], np.int32))
    np.testing.assert_array_equal(to_categorical(tensor), [[0, 0, 1], [1, 0, 0]])


def test_to_categorical_errors():
    with pytest.raises(ValueError,
                       match=r"to_categorical\(\): argument `x` must hold integer values; found the non-integer value 1.5"):
        to_categorical([0, 1.5])
    with pytest.raises(ValueError,
                       match=r"to_categorical\(\): argument `x` must hold labels >= 0; found -1"):
        to_categorical([0, -1])
    with pytest.raises(ValueError,
                       match=r"to_categorical\(\): argument `x` must hold labels < num_classes=3; found 3"):
        to_categorical([0, 3], num_classes=3)
    with pytest.raises(TypeError,
                       match=r"to_categorical\(\): argument `x` must be an array-like of integer data"):
        to_categorical(["a", "b"])
    with pytest.raises(ValueError,
                       match=r"to_categorical\(\): argument `x` must be an array-like with a regular"):
        to_categorical([[0], [1, 2]])
    with pytest.raises(ValueError,
                       match=r"to_categorical\(\): argument `num_classes` must be an integer >= 1 or None; received 0"):
        to_categorical([0], num_classes=0)
    with pytest.raises(TypeError,
                       match=r"to_categorical\(\): argument `num_classes` must be an integer"):
        to_categorical([0], num_classes=2.0)
    with pytest.raises(ValueError,
                       match=r"to_categorical\(\): argument `num_classes` is required when `x` is empty"):
        to_categorical([])


# ----------------------------------------------------------------------------- normalize


@pytest.mark.parametrize("axis", [-1, 0, 1])
@pytest.mark.parametrize("order", [1, 2, 3])
def test_normalize_matches_numpy(rng, axis, order):
    x = rng.standard_normal((4, 5)).astype(np.float32)
    expected = x / np.sum(np.abs(x) ** order, axis=axis, keepdims=True) ** (1 / order)
    out = normalize(x, axis=axis, order=order)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-5)


def test_normalize_zero_vectors_stay_zero_and_ints_become_float32():
    out = normalize([[3, 4], [0, 0]])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])
    assert normalize(np.array([3.0, 4.0])).dtype == np.float64
    np.testing.assert_allclose(normalize([3.0, 4.0], order=1), [3 / 7, 4 / 7])


def test_normalize_errors():
    with pytest.raises(ValueError,
                       match=r"normalize\(\): argument `x` must be an array of rank >= 1"):
        normalize(3.0)
    with pytest.raises(TypeError,
                       match=r"normalize\(\): argument `x` must be an array-like of numeric"):
        normalize(["a"])
    with pytest.raises(ValueError,
                       match=r"normalize\(\): argument `order` must be an integer >= 1; received 0"):
        normalize([1.0], order=0)
    with pytest.raises(TypeError, match=r"normalize\(\): argument `order` must be an integer"):
        normalize([1.0], order=2.5)
    with pytest.raises(ValueError,
                       match=r"normalize\(\): argument `axis` must be in \[-2, 2\) for `x` of rank 2; received 2"):
        normalize([[1.0]], axis=2)


# ----------------------------------------------------------------------------- pad_sequences

SEQUENCES = [[1], [2, 3], [4, 5, 6]]


def test_pad_sequences_docstring_examples():
    out = pad_sequences(SEQUENCES)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, [[0, 0, 1], [0, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(pad_sequences(SEQUENCES, value=-1),
                                  [[-1, -1, 1], [-1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(pad_sequences(SEQUENCES, padding="post"),
                                  [[1, 0, 0], [2, 3, 0], [4, 5, 6]])
    np.testing.assert_array_equal(pad_sequences(SEQUENCES, maxlen=2), [[0, 1], [2, 3], [5, 6]])


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
def test_pad_sequences_padding_and_truncation(padding, truncating):
    seqs = [[1, 2, 3, 4, 5], [6, 7], [], [8, 9, 10, 11]]
    out = pad_sequences(seqs, maxlen=4, padding=padding, truncating=truncating, value=-1)
    expected = []
    for s in seqs:  # a plain-Python reference
        s = s[-4:] if truncating == "pre" else s[:4]
        fill = [-1] * (4 - len(s))
        expected.append(fill + s if padding == "pre" else s + fill)
    np.testing.assert_array_equal(out, expected)


def test_pad_sequences_of_vectors_dtype_and_edge_cases():
    seqs = [np.ones((2, 3)), [], np.full((1, 3), 2.0)]
    out = pad_sequences(seqs, dtype="float32", padding="post")
    assert out.shape == (3, 2, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out[0], np.ones((2, 3)))
    np.testing.assert_array_equal(out[1], np.zeros((2, 3)))
    np.testing.assert_array_equal(out[2], [[2, 2, 2], [0, 0, 0]])
    np.testing.assert_allclose(pad_sequences([[0.5]], maxlen=2, dtype="float64"), [[0.0, 0.5]])
    assert pad_sequences(SEQUENCES, maxlen=0).shape == (3, 0)
    assert pad_sequences([]).shape == (0, 0)
    assert pad_sequences([[], []]).shape == (2, 0)
    assert pad_sequences((np.array([1, 2]), (3,))).tolist() == [[1, 2], [0, 3]]


def test_pad_sequences_strings():
    out = pad_sequences([["a"], ["bb", "c"]], dtype=object, value="<pad>")
    assert out.tolist() == [["<pad>", "a"], ["bb", "c"]]
    out = pad_sequences([["a"], ["bb", "c"]], dtype=str, value="<pad>")
    assert out.tolist() == [["<pad>", "a"], ["bb", "c"]]


def test_pad_sequences_errors():
    with pytest.raises(TypeError,
                       match=r"pad_sequences\(\): argument `sequences` must be a list of sequences; received 5"):
        pad_sequences(5)
    with pytest.raises(TypeError,
                       match=r"pad_sequences\(\): argument `sequences` must be a list of sequences; element 1 is 3"):
        pad_sequences([[1], 3])
    with pytest.raises(ValueError,
                       match=r"pad_sequences\(\): argument `sequences` element 1 could not be converted to an array of int32"):
        pad_sequences([[1], ["x"]])
    with pytest.raises(ValueError,
                       match=r"pad_sequences\(\): argument `sequences` element 0 could not be converted.*non-finite"):
        pad_sequences([[1.0, np.nan]])
    with pytest.raises(ValueError,
                       match=r"pad_sequences\(\): argument `sequences` must hold samples of one shape; element 1"):
        pad_sequences([np.ones((1, 2)), np.ones((1, 3))])
    with pytest.raises(ValueError,
                       match=r"pad_sequences\(\): argument `padding` must be one of 'pre', 'post'; received 'mid'"):
        pad_sequences(SEQUENCES, padding="mid")
    with pytest.raises(ValueError,
                       match=r"pad_sequences\(\): argument `truncating` must be one of 'pre', 'post'"):
        pad_sequences(SEQUENCES, truncating="both")
    with pytest.raises(ValueError,
                       match=r"pad_sequences\(\): argument `maxlen` must be an integer >= 0 or None; received -1"):
        pad_sequences(SEQUENCES, maxlen=-1)
    with pytest.raises(TypeError, match=r"pad_sequences\(\): argument `maxlen` must be an integer"):
        pad_sequences(SEQUENCES, maxlen=2.0)
    with pytest.raises(TypeError, match=r"pad_sequences\(\): argument `dtype` must be a dtype"):
        pad_sequences(SEQUENCES, dtype="nonsense")
    with pytest.raises(ValueError,
                       match=r"pad_sequences\(\): argument `value` is the string '-' but `dtype` is int32"):
        pad_sequences(SEQUENCES, value="-")
    with pytest.raises(TypeError,
                       match=r"pad_sequences\(\): argument `value` must be a number or a string"):
        pad_sequences(SEQUENCES, value=[0])


# ----------------------------------------------------------------------------- split_dataset


def test_split_dataset_docstring_example(rng):
    data = rng.random((1000, 4))
    left, right = split_dataset(data, left_size=0.8)
    assert left.shape == (800, 4) and right.shape == (200, 4)
    np.testing.assert_array_equal(np.concatenate([left, right]), data)


@pytest.mark.parametrize("left_size, right_size, expected", [
    (0.8, None, (8, 2)), (None, 0.3, (7, 3)), (3, None, (3, 7)), (None, 4, (6, 4)),
    (2, 3, (2, 3)), (0.25, 0.25, (2, 2)), (0.5, 2, (5, 2)), (0.15, None, (2, 8)),
])
def test_split_dataset_sizes(left_size, right_size, expected):
    data = np.arange(10)
    left, right = split_dataset(data, left_size=left_size, right_size=right_size)
    n_left, n_right = expected
    np.testing.assert_array_equal(left, data[:n_left])       # left: the first samples
    np.testing.assert_array_equal(right, data[10 - n_right:])  # right: the last samples


def test_split_dataset_keeps_structure():
    x, y = np.arange(12).reshape(6, 2), np.arange(6) * 10
    (xl, yl), (xr, yr) = split_dataset((x, y), left_size=4)
    np.testing.assert_array_equal(xl, x[:4])
    np.testing.assert_array_equal(yr, y[4:])
    left, right = split_dataset([x, list(y)], right_size=1)
    assert isinstance(left, list) and isinstance(right, list)
    np.testing.assert_array_equal(right[1], [50])
    left, right = split_dataset({"x": x, "y": y}, left_size=0.5)
    assert set(left) == {"x", "y"} and left["x"].shape == (3, 2)
    np.testing.assert_array_equal(right["y"], [30, 40, 50])


def test_split_dataset_returns_copies():
    data = np.arange(4)
    left, _ = split_dataset(data, left_size=2)
    left[0] = 99
    assert data[0] == 0
    tensor = ops.convert_to_tensor(np.arange(4.0))
    left, right = split_dataset(tensor, left_size=1)
    assert isinstance(left, np.ndarray) and right.tolist() == [1.0, 2.0, 3.0]


def test_split_dataset_shuffle_is_a_reproducible_permutation():
    x = np.arange(20)
    y = x * 10
    (xl, yl), (xr, yr) = split_dataset((x, y), left_size=15, shuffle=True, seed=7)
    np.testing.assert_array_equal(yl, xl * 10)  # x and y stay paired
    np.testing.assert_array_equal(np.sort(np.concatenate([xl, xr])), x)
    assert not np.array_equal(xl, x[:15])
    (xl2, _), (xr2, _) = split_dataset((x, y), left_size=15, shuffle=True, seed=7)
    np.testing.assert_array_equal(xl, xl2)
    np.testing.assert_array_equal(xr, xr2)
    (xl3, _), _ = split_dataset((x, y), left_size=15, shuffle=True, seed=8)
    assert not np.array_equal(xl, xl3)


@pytest.mark.parametrize("kwargs, exc, pattern", [
    ({}, ValueError, r"argument `left_size` and `right_size` are both None"),
    ({"left_size": 10}, ValueError, r"argument `left_size` must be a positive int smaller than the number of samples \(10\)"),
    ({"left_size": 0}, ValueError, r"argument `left_size` must be a positive int"),
    ({"right_size": -1}, ValueError, r"argument `right_size` must be a positive int"),
    ({"left_size": 1.0}, ValueError, r"argument `left_size` must be .* or a float in \(0, 1\); received 1.0"),
    ({"right_size": 0.0}, ValueError, r"argument `right_size` must be"),
    ({"left_size": 0.6, "right_size": 0.6}, ValueError, r"argument `left_size` \+ `right_size` must be <= 1"),
    ({"left_size": 6, "right_size": 5}, ValueError, r"argument `left_size` \+ `right_size` must not exceed the number of samples \(10\)"),
    ({"left_size": 0.01}, ValueError, r"argument `left_size` leaves the left split empty"),
    ({"right_size": 0.04}, ValueError, r"argument `right_size` leaves the right split empty"),
    ({"left_size": "half"}, TypeError, r"argument `left_size` must be an int .*received 'half'"),
    ({"right_size": True}, TypeError, r"argument `right_size` must be an int"),
    ({"left_size": 2, "shuffle": 1}, TypeError, r"argument `shuffle` must be a bool"),
    ({"left_size": 2, "seed": -1}, ValueError, r"argument `seed` must be an integer >= 0"),
])
def test_split_dataset_size_errors(kwargs, exc, pattern):
    with pytest.raises(exc, match=r"split_dataset\(\): " + pattern):
        split_dataset(np.arange(10), **kwargs)


def test_split_dataset_dataset_errors():
    with pytest.raises(ValueError,
                       match=r"split_dataset\(\): argument `dataset` must hold arrays with the same first dimension"):
        split_dataset((np.arange(3), np.arange(4)), left_size=1)
    with pytest.raises(ValueError,
                       match=r"split_dataset\(\): argument `dataset` is a list/tuple of scalars"):
        split_dataset([1, 2, 3], left_size=1)
    with pytest.raises(ValueError,
                       match=r"split_dataset\(\): argument `dataset` must hold at least one array"):
        split_dataset({}, left_size=1)
    with pytest.raises(ValueError,
                       match=r"split_dataset\(\): argument `dataset\[1\]` must be an array of rank >= 1"):
        split_dataset((np.arange(3), 5), left_size=1)
    with pytest.raises(ValueError,
                       match=r"split_dataset\(\): argument `dataset\['x'\]` must be an array-like with a regular"):
        split_dataset({"x": [[1], [2, 3]]}, left_size=1)
    with pytest.raises(ValueError,
                       match=r"split_dataset\(\): argument `dataset` must be an array of rank >= 1"):
        split_dataset(np.float32(3), left_size=1)


# ----------------------------------------------------------------------------- timeseries


def windows(ds):
    """All items of a dataset, unbatched, as lists (inputs, targets or None)."""
    xs, ys = [], []
    for batch in ds:
        x, y = batch if isinstance(batch, tuple) else (batch, None)
        xs.extend(x.tolist())
        ys.extend([] if y is None else y.tolist())
    return xs, ys


def test_timeseries_keras_example_1():
    # Indices [0, ... 98], sequence_length=10, sampling_rate=2, sequence_stride=3.
    ds = timeseries_dataset_from_array(np.arange(99), None, 10, sequence_stride=3,
                                       sampling_rate=2)
    xs, _ = windows(ds)
    assert xs[0] == list(range(0, 20, 2))
    assert xs[1] == list(range(3, 23, 2))
    assert xs[2] == list(range(6, 26, 2))
    assert xs[-1] == list(range(78, 98, 2))
    assert len(xs) == 27 and len(ds) == 1


def test_timeseries_keras_example_2_temporal_regression():
    data = np.arange(20, dtype=np.float32)
    ds = timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10)
    x, y = ds[0]
    assert x.shape == (1, 10) and x.dtype == np.float32
    assert x[0].tolist() == list(range(10)) and y.tolist() == [10.0]


def test_timeseries_keras_example_3_batches():
    seq = np.arange(10)
    ds = timeseries_dataset_from_array(seq[:-3], seq[3:], sequence_length=3, batch_size=2)
    batches = list(ds)
    assert len(ds) == len(batches) == 3
    np.testing.assert_array_equal(batches[0][0], [[0, 1, 2], [1, 2, 3]])
    np.testing.assert_array_equal(batches[0][1], [3, 4])
    np.testing.assert_array_equal(batches[2][0], [[4, 5, 6]])
    np.testing.assert_array_equal(batches[2][1], [7])


def reference_windows(n, length, stride, rate, start, end, n_targets=None):
    """Start positions by brute force: every start whose window fits in [start, end)."""
    starts = [s for s in range(start, end, stride) if s + (length - 1) * rate < end]
    if n_targets is not None:
        starts = [s for s in starts if s < n_targets]
    return [[s + k * rate for k in range(length)] for s in starts], starts


@pytest.mark.parametrize("length, stride, rate, start, end", [
    (3, 1, 1, None, None), (3, 2, 1, None, None), (2, 1, 3, None, None), (4, 3, 2, None, None),
    (2, 1, 1, 2, None), (2, 1, 1, None, 7), (3, 2, 2, 1, 9), (10, 1, 1, None, None),
    (11, 1, 1, None, None), (1, 4, 1, 3, 10),
])
def test_timeseries_windows_of_range_10(length, stride, rate, start, end):
    data = np.arange(10)
    targets = np.arange(10) * 100
    ds = timeseries_dataset_from_array(data, targets, length, sequence_stride=stride,
                                       sampling_rate=rate, batch_size=3,
                                       start_index=start, end_index=end)
    xs, ys = windows(ds)
    expected, starts = reference_windows(10, length, stride, rate, start or 0, end or 10)
    assert xs == expected
    assert ys == [100 * s for s in starts]  # targets[i] pairs with the window starting at i
    assert len(ds) == -(-len(expected) // 3) and ds.num_samples == len(expected)


def test_timeseries_short_targets_drop_windows():
    ds = timeseries_dataset_from_array(np.arange(10), np.arange(5), 3, start_index=2,
                                       batch_size=None)
    xs, ys = windows_unbatched(ds)
    assert ys == [2, 3, 4] and xs == [[2, 3, 4], [3, 4, 5], [4, 5, 6]]


def windows_unbatched(ds):
    pairs = [ds[i] for i in range(len(ds))]
    return [x.tolist() for x, _ in pairs], [int(y) for _, y in pairs]


def test_timeseries_multivariate_and_unbatched():
    data = np.arange(20, dtype=np.float64).reshape(10, 2)
    targets = np.arange(20).reshape(10, 2)
    ds = timeseries_dataset_from_array(data, targets, 4, batch_size=2)
    x, y = ds[-1]
    assert x.shape == (1, 4, 2) and y.shape == (1, 2)
    np.testing.assert_array_equal(x[0], data[6:10])
    np.testing.assert_array_equal(y[0], targets[6])
    single = timeseries_dataset_from_array(data, None, 4, batch_size=None)
    assert len(single) == 7 and single[0].shape == (4, 2)
    np.testing.assert_array_equal(single[3], data[3:7])


def test_timeseries_dataset_protocol():
    ds = timeseries_dataset_from_array(np.arange(10), None, 3, batch_size=4)
    assert isinstance(ds, TimeseriesDataset)
    assert len(ds) == ds.num_batches == 2 and ds.batch_size == 4 and ds.num_samples == 8
    np.testing.assert_array_equal(ds[-1], ds[1])
    with pytest.raises(IndexError, match="out of range"):
        ds[2]
    with pytest.raises(TypeError):
        ds[0.5]
    assert "num_batches=2" in repr(ds)
    empty = timeseries_dataset_from_array(np.arange(5), None, 6)
    assert len(empty) == 0 and list(empty) == []


def test_timeseries_shuffle_is_reproducible():
    data = np.arange(50)
    kwargs = dict(sequence_length=5, batch_size=8, shuffle=True, seed=11)
    a = timeseries_dataset_from_array(data, data * 2, **kwargs)
    b = timeseries_dataset_from_array(data, data * 2, **kwargs)
    xa, ya = windows(a)
    xb, _ = windows(b)
    assert xa == xb
    assert ya == [2 * w[0] for w in xa]  # targets follow their windows
    assert sorted(w[0] for w in xa) == list(range(46))  # a permutation of all windows
    assert [w[0] for w in xa] != list(range(46))
    c = timeseries_dataset_from_array(data, None, 5, batch_size=8, shuffle=True, seed=12)
    assert windows(c)[0] != xa
    before = a.start_positions
    a.on_epoch_end()  # a new order per epoch, still a permutation
    assert sorted(a.start_positions) == sorted(before)
    assert a.start_positions.tolist() != before.tolist()
    unshuffled = timeseries_dataset_from_array(data, None, 5)
    unshuffled.on_epoch_end()
    assert unshuffled.start_positions.tolist() == list(range(46))


@pytest.mark.parametrize("kwargs, exc, pattern", [
    ({"sequence_length": 0}, ValueError, r"argument `sequence_length` must be an integer >= 1"),
    ({"sequence_length": 2.0}, TypeError, r"argument `sequence_length` must be an integer"),
    ({"sequence_stride": 0}, ValueError, r"argument `sequence_stride` must be an integer >= 1"),
    ({"sequence_stride": 10}, ValueError, r"argument `sequence_stride` must be lower than the length of `data` \(10\)"),
    ({"sampling_rate": 0}, ValueError, r"argument `sampling_rate` must be an integer >= 1"),
    ({"sampling_rate": 12}, ValueError, r"argument `sampling_rate` must be lower than the length"),
    ({"batch_size": 0}, ValueError, r"argument `batch_size` must be an integer >= 1 or None"),
    ({"shuffle": "yes"}, TypeError, r"argument `shuffle` must be a bool"),
    ({"seed": 1.5}, TypeError, r"argument `seed` must be an integer"),
    ({"start_index": -1}, ValueError, r"argument `start_index` must be an integer >= 0"),
    ({"start_index": 10}, ValueError, r"argument `start_index` must be lower than the length of `data` \(10\)"),
    ({"start_index": 5, "end_index": 5}, ValueError, r"argument `end_index` must be higher than `start_index` \(5\)"),
    ({"end_index": 0}, ValueError, r"argument `end_index` must be an integer >= 1"),
    ({"end_index": 11}, ValueError, r"argument `end_index` must be at most the length of `data` \(10\)"),
])
def test_timeseries_argument_errors(kwargs, exc, pattern):
    args = dict(data=np.arange(10), targets=None, sequence_length=2)
    args.update(kwargs)
    with pytest.raises(exc, match=r"timeseries_dataset_from_array\(\): " + pattern):
        timeseries_dataset_from_array(**args)


def test_timeseries_data_errors():
    f = timeseries_dataset_from_array
    with pytest.raises(TypeError,
                       match=r"timeseries_dataset_from_array\(\): argument `data` must be an array-like of numeric"):
        f(["a", "b", "c"], None, 2)
    with pytest.raises(ValueError,
                       match=r"timeseries_dataset_from_array\(\): argument `data` must be an array of rank >= 1"):
        f(3.0, None, 1)
    with pytest.raises(ValueError,
                       match=r"timeseries_dataset_from_array\(\): argument `targets` must be an array of rank >= 1"):
        f(np.arange(5), 1, 2)
    with pytest.raises(ValueError,
                       match=r"timeseries_dataset_from_array\(\): argument `data` must be an array-like with a regular"):
        f([[1], [2, 3]], None, 1)
    with pytest.raises(TypeError,
                       match=r"timeseries_dataset_from_array\(\): missing a required argument: 'sequence_length'"):
        f(np.arange(5), None)
