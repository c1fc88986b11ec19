"""`CallbackList`: calls one hook on every callback, in order."""

from __future__ import annotations

from typing import Any

from lamina.api_export import keras_export
from lamina.callbacks.callback import Callback
from lamina.callbacks.history import History
from lamina.callbacks.progbar_logger import ProgbarLogger


def _flatten(items) -> list:
    out = []
    for item in items:
        if isinstance(item, (list, tuple)):
            out.extend(_flatten(item))
        else:
            out.append(item)
    return out


def _pythonify_logs(logs: dict) -> dict:
    """Batch logs as Python floats, keys sorted, nested dicts merged (as Keras)."""
    result = {}
    for key, value in sorted(logs.items()):
        if isinstance(value, dict):
            result.update(_pythonify_logs(value))
            continue
        try:
            value = float(value)
        except (TypeError, ValueError):
            pass
        result[key] = value
    return result


@keras_export("keras.callbacks.CallbackList")
class CallbackList(Callback):
    """A list of callbacks called through one object.

    Args:
        callbacks: `Callback` instances (nested lists are flattened).
        add_history: append a `History` if the list has none.
        add_progbar: append a `ProgbarLogger` if the list has none.
        model: the model, given to every callback (and `model.history` is set).
        **params: training parameters (`verbose`, `epochs`, `steps`) given to every
            callback through `set_params`.

    Example:
    >>> cbs = CallbackList([EarlyStopping()], add_history=True, model=model,
    ...                    verbose=0, epochs=10, steps=100)   # doctest: +SKIP
    >>> cbs.on_train_begin()   # doctest: +SKIP
    """

    def __init__(self, callbacks=None, add_history: bool = False, add_progbar: bool = False,
                 model=None, **params: Any) -> None:
        super().__init__()
        self.callbacks: list[Callback] = _flatten(callbacks) if callbacks else []
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    "CallbackList: every callback must be a lamina.callbacks.Callback "
                    f"instance, got {cb!r} of type {type(cb).__name__}")
        self._history: History | None = None
        self._progbar: ProgbarLogger | None = None
        for cb in self.callbacks:
            if isinstance(cb, ProgbarLogger):
                self._progbar = cb
            elif isinstance(cb, History):
                self._history = cb
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self.set_model(model)
        self.set_params(params)

    def append(self, callback: Callback) -> None:
        if not isinstance(callback, Callback):
            raise TypeError(f"CallbackList.append: expected a Callback, got {callback!r}")
        self.callbacks.append(callback)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self) -> int:
        return len(self.callbacks)

    def set_params(self, params: dict) -> None:
        self.params = params
        if params:
            for cb in self.callbacks:
                cb.set_params(params)

    def set_model(self, model) -> None:
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for cb in self.callbacks:
            cb.set_model(model)

    def _call(self, hook: str, *args, logs=None) -> None:
        logs = logs if logs is not None else {}
        for cb in self.callbacks:
            getattr(cb, hook)(*args, logs)

    def _call_batch(self, hook: str, batch: int, logs, pythonify: bool = True) -> None:
        logs = logs or {}
        if pythonify:
            logs = _pythonify_logs(logs)
        for cb in self.callbacks:
            getattr(cb, hook)(batch, logs=logs)

    def on_batch_begin(self, batch, logs=None) -> None:
        self._call_batch("on_batch_begin", batch, logs, pythonify=False)

    def on_batch_end(self, batch, logs=None) -> None:
        self._call_batch("on_batch_end", batch, logs)

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self._call("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch, logs=None) -> None:
        self._call("on_epoch_end", epoch, logs=logs)

    def on_train_batch_begin(self, batch, logs=None) -> None:
        self._call_batch("on_train_batch_begin", batch, logs, pythonify=False)

    def on_train_batch_end(self, batch, logs=None) -> None:
        self._call_batch("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None) -> None:
        self._call_batch("on_test_batch_begin", batch, logs, pythonify=False)

    def on_test_batch_end(self, batch, logs=None) -> None:
        self._call_batch("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None) -> None:
        self._call_batch("on_predict_batch_begin", batch, logs, pythonify=False)

    def on_predict_batch_end(self, batch, logs=None) -> None:
        self._call_batch("on_predict_batch_end", batch, logs, pythonify=False)

    def on_train_begin(self, logs=None) -> None:
        self._call("on_train_begin", logs=logs)

    def on_train_end(self, logs=None) -> None:
        self._call("on_train_end", logs=logs)

    def on_test_begin(self, logs=None) -> None:
        self._call("on_test_begin", logs=logs)

    def on_test_end(self, logs=None) -> None:
        self._call("on_test_end", logs=logs)

    def on_predict_begin(self, logs=None) -> None:
        self._call("on_predict_begin", logs=logs)

    def on_predict_end(self, logs=None) -> None:
        self._call("on_predict_end", logs=logs)
