"""SGD with optional (Nesterov) momentum."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.backend.native import _core
from lamina.optimizers.optimizer import Optimizer


@keras_export("keras.optimizers.SGD")
class SGD(Optimizer):
    """Gradient descent with momentum (Keras's rule).

    Without momentum: `w -= lr * g`. With momentum:
    `m = momentum * m - lr * g; w += m`, or with `nesterov=True`
    `w += momentum * m - lr * g` (after updating m).

    Args:
        learning_rate: float, schedule or callable; defaults to 0.01.
        momentum: float in [0, 1]; defaults to 0.
        nesterov: whether to apply Nesterov momentum.
        weight_decay, clipnorm, ...: see `lamina.optimizers.Optimizer`.

    Example:
    >>> opt = lamina.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    >>> v = lamina.Variable([1.0])
    >>> _ = opt.apply([ops.convert_to_tensor([1.0])], [v])
    >>> v.numpy()
    array([0.9], dtype=float32)
    """

    def __init__(self, learning_rate=0.01, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name="SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or \
                momentum < 0 or momentum > 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: "
                             f"momentum={momentum!r}")
        self.momentum = momentum
        self.nesterov = nesterov

    def build(self, variables) -> None:
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def _fused_update_step(self, gradient, variable, learning_rate, pre) -> None:
        state = [variable]
        if self.momentum != 0:
            state.append(self.momentums[self._get_variable_index(variable)])
        self._run_kernel(_core.sgd_update, gradient, state, pre, lr=learning_rate,
                         momentum=float(self.momentum), nesterov=bool(self.nesterov))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
