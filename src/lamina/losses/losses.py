"""Keras 3's losses: the loss functions (`mean_squared_error`, ...) and the `Loss`
classes that wrap them (`MeanSquaredError`, ...), with Keras's formulas, defaults,
epsilon clipping (1e-7) and configs.

Cross-entropies from logits are computed stably: softmax cross-entropy through
log_softmax / logsumexp, sigmoid cross-entropy as softplus(x) - x * z, which is
max(x, 0) - x * z + log1p(exp(-|x|)) evaluated by the native softplus kernel (whose
gradient, sigmoid(x) - z, is exact everywhere, x = 0 included).
"""

from __future__ import annotations

import operator
import warnings
from typing import Any, Callable

from lamina import ops
from lamina.ops.checks import check_range
from lamina.api_export import keras_export
from lamina.backend import dtypes
from lamina.backend.keras_tensor import KerasTensor
from lamina.losses.loss import Loss, squeeze_or_expand_to_same_rank, to_float, to_tensor
from lamina.saving import serialization_lib

EPSILON = 1e-7  # keras.config.epsilon()


def epsilon() -> float:
    """The fuzz factor used to clip probabilities (Keras's default, 1e-7)."""
    return EPSILON


# ------------------------------------------------------------------ helpers
def _prepare(y_true, y_pred):
    """y_pred as a float tensor, y_true cast to its dtype."""
    y_pred = to_float(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    return y_true, y_pred


def _check_broadcast(y_true, y_pred, fn: str) -> None:
    a, b = tuple(y_true.shape), tuple(y_pred.shape)
    if a == b:
        return
    for d1, d2 in zip(reversed(a), reversed(b)):
        if d1 != d2 and d1 != 1 and d2 != 1 and d1 is not None and d2 is not None:
            raise ValueError(f"{fn}: y_true and y_pred have incompatible shapes: "
                             f"y_true.shape={a}, y_pred.shape={b}")


def _aligned(y_true, y_pred, fn: str):
    """_prepare, Keras's rank alignment, and a shape check naming `fn`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check_broadcast(y_true, y_pred, fn)
    return y_true, y_pred


def _check_axis(axis, fn: str) -> int:
    if isinstance(axis, bool):
        raise ValueError(f"{fn}: `axis` must be an int, received axis={axis!r}")
    try:
        return operator.index(axis)
    except TypeError:
        raise ValueError(f"{fn}: `axis` must be an int, received axis={axis!r}") from None


def _check_smoothing(label_smoothing, fn: str) -> float:
    ls = float(label_smoothing)
    if not 0.0 <= ls <= 1.0:
        raise ValueError(f"{fn}: label_smoothing must be in [0, 1], received {label_smoothing!r}")
    return ls


def _clip_probs(p):
    return ops.clip(p, EPSILON, 1.0 - EPSILON)


def _sigmoid_ce(z, x, from_logits: bool):
    """Elementwise binary cross-entropy of labels z against logits or probabilities x."""
    if from_logits:
        return ops.subtract(ops.softplus(x), ops.multiply(x, z))
    p = _clip_probs(x)
    return ops.negative(ops.add(ops.multiply(z, ops.log(p)),
                                ops.multiply(ops.subtract(1.0, z), ops.log(ops.subtract(1.0, p)))))


def _focal_power(base, gamma: float):
    if gamma == 2.0:
        return ops.square(base)
    if gamma == 1.0:
        return base
    if gamma == 0.0:
        return ops.ones_like(base)
    return ops.power(base, gamma)


def convert_binary_labels_to_hinge(y_true):
    """{0, 1} labels become {-1, 1}; labels that are not all 0/1 pass unchanged."""
    is_binary = ops.all(ops.logical_or(ops.equal(y_true, 0.0), ops.equal(y_true, 1.0)))
    return ops.where(is_binary, ops.subtract(ops.multiply(y_true, 2.0), 1.0), y_true)


# ---------------------------------------------------------------- functions
@keras_export("keras.losses.mean_squared_error",
              "keras.losses.mse", "keras.losses.MSE")
def mean_squared_error(y_true, y_pred):
    """mean(square(y_true - y_pred), axis=-1).

    Example:
    >>> mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]]).numpy()
    array([0.5], dtype=float32)
    """
    y_true, y_pred = _aligned(y_true, y_pred, "mean_squared_error")
    return ops.mean(ops.square(ops.subtract(y_true, y_pred)), axis=-1)


@keras_export("keras.losses.mean_absolute_error",
              "keras.losses.mae", "keras.losses.MAE")
def mean_absolute_error(y_true, y_pred):
    """mean(abs(y_true - y_pred), axis=-1).

    Example:
    >>> mean_absolute_error([[0.0, 1.0]], [[1.0, 1.0]]).numpy()
    array([0.5], dtype=float32)
    """
    y_true, y_pred = _aligned(y_true, y_pred, "mean_absolute_error")
    return ops.mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1)


@keras_export("keras.losses.mean_absolute_percentage_error",
              "keras.losses.mape", "keras.losses.MAPE")
def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1).

    Example:
    >>> mean_absolute_percentage_error([[2.0, 4.0]], [[1.0, 4.0]]).numpy()
    array([25.], dtype=float32)
    """
    y_true, y_pred = _aligned(y_true, y_pred, "mean_absolute_percentage_error")
    diff = ops.abs(ops.divide(ops.subtract(y_true, y_pred),
                              ops.maximum(ops.abs(y_true), EPSILON)))
    return ops.multiply(ops.mean(diff, axis=-1), 100.0)


