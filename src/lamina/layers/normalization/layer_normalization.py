"""`LayerNormalization`: normalizes each sample over its feature axes."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.layer import Layer
from lamina.layers.normalization._common import BetaGammaArgs, axis_arg, resolve_axes
from lamina.ops.normalization import layer_normalization


@keras_export("keras.layers.LayerNormalization")
class LayerNormalization(BetaGammaArgs, Layer):
    """Layer normalization (Ba et al., 2016): for each sample,
    `(x - mean) / sqrt(var + epsilon) * gamma + beta`, the statistics taken over
    `axis`; gamma and beta span those axes.

    Args:
        axis: int or list of ints, the axes to normalize over.
        epsilon: small float added to the variance.
        center, scale: whether to learn `beta` and `gamma`.
        rms_scaling: if True, `center` and `scale` are ignored and the output is
            `x * rsqrt(mean(square(x)) + epsilon) * gamma` (no mean computed).
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
        beta_constraint, gamma_constraint: arguments of the weights.

    Example:
    >>> LayerNormalization(epsilon=0.0)(lamina.ops.convert_to_tensor([[1.0, 3.0]])).numpy()
    array([[-1.,  1.]], dtype=float32)
    """

    def __init__(self, axis=-1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 rms_scaling: bool = False, beta_initializer="zeros", gamma_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis_arg(axis, "LayerNormalization")
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = bool(rms_scaling)
        self._set_beta_gamma_args(beta_initializer, gamma_initializer, beta_regularizer,
                                  gamma_regularizer, beta_constraint, gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None

    def build(self, input_shape) -> None:
        axes = resolve_axes(self.axis, input_shape, "LayerNormalization", self.name)
        shape = tuple(input_shape[a] for a in axes)
        if None in shape:
            raise ValueError(f"LayerNormalization '{self.name}': the normalized axes {axes} "
                             f"must have known sizes, got input shape {tuple(input_shape)}")
        if self.scale or self.rms_scaling:
            self.gamma = self._add_gamma(shape)
        if self.center and not self.rms_scaling:
            self.beta = self._add_beta(shape)
        self._axes = axes
        self.built = True

    def call(self, inputs):
        gamma = None if self.gamma is None else self.gamma.value
        beta = None if self.beta is None else self.beta.value
        return layer_normalization(inputs, gamma=gamma, beta=beta, axis=self._axes,
                                   epsilon=self.epsilon, rms_scaling=self.rms_scaling)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon, "center": self.center,
                       "scale": self.scale, "rms_scaling": self.rms_scaling})
        config.update(self._beta_gamma_config())
        return config
