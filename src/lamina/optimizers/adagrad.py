"""Adagrad (Duchi et al.)."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.backend.native import _core
from lamina.optimizers.optimizer import Optimizer


@keras_export("keras.optimizers.Adagrad")
class Adagrad(Optimizer):
    """Adagrad (Keras's rule): `acc += g^2; w -= lr g / sqrt(acc + epsilon)`.

    Args:
        learning_rate: defaults to 0.001.
        initial_accumulator_value: starting value of the accumulators (0.1).
        epsilon: defaults to 1e-7.

    Example:
    >>> opt = lamina.optimizers.Adagrad(learning_rate=0.1)
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="adagrad", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, var_list) -> None:
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=float(self.initial_accumulator_value))

    def _fused_update_step(self, gradient, variable, learning_rate, pre) -> None:
        acc = self._accumulators[self._get_variable_index(variable)]
        self._run_kernel(_core.adagrad_update, gradient, [variable, acc], pre,
                         lr=learning_rate, epsilon=float(self.epsilon))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config
