"""`LambdaCallback`: a callback made of plain functions."""

from __future__ import annotations

from typing import Callable

from lamina.api_export import keras_export
from lamina.callbacks.callback import Callback

_HOOKS = {name for name in vars(Callback) if name.startswith("on_")}


@keras_export("keras.callbacks.LambdaCallback")
class LambdaCallback(Callback):
    """Builds a callback from functions, called with the hook's arguments.

    `on_epoch_begin`/`on_epoch_end` get `(epoch, logs)`, `on_train_begin`/`on_train_end`
    get `(logs)`, batch hooks get `(batch, logs)`. Any other `Callback` hook can be given
    as a keyword argument (`on_test_end=...`).

    Example:
    >>> cb = LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
    >>> model.fit(x, y, callbacks=[cb])   # doctest: +SKIP
    """

    def __init__(self, on_epoch_begin: Callable | None = None,
                 on_epoch_end: Callable | None = None,
                 on_train_begin: Callable | None = None,
                 on_train_end: Callable | None = None,
                 on_train_batch_begin: Callable | None = None,
                 on_train_batch_end: Callable | None = None, **kwargs: Callable) -> None:
        super().__init__()
        for name, fn in kwargs.items():
            if name.startswith("on_") and name not in _HOOKS:
                raise ValueError(f"LambdaCallback: unknown hook {name!r}; known hooks are "
                                 f"{sorted(_HOOKS)}")
        self.__dict__.update(kwargs)
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end)
        for name, fn in hooks.items():
            if fn is not None:
                if not callable(fn):
                    raise TypeError(f"LambdaCallback: `{name}` must be callable, got {fn!r}")
                setattr(self, name, fn)