@keras_export("keras.losses.mean_squared_logarithmic_error",
              "keras.losses.msle", "keras.losses.MSLE")
def mean_squared_logarithmic_error(y_true, y_pred):
    """mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1).

    Example:
    >>> float(mean_squared_logarithmic_error([[0.0]], [[1.718281828]])[0])  # (log e)^2
    1.0
    """
    y_true, y_pred = _aligned(y_true, y_pred, "mean_squared_logarithmic_error")
    first = ops.log1p(ops.maximum(y_pred, EPSILON))
    second = ops.log1p(ops.maximum(y_true, EPSILON))
    return ops.mean(ops.square(ops.subtract(first, second)), axis=-1)


def _l2_normalize(x, axis: int):
    # x / sqrt(max(sum(x^2), 1e-12)): zero vectors stay zero.
    sq = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return ops.multiply(x, ops.rsqrt(ops.maximum(sq, 1e-12)))


@keras_export("keras.losses.cosine_similarity")
def cosine_similarity(y_true, y_pred, axis: int = -1):
    """-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis): -1 for vectors that
    point the same way, 0 for orthogonal ones (and whenever either is zero).

    Example:
    >>> cosine_similarity([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]]).numpy()
    array([-0.        , -0.99999994], dtype=float32)
    """
    axis = _check_axis(axis, "cosine_similarity")
    y_true, y_pred = _aligned(y_true, y_pred, "cosine_similarity")
    return ops.negative(ops.sum(ops.multiply(_l2_normalize(y_true, axis),
                                             _l2_normalize(y_pred, axis)), axis=axis))


@keras_export("keras.losses.huber")
def huber(y_true, y_pred, delta: float = 1.0):
    """mean over the last axis of 0.5 * e^2 where |e| <= delta, else
    delta * |e| - 0.5 * delta^2 (e = y_pred - y_true).

    Example:
    >>> float(ops.mean(huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])))  # doctest: +ELLIPSIS
    0.155...
    """
    y_true, y_pred = _aligned(y_true, y_pred, "huber")
    delta = float(delta)
    error = ops.subtract(y_pred, y_true)
    abs_error = ops.abs(error)
    quadratic = ops.multiply(ops.square(error), 0.5)
    linear = ops.subtract(ops.multiply(abs_error, delta), 0.5 * delta * delta)
    return ops.mean(ops.where(ops.less_equal(abs_error, delta), quadratic, linear), axis=-1)


_LOG2 = 0.6931471805599453


@keras_export("keras.losses.log_cosh",
              "keras.losses.logcosh")
