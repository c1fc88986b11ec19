"""Nadam: Adam with Nesterov momentum (Dozat), with Keras's momentum schedule."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.backend import dtypes
from lamina.backend.native import _core
from lamina.optimizers.optimizer import Optimizer


@keras_export("keras.optimizers.Nadam")
class Nadam(Optimizer):
    """Nadam (Keras's rule). With t = iterations + 1 and
    `u_t = beta_1 (1 - 0.5 * 0.96^t)`, the product `u_product *= u_t` (kept in a variable);
    `m += (g - m)(1 - beta_1); v += (g^2 - v)(1 - beta_2)`;
    `m_hat = u_{t+1} m / (1 - u_product u_{t+1}) + (1 - u_t) g / (1 - u_product)`;
    `v_hat = v / (1 - beta_2^t)`; `w -= lr m_hat / (sqrt(v_hat) + epsilon)`.

    Args:
        learning_rate: defaults to 0.001.
        beta_1, beta_2: defaults 0.9, 0.999.
        epsilon: defaults to 1e-7.

    Example:
    >>> opt = lamina.optimizers.Nadam(learning_rate=0.002)
    """

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="nadam", **kwargs):
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
        var_list = list(var_list)
        dtype = var_list[0].dtype if var_list else dtypes.FLOATX
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        self._u_product = self.add_variable((), initializer=1.0, dtype=dtype, name="u_product")

    def _u(self, f, step):
        """The momentum schedule u_t = beta_1 (1 - 0.5 * 0.96^t), in scalar type f."""
        return f(self.beta_1) * (f(1) - f(0.5) * f(0.96) ** f(step))

    def _before_update_step(self) -> None:
        f = self._scalar_type(self._u_product)
        t = self._step_count() + 1
        b1 = f(self.beta_1)
        value = f(self._u_product.numpy()) * b1 * (f(1) - f(0.5) * f(0.96) ** f(t))
        self._u_product.assign(value)  # a NumPy scalar of the variable's dtype

    def _fused_update_step(self, gradient, variable, learning_rate, pre) -> None:
        i = self._get_variable_index(variable)
        f = self._scalar_type(variable)
        t = self._step_count() + 1
        u_t, u_t1 = self._u(f, t), self._u(f, t + 1)
        u_prod = f(self._u_product.numpy())
        one = f(1)
        self._run_kernel(
            _core.nadam_update, gradient, [variable, self._momentums[i], self._velocities[i]],
            pre, lr=learning_rate, beta_1=float(self.beta_1), beta_2=float(self.beta_2),
            epsilon=float(self.epsilon), u_next=float(u_t1), d_m=float(one - u_prod * u_t1),
            u_g=float(one - u_t), d_g=float(one - u_prod),
            d_v=float(one - f(self.beta_2) ** f(t)))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
