"""RMSprop (Hinton), plain or centered, with optional momentum."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.backend.native import _core
from lamina.optimizers.optimizer import Optimizer


@keras_export("keras.optimizers.RMSprop")
class RMSprop(Optimizer):
    """RMSprop (Keras's rule, epsilon inside the square root):

    `vel = rho vel + (1 - rho) g^2`; centered: `avg = rho avg + (1 - rho) g` and
    `denom = vel - avg^2 + eps`, else `denom = vel + eps`; `inc = lr g / sqrt(denom)`;
    with momentum `mom = momentum mom + inc; w -= mom`, else `w -= inc`.

    Args:
        learning_rate: defaults to 0.001.
        rho: defaults to 0.9.
        momentum: defaults to 0.0.
        epsilon: defaults to 1e-7.
        centered: normalize by the estimated variance of the gradient.

    Example:
    >>> opt = lamina.optimizers.RMSprop(learning_rate=0.01, centered=True)
    """

    def __init__(self, learning_rate=0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="rmsprop", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, var_list) -> None:
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(var_list, "average_gradient")

    def _fused_update_step(self, gradient, variable, learning_rate, pre) -> None:
        i = self._get_variable_index(variable)
        state = [variable, self._velocities[i]]
        if self.momentum > 0:
            state.append(self._momentums[i])
        if self.centered:
            state.append(self._average_gradients[i])
        self._run_kernel(_core.rmsprop_update, gradient, state, pre, lr=learning_rate,
                         rho=float(self.rho), momentum=float(self.momentum),
                         epsilon=float(self.epsilon), centered=bool(self.centered))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
