"""`lamina.optimizers.Optimizer`: the public base class (Keras's `keras.optimizers.Optimizer`).

Subclass it for a custom optimizer, as in Keras:

Example:
>>> class PlainSGD(Optimizer):
...     def __init__(self, learning_rate=0.01, **kwargs):
...         super().__init__(learning_rate=learning_rate, **kwargs)
...     def update_step(self, gradient, variable, learning_rate):
...         self.assign_sub(variable, ops.multiply(gradient, ops.cast(learning_rate,
...                                                                  variable.dtype)))
"""

from lamina.api_export import keras_export
from lamina.optimizers.base_optimizer import BaseOptimizer, base_optimizer_keyword_args


@keras_export("keras.optimizers.Optimizer")
class Optimizer(BaseOptimizer):
    __doc__ = BaseOptimizer.__doc__


__all__ = ["Optimizer", "base_optimizer_keyword_args"]
