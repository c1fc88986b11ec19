"""`Loss`, the base class of lamina's losses, and Keras 3's reduction rules.

A loss maps `(y_true, y_pred)` to per-sample values (`Loss.call`), then weights
them by `sample_weight` and reduces them (`Loss.__call__`):

- "sum_over_batch_size" (the default) and "mean": sum of weighted values / number
  of values;
- "mean_with_sample_weight": sum of weighted values / sum of the sample weights;
- "sum": sum of weighted values;
- "none" or None: the weighted values, unreduced.

Example:
>>> from lamina import losses
>>> loss = losses.MeanSquaredError(reduction="sum")
>>> float(loss([[0.0, 1.0]], [[1.0, 1.0]]))
0.5
"""

from __future__ import annotations

from typing import Any

from lamina import ops
from lamina import dtype_policies
from lamina.api_export import keras_export
from lamina.backend import dtypes
from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.tensor import Tensor
from lamina.ops.operation import auto_name

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def standardize_reduction(reduction: str | None) -> str | None:
    """Checks `reduction` against Keras's names and returns it."""
    if reduction not in REDUCTIONS:
        allowed = ", ".join(repr(r) for r in REDUCTIONS)
        raise ValueError(f"Invalid value for argument `reduction`: expected one of {allowed}; "
                         f"received reduction={reduction!r}")
    return reduction


def to_tensor(x, dtype: str | None = None):
    """`x` as a Tensor (or a KerasTensor when symbolic), cast to `dtype` if given."""
    if type(x) is Tensor or isinstance(x, KerasTensor):
        return x if dtype is None or x.dtype == dtype else ops.cast(x, dtype)
    return ops.convert_to_tensor(x, dtype=dtype)


