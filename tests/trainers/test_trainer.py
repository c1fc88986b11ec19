"""Trainer: compile / fit / evaluate / predict / *_on_batch through the public API."""

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from lamina.models import Sequential
from conftest import assert_close


def regression_data(n=256, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype("float32")
    y = (x @ np.array([[1.5], [-2.0], [0.5]], "float32") + 0.3).astype("float32")
    return x, y


def linear_model():
    lamina.utils.set_random_seed(0)
    return Sequential([lamina.Input(shape=(3,)), layers.Dense(1)])


def test_fit_learns_and_history_has_keras_keys():
    x, y = regression_data()
    model = linear_model()
    model.compile(optimizer=lamina.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=32, epochs=5, validation_split=0.25, verbose=0)
    assert set(history.history) == {"loss", "mae", "val_loss", "val_mae"}
    assert len(history.history["loss"]) == 5 and history.epoch == [0, 1, 2, 3, 4]
    assert history.history["loss"][-1] < 0.01 < history.history["loss"][0]
    kernel = model.layers[0].kernel.numpy()
    assert_close(kernel[:, 0], [1.5, -2.0, 0.5], rtol=0.05, atol=0.05)


def test_evaluate_returns_scalar_list_or_dict():
    x, y = regression_data()
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse")
    loss = model.evaluate(x, y, verbose=0)
    pred = model.predict(x, verbose=0)
    assert loss == pytest.approx(float(np.mean((pred - y) ** 2)), rel=1e-4)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    values = model.evaluate(x, y, verbose=0)
    assert isinstance(values, list) and len(values) == 2
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "mae"}
    assert logs["mae"] == pytest.approx(float(np.mean(np.abs(pred - y))), rel=1e-4)


def test_predict_matches_call_and_keeps_partial_batch():
    x, _ = regression_data(n=70)
    model = linear_model()
    out = model.predict(x, batch_size=32, verbose=0)
    assert isinstance(out, np.ndarray) and out.shape == (70, 1)
    assert_close(out, model(x), rtol=1e-6, atol=1e-6)
    assert_close(model.predict_on_batch(x[:5]), out[:5], rtol=1e-6, atol=1e-6)


