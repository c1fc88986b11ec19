"""`BatchNormalization`: normalizes with batch statistics in training and with
their moving averages at inference."""

from __future__ import annotations

from lamina import constraints, initializers, regularizers
from lamina.api_export import keras_export
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.ops import core, elementwise as e, manipulation as m, reduction as r
from lamina.ops.normalization import batch_normalization, moments


@keras_export("keras.layers.BatchNormalization")
class BatchNormalization(Layer):
    """Normalizes the input per channel (the `axis` feature axis).

    In training (`training=True`, as in `fit`), the output is
    `gamma * (x - mean(x)) / sqrt(var(x) + epsilon) + beta` with the batch's
    statistics, and the moving statistics are updated:
    `moving = moving * momentum + batch * (1 - momentum)`. At inference the moving
    statistics are used. A layer with `trainable=False` always runs in inference
    mode (Keras 3's behaviour, for fine-tuning).

    Args:
        axis: the feature axis (int).
        momentum: momentum of the moving averages.
        epsilon: small float added to the variance.
        center, scale: whether to learn `beta` (offset) and `gamma` (scale).
        beta_initializer, gamma_initializer, moving_mean_initializer,
        moving_variance_initializer: initializers of the four weights.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint:
            penalties and constraints of the learned weights.
        renorm, renorm_clipping, renorm_momentum: batch renormalization; not
            supported (renorm must be False).
        synchronized: accepted for compatibility (lamina runs on one device).

    A mask (shape of the input without the feature axis) restricts the batch
    statistics to the unmasked entries.

    Example:
    >>> bn = BatchNormalization()
    >>> y = bn(lamina.ops.ones((4, 3)), training=True)
    >>> bn.moving_mean.numpy()
    array([0.01, 0.01, 0.01], dtype=float32)
    """

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm: bool = False, renorm_clipping=None, renorm_momentum: float = 0.99,
                 synchronized: bool = False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"BatchNormalization: axis must be an int, got {axis!r}")
        if renorm:
            raise NotImplementedError("BatchNormalization: renorm=True is not supported by lamina")
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.renorm = bool(renorm)
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = float(renorm_momentum)
        self.synchronized = bool(synchronized)
        self.supports_masking = True
        self.gamma = self.beta = None

    def build(self, input_shape) -> None:
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim:
            raise ValueError(f"BatchNormalization '{self.name}': axis {self.axis} is out of "
                             f"range for an input of shape {tuple(input_shape)}")
        axis = self.axis % ndim
        dim = input_shape[axis]
        if dim is None:
            raise ValueError(f"BatchNormalization '{self.name}': axis {self.axis} of the input "
                             f"must have a known size, got input shape {tuple(input_shape)}")
        shape = (dim,)
        if self.scale:
            self.gamma = self.add_weight(shape=shape, name="gamma",
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape=shape, name="beta",
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean",
                                           initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer,
                                               trainable=False)
        self.input_spec = InputSpec(ndim=ndim, axes={self.axis: dim})
        self._reduction_axes = tuple(i for i in range(ndim) if i != axis)
        self._feature_axis = axis
        self.built = True

    def call(self, inputs, training=None, mask=None):
        gamma = None if self.gamma is None else self.gamma.value
        beta = None if self.beta is None else self.beta.value
        if training and self.trainable:
            mean, variance = self._moments(inputs, mask)
            self._update_moving(mean, variance)
        else:
            mean, variance = self.moving_mean.value, self.moving_variance.value
        return batch_normalization(inputs, mean, variance, axis=self._feature_axis,
                                   offset=beta, scale=gamma, epsilon=self.epsilon)

    def _moments(self, x, mask):
        if mask is None:
            return moments(x, self._reduction_axes)
        w = core.cast(mask, x.dtype)
        while w.ndim < x.ndim:  # a mask without the feature axis
            w = m.expand_dims(w, -1)
        axes = self._reduction_axes
        total = r.sum(m.broadcast_to(w, tuple(x.shape)), axis=axes, keepdims=True)
        total = e.maximum(total, 1e-12)  # an all-masked batch: statistics of zero
        mean = e.divide(r.sum(e.multiply(x, w), axis=axes, keepdims=True), total)
        variance = e.divide(r.sum(e.multiply(e.square(e.subtract(x, mean)), w), axis=axes,
                                  keepdims=True), total)
        return m.squeeze(mean, axes), m.squeeze(variance, axes)

    def _update_moving(self, mean, variance) -> None:
        mom = self.momentum
        for var, batch in ((self.moving_mean, mean), (self.moving_variance, variance)):
            batch = core.stop_gradient(core.cast(batch, var.dtype))
            var.assign(e.add(e.multiply(var.value, mom), e.multiply(batch, 1.0 - mom)))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer":
                initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
            "synchronized": self.synchronized,
        })
        return config