def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true)), axis=-1), computed as
    x + softplus(-2x) - log(2) (no overflow for large errors).

    Example:
    >>> float(ops.mean(log_cosh([[0., 1.], [0., 0.]], [[1., 1.], [0., 0.]])))  # doctest: +ELLIPSIS
    0.108...
    """
    y_true, y_pred = _aligned(y_true, y_pred, "log_cosh")
    x = ops.subtract(y_pred, y_true)
    return ops.mean(ops.subtract(ops.add(x, ops.softplus(ops.multiply(x, -2.0))), _LOG2), axis=-1)


@keras_export("keras.losses.kl_divergence",
              "keras.losses.kld", "keras.losses.KLD",
              "keras.losses.kullback_leibler_divergence")
def kl_divergence(y_true, y_pred):
    """sum(y_true * log(y_true / y_pred), axis=-1), both clipped to [epsilon, 1].

    Example:
    >>> kl_divergence([[0.5, 0.5]], [[0.5, 0.5]]).numpy()
    array([0.], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "kl_divergence")
    y_true = ops.clip(y_true, EPSILON, 1.0)
    y_pred = ops.clip(y_pred, EPSILON, 1.0)
    return ops.sum(ops.multiply(y_true, ops.log(ops.divide(y_true, y_pred))), axis=-1)


@keras_export("keras.losses.poisson")
def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + epsilon), axis=-1).

    Example:
    >>> poisson([[1.0]], [[1.0]]).numpy()  # doctest: +ELLIPSIS
    array([0.99999...], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "poisson")
    return ops.mean(ops.subtract(y_pred, ops.multiply(y_true, ops.log(ops.add(y_pred, EPSILON)))),
                    axis=-1)


@keras_export("keras.losses.hinge")
def hinge(y_true, y_pred):
    """mean(maximum(1 - y_true * y_pred, 0), axis=-1); {0, 1} labels become {-1, 1}.

    Example:
    >>> hinge([[1.0, 0.0]], [[0.5, -2.0]]).numpy()
    array([0.25], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "hinge")
    y_true = convert_binary_labels_to_hinge(y_true)
    return ops.mean(ops.relu(ops.subtract(1.0, ops.multiply(y_true, y_pred))), axis=-1)


@keras_export("keras.losses.squared_hinge")
def squared_hinge(y_true, y_pred):
    """mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1); {0, 1} labels become
    {-1, 1}.

    Example:
    >>> squared_hinge([[1.0, 0.0]], [[0.5, -2.0]]).numpy()
    array([0.125], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "squared_hinge")
    y_true = convert_binary_labels_to_hinge(y_true)
    return ops.mean(ops.square(ops.relu(ops.subtract(1.0, ops.multiply(y_true, y_pred)))),
                    axis=-1)


