"""`GroupNormalization`: normalizes each sample over groups of channels."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.normalization._common import BetaGammaArgs
from lamina.ops import elementwise as e, manipulation as m
from lamina.ops.normalization import moments


@keras_export("keras.layers.GroupNormalization")
class GroupNormalization(BetaGammaArgs, Layer):
    """Group normalization (Wu & He, 2018): the channels (`axis`) are split into
    `groups` groups, and each sample is normalized over each group together with
    all the other non-batch axes; then `gamma` and `beta` (one per channel) apply.
    `groups=1` is layer normalization over all axes, `groups=channels` is
    instance normalization.

    Args:
        groups: number of groups (must divide the number of channels).
        axis: the channel axis (int).
        epsilon: small float added to the variance.
        center, scale: whether to learn `beta` and `gamma`.
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
        beta_constraint, gamma_constraint: arguments of the weights.

    Example:
    >>> GroupNormalization(groups=2)(lamina.ops.ones((1, 5, 4))).shape
    (1, 5, 4)
    """

    def __init__(self, groups: int = 32, axis: int = -1, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"GroupNormalization: groups must be a positive int, got {groups!r}")
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"GroupNormalization: axis must be an int, got {axis!r}")
        self.groups = groups
        self.axis = axis
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self._set_beta_gamma_args(beta_initializer, gamma_initializer, beta_regularizer,
                                  gamma_regularizer, beta_constraint, gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None

    def build(self, input_shape) -> None:
        ndim = len(input_shape)
        if ndim < 2 or not -ndim <= self.axis < ndim or self.axis % ndim == 0:
            raise ValueError(f"GroupNormalization '{self.name}': axis {self.axis} must name a "
                             f"non-batch axis of the input, got input shape {tuple(input_shape)}")
        axis = self.axis % ndim
        dim = input_shape[axis]
        if dim is None:
            raise ValueError(f"GroupNormalization '{self.name}': axis {self.axis} of the input "
                             f"must have a known size, got input shape {tuple(input_shape)}")
        if dim < self.groups:
            raise ValueError(f"GroupNormalization '{self.name}': the number of groups "
                             f"({self.groups}) cannot be more than the number of channels "
                             f"({dim}), input shape {tuple(input_shape)}")
        if dim % self.groups:
            raise ValueError(f"GroupNormalization '{self.name}': the number of channels ({dim}) "
                             f"must be a multiple of the number of groups ({self.groups}), "
                             f"input shape {tuple(input_shape)}")
        if self.scale:
            self.gamma = self._add_gamma((dim,))
        if self.center:
            self.beta = self._add_beta((dim,))
        self.input_spec = InputSpec(ndim=ndim, axes={self.axis: dim})
        self._channel_axis = axis
        self.built = True

    def call(self, inputs):
        shape = tuple(inputs.shape)
        axis, dim, ndim = self._channel_axis, shape[self._channel_axis], len(shape)
        grouped = shape[:axis] + (self.groups, dim // self.groups) + shape[axis + 1:]
        x = m.reshape(inputs, grouped)
        reduce_axes = tuple(i for i in range(1, ndim + 1) if i != axis)
        mean, variance = moments(x, reduce_axes, keepdims=True)
        y = m.reshape(e.multiply(e.subtract(x, mean), e.rsqrt(e.add(variance, self.epsilon))),
                      shape)
        param_shape = tuple(dim if i == axis else 1 for i in range(ndim))
        if self.gamma is not None:
            y = e.multiply(y, m.reshape(self.gamma.value, param_shape))
        if self.beta is not None:
            y = e.add(y, m.reshape(self.beta.value, param_shape))
        return y

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"groups": self.groups, "axis": self.axis, "epsilon": self.epsilon,
                       "center": self.center, "scale": self.scale})
        config.update(self._beta_gamma_config())
        return config
