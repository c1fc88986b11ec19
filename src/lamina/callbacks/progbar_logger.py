"""`ProgbarLogger`: prints Keras's progress bar and metrics during fit/evaluate/predict."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.callbacks.callback import Callback
from lamina.utils.progbar import Progbar, print_msg


@keras_export("keras.callbacks.ProgbarLogger")
class ProgbarLogger(Callback):
    """Prints metrics to stdout through a `Progbar`; `fit(verbose=...)` adds one.

    Reads `params["verbose"]` (0, 1, 2 or "auto" = 1), `params["epochs"]` and
    `params["steps"]` (batches per epoch, None if unknown).

    Example:
    >>> model.fit(x, y, epochs=2, callbacks=[ProgbarLogger()])   # doctest: +SKIP
    Epoch 1/2
    4/4 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - loss: 0.7310
    ...
    """

    # The bar redraws at most every 50 ms, so the trainer may call the batch hooks
    # once per group of steps lasting less than that (see trainers/epoch_loop.py):
    # what is shown is the same, and the steps in between run without Python.
    _samples_batches = True

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0
        self.progbar: Progbar | None = None
        self.target: int | None = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params: dict) -> None:
        super().set_params(params)
        verbose = params.get("verbose", self.verbose)
        if verbose == "auto":
            verbose = 1
        if verbose not in (0, 1, 2):
            raise ValueError(f"ProgbarLogger: `verbose` must be 0, 1, 2 or 'auto', "
                             f"got {verbose!r}")
        self.verbose = verbose
        self.epochs = params.get("epochs", self.epochs)
        self.target = params.get("steps", self.target)

    def on_train_begin(self, logs=None) -> None:
        # Inside fit, validation (on_test_*) stays silent.
        self._called_in_fit = True

    def on_test_begin(self, logs=None) -> None:
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs=None) -> None:
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None) -> None:
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None) -> None:
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None) -> None:
        self._update_progbar(batch, None)  # never show the predictions

    def on_epoch_end(self, epoch, logs=None) -> None:
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None) -> None:
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None) -> None:
        self._finalize_progbar(logs)

    def _reset_progbar(self) -> None:
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self) -> None:
        if self.progbar is None:
            self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step")

    def _update_progbar(self, batch: int, logs) -> None:
        logs = logs or {}
        self._maybe_init_progbar()
        self.seen = batch + 1  # batches are 0-based
        if self.verbose == 1:
            # The trainer logs running metric values already: show them as they are.
            self.progbar.stateful_metrics.update(logs)
            self.progbar.update(self.seen, list(logs.items()), finalize=False)

    def _finalize_progbar(self, logs) -> None:
        logs = logs or {}
        self._maybe_init_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, list(logs.items()), finalize=True)
