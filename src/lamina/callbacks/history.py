"""`History`: records each epoch's logs; `fit` returns it (also `model.history`)."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.callbacks.callback import Callback


@keras_export("keras.callbacks.History")
class History(Callback):
    """Records the epoch logs of `fit` into `history` (name -> list of values).

    `fit` adds one automatically and returns it.

    Example:
    >>> history = model.fit(x, y, epochs=3)   # doctest: +SKIP
    >>> history.history["loss"], history.epoch   # doctest: +SKIP
    ([0.9, 0.5, 0.3], [0, 1, 2])
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch.append(epoch)
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(value)
        # Keeps model.history pointing at the latest state, as Keras does.
        if self.model is not None:
            self.model.history = self
