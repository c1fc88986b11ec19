"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter)."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.optimizers.adam import Adam


@keras_export("keras.optimizers.AdamW")
class AdamW(Adam):
    """Adam with decoupled weight decay: before each update `w -= w * weight_decay * lr`
    (variables excluded by `exclude_from_weight_decay` are not decayed).

    Args:
        learning_rate: defaults to 0.001.
        weight_decay: defaults to 0.004 (required).
        beta_1, beta_2, epsilon, amsgrad: as `Adam`.

    Example:
    >>> opt = lamina.optimizers.AdamW(learning_rate=0.01, weight_decay=0.1)
    >>> opt.exclude_from_weight_decay(var_names=["bias"])
    """

    def __init__(self, learning_rate=0.001, weight_decay: float = 0.004, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="adamw", **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")
