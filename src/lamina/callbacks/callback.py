"""`Callback`: the base class of objects that hook into fit / evaluate / predict."""

from __future__ import annotations

from typing import Any

from lamina.api_export import keras_export


@keras_export("keras.callbacks.Callback")
class Callback:
    """Base class for callbacks: override the hooks you need.

    The trainer calls `set_params` and `set_model` once, then the hooks in this order:
    `on_train_begin`, per epoch `on_epoch_begin`, per batch `on_train_batch_begin` /
    `on_train_batch_end`, (validation: `on_test_*`), `on_epoch_end`, and finally
    `on_train_end`. Batch hooks get the 0-based batch index within the epoch.

    Attributes:
        params: dict of training parameters (verbose, epochs, steps).
        model: the model being trained.

    Example:
    >>> class PrintLoss(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(epoch, logs["loss"])
    >>> model.fit(x, y, callbacks=[PrintLoss()])   # doctest: +SKIP
    """

    def __init__(self) -> None:
        self.params: dict[str, Any] | None = None
        self._model = None

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def set_model(self, model) -> None:
        self._model = model

    @property
    def model(self):
        return self._model

    # Legacy aliases: the default train-batch hooks forward to these.
    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Legacy alias of `on_train_batch_begin`."""

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Legacy alias of `on_train_batch_end`."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the start of an epoch (training only)."""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the end of an epoch; `logs` holds the epoch's metrics (and `val_*`)."""

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before each training batch."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after each training batch; `logs` holds the running metrics."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before each batch of `evaluate` (and of validation in `fit`)."""

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after each batch of `evaluate`."""

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before each batch of `predict`."""

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after each batch of `predict`; `logs["outputs"]` holds the batch's."""

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Called at the start of `fit`."""

    def on_train_end(self, logs: dict | None = None) -> None:
        """Called at the end of `fit`; `logs` are the last epoch's."""

    def on_test_begin(self, logs: dict | None = None) -> None:
        """Called at the start of `evaluate` (and of validation in `fit`)."""

    def on_test_end(self, logs: dict | None = None) -> None:
        """Called at the end of `evaluate`; `logs` holds its results."""

    def on_predict_begin(self, logs: dict | None = None) -> None:
        """Called at the start of `predict`."""

    def on_predict_end(self, logs: dict | None = None) -> None:
        """Called at the end of `predict`."""
