"""Lion: evolved sign momentum (Chen et al., 2023)."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.backend.native import _core
from lamina.optimizers.optimizer import Optimizer


@keras_export("keras.optimizers.Lion")
class Lion(Optimizer):
    """Lion (Keras's rule): `w -= lr * sign(beta_1 m + (1 - beta_1) g)`, then
    `m = beta_2 m + (1 - beta_2) g`.

    Args:
        learning_rate: defaults to 0.001 (typically 3-10x smaller than AdamW's).
        beta_1: in (0, 1]; defaults to 0.9.
        beta_2: defaults to 0.99.

    Example:
    >>> opt = lamina.optimizers.Lion(learning_rate=1e-4)
    """

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.99,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name="lion", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def build(self, var_list) -> None:
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum")

    def _fused_update_step(self, gradient, variable, learning_rate, pre) -> None:
        m = self._momentums[self._get_variable_index(variable)]
        self._run_kernel(_core.lion_update, gradient, [variable, m], pre, lr=learning_rate,
                         beta_1=float(self.beta_1), beta_2=float(self.beta_2))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