@keras_export("keras.losses.categorical_hinge")
def categorical_hinge(y_true, y_pred):
    """maximum(neg - pos + 1, 0) with pos = sum(y_true * y_pred, axis=-1) and
    neg = max((1 - y_true) * y_pred, axis=-1).

    Example:
    >>> categorical_hinge([[0.0, 1.0]], [[0.3, 0.8]]).numpy()
    array([0.5], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "categorical_hinge")
    pos = ops.sum(ops.multiply(y_true, y_pred), axis=-1)
    neg = ops.max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.relu(ops.add(ops.subtract(neg, pos), 1.0))


@keras_export("keras.losses.binary_crossentropy",
              "keras.losses.bce", "keras.losses.BCE")
def binary_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0,
                        axis: int = -1):
    """mean over `axis` of -(z log p + (1 - z) log(1 - p)), with p clipped to
    [eps, 1 - eps]; from logits, softplus(x) - x z (stable for any x). Labels are
    smoothed towards 0.5: z (1 - label_smoothing) + 0.5 label_smoothing.

    Example:
    >>> binary_crossentropy([[0, 1], [0, 0]],
    ...                     [[0.6, 0.4], [0.4, 0.6]]).numpy()  # doctest: +ELLIPSIS
    array([0.9162..., 0.7135...], dtype=float32)
    """
    axis = _check_axis(axis, "binary_crossentropy")
    ls = _check_smoothing(label_smoothing, "binary_crossentropy")
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "binary_crossentropy")
    if ls:
        y_true = ops.add(ops.multiply(y_true, 1.0 - ls), 0.5 * ls)
    return ops.mean(_sigmoid_ce(y_true, y_pred, bool(from_logits)), axis=axis)


@keras_export("keras.losses.binary_focal_crossentropy")
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing: bool = False,
                              alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
                              label_smoothing: float = 0.0, axis: int = -1):
    """Binary cross-entropy scaled by the focal factor (1 - p_t)^gamma, where
    p_t = z p + (1 - z)(1 - p); with `apply_class_balancing`, also by alpha for
    class 1 and 1 - alpha for class 0 (Lin et al., 2018). Mean over `axis`.

    Example:
    >>> binary_focal_crossentropy([[0, 1], [0, 0]],
    ...                           [[0.6, 0.4], [0.4, 0.6]]).numpy()  # doctest: +ELLIPSIS
    array([0.32986..., 0.20579...], dtype=float32)
    """
    axis = _check_axis(axis, "binary_focal_crossentropy")
    ls = _check_smoothing(label_smoothing, "binary_focal_crossentropy")
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "binary_focal_crossentropy")
    if ls:
        y_true = ops.add(ops.multiply(y_true, 1.0 - ls), 0.5 * ls)
    bce = _sigmoid_ce(y_true, y_pred, bool(from_logits))
    p = ops.sigmoid(y_pred) if from_logits else y_pred
    # 1 - p_t = 1 - (z p + (1 - z)(1 - p)) = z + p - 2 z p
    one_minus_pt = ops.subtract(ops.add(y_true, p), ops.multiply(ops.multiply(y_true, p), 2.0))
    loss = ops.multiply(_focal_power(one_minus_pt, float(gamma)), bce)
    if apply_class_balancing:
        alpha = float(alpha)
        weight = ops.add(ops.multiply(y_true, 2.0 * alpha - 1.0), 1.0 - alpha)
        loss = ops.multiply(weight, loss)
    return ops.mean(loss, axis=axis)


def _check_categorical(y_true, y_pred, fn: str) -> None:
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(f"{fn}: y_true and y_pred must have the same shape, received "
                         f"y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}")
    if len(y_pred.shape) < 1:
        raise ValueError(f"{fn}: y_pred must have at least one dimension (the classes), "
                         f"received y_pred.shape={tuple(y_pred.shape)}")
    if y_pred.shape[-1] == 1:
        warnings.warn(
            f"In loss {fn}, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.", SyntaxWarning, stacklevel=3)


def _smooth_categorical(y_true, ls: float):
    if not ls:
        return y_true
    num_classes = y_true.shape[-1]
    return ops.add(ops.multiply(y_true, 1.0 - ls), ls / num_classes)


def _log_probs(y_pred, axis: int, from_logits: bool):
    """log of the class probabilities: log_softmax of logits, or log of the
    probabilities normalized to sum to 1 along `axis` and clipped to [eps, 1 - eps]."""
    if from_logits:
        return ops.log_softmax(y_pred, axis=axis)
    p = ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True))
    return ops.log(_clip_probs(p))


@keras_export("keras.losses.categorical_crossentropy")
def categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1):
    """-sum(y_true * log(p), axis) for one-hot (or soft) labels, where p is
    softmax(y_pred) from logits (computed as log_softmax), else y_pred normalized
    along `axis` and clipped to [eps, 1 - eps]. Label smoothing mixes the labels
    with the uniform distribution over the classes (the last axis).

    Example:
    >>> categorical_crossentropy([[0, 1, 0], [0, 0, 1]],
    ...                          [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]).numpy()  # doctest: +ELLIPSIS
    array([0.0512..., 2.3025...], dtype=float32)
    """
    axis = _check_axis(axis, "categorical_crossentropy")
    ls = _check_smoothing(label_smoothing, "categorical_crossentropy")
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_categorical(y_true, y_pred, "categorical_crossentropy")
    y_true = _smooth_categorical(y_true, ls)
    log_p = _log_probs(y_pred, axis, bool(from_logits))
    return ops.negative(ops.sum(ops.multiply(y_true, log_p), axis=axis))


@keras_export("keras.losses.categorical_focal_crossentropy")
def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma: float = 2.0,
                                   from_logits: bool = False, label_smoothing: float = 0.0,
                                   axis: int = -1):
    """sum(alpha * (1 - p)^gamma * -y_true * log(p), axis) with p the normalized,
    clipped class probabilities (softmax of logits); `alpha` may be a scalar or a
    per-class list.

    Example:
    >>> categorical_focal_crossentropy([[0, 1, 0], [0, 0, 1]],
    ...     [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]]).numpy()  # doctest: +ELLIPSIS
    array([2.634...e-04, 6.759...e-01], dtype=float32)
    """
    axis = _check_axis(axis, "categorical_focal_crossentropy")
    ls = _check_smoothing(label_smoothing, "categorical_focal_crossentropy")
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_categorical(y_true, y_pred, "categorical_focal_crossentropy")
    y_true = _smooth_categorical(y_true, ls)
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    p = _clip_probs(ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True)))
    ce = ops.negative(ops.multiply(y_true, ops.log(p)))
    factor = _focal_power(ops.subtract(1.0, p), float(gamma))
    if isinstance(alpha, (int, float)):
        factor = ops.multiply(factor, float(alpha))
    else:
        factor = ops.multiply(factor, to_tensor(alpha, p.dtype))
    return ops.sum(ops.multiply(factor, ce), axis=axis)


def _check_label_range(y_true, num_classes, fn: str):
    """Labels outside [0, num_classes) are a data error: say so in the loss's terms.
    Returns the labels to use (the check is an op, so compiled steps run it too)."""
    if isinstance(y_true, KerasTensor) or num_classes is None:
        return y_true
    return check_range(
        y_true, 0, num_classes,
        f"{fn}: labels must be integers in [0, {num_classes}) for predictions with "
        f"{num_classes} classes; received the label {{bad}}")


def _sparse_ce_and_mask(y_true, y_pred, from_logits: bool, ignore_class, axis: int):
    fn = "sparse_categorical_crossentropy"
    axis = _check_axis(axis, fn)
    y_pred = to_float(y_pred)
    y_true = to_tensor(y_true)
    if len(y_pred.shape) < 1:
        raise ValueError(f"{fn}: y_pred must have at least one dimension (the classes), "
                         f"received y_pred.shape={tuple(y_pred.shape)}")
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, axis=-1)
    ndim = len(y_pred.shape)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{fn}: axis={axis} is out of range for y_pred of rank {ndim}")
    axis %= ndim
    expected = tuple(y_pred.shape[:axis]) + tuple(y_pred.shape[axis + 1:])
    if tuple(y_true.shape) != expected:
        raise ValueError(
            f"{fn}: y_true must hold one integer label per row of y_pred, i.e. have shape "
            f"{expected} (or {expected + (1,)}), received y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}")
    if not dtypes.is_int(y_true.dtype):
        y_true = ops.cast(y_true, "int32")
    valid = None
    if ignore_class is not None:
        valid = ops.not_equal(y_true, int(ignore_class))
        y_true = ops.where(valid, y_true, 0)
    y_true = _check_label_range(y_true, y_pred.shape[axis], fn)
    labels = ops.expand_dims(y_true, axis)
    picked = ops.squeeze(ops.take_along_axis(y_pred, labels, axis=axis), axis=axis)
    if from_logits:
        res = ops.subtract(ops.logsumexp(y_pred, axis=axis), picked)
    else:
        p = _clip_probs(ops.divide(picked, ops.sum(y_pred, axis=axis)))
        res = ops.negative(ops.log(p))
    if valid is not None:
        res = ops.where(valid, res, 0.0)
    return res, valid


@keras_export("keras.losses.sparse_categorical_crossentropy")
def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                                    ignore_class: int | None = None, axis: int = -1):
    """Categorical cross-entropy with integer labels: -log(p[label]), where p is
    softmax(y_pred) from logits (computed as logsumexp(x) - x[label]), else y_pred
    normalized along `axis` and clipped to [eps, 1 - eps]. `y_true` has y_pred's
    shape without `axis` (or with a trailing 1). Entries labelled `ignore_class`
    get a loss of 0 (and the `SparseCategoricalCrossentropy` class averages over
    the others only).

    Example:
    >>> sparse_categorical_crossentropy(
    ...     [1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]).numpy()  # doctest: +ELLIPSIS
    array([0.0512..., 2.3025...], dtype=float32)
    """
    return _sparse_ce_and_mask(y_true, y_pred, bool(from_logits), ignore_class, axis)[0]


@keras_export("keras.losses.dice")
def dice(y_true, y_pred, axis=None):
    """1 - 2 sum(y_true y_pred) / (sum(y_true) + sum(y_pred) + eps), summed over
    `axis` (None: everything).

    Example:
    >>> round(float(dice([[1.0, 0.0]], [[1.0, 0.0]])), 4)
    0.0
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "dice")
    inter = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    denom = ops.add(ops.add(ops.sum(y_true, axis=axis), ops.sum(y_pred, axis=axis)), EPSILON)
    return ops.subtract(1.0, ops.divide(ops.multiply(inter, 2.0), denom))


