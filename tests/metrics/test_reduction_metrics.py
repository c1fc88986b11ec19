"""Metric base, Mean, Sum and MeanMetricWrapper: state over batches, sample weights,
reset, stateless forms and configs."""

from __future__ import annotations

import numpy as np
import pytest

import lamina
from lamina import metrics, ops
from lamina.metrics.reduction_metrics import reduce_to_samplewise_values

from conftest import assert_close


def np_weighted_mean(batches):
    """NumPy reference of Keras's Mean over (values, weights) batches."""
    total, count = 0.0, 0.0
    for v, w in batches:
        v = np.asarray(v, np.float64)
        if w is None:
            per = v.reshape(v.shape[0], -1).mean(axis=1) if v.ndim > 1 else v
            total += per.sum()
            count += per.size if v.ndim else 1
            continue
        w = np.asarray(w, np.float64)
        if v.ndim > w.ndim:
            v = v.mean(axis=tuple(range(w.ndim, v.ndim)))
        wb = np.broadcast_to(w, v.shape)
        vw = v * wb
        per_v = vw.reshape(vw.shape[0], -1).mean(axis=1) if vw.ndim > 1 else vw
        per_w = wb.reshape(wb.shape[0], -1).mean(axis=1) if wb.ndim > 1 else wb
        total += per_v.sum()
        count += per_w.sum()
    return total / count if count else 0.0


def test_mean_docstring_example():
    m = metrics.Mean()
    m.update_state([1, 3, 5, 7])
    assert float(m.result()) == 4.0
    m.reset_state()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert float(m.result()) == 2.0


def test_sum_docstring_example():
    m = metrics.Sum()
    m.update_state([1, 3, 5, 7])
    assert float(m.result()) == 16.0
    m = metrics.Sum()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert float(m.result()) == 4.0


@pytest.mark.parametrize("v_shape,w_shape", [
    ((6,), None), ((6,), (6,)), ((6, 4), None), ((6, 4), (6,)), ((6, 4), (6, 1)),
    ((6, 4), (6, 4)), ((6, 4, 3), (6,)), ((6, 4, 3), (6, 4)), ((6, 1), (6,)), ((6, 4), ()),
])
def test_mean_accumulates_against_numpy(rng, v_shape, w_shape):
    m = metrics.Mean()
    batches = []
    for _ in range(3):
        v = rng.standard_normal(v_shape).astype(np.float32)
        w = None if w_shape is None else rng.uniform(0.1, 2.0, w_shape).astype(np.float32)
        batches.append((v, w))
        m.update_state(v, sample_weight=w)
        ref_w = w
        if w is not None and v.ndim == w.ndim + 1 and v.shape[-1] == 1 and w.ndim == 1:
            ref_w = w[:, None]
        batches[-1] = (v, ref_w)
        assert_close(m.result(), np_weighted_mean(batches), rtol=1e-5, atol=1e-6)
    m.reset_state()
    assert float(m.result()) == 0.0
    assert [float(v.numpy()) for v in m.variables] == [0.0, 0.0]


def test_sum_accumulates_with_weights(rng):
    m = metrics.Sum()
    expected = 0.0
    for _ in range(3):
        v = rng.standard_normal((5, 3)).astype(np.float32)
        w = rng.uniform(size=(5,)).astype(np.float32)
        m.update_state(v, sample_weight=w)
        expected += (v.sum(axis=1) * w).sum()
    assert_close(m.result(), expected, rtol=1e-5)
    m.reset_state()
    assert float(m.result()) == 0.0


def test_mean_scalar_fast_path():
    m = metrics.Mean(name="loss")
    m.update_state(ops.convert_to_tensor(2.0), sample_weight=4)
    m.update_state(ops.convert_to_tensor(1.0), sample_weight=1)
    assert_close(m.result(), 9.0 / 5.0)


def test_mean_scalar_values_count_one():
    m = metrics.Mean()
    m.update_state(3.0)
    m.update_state(5.0)
    assert float(m.result()) == 4.0


def test_mean_all_zero_weights_is_zero_not_nan():
    m = metrics.Mean()
    m.update_state([1.0, 2.0], sample_weight=[0.0, 0.0])
    assert float(m.result()) == 0.0


def test_sample_weight_shape_mismatch_is_clear():
    m = metrics.Mean()
    with pytest.raises(ValueError, match="cannot be broadcast"):
        m.update_state(np.ones((4, 3)), sample_weight=np.ones((5,)))


def test_reduce_to_samplewise_values_shapes():
    v, w = reduce_to_samplewise_values(np.ones((2, 3, 4)), np.ones((2, 3)), ops.mean, "float32")
    assert v.shape == (2,) and w.shape == (2,)


