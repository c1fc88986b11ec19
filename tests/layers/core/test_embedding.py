"""Embedding and Masking: lookups, masks, gradients (scatter-add), configs, errors."""

import json

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from lamina.saving import deserialize_keras_object, serialize_keras_object
from conftest import assert_close


def test_lookup_matches_table(rng):
    emb = layers.Embedding(7, 3)
    idx = rng.integers(0, 7, size=(4, 5))
    out = emb(idx)
    assert out.shape == (4, 5, 3) and out.dtype == "float32"
    assert_close(out, emb.embeddings.numpy()[idx])
    assert getattr(out, "_keras_mask", None) is None
    # default initializer: uniform in [-0.05, 0.05]
    table = emb.embeddings.numpy()
    assert table.shape == (7, 3) and np.abs(table).max() <= 0.05


def test_mask_zero():
    emb = layers.Embedding(5, 2, mask_zero=True)
    out = emb(np.array([[1, 0, 4], [0, 0, 2]]))
    assert out._keras_mask.numpy().tolist() == [[True, False, True], [False, False, True]]
    assert emb.compute_mask(ops.convert_to_tensor([3, 0])).numpy().tolist() == [True, False]
    assert layers.Embedding(5, 2).compute_mask(ops.convert_to_tensor([0])) is None


def test_float_indices_are_cast():
    emb = layers.Embedding(5, 2)
    assert_close(emb(np.array([[1.0, 3.0]], "float32")), emb.embeddings.numpy()[[[1, 3]]])


def test_gradient_accumulates_repeated_indices():
    emb = layers.Embedding(4, 2, embeddings_initializer="ones")
    idx = np.array([[1, 1, 3]])
    with lamina.GradientTape() as tape:
        loss = ops.sum(emb(idx))
    (grad,) = tape.gradient(loss, emb.trainable_weights)
    assert_close(grad, [[0, 0], [2, 2], [0, 0], [1, 1]])


def test_weights_argument_and_config():
    table = np.arange(6, dtype="float32").reshape(3, 2)
    emb = layers.Embedding(3, 2, weights=[table], mask_zero=True,
                           embeddings_regularizer="l2")
    assert emb.built
    assert_close(emb(np.array([2])), [[4, 5]])
    config = emb.get_config()
    assert set(config) == {"name", "trainable", "dtype", "input_dim", "output_dim",
                           "embeddings_initializer", "embeddings_regularizer",
                           "activity_regularizer", "embeddings_constraint", "mask_zero"}
    json.dumps(config)
    clone = deserialize_keras_object(serialize_keras_object(emb))
    assert clone.mask_zero and clone.input_dim == 3 and clone.embeddings_regularizer is not None
    assert len(emb.losses) == 1


def test_symbolic_call():
    out = layers.Embedding(10, 4, mask_zero=True)(lamina.KerasTensor((None, 6), "int32"))
    assert out.shape == (None, 6, 4) and out._keras_mask.shape == (None, 6)


def test_errors():
    with pytest.raises(ValueError, match="input_dim"):
        layers.Embedding(0, 3)
    with pytest.raises(ValueError, match="output_dim"):
        layers.Embedding(3, -1)
    with pytest.raises(IndexError, match="input_dim=3"):
        layers.Embedding(3, 2)(np.array([[5]]))


def test_masking_layer(rng):
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    x[0, 1] = 0.0
    x[1, 3] = 0.0
    x[1, 0, 0] = 0.0  # one zero feature does not mask the step
    out = layers.Masking()(x)
    assert out._keras_mask.numpy().tolist() == [[True, False, True, True],
                                                [True, True, True, False]]
    assert_close(out, x)
    y = np.full((1, 2, 2), -1.0, "float32")
    y[0, 0] = [1.0, -1.0]
    out = layers.Masking(mask_value=-1.0)(y)
    assert out._keras_mask.numpy().tolist() == [[True, False]]
    assert_close(out, [[[1.0, -1.0], [0.0, 0.0]]])
    assert layers.Masking(2.5).get_config()["mask_value"] == 2.5


def test_masking_feeds_an_lstm(rng):
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    x[0, 3:] = 0.0
    lstm = layers.LSTM(4)
    masked = lstm(layers.Masking()(x))
    assert_close(masked, lstm(x[:1, :3]).numpy().tolist() + [lstm(x[1:]).numpy()[0].tolist()],
                 rtol=1e-5, atol=1e-6)
