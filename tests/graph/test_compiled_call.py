"""`model(x)` on a concrete array runs a compiled forward pass."""

import numpy as np
import pytest

import lamina
from lamina import layers, models
from lamina.graph import function


def _model():
    lamina.utils.set_random_seed(0)
    return models.Sequential([layers.Input((5,)), layers.Dense(8, activation="relu"),
                              layers.Dropout(0.5), layers.Dense(3, activation="softmax")])


def test_compiled_call_matches_the_eager_call():
    model = _model()
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    first = model(x).numpy().copy()  # traced (an eager call)
    second = model(x).numpy()  # the compiled program
    model.run_eagerly = True
    eager = model(x).numpy()
    np.testing.assert_allclose(second, eager, rtol=1e-6)
    np.testing.assert_allclose(first, eager, rtol=1e-6)
    program = model._call_function[1].last_program()
    assert program is not None and "gemm" in program.text()


def test_compiled_call_sees_new_weights_and_new_layers():
    model = _model()
    x = np.ones((2, 5), "float32")
    model(x)
    weights = [w * 0.5 for w in model.get_weights()]
    model.set_weights(weights)
    got = model(x).numpy()
    model.run_eagerly = True
    np.testing.assert_allclose(got, model(x).numpy(), rtol=1e-6)
    model.run_eagerly = False
    model.add(layers.Dense(2))
    assert model(x).shape == (2, 2)


def test_training_calls_draw_new_dropout_masks():
    model = _model()
    x = np.ones((64, 5), "float32")
    outs = [model(x, training=True).numpy().copy() for _ in range(3)]
    assert not np.array_equal(outs[1], outs[2])
    assert len(model._call_function[1].programs) == 1


def test_calls_under_a_tape_stay_eager_and_differentiable():
    model = _model()
    x = lamina.ops.convert_to_tensor(np.ones((2, 5), "float32"))
    model(x)
    with lamina.GradientTape() as tape:
        loss = lamina.ops.sum(model(x))
    grads = tape.gradient(loss, model.trainable_weights)
    assert all(g is not None for g in grads)


def test_masks_keep_the_call_eager():
    inputs = layers.Input((4,), dtype="int32")
    out = layers.Embedding(10, 3, mask_zero=True)(inputs)
    model = models.Model(inputs, out)
    x = np.array([[1, 2, 0, 0]], "int32")
    model(x)
    y = model(x)
    assert y._keras_mask is not None
    reasons = [r for rs in model._call_function[1].fallback_reasons.values() for r in rs]
    assert any("mask" in r for r in reasons)


@pytest.fixture
def interpreter():
    function.NATIVE = False
    yield
    function.NATIVE = True


def test_the_python_interpreter_gives_the_same_results(interpreter):
    model = _model()
    x = np.random.default_rng(1).normal(size=(3, 5)).astype("float32")
    model(x)
    got = model(x).numpy()
    assert type(model._call_function[1].last_program().executor).__name__ == "Interpreter"
    model.run_eagerly = True
    np.testing.assert_allclose(got, model(x).numpy(), rtol=1e-6)


def test_predict_on_a_small_array_takes_the_one_batch_path_with_the_same_checks():
    model = _model()
    x = np.random.default_rng(4).normal(size=(3, 5)).astype("float32")
    fast = model.predict(x, verbose=0)
    general = model.predict(x, verbose=0, batch_size=2)  # two batches: the general loop
    np.testing.assert_allclose(fast, general, rtol=1e-6)
    assert isinstance(fast, np.ndarray) and fast.shape == (3, 3)
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.predict(bad, verbose=0)


def test_the_fast_path_for_a_known_array_gives_the_general_paths_results(monkeypatch):
    model = _model()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, 5)).astype("float32")
    model(x)  # traced
    ref = model(x).numpy()  # the general compiled path; remembers the fast one
    assert model.__dict__["_fast_calls"]
    calls = []
    executor = model._call_function[1].last_program().executor
    original = type(executor).run_single
    monkeypatch.setattr(type(executor), "run_single",
                        lambda self, a: calls.append(1) or original(self, a))
    np.testing.assert_array_equal(model(x).numpy(), ref)
    np.testing.assert_array_equal(model(lamina.ops.convert_to_tensor(x)).numpy(), ref)
    np.testing.assert_array_equal(model(x, training=None).numpy(), ref)
    assert len(calls) == 3
    # Anything else takes the general path: other shapes, training=True, a tape,
    # a non-contiguous array, run_eagerly, a changed model.
    x2 = np.repeat(x, 3, axis=0)
    np.testing.assert_allclose(model(x2).numpy(), np.repeat(ref, 3, axis=0), rtol=1e-6)
    model(x, training=True)
    with lamina.GradientTape() as tape:
        out = model(lamina.ops.convert_to_tensor(x))
        loss = lamina.ops.sum(out)
    assert all(g is not None for g in tape.gradient(loss, model.trainable_weights))
    wide = rng.normal(size=(1, 10)).astype("float32")
    np.testing.assert_allclose(model(wide[:, ::2]).numpy(), model(wide[:, ::2].copy()).numpy())
    model.run_eagerly = True
    np.testing.assert_allclose(model(x).numpy(), ref, rtol=1e-6)
    model.run_eagerly = False
    calls.clear()
    model.set_weights([w * 2 for w in model.get_weights()])  # new weights are seen
    model.run_eagerly = True
    eager = model(x).numpy()
    model.run_eagerly = False
    np.testing.assert_allclose(model(x).numpy(), eager, rtol=1e-6)
    assert calls
    model.add(layers.Dense(2))
    assert model(x).shape == (1, 2)


def test_one_batch_predict_uses_an_overridden_predict_step():
    class Doubled(models.Sequential):
        def predict_step(self, data):
            (x,) = data
            return lamina.ops.multiply(self(x, training=False), 2.0)

    lamina.utils.set_random_seed(0)
    plain = models.Sequential([layers.Input((5,)), layers.Dense(3)])
    doubled = Doubled([layers.Input((5,)), layers.Dense(3)])
    doubled.set_weights(plain.get_weights())
    x = np.random.default_rng(6).normal(size=(2, 5)).astype("float32")
    for _ in range(2):  # traced, then compiled
        np.testing.assert_allclose(doubled.predict(x, verbose=0), 2 * plain.predict(x, verbose=0),
                                   rtol=1e-6)