@keras_export("keras.losses.tversky")
def tversky(y_true, y_pred, alpha: float = 0.5, beta: float = 0.5, axis=None):
    """1 - TP / (TP + alpha FP + beta FN + eps), with TP = sum(y_true y_pred),
    FP = sum((1 - y_pred) y_true), FN = sum(y_pred (1 - y_true)) over `axis`
    (Keras's definitions). alpha = beta = 0.5 is the Dice loss.

    Example:
    >>> round(float(tversky([[1.0, 0.0]], [[1.0, 0.0]])), 4)
    0.0
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "tversky")
    tp = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    fp = ops.sum(ops.multiply(ops.subtract(1.0, y_pred), y_true), axis=axis)
    fn = ops.sum(ops.multiply(y_pred, ops.subtract(1.0, y_true)), axis=axis)
    denom = ops.add(ops.add(ops.add(tp, ops.multiply(fp, float(alpha))),
                            ops.multiply(fn, float(beta))), EPSILON)
    return ops.subtract(1.0, ops.divide(tp, denom))


# ------------------------------------------------------------------ classes
@keras_export("keras.losses.LossFunctionWrapper")
class LossFunctionWrapper(Loss):
    """A `Loss` computing `fn(y_true, y_pred, **kwargs)` per sample, after aligning
    the ranks of y_true and y_pred as Keras does.

    Example:
    >>> loss = LossFunctionWrapper(mean_absolute_error, reduction="sum")
    >>> float(loss([[0.0, 2.0]], [[1.0, 1.0]]))
    1.0
    """

    def __init__(self, fn: Callable, reduction: str | None = "sum_over_batch_size",
                 name: str | None = None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper: fn must be callable, received {fn!r}")
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["fn"] = serialization_lib.serialize_keras_object(self.fn)
        config.update(serialization_lib.serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "LossFunctionWrapper":
        if "fn" in config:
            config = serialization_lib.deserialize_keras_object(config)
        return cls(**config)

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class _Wrapped(LossFunctionWrapper):
    """A built-in wrapper: its config is Loss's plus the arguments in `_config_keys`."""

    _config_keys: tuple[str, ...] = ()

    def get_config(self) -> dict[str, Any]:
        config = Loss.get_config(self)
        for k in self._config_keys:
            config[k] = getattr(self, k)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Loss":
        return cls(**config)


