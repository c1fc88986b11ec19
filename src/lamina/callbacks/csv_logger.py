"""`CSVLogger`: writes each epoch's logs as a row of a CSV file."""

from __future__ import annotations

import collections.abc
import csv
import os

import numpy as np

from lamina.api_export import keras_export
from lamina.callbacks.callback import Callback


def _cell(value):
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if isinstance(value, collections.abc.Iterable):
        return f'"[{", ".join(map(str, value))}]"'
    return value


@keras_export("keras.callbacks.CSVLogger")
class CSVLogger(Callback):
    """Streams epoch results to a CSV file: columns "epoch", then the sorted log keys.

    Args:
        filename: path of the CSV file, e.g. "run/log.csv".
        separator: the field separator.
        append: append to an existing file (no second header) instead of overwriting.

    Example:
    >>> model.fit(x, y, callbacks=[CSVLogger("training.log")])   # doctest: +SKIP
    """

    def __init__(self, filename, separator: str = ",", append: bool = False) -> None:
        super().__init__()
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"CSVLogger: `separator` must be a single character, "
                             f"got {separator!r}")
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys: list[str] | None = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None) -> None:
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None) -> None:
        logs = logs or {}
        if self.csv_file is None or self.csv_file.closed:
            raise RuntimeError("CSVLogger: on_epoch_end before on_train_begin (the file "
                               "is opened when training begins)")
        if self.keys is None:
            self.keys = sorted(logs.keys())
            # Validation metrics the model will log later still get a column.
            for name in getattr(self.model, "metrics_names", None) or []:
                if name.startswith("val_") and name not in self.keys:
                    self.keys.append(name)
        if self.writer is None:
            sep = self.sep

            class Dialect(csv.excel):
                delimiter = sep

            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=Dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _cell(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None) -> None:
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None
