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