@keras_export("keras.losses.MeanSquaredError")
class MeanSquaredError(_Wrapped):
    """Mean of squared errors over the last axis, reduced over the batch.

    Example:
    >>> float(MeanSquaredError()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]))
    0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)


@keras_export("keras.losses.MeanAbsoluteError")
class MeanAbsoluteError(_Wrapped):
    """Mean of absolute errors over the last axis, reduced over the batch.

    Example:
    >>> float(MeanAbsoluteError()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]))
    0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)


@keras_export("keras.losses.MeanAbsolutePercentageError")
class MeanAbsolutePercentageError(_Wrapped):
    """100 * mean(|y_true - y_pred| / max(|y_true|, eps)) over the last axis.

    Example:
    >>> float(MeanAbsolutePercentageError()([[2.0, 4.0]], [[1.0, 4.0]]))
    25.0
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, reduction=reduction,
                         dtype=dtype)


@keras_export("keras.losses.MeanSquaredLogarithmicError")
class MeanSquaredLogarithmicError(_Wrapped):
    """mean(square(log1p(y_pred) - log1p(y_true))) over the last axis (inputs
    clipped below at eps).

    Example:
    >>> round(float(MeanSquaredLogarithmicError()([[0.0]], [[1.718281828]])), 5)
    1.0
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, reduction=reduction,
                         dtype=dtype)


