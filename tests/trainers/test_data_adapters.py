"""Data adapters: arrays (nested, shuffled, partial batches), generators, PyDataset,
validation split and class weights."""

import threading

import numpy as np
import pytest

import lamina
from lamina.trainers.data_adapters import get_data_adapter
from lamina.trainers.data_adapters.data_adapter_utils import (
    class_weight_to_sample_weights, train_validation_split, unpack_x_y_sample_weight)
from lamina.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
from lamina.utils import PyDataset


def batches(adapter):
    return [tuple(np.asarray(t) if t is not None else None for t in b) for b in adapter.get_iterator()]


def test_arrays_in_order_with_partial_last_batch():
    x = np.arange(10, dtype="float64").reshape(10, 1)
    y = np.arange(10, dtype="int32")
    adapter = get_data_adapter(x, y, batch_size=4, shuffle=False)
    assert adapter.num_batches == 3 and adapter.has_partial_batch and adapter.partial_batch_size == 2
    out = batches(adapter)
    assert [b[0].shape[0] for b in out] == [4, 4, 2]
    assert out[0][0].dtype == np.float32  # float data becomes floatx
    assert out[2][1].tolist() == [8, 9]


def test_shuffle_is_a_permutation_and_keeps_pairs_together():
    x = np.arange(100, dtype="float32").reshape(100, 1)
    y = np.arange(100, dtype="int32")
    np.random.seed(0)
    out = batches(get_data_adapter(x, y, batch_size=16, shuffle=True))
    xs = np.concatenate([b[0][:, 0] for b in out])
    ys = np.concatenate([b[1] for b in out])
    assert sorted(ys.tolist()) == list(range(100))
    assert ys.tolist() != list(range(100))
    np.testing.assert_array_equal(xs, ys.astype("float32"))


def test_batch_shuffle_keeps_batches_contiguous():
    y = np.arange(12, dtype="int32")
    np.random.seed(1)
    out = batches(get_data_adapter(y.reshape(12, 1), y, batch_size=4, shuffle="batch"))
    for b in out:
        assert np.all(np.diff(b[1]) == 1)


def test_nested_structures_and_sample_weight():
    x = {"a": np.ones((6, 2), "float32"), "b": np.zeros((6, 3), "float32")}
    y = np.arange(6)
    sw = np.linspace(0, 1, 6)
    out = list(get_data_adapter(x, y, sw, batch_size=4).get_iterator())
    bx, by, bsw = out[0]
    assert set(bx) == {"a", "b"} and bx["a"].shape == (4, 2)
    np.testing.assert_allclose(np.asarray(bsw), sw[:4].astype("float32"))


def test_mismatched_sample_counts_error():
    with pytest.raises(ValueError, match=r"different numbers of samples \[5, 6\]"):
        get_data_adapter(np.ones((5, 2)), np.ones(6))


def test_non_numeric_data_error():
    with pytest.raises(ValueError, match="expected numeric arrays"):
        get_data_adapter(np.array([["a", "b"]]), None)


def test_validation_split_takes_the_end():
    x = np.arange(10).reshape(10, 1)
    y = np.arange(10)
    (tx, ty, _), (vx, vy, _) = train_validation_split((x, y, None), 0.2)
    assert ty.tolist() == list(range(8)) and vy.tolist() == [8, 9]
    with pytest.raises(ValueError, match="not sufficient"):
        train_validation_split((x[:1], y[:1], None), 0.5)


def test_class_weights_for_int_and_one_hot_labels():
    cw = {0: 1.0, 1: 3.0}
    np.testing.assert_allclose(class_weight_to_sample_weights(np.array([0, 1, 1]), cw), [1, 3, 3])
    np.testing.assert_allclose(class_weight_to_sample_weights(np.eye(2)[[1, 0]], cw), [3, 1])
    with pytest.raises(ValueError, match="no entry for classes"):
        class_weight_to_sample_weights(np.array([2]), cw)


def test_generator_adapter_runs_until_exhausted():
    def gen():
        for i in range(3):
            yield np.full((2, 1), i, "float32"), np.full((2,), i)

    out = batches(get_data_adapter(gen()))
    assert len(out) == 3 and out[2][1].tolist() == [2, 2]
    with pytest.raises(ValueError, match="`y` argument is not supported"):
        get_data_adapter(gen(), np.ones(3))


class Squares(PyDataset):
    def __init__(self, n=5, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        self.epochs_ended = 0
        self.threads = set()

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.threads.add(threading.get_ident())
        x = np.full((3, 1), float(i), "float32")
        return x, x ** 2

    def on_epoch_end(self):
        self.epochs_ended += 1


@pytest.mark.parametrize("workers", [1, 3])
def test_py_dataset_in_order_with_workers(workers):
    ds = Squares(workers=workers)
    adapter = get_data_adapter(ds)
    out = batches(adapter)
    assert [b[0][0, 0] for b in out] == [0.0, 1.0, 2.0, 3.0, 4.0]
    adapter.on_epoch_end()
    assert ds.epochs_ended == 1


def test_unpack():
    assert unpack_x_y_sample_weight((1, 2)) == (1, 2, None)
    assert unpack_x_y_sample_weight(1) == (1, None, None)
    with pytest.raises(ValueError, match="found a tuple of 4"):
        unpack_x_y_sample_weight((1, 2, 3, 4))


def test_contiguous_arrays_are_read_in_place_through_read_only_views():
    x = np.arange(24, dtype="float32").reshape(12, 2)
    adapter = ArrayDataAdapter(x, None, batch_size=4)
    held = adapter.source_batch()[0]._value
    assert np.shares_memory(held, x) and not held.flags.writeable
    assert x.flags.writeable  # the caller's array is untouched
    x2 = np.asfortranarray(x)  # not C-contiguous: copied
    assert not np.shares_memory(ArrayDataAdapter(x2, None).source_batch()[0]._value, x2)


def test_nan_check_in_one_pass_still_finds_nan_and_accepts_infinities():
    x = np.zeros((10, 3), "float32")
    x[2, 1], x[5, 0] = np.inf, -np.inf  # their sum is NaN: the exact test must decide
    ArrayDataAdapter(x, None)
    x[7, 2] = np.nan
    with pytest.raises(ValueError, match="contains NaN"):
        ArrayDataAdapter(x, None)
