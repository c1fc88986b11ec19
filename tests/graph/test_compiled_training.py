"""Compiled training steps (lamina.graph) against the eager path: same losses, same
weights, same state, for every optimizer; fallbacks; run-time checks."""

import numpy as np
import pytest

import lamina
from lamina import layers, models, optimizers
from lamina.graph import function

OPTIMIZERS = [
    lambda: optimizers.SGD(0.05),
    lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    lambda: optimizers.Adam(1e-2),
    lambda: optimizers.Adam(1e-2, amsgrad=True),
    lambda: optimizers.AdamW(1e-2, weight_decay=0.01),
    lambda: optimizers.RMSprop(1e-2, momentum=0.5, centered=True),
    lambda: optimizers.Adagrad(0.1),
    lambda: optimizers.Adadelta(1.0),
    lambda: optimizers.Adamax(1e-2),
    lambda: optimizers.Nadam(1e-2),
    lambda: optimizers.Lion(1e-3),
    lambda: optimizers.SGD(optimizers.schedules.ExponentialDecay(0.1, 3, 0.5)),
    lambda: optimizers.Adam(1e-2, clipvalue=0.01, loss_scale_factor=4.0),
]


def _data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int32")
    return x, y


def _mlp(optimizer, run_eagerly, dropout=0.25, batchnorm=True, metrics=("accuracy",),
         jit_compile="auto"):
    lamina.utils.set_random_seed(7)
    stack = [layers.Input((6,)), layers.Dense(16, activation="relu")]
    if batchnorm:
        stack.append(layers.BatchNormalization())
    if dropout:
        stack.append(layers.Dropout(dropout))
    stack.append(layers.Dense(3, activation="softmax"))
    model = models.Sequential(stack)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=list(metrics), run_eagerly=run_eagerly, jit_compile=jit_compile)
    return model


def _train_both(make_optimizer, epochs=3, batch_size=16, **kw):
    x, y = _data()
    results = []
    for eager in (True, False):
        model = _mlp(make_optimizer(), eager, **kw)
        history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0,
                            shuffle=False)
        results.append((model, history.history))
    return results


def _variables(model):
    return [v.numpy() for v in model.variables] + [v.numpy() for v in model.optimizer.variables]


@pytest.fixture(params=["native", "interpreter"])
def executor(request):
    function.NATIVE = request.param == "native"
    yield request.param
    function.NATIVE = True


