"""The issue's "must show": an LSTM learns variable-length parity, an MLP does not
(examples/lstm_sequence_task.py)."""

import importlib.util
from pathlib import Path

import pytest

_EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "lstm_sequence_task.py"


def _example():
    spec = importlib.util.spec_from_file_location("lstm_sequence_task", _EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_parity_data_is_left_padded_and_labelled():
    import numpy as np

    tokens, labels = _example().parity_data(200, 10, np.random.default_rng(0))
    for row, label in zip(tokens, labels):
        real = row[row > 0]
        assert np.all(row[:10 - len(real)] == 0) and 1 <= len(real) <= 10
        assert label == np.sum(real == 2) % 2


@pytest.mark.slow
def test_lstm_learns_parity_that_an_mlp_cannot():
    results = _example().run(max_len=20, n_train=4000, epochs=6, seed=0)
    assert results["lstm"]["accuracy"] >= 0.9, results
    assert results["mlp"]["accuracy"] <= 0.7, results