@keras_export("keras.losses.CosineSimilarity")
class CosineSimilarity(_Wrapped):
    """Negative cosine similarity along `axis` (-1: same direction).

    Example:
    >>> round(float(CosineSimilarity()([[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]])), 4)
    -0.5
    """

    _config_keys = ("axis",)

    def __init__(self, axis: int = -1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis


@keras_export("keras.losses.Huber")
class Huber(_Wrapped):
    """Huber loss: quadratic for errors up to `delta`, linear beyond.

    Example:
    >>> round(float(Huber()([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])), 3)
    0.155
    """

    _config_keys = ("delta",)

    def __init__(self, delta: float = 1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)
        self.delta = delta


@keras_export("keras.losses.LogCosh")
class LogCosh(_Wrapped):
    """mean(log(cosh(y_pred - y_true))) over the last axis.

    Example:
    >>> round(float(LogCosh()([[0., 1.], [0., 0.]], [[1., 1.], [0., 0.]])), 3)
    0.108
    """

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)


@keras_export("keras.losses.Hinge")
class Hinge(_Wrapped):
    """mean(maximum(1 - y_true * y_pred, 0)) over the last axis; {0, 1} labels
    become {-1, 1}.

    Example:
    >>> float(Hinge()([[1.0, 0.0]], [[0.5, -2.0]]))
    0.25
    """

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)


@keras_export("keras.losses.SquaredHinge")
class SquaredHinge(_Wrapped):
    """mean(square(maximum(1 - y_true * y_pred, 0))) over the last axis.

    Example:
    >>> float(SquaredHinge()([[1.0, 0.0]], [[0.5, -2.0]]))
    0.125
    """

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, reduction=reduction, dtype=dtype)


