"""Adadelta (Zeiler)."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.backend.native import _core
from lamina.optimizers.optimizer import Optimizer


@keras_export("keras.optimizers.Adadelta")
class Adadelta(Optimizer):
    """Adadelta (Keras's rule):

    `ag = rho ag + (1 - rho) g^2`;
    `delta = -sqrt(adv + eps) * g / sqrt(ag + eps)`;
    `adv = rho adv + (1 - rho) delta^2`; `w += lr * delta`.

    Args:
        learning_rate: defaults to 0.001.
        rho: decay rate (0.95).
        epsilon: defaults to 1e-7.

    Example:
    >>> opt = lamina.optimizers.Adadelta(learning_rate=1.0)
    """

    def __init__(self, learning_rate=0.001, rho: float = 0.95, epsilon: float = 1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name="adadelta",
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, var_list) -> None:
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            var_list, ["accumulated_grad", "accumulated_delta_var"])

    def _fused_update_step(self, gradient, variable, learning_rate, pre) -> None:
        i = self._get_variable_index(variable)
        state = [variable, self._accumulated_grads[i], self._accumulated_delta_vars[i]]
        self._run_kernel(_core.adadelta_update, gradient, state, pre, lr=learning_rate,
                         rho=float(self.rho), epsilon=float(self.epsilon))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
