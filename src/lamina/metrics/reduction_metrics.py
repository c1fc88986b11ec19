"""Reduction metrics: `Sum`, `Mean`, and `MeanMetricWrapper` (the mean of a
per-sample function), with Keras's sample-weight rules."""

from __future__ import annotations

from typing import Callable

from lamina import ops
from lamina.api_export import keras_export
from lamina.metrics.metric import Metric
from lamina.metrics.metrics_utils import constant, divide_no_nan, squeeze_or_expand_to_same_rank
from lamina.saving import serialization_lib


def reduce_to_samplewise_values(values, sample_weight, reduce_fn: Callable, dtype: str):
    """Weights `values` and reduces them to one value per sample, as Keras does.

    The weights' rank is aligned with the values' (through a trailing size-1 axis);
    values of higher rank than the weights are first reduced over the extra axes with
    `reduce_fn`, then multiplied by the (broadcast) weights; finally everything past
    the first axis is reduced. Returns `(values, sample_weight)`, the weights reduced
    to one per sample (None when none were given).
    """
    values = ops.cast(ops.convert_to_tensor(values), dtype)
    if sample_weight is not None:
        sample_weight = ops.cast(ops.convert_to_tensor(sample_weight), dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        w_ndim, v_ndim = len(sample_weight.shape), len(values.shape)
        if v_ndim > w_ndim:
            values = reduce_fn(values, axis=tuple(range(w_ndim, v_ndim)))
        try:
            sample_weight = ops.broadcast_to(sample_weight, tuple(values.shape))
        except ValueError:
            raise ValueError(
                f"sample_weight of shape {tuple(sample_weight.shape)} cannot be broadcast to "
                f"the values' shape {tuple(values.shape)}") from None
        values = values * sample_weight
        if w_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, w_ndim)))
    v_ndim = len(values.shape)
    if v_ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, v_ndim)))
    return values, sample_weight


@keras_export("keras.metrics.Sum")
class Sum(Metric):
    """The (weighted) sum of the given values.

    Args:
        name: the metric's name.
        dtype: the dtype of the result.

    Example:
    >>> m = Sum()
    >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> float(m.result())
    4.0
    """

    def __init__(self, name: str = "sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype,
                                       name="total")

    def update_state(self, values, sample_weight=None) -> None:
        values, _ = reduce_to_samplewise_values(values, sample_weight, ops.sum, self.dtype)
        self.total.assign_add(ops.sum(values))

    def reset_state(self) -> None:
        self.total.assign(ops.zeros((), dtype=self.total.dtype))

    def result(self):
        return ops.cast(self.total.value, self.dtype)


@keras_export("keras.metrics.Mean")
class Mean(Metric):
    """The (weighted) mean of the given values: `total / count`.

    Values of rank > 1 are first averaged per sample (over all axes but the first);
    with `sample_weight`, `total` adds `sum(w * v)` and `count` adds `sum(w)`.

    Args:
        name: the metric's name.
        dtype: the dtype of the result.

    Example:
    >>> m = Mean()
    >>> m.update_state([1, 3, 5, 7])
    >>> float(m.result())
    4.0
    >>> m.reset_state()
    >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> float(m.result())
    2.0
    """

    def __init__(self, name: str = "mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype,
                                       name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype,
                                       name="count")

    def update_state(self, values, sample_weight=None) -> None:
        if isinstance(sample_weight, (int, float)) and not isinstance(sample_weight, bool) \
                and len(getattr(values, "shape", (0,))) == 0:
            # A scalar value with a scalar weight (e.g. a batch loss and its size).
            w = constant(float(sample_weight), self.dtype)
            self.total.assign_add(ops.multiply(ops.cast(values, self.dtype), w))
            self.count.assign_add(w)
            return
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, ops.mean,
                                                            self.dtype)
        self.total.assign_add(ops.sum(values))
        if sample_weight is not None:
            num_samples = ops.sum(sample_weight)
        elif len(values.shape) >= 1:
            num_samples = constant(float(values.shape[0]), self.dtype)
        else:
            num_samples = constant(1.0, self.dtype)
        self.count.assign_add(num_samples)

    def reset_state(self) -> None:
        self.total.assign(ops.zeros((), dtype=self.total.dtype))
        self.count.assign(ops.zeros((), dtype=self.count.dtype))

    def result(self):
        return divide_no_nan(self.total.value, ops.cast(self.count.value, self.dtype))


@keras_export("keras.metrics.MeanMetricWrapper")
class MeanMetricWrapper(Mean):
    """The mean of a per-sample function `fn(y_true, y_pred, **kwargs)`.

    Args:
        fn: the function, returning one value per sample (or per element).
        name: the metric's name.
        dtype: the dtype of the result.
        **kwargs: keyword arguments passed on to `fn`.

    Example:
    >>> def abs_err(y_true, y_pred):
    ...     return ops.abs(ops.subtract(y_true, y_pred))
    >>> m = MeanMetricWrapper(abs_err, name="abs_err")
    >>> float(m([1.0, 2.0], [2.0, 4.0]))
    1.5
    """

    def __init__(self, fn: Callable, name: str | None = None, dtype=None, **kwargs):
        if not callable(fn):
            raise ValueError(f"MeanMetricWrapper: fn must be callable, got {fn!r}")
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self) -> dict:
        config = super().get_config()
        config["fn"] = serialization_lib.serialize_keras_object(self._fn)
        config.update(serialization_lib.serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config: dict) -> "MeanMetricWrapper":
        if "fn" in config:
            config = serialization_lib.deserialize_keras_object(config)
        return cls(**config)