@keras_export("keras.losses.CategoricalHinge")
class CategoricalHinge(_Wrapped):
    """maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0).

    Example:
    >>> float(CategoricalHinge()([[0.0, 1.0]], [[0.3, 0.8]]))
    0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, reduction=reduction, dtype=dtype)


@keras_export("keras.losses.KLDivergence")
class KLDivergence(_Wrapped):
    """sum(y_true * log(y_true / y_pred)) over the last axis (both clipped to [eps, 1]).

    Example:
    >>> float(KLDivergence()([[0.5, 0.5]], [[0.5, 0.5]]))
    0.0
    """

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)


@keras_export("keras.losses.Poisson")
class Poisson(_Wrapped):
    """mean(y_pred - y_true * log(y_pred + eps)) over the last axis.

    Example:
    >>> round(float(Poisson()([[1.0]], [[1.0]])), 5)
    1.0
    """

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)


@keras_export("keras.losses.BinaryCrossentropy")
class BinaryCrossentropy(_Wrapped):
    """Binary cross-entropy (mean over `axis`) of 0/1 labels against probabilities,
    or against logits with `from_logits=True` (recommended: stable for any logit).

    Example:
    >>> bce = BinaryCrossentropy(from_logits=True)
    >>> round(float(bce([[0, 1], [0, 0]], [[-18.6, 0.51], [2.94, -12.8]])), 3)
    0.865
    """

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        _check_smoothing(label_smoothing, "BinaryCrossentropy")
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


@keras_export("keras.losses.BinaryFocalCrossentropy")
class BinaryFocalCrossentropy(_Wrapped):
    """Binary cross-entropy down-weighting easy examples by (1 - p_t)^gamma, and
    with `apply_class_balancing` weighting class 1 by alpha and class 0 by 1 - alpha.

    Example:
    >>> loss = BinaryFocalCrossentropy(gamma=2, from_logits=True)
    >>> round(float(loss([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8])), 3)
    0.691
    """

    _config_keys = ("from_logits", "label_smoothing", "axis", "apply_class_balancing", "alpha",
                    "gamma")

    def __init__(self, apply_class_balancing: bool = False, alpha: float = 0.25,
                 gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0,
                 axis: int = -1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        _check_smoothing(label_smoothing, "BinaryFocalCrossentropy")
        super().__init__(binary_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma


@keras_export("keras.losses.CategoricalCrossentropy")
class CategoricalCrossentropy(_Wrapped):
    """Cross-entropy of one-hot (or soft) labels against class probabilities, or
    against logits with `from_logits=True` (computed with log_softmax).

    Example:
    >>> cce = CategoricalCrossentropy()
    >>> round(float(cce([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 3)
    1.177
    """

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        _check_smoothing(label_smoothing, "CategoricalCrossentropy")
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


@keras_export("keras.losses.CategoricalFocalCrossentropy")
class CategoricalFocalCrossentropy(_Wrapped):
    """Categorical cross-entropy scaled by alpha * (1 - p)^gamma per class.

    Example:
    >>> cfce = CategoricalFocalCrossentropy()
    >>> round(float(cfce([[0., 1., 0.], [0., 0., 1.]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 4)
    0.2332
    """

    _config_keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(self, alpha=0.25, gamma: float = 2.0, from_logits: bool = False,
                 label_smoothing: float = 0.0, axis: int = -1, reduction="sum_over_batch_size",
                 name="categorical_focal_crossentropy", dtype=None):
        _check_smoothing(label_smoothing, "CategoricalFocalCrossentropy")
        super().__init__(categorical_focal_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.alpha = alpha
        self.gamma = gamma


@keras_export("keras.losses.SparseCategoricalCrossentropy")
class SparseCategoricalCrossentropy(_Wrapped):
    """Cross-entropy of integer labels against class probabilities or logits.
    With `ignore_class`, entries with that label are left out: their loss is 0 and
    the "sum_over_batch_size"/"mean" reductions average over the other entries.

    Example:
    >>> scce = SparseCategoricalCrossentropy()
    >>> round(float(scce([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 3)
    1.177
    """

    _cast_y_true = False  # integer labels stay integers

    def __init__(self, from_logits: bool = False, ignore_class: int | None = None,
                 reduction="sum_over_batch_size", name="sparse_categorical_crossentropy",
                 dtype=None, axis: int = -1):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def _losses_and_mask(self, y_true, y_pred):
        return _sparse_ce_and_mask(y_true, y_pred, bool(self.from_logits), self.ignore_class,
                                   self.axis)

    def call(self, y_true, y_pred):
        return self._losses_and_mask(y_true, y_pred)[0]

    def get_config(self) -> dict[str, Any]:
        config = Loss.get_config(self)
        config.update({"from_logits": self.from_logits, "ignore_class": self.ignore_class})
        if self.axis != -1:  # Keras's class has no `axis`; written only when it matters
            config["axis"] = self.axis
        return config


@keras_export("keras.losses.Dice")
class Dice(_Wrapped):
    """Dice loss, 1 - 2|A∩B| / (|A| + |B|), over `axis` (None: everything).

    Example:
    >>> round(float(Dice(axis=(1,), reduction=None)([[1.0, 0.0]], [[1.0, 0.0]])[0]), 4)
    0.0
    """

    _config_keys = ("axis",)

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis


@keras_export("keras.losses.Tversky")
class Tversky(_Wrapped):
    """Tversky loss, weighting false positives by alpha and false negatives by beta.

    Example:
    >>> round(float(Tversky()([[1.0, 0.0]], [[1.0, 0.0]])), 4)
    0.0
    """

    _config_keys = ("alpha", "beta", "axis")

    def __init__(self, alpha: float = 0.5, beta: float = 0.5, reduction="sum_over_batch_size",
                 name="tversky", axis=None, dtype=None):
        super().__init__(tversky, name=name, reduction=reduction, dtype=dtype, alpha=alpha,
                         beta=beta, axis=axis)
        self.alpha = alpha
        self.beta = beta
        self.axis = axis
