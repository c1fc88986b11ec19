"""keras.activations: values against NumPy formulas, gradients, get/serialize/deserialize."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import assert_close, check_grad

import lamina
from lamina import activations, ops
from lamina.saving import register_keras_serializable, serialize_keras_object

X = np.array([-7.0, -3.0, -1.5, -1.0, -0.3, 0.0, 0.4, 1.0, 2.5, 3.0, 6.0, 9.0], np.float32)


def np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_softplus(x):
    return np.logaddexp(0.0, x)


def np_erf(x):
    return np.vectorize(math.erf)(x)


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

REFERENCES = {
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.clip(x, 0, 6),
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.2 * x),
    "sigmoid": np_sigmoid,
    "tanh": np.tanh,
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "celu": lambda x: np.where(x >= 0, x, np.expm1(x)),
    "selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
    "gelu": lambda x: 0.5 * x * (1 + np_erf(x / np.sqrt(2.0))),
    "silu": lambda x: x * np_sigmoid(x),
    "swish": lambda x: x * np_sigmoid(x),
    "softplus": np_softplus,
    "softsign": lambda x: x / (1 + np.abs(x)),
    "hard_sigmoid": lambda x: np.clip(x / 6.0 + 0.5, 0, 1),
    "hard_silu": lambda x: x * np.clip(x / 6.0 + 0.5, 0, 1),
    "hard_swish": lambda x: x * np.clip(x / 6.0 + 0.5, 0, 1),
    "hard_tanh": lambda x: np.clip(x, -1, 1),
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0),
    "soft_shrink": lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)),
    "tanh_shrink": lambda x: x - np.tanh(x),
    "sparse_plus": lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, 0.25 * (x + 1) ** 2)),
    "squareplus": lambda x: (x + np.sqrt(x * x + 4)) / 2,
    "mish": lambda x: x * np.tanh(np_softplus(x)),
    "log_sigmoid": lambda x: -np_softplus(-x),
    "exponential": np.exp,
    "linear": lambda x: x,
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_values_match_numpy(name):
    fn = activations.get(name)
    expected = REFERENCES[name](X.astype(np.float64))
    assert_close(fn(ops.convert_to_tensor(X)), expected.astype(np.float32), rtol=2e-5, atol=2e-6,
                 dtype="float32")


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "elu", "selu", "gelu", "silu",
                                  "softplus", "softsign", "mish", "celu", "squareplus",
                                  "tanh_shrink", "log_sigmoid", "exponential", "sparse_plus"])
def test_float64_kept_and_gradient(name, rng):
    fn = activations.get(name)
    x = rng.uniform(-3, 3, size=(3, 4))
    x = x[np.abs(np.abs(x) - 1.0) > 1e-2]  # away from kinks at |x| = 1
    x = x[np.abs(x) > 1e-2]  # and at 0
    assert fn(ops.convert_to_tensor(x)).dtype == "float64"
    check_grad(fn, x, rtol=1e-4, atol=1e-6)


def test_relu_keras_examples():
    x = [-10.0, -5.0, 0.0, 5.0, 10.0]
    assert_close(activations.relu(x), [0.0, 0.0, 0.0, 5.0, 10.0])
    assert_close(activations.relu(x, negative_slope=0.5), [-5.0, -2.5, 0.0, 5.0, 10.0])
    assert_close(activations.relu(x, max_value=5.0), [0.0, 0.0, 0.0, 5.0, 5.0])
    assert_close(activations.relu(x, threshold=5.0), [0.0, 0.0, 0.0, 0.0, 10.0])


@pytest.mark.parametrize("slope", [0.0, 0.1])
@pytest.mark.parametrize("max_value", [None, 4.0, 6.0])
@pytest.mark.parametrize("threshold", [0.0, 1.0, -2.0])
def test_relu_general_formula(slope, max_value, threshold):
    x = X.astype(np.float64)
    pos = np.where(x > threshold, x, 0.0) if threshold != 0 else np.maximum(x, 0)
    if max_value is not None:
        pos = np.clip(pos, 0, max_value)
    expected = pos - slope * np.maximum(threshold - x, 0)
    got = activations.relu(X, negative_slope=slope, max_value=max_value, threshold=threshold)
    assert_close(got, expected.astype(np.float32), atol=1e-6)


def test_parametrized_activations():
    assert_close(activations.leaky_relu(X, negative_slope=0.5), np.where(X >= 0, X, 0.5 * X))
    assert_close(activations.elu(X, alpha=2.0), np.where(X > 0, X, 2 * np.expm1(X)), atol=1e-6)
    assert_close(activations.celu(X, alpha=2.0), np.where(X >= 0, X, 2 * np.expm1(X / 2)),
                 atol=1e-6)
    approx = 0.5 * X * (1 + np.tanh(np.sqrt(2 / np.pi) * (X + 0.044715 * X**3)))
    assert_close(activations.gelu(X, approximate=True), approx, atol=1e-5)
    assert_close(activations.hard_shrink(X, threshold=2.0), np.where(np.abs(X) > 2, X, 0))
    assert_close(activations.soft_shrink(X, threshold=2.0),
                 np.where(X > 2, X - 2, np.where(X < -2, X + 2, 0)))
    assert_close(activations.squareplus(X, b=1.0), (X + np.sqrt(X * X + 1)) / 2, atol=1e-6)
    assert_close(activations.threshold(X, 1.0, -9.0), np.where(X > 1.0, X, -9.0))


def test_gelu_default_is_exact_as_keras():
    # Keras's keras.activations.gelu defaults to approximate=False (ops.gelu to True).
    y = activations.gelu(np.array([-3.0, -1.0, 0.0, 1.0, 3.0], np.float32))
    assert_close(y, [-0.00404951, -0.15865529, 0.0, 0.8413447, 2.9959507], rtol=1e-5)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_log_softmax(axis, rng):
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    sm = e / e.sum(axis=axis, keepdims=True)
    assert_close(activations.softmax(x, axis=axis), sm, rtol=1e-5)
    assert_close(activations.log_softmax(x, axis=axis), np.log(sm), rtol=1e-5, atol=1e-5)


def test_int_input_becomes_float():
    y = activations.relu(np.array([-1, 2], np.int32))
    assert y.dtype == "float32"
    assert_close(y, [0.0, 2.0])


def test_linear_returns_input():
    x = ops.convert_to_tensor([1.0, -2.0])
    assert activations.linear(x) is x


# ---------------------------------------------------------------- get / serialize
def test_get_names_callables_none():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu
    f = lambda x: x  # noqa: E731
    assert activations.get(f) is f
    assert activations.get(ops.relu) is ops.relu


def test_get_unknown_name_lists_known():
    with pytest.raises(ValueError, match="Unknown activation function: 'relux'") as e:
        activations.get("relux")
    assert "relu6" in str(e.value) and "softmax" in str(e.value)


def test_get_non_callable_raises():
    with pytest.raises(ValueError, match="Could not interpret activation function identifier"):
        activations.get(3)


@pytest.mark.parametrize("name", sorted(activations.ALL_OBJECTS_DICT))
def test_builtin_round_trip(name):
    fn = activations.get(name)
    s = activations.serialize(fn)
    assert s == fn.__name__  # aliases serialize as the canonical name, as Keras
    assert activations.deserialize(s) is fn
    full = serialize_keras_object(fn)
    assert full == {"module": "keras.activations", "class_name": "function",
                    "config": fn.__name__, "registered_name": "function"}
    assert activations.deserialize(full) is fn
    assert activations.get(full) is fn


def test_custom_activation_serialization():
    @register_keras_serializable(package="ActTest")
    def my_act(x):
        return ops.multiply(x, 2.0)

    s = activations.serialize(my_act)
    assert isinstance(s, dict)
    assert s["class_name"] == "function" and s["config"] == "ActTest>my_act"
    assert s["registered_name"] == "ActTest>my_act"
    assert activations.deserialize(s) is my_act
    assert activations.get("ActTest>my_act") is my_act


def test_custom_objects_argument():
    def plus_one(x):
        return ops.add(x, 1.0)

    assert activations.deserialize("plus_one", custom_objects={"plus_one": plus_one}) is plus_one
    with pytest.raises(ValueError, match="Unknown activation function"):
        activations.deserialize("plus_one")


def test_serialize_rejects_non_callable():
    with pytest.raises(ValueError, match="expected an activation function"):
        activations.serialize(42)


def test_exported_under_keras_names():
    from lamina.api_export import keras_name, lookup

    assert keras_name(activations.relu) == "keras.activations.relu"
    assert lookup("keras.activations", "swish") is activations.silu
    assert lookup("keras.activations", "get") is activations.get
    assert lamina.ops is ops  # the module is importable beside ops


@pytest.mark.parametrize("name", sorted(set(activations.ALL_OBJECTS_DICT) - {"threshold"}))
def test_symbolic_keras_tensors_pass_through(name):
    kt = lamina.KerasTensor((None, 3), "float32")
    y = activations.get(name)(kt)
    assert isinstance(y, lamina.KerasTensor)
    assert tuple(y.shape) == (None, 3) and y.dtype == "float32"


def test_symbolic_relu_variants_and_int_input():
    kt = lamina.KerasTensor((2, 5), "int32")
    y = activations.relu(kt, negative_slope=0.1, max_value=3.0, threshold=1.0)
    assert isinstance(y, lamina.KerasTensor) and y.dtype == "float32" and y.shape == (2, 5)