def test_accuracy_string_resolves_by_loss():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((200, 4)).astype("float32")
    labels = (x[:, 0] + x[:, 1] > 0).astype("int32")
    model = Sequential([lamina.Input(shape=(4,)), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    h = model.fit(x, labels, epochs=2, batch_size=20, verbose=0)
    assert set(h.history) == {"loss", "accuracy"}
    logs = model.evaluate(x, labels, verbose=0, return_dict=True)
    pred = model.predict(x, verbose=0).argmax(-1)
    assert logs["accuracy"] == pytest.approx(float(np.mean(pred == labels)), abs=1e-6)


def test_builds_from_first_batch_and_sample_weights():
    x, y = regression_data(n=64)
    model = Sequential([layers.Dense(4, activation="relu"), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    sw = np.ones(64, "float32")
    sw[:32] = 0.0
    model.fit(x, y, sample_weight=sw, epochs=1, batch_size=16, verbose=0)
    assert model.built and model.input_shape == (None, 3)


def test_train_and_test_on_batch():
    x, y = regression_data(n=32)
    model = linear_model()
    model.compile(optimizer=lamina.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    before = model.test_on_batch(x, y)
    loss, mae = model.train_on_batch(x, y)
    after = model.test_on_batch(x, y, return_dict=True)
    assert loss == pytest.approx(before[0], rel=1e-5)
    assert after["loss"] < loss


def test_custom_train_step_is_used():
    calls = []

    class Custom(Sequential):
        def train_step(self, data):
            calls.append(1)
            return super().train_step(data)

    x, y = regression_data(n=40)
    model = Custom([lamina.Input(shape=(3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", run_eagerly=True)
    model.fit(x, y, batch_size=10, epochs=2, verbose=0)
    assert len(calls) == 8
    # Compiled (the default), the Python body runs once, while the step is traced
    # (as with Keras's tf.function / jax.jit); the step itself runs every batch.
    calls.clear()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=10, epochs=2, verbose=0)
    assert len(calls) == 1
    assert int(model.optimizer.iterations.numpy()) == 8


def test_generators_and_py_datasets():
    x, y = regression_data(n=60)

    def gen():
        for i in range(0, 60, 20):
            yield x[i:i + 20], y[i:i + 20]

    model = linear_model()
    model.compile(optimizer="sgd", loss="mse")
    h = model.fit(gen(), epochs=1, verbose=0)
    assert len(h.history["loss"]) == 1

    class Data(lamina.utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return x[i * 20:(i + 1) * 20], y[i * 20:(i + 1) * 20]

    h = model.fit(Data(workers=2), epochs=2, verbose=0, validation_data=Data())
    assert set(h.history) == {"loss", "val_loss"}


def test_early_stopping_stops_training():
    x, y = regression_data(n=64)
    model = linear_model()
    model.compile(optimizer=lamina.optimizers.SGD(0.0), loss="mse")
    stop = lamina.callbacks.EarlyStopping(monitor="loss", patience=1)
    h = model.fit(x, y, epochs=20, verbose=0, callbacks=[stop])
    assert len(h.history["loss"]) < 20


def test_compile_config_round_trip():
    model = linear_model()
    model.compile(optimizer=lamina.optimizers.Adam(learning_rate=0.01), loss="mse",
                  metrics=["mae"])
    config = model.get_compile_config()
    assert config["optimizer"]["class_name"] == "Adam"
    other = linear_model()
    other.compile_from_config(config)
    assert isinstance(other.optimizer, lamina.optimizers.Adam)
    assert float(other.optimizer.learning_rate) == pytest.approx(0.01)


def test_errors():
    x, y = regression_data(n=8)
    model = linear_model()
    with pytest.raises(ValueError, match="must call `compile\\(\\)`"):
        model.fit(x, y)
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="different numbers of samples"):
        model.fit(x, y[:5], verbose=0)
    with pytest.raises(ValueError, match="verbose"):
        model.evaluate(x, y, verbose=5)
    with pytest.raises(ValueError, match="Unknown|unknown"):
        model.compile(optimizer="sgd", loss="not_a_loss")


def test_regularization_losses_join_the_training_loss():
    x, y = regression_data(n=32)
    lamina.utils.set_random_seed(0)
    model = Sequential([lamina.Input(shape=(3,)),
                        layers.Dense(1, kernel_regularizer=lamina.regularizers.L2(1.0))])
    model.compile(optimizer="sgd", loss="mse")
    logs = model.test_on_batch(x, y, return_dict=True)
    mse = float(np.mean((model.predict(x, verbose=0) - y) ** 2))
    penalty = float(np.sum(model.layers[0].kernel.numpy() ** 2))
    assert logs["loss"] == pytest.approx(mse + penalty, rel=1e-4)


def test_bad_data_fails_before_training():
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse")
    x, y = regression_data(n=8)
    x_nan = x.copy()
    x_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match="contains NaN"):
        model.fit(x_nan, y, verbose=0)
    with pytest.raises(ValueError, match="empty"):
        model.fit(x[:0], y[:0], verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(x, y, validation_split=1.5, verbose=0)
    clf = Sequential([lamina.Input(shape=(3,)), layers.Dense(3, activation="softmax")])
    clf.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"labels must be integers in \[0, 3\).*label 7"):
        clf.fit(x, np.array([0, 1, 2, 7, 0, 1, 2, 0]), verbose=0)


def test_progress_bar_in_a_log_file_has_no_control_characters(capsys):
    x, y = regression_data(n=64)
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    model.fit(x, y, batch_size=16, epochs=2, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert "4/4" in out and "loss:" in out and "mae:" in out
    assert "\r" not in out and "\b" not in out and "\x1b" not in out
    model.fit(x, y, batch_size=16, epochs=2, verbose=2)
    lines = [l for l in capsys.readouterr().out.splitlines() if l.strip()]
    assert lines[0] == "Epoch 1/2" and lines[1].startswith("4/4 - ")
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""
