"""Adamax: Adam with the infinity norm (Kingma & Ba, section 7)."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.backend.native import _core
from lamina.optimizers.optimizer import Optimizer


@keras_export("keras.optimizers.Adamax")
class Adamax(Optimizer):
    """Adamax (Keras's rule): `m += (g - m)(1 - beta_1); u = max(beta_2 u, |g|)`;
    `w -= lr m / ((1 - beta_1^t)(u + epsilon))`, t = iterations + 1.

    Args:
        learning_rate: defaults to 0.001.
        beta_1, beta_2: defaults 0.9, 0.999.
        epsilon: defaults to 1e-7.

    Example:
    >>> opt = lamina.optimizers.Adamax(learning_rate=0.002)
    """

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="adamax", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list) -> None:
        if self.built:
            return
        super().build(var_list)
        self._m, self._u = self.add_optimizer_variables(var_list, ["m", "norm"])

    def _fused_update_step(self, gradient, variable, learning_rate, pre) -> None:
        i = self._get_variable_index(variable)
        f = self._scalar_type(variable)
        t = f(self._step_count() + 1)
        b1 = float(self.beta_1)
        self._run_kernel(_core.adamax_update, gradient, [variable, self._m[i], self._u[i]], pre,
                         lr=learning_rate, beta_1=b1, beta_2=float(self.beta_2),
                         epsilon=float(self.epsilon), bias_correction=float(f(1) - f(b1) ** t))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