def to_float(x, dtype: str | None = None):
    """`x` as a floating-point tensor: `dtype` if given, else its own float dtype
    (integers and bools become floatx)."""
    x = to_tensor(x, dtype)
    return x if dtypes.is_float(x.dtype) else ops.cast(x, dtypes.floatx())


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1: bool = True):
    """Keras's rank alignment: when the ranks differ by one and the longer tensor
    ends in a dimension of 1, that dimension is squeezed (or, when the shorter one
    is rank 1 and `expand_rank_1`, the shorter one is expanded instead)."""
    r1, r2 = len(x1.shape), len(x2.shape)
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = ops.expand_dims(x2, -1)
        else:
            x1 = ops.squeeze(x1, -1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = ops.expand_dims(x1, -1)
        else:
            x2 = ops.squeeze(x2, -1)
    return x1, x2


def _broadcastable(a: tuple, b: tuple) -> bool:
    return all(x == y or x == 1 or y == 1 or x is None or y is None
               for x, y in zip(reversed(a), reversed(b)))


def _align_weights(values, sample_weight):
    """Keras's rank alignment of weights to values; then, where Keras's broadcast
    would fail, weights matching the leading dimensions of `values` (e.g. (batch,)
    weights of (batch, time) losses) are extended over the trailing ones."""
    values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
    vs, ws = tuple(values.shape), tuple(sample_weight.shape)
    if len(ws) < len(vs) and not _broadcastable(vs, ws) and vs[:len(ws)] == ws:
        sample_weight = ops.reshape(sample_weight, ws + (1,) * (len(vs) - len(ws)))
    return values, sample_weight


def _num_elements(x) -> int | None:
    n = 1
    for d in x.shape:
        if d is None:
            return None
        n *= d
    return n


def _divide_no_nan(x, y):
    """x / y, and 0 where y == 0 (with finite gradients there)."""
    zero = ops.equal(y, 0.0)
    return ops.where(zero, 0.0, ops.divide(x, ops.where(zero, 1.0, y)))


def reduce_values(values, sample_weight=None, reduction: str | None = "sum_over_batch_size"):
    """Reduces already-weighted `values` as `reduction` says (see the module docstring).
    Scalars and empty vectors come back unreduced, as in Keras."""
    shape = tuple(values.shape)
    if reduction is None or reduction == "none" or shape == () or shape == (0,):
        return values
    if reduction == "sum":
        return ops.sum(values)
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return _divide_no_nan(ops.sum(values), ops.sum(sample_weight))
    n = _num_elements(values)
    if n == 0:
        return ops.zeros((), dtype=values.dtype)
    return ops.mean(values)


def apply_mask(sample_weight, mask, dtype: str, reduction: str | None):
    """Merges a boolean `mask` of valid entries into `sample_weight`. For the mean
    reductions the valid entries are scaled by total / valid, so that the mean over
    all entries is the mean over the valid ones."""
    if mask is None:
        return sample_weight
    mask = ops.cast(mask, dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        total = _num_elements(mask)
        valid = ops.sum(mask)
        mask = ops.multiply(mask, _divide_no_nan(ops.cast(total, dtype), valid))
    if sample_weight is None:
        return mask
    mask, sample_weight = _align_weights(mask, sample_weight)
    return ops.multiply(sample_weight, mask)


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction: str | None = "sum_over_batch_size", dtype: str | None = None):
    """Weights `values` by `sample_weight` (and `mask`), then reduces them.

    `sample_weight` is aligned to `values` by Keras's rule: a trailing dimension of 1
    on either side is squeezed (or a rank-1 side expanded), then the two broadcast.
    """
    reduction = standardize_reduction(reduction)
    values = to_tensor(values, dtype)
    if sample_weight is not None:
        sample_weight = to_tensor(sample_weight, values.dtype)
    sample_weight = apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = _align_weights(values, sample_weight)
        try:
            values = ops.multiply(values, sample_weight)
        except ValueError:
            raise ValueError(
                f"sample_weight of shape {tuple(sample_weight.shape)} does not broadcast with "
                f"the per-sample losses of shape {tuple(values.shape)}"
            ) from None
    return reduce_values(values, sample_weight, reduction)


@keras_export("keras.Loss", "keras.losses.Loss")
class Loss:
    """Base class of losses: subclasses implement `call(y_true, y_pred)`, returning
    per-sample losses; `__call__` weights and reduces them.

    Args:
        name: the loss's name (default: the snake-case class name).
        reduction: "sum_over_batch_size" (default), "sum", "mean",
            "mean_with_sample_weight", "none" or None (see `lamina.losses.loss`).
        dtype: the dtype the loss computes in (default: floatx, "float32"); both
            `y_true` and `y_pred` are cast to it.

    Example:
    >>> class MeanError(Loss):
    ...     def call(self, y_true, y_pred):
    ...         return ops.mean(y_pred - y_true, axis=-1)
    >>> float(MeanError()([[1.0, 2.0]], [[2.0, 4.0]]))
    1.5
    """

    # Subclasses whose `y_true` holds integer labels set this to False.
    _cast_y_true = True

    def __init__(self, name: str | None = None, reduction: str | None = "sum_over_batch_size",
                 dtype=None):
        self.name = name or auto_name(_snake_case(type(self).__name__))
        self.reduction = standardize_reduction(reduction)
        self._dtype_policy = dtype_policies.get(dtype)
        self._dtype = self._dtype_policy.compute_dtype

    @property
    def dtype(self) -> str:
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced (or, with reduction None/"none", per-sample) weighted loss."""
        y_pred = to_tensor(y_pred, self._dtype)
        y_true = to_tensor(y_true, self._dtype if self._cast_y_true else None)
        losses, mask = self._losses_and_mask(y_true, y_pred)
        return reduce_weighted_values(losses, sample_weight=sample_weight, mask=mask,
                                      reduction=self.reduction, dtype=self._dtype)

    def _losses_and_mask(self, y_true, y_pred):
        """Per-sample losses and a boolean mask of the valid ones (or None)."""
        return self.call(y_true, y_pred), None

    def call(self, y_true, y_pred):
        """Per-sample losses; implemented by subclasses."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Loss":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


def _snake_case(name: str) -> str:
    out = []
    for i, c in enumerate(name):
        if c.isupper() and i and (not name[i - 1].isupper() or
                                  (i + 1 < len(name) and name[i + 1].islower())):
            out.append("_")
        out.append(c.lower())
    return "".join(out)
