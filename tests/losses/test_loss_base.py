"""lamina.losses.Loss: reductions, sample weights, dtypes, subclassing, configs,
get / serialize / deserialize, and error messages."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import assert_close
from lamina import losses, ops
from lamina.losses.loss import reduce_weighted_values, squeeze_or_expand_to_same_rank


class MeanError(losses.Loss):
    def call(self, y_true, y_pred):
        return ops.mean(ops.subtract(y_pred, y_true), axis=-1)


# ---------------------------------------------------------------- reductions
@pytest.mark.parametrize("reduction,expected", [
    ("sum_over_batch_size", 2.5), ("mean", 2.5), ("sum", 10.0),
    ("mean_with_sample_weight", 2.5), (None, [1.0, 2.0, 3.0, 4.0]), ("none", [1.0, 2.0, 3.0, 4.0]),
])
def test_reductions_without_weights(reduction, expected):
    values = np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)
    assert_close(reduce_weighted_values(values, reduction=reduction), expected)


@pytest.mark.parametrize("reduction,expected", [
    ("sum_over_batch_size", (1 * 1 + 2 * 0 + 3 * 2 + 4 * 1) / 4),
    ("mean", 11 / 4),
    ("sum", 11.0),
    ("mean_with_sample_weight", 11 / 4),  # sum of weights is 4 here too
    (None, [1.0, 0.0, 6.0, 4.0]),
])
def test_reductions_with_weights(reduction, expected):
    values = np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)
    sw = np.array([1.0, 0.0, 2.0, 1.0])
    assert_close(reduce_weighted_values(values, sample_weight=sw, reduction=reduction), expected)


def test_mean_with_sample_weight_divides_by_weight_sum():
    values = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    sw = np.array([0.5, 0.0, 0.5])
    assert_close(reduce_weighted_values(values, sw, reduction="mean_with_sample_weight"), 2.0)
    assert_close(reduce_weighted_values(values, sw, reduction="sum_over_batch_size"), 2.0 / 3)
    # All-zero weights: 0, not NaN.
    assert_close(reduce_weighted_values(values, np.zeros(3), reduction="mean_with_sample_weight"),
                 0.0)


def test_scalar_and_empty_values_are_returned_unreduced():
    assert_close(reduce_weighted_values(np.float32(3.0)), 3.0)
    out = reduce_weighted_values(np.zeros((0,), np.float32))
    assert np.asarray(out).shape == (0,)
    assert_close(reduce_weighted_values(np.zeros((0, 3), np.float32)), 0.0)


def test_mask_averages_over_valid_entries():
    values = np.array([2.0, 4.0, 6.0, 8.0], dtype=np.float32)
    mask = np.array([True, False, True, False])
    assert_close(reduce_weighted_values(values, mask=mask), (2.0 + 6.0) / 2)
    assert_close(reduce_weighted_values(values, mask=mask, reduction="sum"), 8.0)
    assert_close(reduce_weighted_values(values, sample_weight=[1.0, 1.0, 3.0, 1.0], mask=mask),
                 (2.0 + 18.0) / 2)
    assert_close(reduce_weighted_values(values, mask=np.zeros(4, bool)), 0.0)


def test_squeeze_or_expand_to_same_rank():
    a = ops.zeros((4, 1))
    b = ops.zeros((4,))
    x, y = squeeze_or_expand_to_same_rank(a, b)
    assert x.shape == (4, 1) and y.shape == (4, 1)  # rank-1 side expanded
    x, y = squeeze_or_expand_to_same_rank(ops.zeros((2, 3, 1)), ops.zeros((2, 3)))
    assert x.shape == (2, 3) and y.shape == (2, 3)  # trailing 1 squeezed
    x, y = squeeze_or_expand_to_same_rank(ops.zeros((2, 3)), ops.zeros((2, 3, 1)))
    assert x.shape == (2, 3) and y.shape == (2, 3)
    x, y = squeeze_or_expand_to_same_rank(ops.zeros((2, 3)), ops.zeros((2,)))
    assert x.shape == (2, 3) and y.shape == (2,)  # no trailing 1: unchanged


def test_batch_weights_extend_over_time_steps():
    values = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = reduce_weighted_values(values, sample_weight=[1.0, 0.0], reduction=None)
    assert_close(out, [[0.0, 1.0, 2.0], [0.0, 0.0, 0.0]])


def test_weights_that_do_not_broadcast():
    with pytest.raises(ValueError, match=r"sample_weight of shape \(3,\).*\(2,\)"):
        reduce_weighted_values(np.ones(2, np.float32), sample_weight=np.ones(3))


# --------------------------------------------------------------- base class
def test_custom_subclass():
    loss = MeanError()
    assert loss.name.startswith("mean_error")
    assert loss.reduction == "sum_over_batch_size"
    assert_close(loss([[1.0, 2.0]], [[2.0, 4.0]]), 1.5)
    assert_close(MeanError(reduction="sum")([[0.0], [0.0]], [[1.0], [2.0]]), 3.0)
    assert MeanError.from_config(MeanError(name="m", reduction="sum").get_config()).name == "m"


def test_call_not_implemented():
    with pytest.raises(NotImplementedError, match="call"):
        losses.Loss()([1.0], [1.0])


def test_unknown_reduction_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"reduction.*'sum_over_batch_size'.*received "
                                         r"reduction='avg'"):
        losses.MeanSquaredError(reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        reduce_weighted_values(np.ones(2, np.float32), reduction="auto")


def test_dtype_casts_inputs():
    out = losses.MeanSquaredError()(np.array([[1, 2]]), np.array([[1.0, 4.0]]))
    assert out.dtype == "float32"  # floatx, even for float64 / int inputs
    assert_close(out, 2.0)
    loss = losses.MeanSquaredError(dtype="float64")
    assert loss.dtype == "float64"
    assert loss([[1.0, 2.0]], [[1.0, 4.0]]).dtype == "float64"
    # Integer labels of sparse CE stay integers; predictions take the loss dtype.
    out = losses.SparseCategoricalCrossentropy(dtype="float64")([1], [[0.5, 0.5]])
    assert out.dtype == "float64"
    assert_close(out, np.log(2.0))


def test_functions_keep_prediction_dtype():
    assert losses.mean_squared_error(np.ones((2, 2)), np.ones((2, 2))).dtype == "float64"
    out = losses.mean_squared_error(np.ones((2, 2), np.float32), np.ones((2, 2)))
    assert out.dtype == "float64"
    assert losses.mean_squared_error([[1, 2]], [[1, 2]]).dtype == "float32"  # ints become floatx


def test_default_names():
    assert losses.MeanSquaredError().name == "mean_squared_error"
    assert losses.Huber().name == "huber_loss"
    assert losses.LogCosh().name == "log_cosh"
    assert losses.KLDivergence().name == "kl_divergence"
    assert losses.BinaryCrossentropy(name="bce").name == "bce"


# ---------------------------------------------------------- configs and get
ALL_CLASSES = [
    (losses.MeanSquaredError, {}), (losses.MeanAbsoluteError, {}),
    (losses.MeanAbsolutePercentageError, {}), (losses.MeanSquaredLogarithmicError, {}),
    (losses.CosineSimilarity, {"axis": 1}), (losses.Huber, {"delta": 2.5}), (losses.LogCosh, {}),
    (losses.Hinge, {}), (losses.SquaredHinge, {}), (losses.CategoricalHinge, {}),
    (losses.KLDivergence, {}), (losses.Poisson, {}),
    (losses.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.1, "axis": -1}),
    (losses.BinaryFocalCrossentropy, {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.0,
                                      "from_logits": True, "label_smoothing": 0.2, "axis": -1}),
    (losses.CategoricalCrossentropy, {"from_logits": True, "label_smoothing": 0.1, "axis": -1}),
    (losses.CategoricalFocalCrossentropy, {"alpha": 0.5, "gamma": 3.0, "from_logits": False,
                                           "label_smoothing": 0.0, "axis": -1}),
    (losses.SparseCategoricalCrossentropy, {"from_logits": True, "ignore_class": 255}),
    (losses.Dice, {"axis": (1, 2)}), (losses.Tversky, {"alpha": 0.3, "beta": 0.7, "axis": None}),
]


@pytest.mark.parametrize("cls,kwargs", ALL_CLASSES, ids=lambda v: getattr(v, "__name__", ""))
def test_config_round_trip(cls, kwargs):
    loss = cls(reduction="sum", name="my_loss", **kwargs)
    config = loss.get_config()
    assert config == {"name": "my_loss", "reduction": "sum", **kwargs}
    data = losses.serialize(loss)
    plain = {k: list(v) if isinstance(v, tuple) else v for k, v in config.items()}
    assert data == {"module": "keras.losses", "class_name": cls.__name__, "config": plain,
                    "registered_name": None}
    json.dumps(data)
    back = losses.deserialize(json.loads(json.dumps(data)))
    assert type(back) is cls
    back_config = back.get_config()
    if "axis" in kwargs and isinstance(kwargs["axis"], tuple):  # JSON turns tuples into lists
        back_config["axis"] = tuple(back_config["axis"])
    assert back_config == config
    assert type(losses.get(data)) is cls


def test_default_configs_match_keras():
    assert losses.MeanSquaredError().get_config() == {
        "name": "mean_squared_error", "reduction": "sum_over_batch_size"}
    assert losses.CategoricalCrossentropy().get_config() == {
        "name": "categorical_crossentropy", "reduction": "sum_over_batch_size",
        "from_logits": False, "label_smoothing": 0.0, "axis": -1}
    assert losses.SparseCategoricalCrossentropy().get_config() == {
        "name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size",
        "from_logits": False, "ignore_class": None}
    assert losses.SparseCategoricalCrossentropy(axis=1).get_config()["axis"] == 1


def test_keras_written_config_loads():
    """A config as Keras writes it (module keras.losses, or Keras's internal module)."""
    cfg = {"module": "keras.losses", "class_name": "BinaryCrossentropy",
           "config": {"name": "binary_crossentropy", "reduction": "sum_over_batch_size",
                      "from_logits": True, "label_smoothing": 0.0, "axis": -1},
           "registered_name": None}
    loss = losses.deserialize(cfg)
    assert isinstance(loss, losses.BinaryCrossentropy) and loss.from_logits
    cfg = {"module": "keras.src.losses.losses", "class_name": "MeanSquaredError",
           "config": {"name": "mse", "reduction": "sum"}, "registered_name": None}
    assert losses.deserialize(cfg).reduction == "sum"


def test_functions_serialize_by_name():
    data = losses.serialize(losses.mse)
    assert data == {"module": "keras.losses", "class_name": "function",
                    "config": "mean_squared_error", "registered_name": "function"}
    assert losses.deserialize(data) is losses.mean_squared_error
    assert losses.deserialize("categorical_crossentropy") is losses.categorical_crossentropy


def test_loss_function_wrapper_round_trip():
    w = losses.LossFunctionWrapper(losses.huber, reduction="sum", name="h", delta=3.0)
    config = w.get_config()
    assert config["fn"]["config"] == "huber" and config["delta"] == 3.0
    back = losses.LossFunctionWrapper.from_config(config)
    assert back.fn is losses.huber and back._fn_kwargs == {"delta": 3.0}
    assert_close(back([[0.0]], [[5.0]]), w([[0.0]], [[5.0]]))
    assert_close(w([[0.0]], [[5.0]]), 3.0 * 5.0 - 0.5 * 9.0)


@pytest.mark.parametrize("name,obj", [
    ("mse", losses.mean_squared_error), ("MSE", losses.mean_squared_error),
    ("mean_squared_error", losses.mean_squared_error), ("mae", losses.mean_absolute_error),
    ("mape", losses.mean_absolute_percentage_error),
    ("msle", losses.mean_squared_logarithmic_error), ("kld", losses.kl_divergence),
    ("kl_divergence", losses.kl_divergence), ("logcosh", losses.log_cosh),
    ("log_cosh", losses.log_cosh), ("bce", losses.binary_crossentropy),
    ("binary_crossentropy", losses.binary_crossentropy),
    ("categorical_crossentropy", losses.categorical_crossentropy),
    ("sparse_categorical_crossentropy", losses.sparse_categorical_crossentropy),
    ("hinge", losses.hinge), ("huber", losses.huber), ("poisson", losses.poisson),
])
def test_get_function_names(name, obj):
    assert losses.get(name) is obj


def test_get_class_names_instances_and_callables():
    assert isinstance(losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy)
    assert isinstance(losses.get("Huber"), losses.Huber)
    inst = losses.MeanAbsoluteError()
    assert losses.get(inst) is inst
    assert isinstance(losses.get(losses.Poisson), losses.Poisson)
    fn = lambda t, p: ops.mean(p)  # noqa: E731
    assert losses.get(fn) is fn
    assert losses.get(None) is None
    got = losses.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    assert got.from_logits is True


def test_get_unknown_name_lists_known_names():
    with pytest.raises(ValueError, match=r"Unknown loss: 'msee'.*mean_squared_error.*mse"):
        losses.get("msee")
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        losses.get(42)
    with pytest.raises(Exception, match="NoSuchLoss"):
        losses.deserialize({"module": "keras.losses", "class_name": "NoSuchLoss", "config": {},
                            "registered_name": None})


def test_public_names():
    for name in ("Loss", "MeanSquaredError", "mse", "MAE", "kld", "logcosh", "get", "serialize",
                 "deserialize", "SparseCategoricalCrossentropy", "BinaryFocalCrossentropy"):
        assert hasattr(losses, name), name
    for name in losses.__all__:
        assert hasattr(losses, name), name


def test_symbolic_inputs_give_symbolic_scalars():
    from lamina import KerasTensor

    y_true, y_pred = KerasTensor((None, 3)), KerasTensor((None, 3))
    for loss in (losses.MeanSquaredError(), losses.CategoricalCrossentropy(from_logits=True),
                 losses.BinaryCrossentropy(), losses.Huber()):
        out = loss(y_true, y_pred)
        assert isinstance(out, KerasTensor) and out.shape == () and out.dtype == "float32"
    out = losses.SparseCategoricalCrossentropy()(KerasTensor((None,), "int32"), y_pred)
    assert isinstance(out, KerasTensor) and out.shape == ()
    out = losses.MeanSquaredError(reduction=None)(y_true, y_pred)
    assert out.shape == (None,)
