"""The Layer base class: life cycle, weights, tracking, losses, configs."""

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from conftest import assert_close


class Scale(layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
        self.count = self.add_weight(shape=(), initializer="zeros", trainable=False, name="count")

    def call(self, x):
        return x * self.w * self.factor


def test_build_on_first_call_and_weights():
    layer = Scale()
    assert not layer.built and layer.weights == []
    y = layer(np.ones((2, 3), "float32"))
    assert layer.built
    assert_close(y, np.full((2, 3), 2.0))
    assert [w.name for w in layer.weights] == ["w", "count"]
    assert [w.name for w in layer.trainable_weights] == ["w"]
    assert [w.name for w in layer.non_trainable_weights] == ["count"]
    assert layer.weights[0].path == f"{layer.name}/w"
    assert layer.count_params() == 4


def test_trainable_false_moves_weights():
    layer = Scale()
    layer(np.ones((1, 3), "float32"))
    layer.trainable = False
    assert layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == 2


def test_get_set_weights_round_trip_and_errors():
    layer = Scale()
    layer(np.ones((1, 3), "float32"))
    layer.set_weights([np.array([1.0, 2.0, 3.0]), np.array(5.0)])
    assert_close(layer.get_weights()[0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="weight list length mismatch"):
        layer.set_weights([np.ones(3)])
    with pytest.raises(ValueError, match=r"weight shape \(3,\) is not compatible"):
        layer.set_weights([np.ones(4), np.array(0.0)])


def test_count_params_unbuilt_errors():
    with pytest.raises(ValueError, match="isn't built"):
        Scale().count_params()


def test_unknown_kwargs_rejected_and_input_shape_accepted():
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to Dense"):
        layers.Dense(3, foo=1)
    d = layers.Dense(3, input_shape=(4,))
    assert d._input_shape_arg == (4,)


def test_auto_names_are_unique():
    a, b = layers.Dense(1), layers.Dense(1)
    assert a.name != b.name and a.name.startswith("dense")


def test_nested_layers_are_tracked():
    class Block(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = [layers.Dense(4), layers.Dense(2)]

        def call(self, x):
            for layer in self.inner:
                x = layer(x)
            return x

    block = Block()
    block(np.ones((3, 5), "float32"))
    assert len(block.weights) == 4
    assert block.count_params() == 5 * 4 + 4 + 4 * 2 + 2


def test_symbolic_call_infers_shape_without_computing():
    layer = layers.Dense(7)
    out = layer(lamina.KerasTensor((None, 3)))
    assert isinstance(out, lamina.KerasTensor) and out.shape == (None, 7)
    assert layer.built


def test_input_spec_mismatch_names_layer_and_shapes():
    layer = layers.Dense(2)
    layer(np.ones((1, 3), "float32"))
    with pytest.raises(ValueError, match=r'layer "dense.*expected axis -1 of input shape to have value 3.*\(1, 4\)'):
        layer(np.ones((1, 4), "float32"))


def test_regularization_and_activity_losses():
    layer = layers.Dense(2, kernel_initializer="ones", kernel_regularizer=lamina.regularizers.L2(0.5),
                         activity_regularizer=lamina.regularizers.L1(0.1))
    y = layer(np.ones((4, 3), "float32"))
    losses = [float(v) for v in layer.losses]
    assert len(losses) == 2
    # activity: 0.1 * sum|y| / batch; y = 3 everywhere (bias 0)
    assert losses[0] == pytest.approx(0.1 * np.abs(np.asarray(y)).sum() / 4, rel=1e-6)
    assert losses[1] == pytest.approx(0.5 * 6.0, rel=1e-6)


def test_add_loss_is_reset_each_call():
    class AddsLoss(layers.Layer):
        def call(self, x):
            self.add_loss(ops.sum(x))
            return x

    layer = AddsLoss()
    layer(np.ones((2,), "float32"))
    layer(np.ones((2,), "float32"))
    assert len(layer.losses) == 1 and float(layer.losses[0]) == 2.0


def test_training_flag_propagates_to_nested_layers():
    seen = []

    class Probe(layers.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    class Outer(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.probe = Probe()

        def call(self, x):
            return self.probe(x)

    Outer()(np.ones(2, "float32"), training=True)
    assert seen == [True]


def test_get_config_auto_and_from_config():
    layer = Scale(factor=3.0, name="scaler")
    config = layer.get_config()
    assert config["factor"] == 3.0 and config["name"] == "scaler"
    clone = Scale.from_config(config)
    assert clone.factor == 3.0 and clone.name == "scaler"


def test_build_config_round_trip():
    layer = layers.Dense(3)
    layer(np.ones((2, 5), "float32"))
    assert layer.get_build_config() == {"input_shape": [2, 5]}
    clone = layers.Dense.from_config(layer.get_config())
    clone.build_from_config(layer.get_build_config())
    assert clone.built and clone.kernel.shape == (5, 3)


def test_gradients_flow_to_layer_weights():
    layer = layers.Dense(2)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype("float32")
    with lamina.GradientTape() as tape:
        loss = ops.sum(ops.square(layer(x)))
    gk, gb = tape.gradient(loss, layer.trainable_weights)
    y = x @ layer.kernel.numpy() + layer.bias.numpy()
    assert_close(gk, x.T @ (2 * y), rtol=1e-4, atol=1e-5)
    assert_close(gb, (2 * y).sum(0), rtol=1e-4, atol=1e-5)
