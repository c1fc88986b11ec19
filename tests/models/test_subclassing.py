"""Model subclassing: layers as attributes, a call method, training, weights."""

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.models.functional import Functional


class MLP(lamina.Model):
    def __init__(self, units=8, **kwargs):
        super().__init__(**kwargs)
        self.blocks = [layers.Dense(units, activation="relu"),
                       layers.Dense(units, activation="relu")]
        self.head = layers.Dense(1)

    def call(self, x, training=None):
        for block in self.blocks:
            x = block(x)
        return self.head(x)


def _regression(n=128, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 4)).astype("float32")
    return x, (x @ np.array([1.0, -2.0, 0.5, 3.0], "float32"))[:, None]


def test_subclassed_model_trains_and_tracks_weights():
    model = MLP()
    model.compile("adam", loss="mse", metrics=["mae"])
    x, y = _regression()
    history = model.fit(x, y, epochs=10, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert set(history.history) == {"loss", "mae"}
    assert len(model.trainable_weights) == 6
    # Attribute order: the list's layers, then the head.
    assert [w.path.split("/", 1)[1] for w in model.weights][-2:] == [
        f"{model.head.name}/kernel", f"{model.head.name}/bias"]
    assert [l.name for l in model.layers] == [model.blocks[0].name, model.blocks[1].name,
                                              model.head.name]


def test_build_with_input_shape_creates_the_weights():
    model = MLP(units=5)
    model.build((None, 4))
    assert model.built and len(model.weights) == 6
    assert model.count_params() == (4 * 5 + 5) + (5 * 5 + 5) + (5 + 1)
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert model.head.name in text and "(None, 1)" in text
    assert f"Total params: {model.count_params()}" in text


def test_weights_order_is_deterministic_and_set_weights_round_trips():
    a, b = MLP(), MLP()
    a.build((None, 4))
    b.build((None, 4))
    assert [w.shape for w in a.weights] == [w.shape for w in b.weights]
    b.set_weights(a.get_weights())
    x, _ = _regression(8)
    np.testing.assert_allclose(np.asarray(a(x)), np.asarray(b(x)), rtol=1e-6)


def test_subclassed_model_inside_a_functional_model():
    inner = MLP()
    x = lamina.Input(shape=(4,), name="sub_in")
    model = lamina.Model(x, layers.Dense(2, name="sub_out")(inner(x)))
    assert len(model.weights) == 8
    data, _ = _regression(4)
    assert np.asarray(model(data)).shape == (4, 2)


def test_subclass_that_calls_init_with_inputs_and_outputs_becomes_functional():
    class Wrapped(lamina.Model):
        def __init__(self):
            inputs = lamina.Input(shape=(3,))
            outputs = layers.Dense(2)(inputs)
            super().__init__(inputs, outputs)

    model = Wrapped()
    assert isinstance(model, Functional) and isinstance(model, Wrapped)
    assert model.output_shape == (None, 2)
    assert np.asarray(model(np.ones((1, 3), "float32"))).shape == (1, 2)


def test_build_failure_is_explained():
    class NeedsData(lamina.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(1)

        def call(self, x):
            return self.d(x * np.float32(2.0) if isinstance(x, np.ndarray) else
                          _fail(x))

    def _fail(x):
        raise TypeError("symbolic inputs not supported here")

    with pytest.raises(TypeError, match="build.*symbolic"):
        NeedsData().build((None, 3))