@pytest.mark.parametrize("make_optimizer", OPTIMIZERS)
def test_compiled_training_matches_eager_for_every_optimizer(make_optimizer, executor):
    (eager, h_eager), (compiled, h_compiled) = _train_both(make_optimizer)
    program = compiled._step_functions["train_step"].last_program()
    assert program is not None, compiled._step_functions["train_step"].fallback_reasons
    kind = type(program.executor).__name__
    assert kind == ("NativeExecutor" if executor == "native" else "Interpreter")
    np.testing.assert_allclose(h_compiled["loss"], h_eager["loss"], rtol=1e-6)
    np.testing.assert_allclose(h_compiled["accuracy"], h_eager["accuracy"], rtol=1e-6)
    for a, b in zip(_variables(compiled), _variables(eager)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_dropout_draws_new_masks_every_compiled_step():
    # Equality with the eager run (which draws a new mask per step) proves it; the
    # seed generator's counter must also have advanced once per step.
    (eager, _), (compiled, _) = _train_both(lambda: optimizers.SGD(0.1), epochs=1,
                                           batchnorm=False)
    drop = [l for l in compiled.layers if isinstance(l, layers.Dropout)][0]
    eager_drop = [l for l in eager.layers if isinstance(l, layers.Dropout)][0]
    np.testing.assert_array_equal(drop.seed_generator.state.numpy(),
                                  eager_drop.seed_generator.state.numpy())
    assert int(drop.seed_generator.state.numpy()[1]) == 96 // 16


def test_unsupported_optimizer_features_fall_back_to_eager_with_a_reason():
    (eager, h_eager), (compiled, h_compiled) = _train_both(
        lambda: optimizers.Adam(1e-2, clipnorm=0.5), epochs=2)
    fn = compiled._step_functions["train_step"]
    assert fn.last_program() is None
    reasons = [r for rs in fn.fallback_reasons.values() for r in rs]
    assert any("clipnorm" in r for r in reasons)
    np.testing.assert_allclose(h_compiled["loss"], h_eager["loss"], rtol=1e-6)
    with pytest.raises(ValueError, match="clipnorm"):
        compiled.compiled_step_text()


def test_jit_compile_true_raises_when_the_step_cannot_be_compiled():
    x, y = _data()
    model = _mlp(optimizers.Adam(1e-2, clipnorm=0.5), False, jit_compile=True)
    with pytest.raises(RuntimeError, match="clipnorm"):
        model.fit(x, y, batch_size=16, epochs=1, verbose=0)


def test_a_step_that_reads_its_own_values_runs_eagerly():
    calls = []

    class Peeking(models.Sequential):
        def train_step(self, data):
            logs = super().train_step(data)
            calls.append(float(logs["loss"]))  # a host read of the step's own result
            return logs

    x, y = _data()
    lamina.utils.set_random_seed(1)
    model = Peeking([layers.Input((6,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert len(calls) == 6  # every step ran the Python body: eager
    reasons = model._step_functions["train_step"].fallback_reasons
    assert any("reads the value" in r for rs in reasons.values() for r in rs)


def test_labels_are_checked_on_every_compiled_step():
    x, y = _data()
    y = y.copy()
    y[-1] = 7  # in the last batch: the first (traced) batch is fine
    model = _mlp(optimizers.SGD(0.1), False)
    with pytest.raises(ValueError, match=r"labels must be integers in \[0, 3\).*label 7"):
        model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    assert model._step_functions["train_step"].last_program() is not None


def test_tensors_read_before_fit_keep_their_values():
    x, y = _data()
    model = _mlp(optimizers.Adam(1e-2), False)
    model.build((None, 6))
    kernel = model.layers[0].kernel
    before = kernel.value  # a Tensor: immutable, even though fit updates in place
    snapshot = np.array(before.numpy())
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    np.testing.assert_array_equal(before.numpy(), snapshot)
    assert not np.array_equal(kernel.numpy(), snapshot)
    after_fit = kernel.value
    frozen = np.array(after_fit.numpy())
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)  # buffers were released
    np.testing.assert_array_equal(after_fit.numpy(), frozen)


def test_evaluate_and_predict_are_compiled_and_match_eager():
    x, y = _data(n=100)  # batch 32: a partial last batch of 4
    out = []
    for eager in (True, False):
        model = _mlp(optimizers.SGD(0.1), eager)
        model.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=False)
        out.append((model.evaluate(x, y, batch_size=32, verbose=0, return_dict=True),
                    model.predict(x, batch_size=32, verbose=0), model))
    (ev_e, pr_e, _), (ev_c, pr_c, compiled) = out
    assert ev_c == pytest.approx(ev_e, rel=1e-6)
    np.testing.assert_allclose(pr_c, pr_e, rtol=1e-6, atol=1e-7)
    for kind in ("train_step", "test_step", "predict_step"):
        fn = compiled._step_functions[kind]
        assert len(fn.programs) == 2, kind  # the full batches and the last partial one


def test_compiled_step_text_shows_ir_passes_and_memory():
    (_, _), (compiled, _) = _train_both(lambda: optimizers.Adam(1e-2), epochs=1)
    text = compiled.compiled_step_text("train_step")
    assert "optimizer_update" in text and "[per-step host scalars]" in text
    assert "matmul" in text and "memory: arena" in text
    assert "compiled in" in text
    with pytest.raises(ValueError, match="No compiled predict_step"):
        compiled.compiled_step_text("predict_step")


def test_run_eagerly_and_jit_compile_false_do_not_compile():
    x, y = _data()
    for kw in ({"run_eagerly": True}, {"jit_compile": False}):
        model = models.Sequential([layers.Input((6,)), layers.Dense(3)])
        model.compile(optimizer="sgd", loss="mse", **kw)
        model.fit(x, np.zeros((96, 3), "float32"), batch_size=32, epochs=1, verbose=0)
        assert "train_step" not in model._step_functions
    with pytest.raises(ValueError, match="jit_compile"):
        model.compile(optimizer="sgd", loss="mse", jit_compile="xla")


def test_on_batch_methods_are_compiled_and_tensors_stay_immutable():
    x, y = _data()
    model = _mlp(optimizers.Adam(1e-2), False)
    model.train_on_batch(x[:16], y[:16])
    kernel = model.layers[0].kernel
    held = kernel.value  # marks the Tensor as held: the next step must not mutate it
    snapshot = np.array(held.numpy())
    for _ in range(3):
        model.train_on_batch(x[:16], y[:16])
    np.testing.assert_array_equal(held.numpy(), snapshot)
    assert not np.array_equal(kernel.numpy(), snapshot)
    assert model._step_functions["train_step"].last_program() is not None
    model.test_on_batch(x[:16], y[:16])
    model.predict_on_batch(x[:16])
    assert model._step_functions["predict_step"].last_program() is not None


def test_threads_can_share_a_compiled_model():
    import threading

    model = _mlp(optimizers.SGD(0.1), False, dropout=0, batchnorm=False)
    x = np.random.default_rng(3).normal(size=(64, 6)).astype("float32")
    expected = model.predict(x, verbose=0)
    results = []

    def work():
        for _ in range(20):
            results.append(np.array(model(x)))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 80
    for r in results:
        np.testing.assert_allclose(r, expected, rtol=1e-6)


def test_a_convnet_trains_the_same_compiled_and_eager():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(24, 8, 8, 1)).astype("float32")
    y = rng.integers(0, 3, 24).astype("int32")
    out = []
    for eager in (True, False):
        lamina.utils.set_random_seed(3)
        model = models.Sequential([
            layers.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu"),
            layers.MaxPooling2D(2), layers.BatchNormalization(), layers.Flatten(),
            layers.Dropout(0.3), layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"], run_eagerly=eager)
        h = model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
        out.append((h.history, [v.numpy() for v in model.variables], model))
    (h_e, w_e, _), (h_c, w_c, compiled) = out
    assert compiled.compiled_step("train_step") is not None
    np.testing.assert_allclose(h_c["loss"], h_e["loss"], rtol=1e-5)
    for a, b in zip(w_c, w_e):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
