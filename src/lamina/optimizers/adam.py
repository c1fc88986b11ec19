"""Adam (Kingma & Ba), with the AMSGrad variant."""

from __future__ import annotations

import math

from lamina.api_export import keras_export
from lamina.backend.native import _core
from lamina.optimizers.optimizer import Optimizer


@keras_export("keras.optimizers.Adam")
class Adam(Optimizer):
    """Adam (Keras's rule, epsilon outside the square root):

    `m += (g - m)(1 - beta_1); v += (g^2 - v)(1 - beta_2)`;
    `w -= m * alpha / (sqrt(v) + epsilon)` with
    `alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)`, t = iterations + 1.
    With `amsgrad=True`, `v_hat = max(v_hat, v)` replaces v in the update.

    Args:
        learning_rate: float, schedule or callable; defaults to 0.001.
        beta_1, beta_2: moment decay rates (0.9, 0.999).
        epsilon: defaults to 1e-7.
        amsgrad: use AMSGrad.
        weight_decay, clipnorm, ...: see `lamina.optimizers.Optimizer`.

    Example:
    >>> opt = lamina.optimizers.Adam(learning_rate=0.1)
    >>> v = lamina.Variable([1.0])
    >>> _ = opt.apply([ops.convert_to_tensor([3.0])], [v])
    >>> round(float(v.numpy()[0]), 4)
    0.9
    """

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="adam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, var_list) -> None:
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def _fused_update_step(self, gradient, variable, learning_rate, pre) -> None:
        i = self._get_variable_index(variable)
        f = self._scalar_type(variable)
        t = f(self._step_count() + 1)
        b1, b2 = float(self.beta_1), float(self.beta_2)
        alpha = f(learning_rate) * f(math.sqrt(f(1) - f(b2) ** t)) / (f(1) - f(b1) ** t)
        state = [variable, self._momentums[i], self._velocities[i]]
        if self.amsgrad:
            state.append(self._velocity_hats[i])
        self._run_kernel(_core.adam_update, gradient, state, pre, alpha=float(alpha), beta_1=b1,
                         beta_2=b2, epsilon=float(self.epsilon))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config
