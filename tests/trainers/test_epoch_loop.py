"""Grouped steps (trainers/epoch_loop.py): an epoch runs many compiled steps per
native call when no callback needs each step, with the same results as one call per
step; `steps_per_execution` groups the batch hooks as Keras does."""

from __future__ import annotations

import numpy as np
import pytest

import lamina
from lamina import callbacks, layers, models, optimizers
from lamina.graph.lower import NativeExecutor
from lamina.trainers import epoch_loop


class EveryBatch(callbacks.Callback):
    """Overrides a batch hook: the trainer must stop at every step for it."""

    def __init__(self):
        super().__init__()
        self.begins, self.ends = [], []

    def on_train_batch_begin(self, batch, logs=None):
        self.begins.append(batch)

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(batch)


class OnlyEpochs(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(dict(logs))


def _data(n=100, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)).astype("float32")
    y = (x[:, 0] - x[:, 2] > 0).astype("int32")
    w = rng.uniform(0.5, 1.5, size=n).astype("float32")
    return x, y, w


def _model(spe=1, run_eagerly=False):
    lamina.utils.set_random_seed(3)
    model = models.Sequential([layers.Input((5,)), layers.Dense(12, activation="relu"),
                               layers.Dropout(0.2), layers.Dense(2, activation="softmax")])
    model.compile(optimizer=optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], steps_per_execution=spe, run_eagerly=run_eagerly)
    return model


def _fit(model, cbs, shuffle, **kw):
    x, y, w = _data()
    np.random.seed(11)  # the adapter's shuffle
    history = model.fit(x, y, sample_weight=w, batch_size=16, epochs=3, verbose=0,
                        shuffle=shuffle, callbacks=cbs, validation_split=0.2, **kw)
    return history.history, [v.numpy() for v in model.variables + model.optimizer.variables]


@pytest.fixture
def count_grouped_calls(monkeypatch):
    calls = []
    original = NativeExecutor.run_steps

    def counting(self, sources, rows, n_steps, *args):
        calls.append(n_steps)
        return original(self, sources, rows, n_steps, *args)

    monkeypatch.setattr(NativeExecutor, "run_steps", counting)
    return calls


@pytest.mark.parametrize("shuffle", [True, False, "batch"])
def test_grouped_epochs_equal_one_call_per_step(shuffle, count_grouped_calls):
    # 80 training rows in batches of 16: 5 full batches, the first traced alone.
    h_single, v_single = _fit(_model(), [EveryBatch()], shuffle)
    assert count_grouped_calls == []
    h_grouped, v_grouped = _fit(_model(), [OnlyEpochs()], shuffle)
    assert count_grouped_calls and all(n > 1 for n in count_grouped_calls)
    assert h_grouped == h_single
    for a, b in zip(v_grouped, v_single):
        np.testing.assert_array_equal(a, b)
    h_eager, v_eager = _fit(_model(run_eagerly=True), [], shuffle)
    np.testing.assert_allclose(h_grouped["loss"], h_eager["loss"], rtol=1e-5)
    for a, b in zip(v_grouped, v_eager):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_a_partial_last_batch_runs_alone_after_the_group(count_grouped_calls):
    x, y, _ = _data(n=70)  # 4 full batches of 16 and one of 6
    model = _model()
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
    # epoch 1: batch 0 traced, 1-3 grouped, 4 (partial) traced; epoch 2: 0-3 grouped, 4 alone
    assert count_grouped_calls == [3, 4]


def test_steps_per_execution_groups_the_batch_hooks_as_keras(count_grouped_calls):
    cb = EveryBatch()
    h_spe, v_spe = _fit(_model(spe=2), [cb], False)
    # 5 batches per epoch in groups of 2: begin at the group's first step, end at its last
    assert cb.begins == [0, 2, 4] * 3 and cb.ends == [1, 3, 4] * 3
    h_one, v_one = _fit(_model(), [EveryBatch()], False)
    assert h_spe == h_one
    for a, b in zip(v_spe, v_one):
        np.testing.assert_array_equal(a, b)


def test_steps_per_execution_on_a_generator_groups_hooks():
    x, y, _ = _data(n=64)

    def gen():
        while True:
            for i in range(0, 64, 16):
                yield x[i:i + 16], y[i:i + 16]

    cb = EveryBatch()
    model = _model(spe=3)
    model.fit(gen(), steps_per_epoch=4, epochs=1, verbose=0, callbacks=[cb])
    assert cb.begins == [0, 3] and cb.ends == [2, 3]


def test_the_progress_bar_samples_batches_and_shows_the_last_step(capsys, count_grouped_calls):
    x, y, _ = _data()
    _model().fit(x, y, batch_size=10, epochs=1, verbose=1)
    out = capsys.readouterr().out
    assert "10/10" in out and "loss:" in out
    assert count_grouped_calls  # the bar did not force one call per step


