"""`Normalization`: shifts and scales features to mean 0 and variance 1."""

from __future__ import annotations

import math

import numpy as np

from lamina import ops
from lamina.api_export import keras_export
from lamina.backend.tensor import Tensor
from lamina.layers.layer import Layer

_EPSILON = 1e-7  # Keras's backend.epsilon()


@keras_export("keras.layers.Normalization")
class Normalization(Layer):
    """Computes `(inputs - mean) / sqrt(variance)` (or the inverse with `invert`),
    with the mean and variance given or learned by `adapt(data)`.

    Args:
        axis: the axis (or axes) that keep their own statistics, -1 by default
            (one mean per feature); None for a single scalar mean and variance.
        mean, variance: the statistics to use instead of `adapt` (both or neither);
            scalars or arrays broadcastable to the kept axes.
        invert: apply `inputs * sqrt(variance) + mean` instead.

    `adapt` takes a NumPy array, a Tensor, or an iterable of batches (each an
    array or an `(x, ...)` tuple) and stores the population mean and variance
    (numerator N, as Keras) in the non-trainable weights "mean" and "variance".

    Example:
    >>> layer = Normalization(axis=None)
    >>> layer.adapt(np.array([1., 2., 3., 4., 5.], dtype="float32"))
    >>> layer(np.array([1., 2., 3.], dtype="float32")).numpy()
    array([-1.4142135 , -0.70710677,  0.        ], dtype=float32)
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert: bool = False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        else:
            axis = tuple(axis)
        self.axis = axis
        if (mean is not None) != (variance is not None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be "
                             f"set. Received: mean={mean} and variance={variance}")
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.supports_masking = True
        self.mean = None
        self.variance = None

    def build(self, input_shape) -> None:
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        self._build_input_shape = input_shape
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError("All `axis` values must be in the range [-ndim, ndim). Received "
                             f"inputs with ndim={ndim}, while axis={self.axis}")
        self._keep_axis = tuple(sorted(a if a >= 0 else a + ndim for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError("All `axis` values to be kept must have a known shape. "
                                 f"Received axis={self.axis}, inputs.shape={input_shape}, "
                                 f"with unknown axis at index {d}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = tuple(input_shape[d] if d in self._keep_axis else 1
                                      for d in range(ndim))
        self._mean_and_var_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._mean_and_var_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance",
                                                  shape=self._mean_and_var_shape,
                                                  initializer="ones", trainable=False)
            # Kept for compatibility with Keras's weight list.
            self.count = self.add_weight(name="count", shape=(), dtype="int64",
                                         initializer="zeros", trainable=False)
            self.built = True
            self.finalize_state()
        else:
            self.mean = self._fixed(self.input_mean, "mean")
            self.variance = self._fixed(self.input_variance, "variance")
        self.built = True

    def _fixed(self, value, what: str):
        t = ops.cast(ops.convert_to_tensor(value), self.compute_dtype)
        size = math.prod(self._mean_and_var_shape)
        if math.prod(t.shape) == size and len(t.shape) <= len(self._broadcast_shape):
            return ops.reshape(t, self._broadcast_shape)
        try:
            return ops.broadcast_to(t, self._broadcast_shape)
        except ValueError:
            raise ValueError(f"Normalization: `{what}` of shape {tuple(t.shape)} does not fit "
                             f"the kept axes {self.axis} of inputs of shape "
                             f"{self._build_input_shape} (expected shape "
                             f"{self._mean_and_var_shape} or broadcastable to it)") from None

    def finalize_state(self) -> None:
        if self.input_mean is not None or not self.built:
            return
        self.mean = ops.cast(ops.reshape(self.adapt_mean.value, self._broadcast_shape),
                             self.compute_dtype)
        self.variance = ops.cast(ops.reshape(self.adapt_variance.value, self._broadcast_shape),
                                 self.compute_dtype)

    # ---------------------------------------------------------------- adapt
    def adapt(self, data) -> None:
        """Computes the mean and variance of `data` (an array, a Tensor, or an
        iterable of batches) over every axis except `axis`."""
        if self.input_mean is not None:
            raise ValueError("Normalization: adapt() cannot be used when `mean` and "
                             "`variance` were passed to the constructor")
        if isinstance(data, (np.ndarray, Tensor)) or np.isscalar(data):
            batches = [data]
        elif isinstance(data, (list, tuple)) and data and not _is_array_like(data[0]):
            batches = [np.asarray(data)]  # nested Python lists: one array
        elif hasattr(data, "__len__") and hasattr(data, "__getitem__") and \
                not isinstance(data, (list, tuple)):
            batches = (data[i] for i in range(len(data)))  # a PyDataset (Keras Sequence)
        else:
            batches = data
        total_mean = total_var = None
        total_count = 0
        for batch in batches:
            if isinstance(batch, tuple):
                batch = batch[0]  # (x, y) or (x, y, sample_weight)
            x = ops.cast(ops.convert_to_tensor(batch), "float64")
            self._check_adapt_shape(tuple(x.shape))
            batch_mean = ops.mean(x, axis=self._reduce_axis)
            batch_var = ops.var(x, axis=self._reduce_axis)
            count = math.prod(x.shape[d] for d in self._reduce_axis)
            if total_mean is None:
                total_mean, total_var, total_count = batch_mean, batch_var, count
                continue
            # Combine with the lack-of-fit sum of squares, weighting by counts.
            total_count += count
            w_new = count / total_count
            w_old = 1.0 - w_new
            new_mean = ops.add(ops.multiply(total_mean, w_old), ops.multiply(batch_mean, w_new))
            total_var = ops.add(
                ops.multiply(ops.add(total_var, ops.square(ops.subtract(total_mean, new_mean))),
                             w_old),
                ops.multiply(ops.add(batch_var, ops.square(ops.subtract(batch_mean, new_mean))),
                             w_new))
            total_mean = new_mean
        if total_mean is None:
            raise ValueError("Normalization.adapt: the data has no batches")
        self.adapt_mean.assign(ops.cast(total_mean, self.adapt_mean.dtype))
        self.adapt_variance.assign(ops.cast(total_var, self.adapt_variance.dtype))
        self.finalize_state()

    def _check_adapt_shape(self, shape: tuple) -> None:
        if not self.built:
            self._build(shape)
            return
        ok = len(shape) == len(self._build_input_shape) and all(
            shape[d] == self._build_input_shape[d] for d in self._keep_axis)
        if not ok:
            raise ValueError(f"The layer was built with input_shape={self._build_input_shape}, "
                             "but adapt() is being called with data with an incompatible "
                             f"shape, data.shape={shape}")

    # ----------------------------------------------------------------- call
    def call(self, inputs):
        if self.mean is None:
            raise ValueError("You must call `.build(input_shape)` on the layer before using it.")
        x = inputs if inputs.dtype == self.compute_dtype else ops.cast(inputs, self.compute_dtype)
        std = ops.maximum(ops.sqrt(self.variance), _EPSILON)
        if self.invert:
            return ops.add(self.mean, ops.multiply(x, std))
        return ops.divide(ops.subtract(x, self.mean), std)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        })
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if isinstance(config.get("axis"), list):
            config["axis"] = tuple(config["axis"])
        return super().from_config(config)


def _is_array_like(x) -> bool:
    return isinstance(x, (np.ndarray, Tensor, list, tuple))
