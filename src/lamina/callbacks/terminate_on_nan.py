"""`TerminateOnNaN`: stops training when the loss becomes NaN or infinite."""

from __future__ import annotations

import math

from lamina.api_export import keras_export
from lamina.callbacks.callback import Callback
from lamina.utils.progbar import print_msg


@keras_export("keras.callbacks.TerminateOnNaN")
class TerminateOnNaN(Callback):
    """Sets `model.stop_training` when a batch's `loss` is NaN or infinite.

    Example:
    >>> model.fit(x, y, callbacks=[TerminateOnNaN()])   # doctest: +SKIP
    """

    def on_batch_end(self, batch, logs=None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        try:
            loss = float(loss)
        except (TypeError, ValueError):
            return
        if math.isnan(loss) or math.isinf(loss):
            print_msg(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