def test_variables_are_non_trainable_state():
    m = metrics.Mean(name="m")
    assert len(m.variables) == 2
    assert all(isinstance(v, lamina.Variable) and not v.trainable for v in m.variables)
    assert [v.path for v in m.variables] == ["m/total", "m/count"]
    assert m.dtype == "float32"
    assert metrics.Mean(dtype="float64").result().dtype == "float64"


def test_default_names_are_unique_snake_case():
    a = metrics.MeanMetricWrapper(lambda t, p: p)
    b = metrics.MeanMetricWrapper(lambda t, p: p)
    assert a.name.startswith("mean_metric_wrapper")
    assert a.name != b.name


def test_call_updates_then_returns_result():
    m = metrics.Mean()
    assert float(m([1.0, 3.0])) == 2.0
    assert float(m([5.0, 7.0])) == 4.0


def test_stateless_forms_leave_state_untouched():
    m = metrics.Mean()
    m.update_state([10.0])
    state = m.stateless_reset_state()
    assert [float(np.asarray(s)) for s in state] == [0.0, 0.0]
    state = m.stateless_update_state(state, [1.0, 3.0])
    assert_close(m.stateless_result(state), 2.0)
    assert float(m.result()) == 10.0
    with pytest.raises(ValueError, match="1:1"):
        m.stateless_result(state[:1])


def test_mean_metric_wrapper_passes_kwargs_and_weights():
    def scaled_abs(y_true, y_pred, scale=1.0):
        return ops.multiply(ops.abs(ops.subtract(y_true, y_pred)), scale)

    m = metrics.MeanMetricWrapper(scaled_abs, name="scaled", scale=2.0)
    m.update_state([[1.0, 2.0], [3.0, 4.0]], [[2.0, 2.0], [3.0, 6.0]], sample_weight=[1.0, 3.0])
    # per-sample means: [1, 2]; weighted: (1*1 + 2*3) / 4
    assert_close(m.result(), 7.0 / 4.0)
    config = m.get_config()
    assert config["scale"] == 2.0 and config["name"] == "scaled"


def test_mean_metric_wrapper_config_round_trip_with_exported_fn():
    m = metrics.MeanMetricWrapper(metrics.binary_accuracy, name="ba", threshold=0.7)
    config = metrics.serialize(m)
    assert config["module"] == "keras.metrics" and config["class_name"] == "MeanMetricWrapper"
    assert config["config"]["fn"]["config"] == "binary_accuracy"
    m2 = metrics.deserialize(config)
    assert m2.name == "ba" and m2._fn is metrics.binary_accuracy
    assert m2._fn_kwargs == {"threshold": 0.7}
    m2.update_state([[1], [0]], [[0.6], [0.65]])
    assert float(m2.result()) == 0.5


def test_custom_metric_subclass():
    class Count(metrics.Metric):
        def __init__(self, name="count", dtype=None):
            super().__init__(name=name, dtype=dtype)
            self.n = self.add_variable((), "zeros", name="n")
            self.ones = self.add_variable((2,), "ones", name="ones")
            self.custom = self.add_variable((3,), lambda shape, dtype=None: ops.full(shape, 2.0,
                                                                                      dtype=dtype),
                                            name="custom")

        def update_state(self, values):
            self.n.assign_add(float(np.shape(values)[0]))

        def result(self):
            return self.n.value

    m = Count()
    assert float(m([1, 2, 3])) == 3.0
    assert m.ones.numpy().tolist() == [1.0, 1.0]
    assert m.custom.numpy().tolist() == [2.0, 2.0, 2.0]
    m.reset_state()
    assert m.ones.numpy().tolist() == [0.0, 0.0]


def test_nested_metric_variables_are_tracked():
    class Pair(metrics.Metric):
        def __init__(self):
            super().__init__(name="pair")
            self.a = metrics.Mean(name="a")
            self.b = metrics.Sum(name="b")

        def update_state(self, v):
            self.a.update_state(v)
            self.b.update_state(v)

        def result(self):
            return self.a.result() + self.b.result()

    m = Pair()
    assert [v.path for v in m.variables] == ["a/total", "a/count", "b/total"]
    m.update_state([1.0, 3.0])
    assert float(m.result()) == 6.0
    m.reset_state()
    assert float(m.result()) == 0.0


def test_forgetting_super_init_is_clear():
    class Bad(metrics.Metric):
        def __init__(self):
            self.v = self.add_variable((), "zeros")

    with pytest.raises(RuntimeError, match="super"):
        Bad()


def test_bad_initializer_is_clear():
    m = metrics.Mean()
    with pytest.raises(ValueError, match="unknown initializer"):
        m.add_variable((), "glorot_magic", name="x")


def test_base_metric_config():
    assert metrics.Mean(name="m").get_config() == {"name": "m", "dtype": "float32"}
    assert metrics.Sum(dtype="float64").get_config() == {"name": "sum", "dtype": "float64"}
    assert repr(metrics.Mean(name="m")) == "<Mean name=m>"
