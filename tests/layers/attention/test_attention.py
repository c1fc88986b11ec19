"""Attention and AdditiveAttention against NumPy references."""

import numpy as np
import pytest

from lamina import layers, ops
from conftest import assert_close, check_grad


def np_softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def np_attention(q, v, k=None, scores_fn=None, v_mask=None, q_mask=None, causal=False):
    k = v if k is None else k
    scores = scores_fn(q, k) if scores_fn else q @ np.swapaxes(k, -1, -2)
    mask = np.ones(scores.shape, bool)
    if v_mask is not None:
        mask &= v_mask[:, None, :]
    if causal:
        mask &= np.tril(np.ones(scores.shape[-2:], bool))
    scores = scores - 1e9 * (~mask)
    w = np_softmax(scores)
    out = w @ v
    if q_mask is not None:
        out = out * q_mask[..., None]
    return out, w


@pytest.fixture
def qkv(rng):
    return (rng.standard_normal((2, 3, 4)).astype(np.float32),
            rng.standard_normal((2, 5, 4)).astype(np.float32),
            rng.standard_normal((2, 5, 4)).astype(np.float32))


def test_dot_attention(qkv):
    q, v, k = qkv
    out, w = layers.Attention()([q, v, k], return_attention_scores=True)
    ref, ref_w = np_attention(q, v, k)
    assert_close(out, ref, atol=1e-5)
    assert_close(w, ref_w, atol=1e-6)
    assert_close(layers.Attention()([q, v]), np_attention(q, v)[0], atol=1e-5)


def test_use_scale_and_concat(qkv):
    q, v, _ = qkv
    att = layers.Attention(use_scale=True)
    att([q, v])
    att.scale.assign(np.float32(0.5))
    scaled = np_attention(q, v, scores_fn=lambda a, b: 0.5 * a @ b.swapaxes(1, 2))[0]
    assert_close(att([q, v]), scaled, atol=1e-5)
    cat = layers.Attention(score_mode="concat", use_scale=True)
    cat([q, v])
    cat.scale.assign(np.float32(0.7))
    cat.concat_score_weight.assign(np.float32(1.5))
    fn = lambda a, b: 1.5 * np.tanh(0.7 * (a[:, :, None] + b[:, None])).sum(-1)
    assert_close(cat([q, v]), np_attention(q, v, scores_fn=fn)[0], atol=1e-5)
    assert [w.name for w in cat.weights] == ["scale", "concat_score_weight"]


def test_additive_attention(qkv):
    q, v, _ = qkv
    add = layers.AdditiveAttention()
    add([q, v])
    scale = add.scale.numpy()
    assert scale.shape == (4,)
    fn = lambda a, b: (scale * np.tanh(a[:, :, None] + b[:, None])).sum(-1)
    assert_close(add([q, v]), np_attention(q, v, scores_fn=fn)[0], atol=1e-5)
    assert "score_mode" not in add.get_config()


def test_masks_and_causal(qkv):
    q, v, _ = qkv
    q_mask = np.array([[1, 1, 0], [1, 0, 1]], bool)
    v_mask = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)
    att = layers.Attention()
    out = att([q, v], mask=[q_mask, v_mask])
    assert_close(out, np_attention(q, v, v_mask=v_mask, q_mask=q_mask)[0], atol=1e-5)
    qt, vt = ops.convert_to_tensor(q), ops.convert_to_tensor(v)
    qt._keras_mask = ops.convert_to_tensor(q_mask)
    vt._keras_mask = ops.convert_to_tensor(v_mask)
    out2 = att([qt, vt])
    assert_close(out2, out)
    np.testing.assert_array_equal(out2._keras_mask.numpy(), q_mask)
    q5 = np.concatenate([q, q[:, :2]], axis=1)
    out, w = att([q5, v], use_causal_mask=True, return_attention_scores=True)
    ref, ref_w = np_attention(q5, v, causal=True)
    assert_close(out, ref, atol=1e-5)
    assert np.allclose(np.triu(w.numpy()[0], 1), 0)


def test_dropout_training_only_seeded(qkv):
    q, v, _ = qkv
    a = layers.Attention(dropout=0.5, seed=7)
    base = a([q, v])
    assert_close(a([q, v], training=False), base)
    d1 = layers.Attention(dropout=0.5, seed=7)([q, v], training=True)
    d2 = layers.Attention(dropout=0.5, seed=7)([q, v], training=True)
    assert_close(d1, d2)
    assert not np.allclose(d1.numpy(), base.numpy())


def test_gradients(rng):
    q, v = rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 4, 2))
    att = layers.Attention(use_scale=True, dtype="float64")
    vm = np.array([[1, 1, 0, 1], [1, 1, 1, 0]], bool)
    check_grad(lambda a, b: att([a, b], mask=[None, vm]), q, v)
    add = layers.AdditiveAttention(dtype="float64")
    check_grad(lambda a, b: add([a, b], use_causal_mask=True), q, v)


def test_config_shapes_and_errors(qkv):
    q, v, _ = qkv
    att = layers.Attention(use_scale=True, score_mode="concat", dropout=0.1)
    config = att.get_config()
    assert set(config) == {"name", "trainable", "dtype", "use_scale", "score_mode", "dropout"}
    assert layers.Attention.from_config(config).score_mode == "concat"
    assert att.compute_output_shape([(None, 3, 4), (None, 5, 6)]) == (None, 3, 6)
    sq, sv = layers.Input((3, 4)), layers.Input((5, 4))
    out, w = layers.Attention()([sq, sv], return_attention_scores=True)
    assert tuple(out.shape) == (None, 3, 4) and tuple(w.shape) == (None, 3, 5)
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="general")
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Attention()(q)
    with pytest.raises(ValueError, match="length 2 or 3"):
        layers.Attention()([q])
    with pytest.raises(ValueError, match="rank 3"):
        layers.Attention()([q[0], v[0]])
    with pytest.raises(ValueError, match="mask must be a list"):
        layers.Attention()([q, v], mask=np.ones((2, 3), bool))