def test_batch_hook_need():
    assert epoch_loop.batch_hook_need([callbacks.History()], "train") == "none"
    assert epoch_loop.batch_hook_need([callbacks.ProgbarLogger()], "train") == "sampled"
    assert epoch_loop.batch_hook_need([callbacks.ProgbarLogger(), EveryBatch()], "train") \
        == "every"
    assert epoch_loop.batch_hook_need([EveryBatch()], "test") == "none"
    assert epoch_loop.batch_hook_need([callbacks.TerminateOnNaN()], "train") == "every"


def test_grouped_evaluate_equals_one_call_per_step(count_grouped_calls):
    x, y, w = _data()
    model = _model()
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)

    class EveryTestBatch(callbacks.Callback):
        def on_test_batch_end(self, batch, logs=None):
            pass

    count_grouped_calls.clear()
    grouped = model.evaluate(x, y, sample_weight=w, batch_size=8, verbose=0, return_dict=True)
    assert count_grouped_calls
    single = model.evaluate(x, y, sample_weight=w, batch_size=8, verbose=0, return_dict=True,
                            callbacks=[EveryTestBatch()])
    assert grouped == single


def test_early_stopping_and_a_stop_from_an_epoch_hook_still_work():
    x, y, _ = _data()

    class StopAfterOne(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = True

    history = _model().fit(x, y, epochs=5, verbose=0, callbacks=[StopAfterOne()])
    assert len(history.history["loss"]) == 1


def test_grouped_predict_equals_one_call_per_step(count_grouped_calls):
    x, y, _ = _data(n=103)
    inputs = layers.Input((5,))
    hidden = layers.Dense(7, activation="tanh")(inputs)
    model = models.Model(inputs, [layers.Dense(2)(hidden), layers.Dense(1)(hidden)])

    class EveryPredictBatch(callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.ends = []

        def on_predict_batch_end(self, batch, logs=None):
            self.ends.append((batch, [o.shape for o in logs["outputs"]]))

    cb = EveryPredictBatch()
    single = model.predict(x, batch_size=10, verbose=0, callbacks=[cb])
    assert count_grouped_calls == [] and len(cb.ends) == 11
    grouped = model.predict(x, batch_size=10, verbose=0)
    assert count_grouped_calls == [9]  # batch 0 traced, 1-9 grouped, the partial one alone
    for a, b in zip(grouped, single):
        assert a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    model.compile(loss="mse", steps_per_execution=4)
    cb = EveryPredictBatch()
    spe = model.predict(x, batch_size=10, verbose=0, callbacks=[cb])
    assert [b for b, _ in cb.ends] == [3, 7, 10]
    assert cb.ends[0][1] == [(30, 2), (30, 1)]  # the group's outputs, stacked
    for a, b in zip(spe, single):
        np.testing.assert_array_equal(a, b)


def test_steps_per_epoch_beyond_the_data_wraps_around_the_same_grouped(count_grouped_calls):
    x, y, _ = _data(n=64)
    results = []
    for cbs in ([EveryBatch()], []):
        model = _model()
        np.random.seed(5)
        history = model.fit(x, y, batch_size=16, steps_per_epoch=7, epochs=2, verbose=0,
                            callbacks=cbs)
        results.append((history.history, [v.numpy() for v in model.variables]))
    assert count_grouped_calls  # the second fit grouped its steps
    assert results[0][0] == results[1][0]
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(a, b)


def test_grouped_steps_with_dict_inputs_and_two_outputs(count_grouped_calls):
    rng = np.random.default_rng(3)
    xa = rng.normal(size=(48, 4)).astype("float32")
    xb = rng.normal(size=(48, 3)).astype("float32")
    y1 = rng.normal(size=(48, 1)).astype("float32")
    y2 = rng.integers(0, 3, 48).astype("int32")
    results = []
    for cbs in ([EveryBatch()], []):
        lamina.utils.set_random_seed(5)
        a, b = layers.Input((4,), name="a"), layers.Input((3,), name="b")
        h = layers.Dense(8, activation="relu")(layers.Concatenate()([a, b]))
        model = models.Model({"a": a, "b": b}, {"reg": layers.Dense(1, name="reg")(h),
                                                "cls": layers.Dense(3, name="cls")(h)})
        model.compile(optimizer="adam", loss={"reg": "mse",
                                              "cls": "sparse_categorical_crossentropy"})
        np.random.seed(2)
        history = model.fit({"a": xa, "b": xb}, {"reg": y1, "cls": y2}, batch_size=8, epochs=2,
                            verbose=0, callbacks=cbs)
        results.append((history.history, [v.numpy() for v in model.variables]))
    assert count_grouped_calls
    assert results[0][0] == results[1][0]
    for p, q in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(p, q)
