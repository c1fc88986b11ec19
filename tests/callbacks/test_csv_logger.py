import csv

import numpy as np
import pytest

from lamina.callbacks import CSVLogger
from callback_fakes import model, fit  # noqa: F401 (fixtures)


LOGS = [{"loss": 0.5, "accuracy": 0.25, "val_loss": 1.0},
        {"loss": 0.25, "accuracy": 0.5, "val_loss": 0.75}]


def test_header_is_epoch_then_sorted_keys(model, fit, tmp_path):
    path = tmp_path / "log.csv"
    fit(model, [CSVLogger(path)], LOGS)
    assert path.read_bytes().decode() == ("epoch,accuracy,loss,val_loss\r\n"
                                "0,0.25,0.5,1.0\r\n"
                                "1,0.5,0.25,0.75\r\n")


def test_separator_and_overwrite(model, fit, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("old contents\n")
    fit(model, [CSVLogger(str(path), separator=";")], LOGS[:1])
    assert path.read_bytes().decode() == "epoch;accuracy;loss;val_loss\r\n0;0.25;0.5;1.0\r\n"


def test_append_writes_header_once(model, fit, tmp_path):
    path = tmp_path / "log.csv"
    logger = CSVLogger(path, append=True)
    fit(model, [logger], LOGS[:1])
    fit(model, [logger], LOGS[1:])
    rows = list(csv.reader(path.open(newline="")))
    assert rows == [["epoch", "accuracy", "loss", "val_loss"], ["0", "0.25", "0.5", "1.0"],
                    ["0", "0.5", "0.25", "0.75"]]
    assert logger.csv_file.closed


def test_missing_keys_arrays_and_expected_val_metrics(model, fit, tmp_path):
    model.metrics_names = ["loss", "val_loss"]
    path = tmp_path / "log.csv"
    fit(model, [CSVLogger(path)], [{"loss": np.float32(0.5), "vec": np.array([1, 2])},
                                   {"vec": np.array(3.0)}])
    rows = list(csv.reader(path.open(newline="")))
    assert rows == [["epoch", "loss", "vec", "val_loss"], ["0", "0.5", '"[1, 2]"', "NA"],
                    ["1", "NA", "3.0", "NA"]]


def test_errors(model, tmp_path):
    with pytest.raises(ValueError, match="`separator` must be a single character"):
        CSVLogger(tmp_path / "x.csv", separator=", ")
    logger = CSVLogger(tmp_path / "x.csv")
    logger.set_model(model)
    with pytest.raises(RuntimeError, match="before on_train_begin"):
        logger.on_epoch_end(0, {"loss": 1.0})
