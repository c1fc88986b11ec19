"""`Attention` (dot-product, Luong-style) and `AdditiveAttention` (Bahdanau-style)."""

from __future__ import annotations

from lamina import ops, random
from lamina.api_export import keras_export
from lamina.backend.keras_tensor import KerasTensor
from lamina.layers.layer import Layer
from lamina.ops.linalg import matmul_t


def _large_negative(dtype) -> float:
    return 65504.0 if str(dtype) == "float16" else 1.0e9


def causal_mask(q_len: int, v_len: int):
    """(1, q_len, v_len) bool: query i sees values j <= i."""
    rows = ops.reshape(ops.arange(q_len), (q_len, 1))
    cols = ops.reshape(ops.arange(v_len), (1, v_len))
    return ops.expand_dims(ops.greater_equal(rows, cols), 0)


@keras_export("keras.layers.Attention")
class Attention(Layer):
    """Dot-product attention: `softmax(scores) @ value` with `scores = query @ key^T`.

    Inputs are a list `[query, value]` or `[query, value, key]` (key defaults to
    value), shaped (batch, Tq, dim) and (batch, Tv, dim). `mask=[query_mask,
    value_mask]` (bool, (batch, Tq) and (batch, Tv)) hides padded values and zeroes
    outputs at padded queries; masks attached to the inputs are used by default.

    Args:
        use_scale: multiply the scores by a trainable scalar "scale".
        score_mode: "dot" (`query @ key^T`) or "concat" (`sum(tanh(query + key))`,
            times a trainable scalar "concat_score_weight").
        dropout: fraction of attention weights dropped in training.
        seed: an int for reproducible dropout.

    Call arguments: `return_attention_scores` (also return the (batch, Tq, Tv)
    weights), `use_causal_mask` (query i sees values j <= i), `training`.

    Example:
    >>> q, v = lamina.ops.ones((2, 3, 4)), lamina.ops.ones((2, 5, 4))
    >>> Attention()([q, v]).shape
    (2, 3, 4)
    """

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError("Invalid value for argument score_mode. Expected one of "
                             f"{{'dot', 'concat'}}. Received: score_mode={score_mode}")
        if not 0 <= float(dropout) <= 1:
            raise ValueError(f"Invalid value for argument dropout: expected a float in [0, 1]. "
                             f"Received: dropout={dropout}")
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed) if self.dropout > 0 else None
        self.supports_masking = True
        self.scale = None
        self.concat_score_weight = None

    def build(self, input_shape) -> None:
        self._validate_inputs(input_shape)
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(),
                                                       initializer="ones")
        self.built = True

    # -------------------------------------------------------------- scores
    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = matmul_t(query, key, transpose_b=True)
            if self.scale is not None:
                scores = ops.multiply(scores, self.scale.value)
            return scores
        q = ops.expand_dims(query, -2)  # (B, Tq, 1, dim)
        k = ops.expand_dims(key, -3)  # (B, 1, Tv, dim)
        total = ops.add(q, k)
        if self.scale is not None:
            total = ops.multiply(total, self.scale.value)
        return ops.multiply(self.concat_score_weight.value, ops.sum(ops.tanh(total), axis=-1))

    def _apply_scores(self, scores, value, scores_mask=None, training=False):
        if scores_mask is not None:
            padding = ops.cast(ops.logical_not(scores_mask), scores.dtype)
            scores = ops.subtract(scores, ops.multiply(padding, _large_negative(scores.dtype)))
        weights = ops.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = random.dropout(weights, self.dropout, seed=self.seed_generator)
        return ops.matmul(weights, value), weights

    def _calculate_score_mask(self, scores, v_mask, use_causal_mask: bool):
        if v_mask is not None:
            v_mask = ops.expand_dims(ops.cast(v_mask, "bool"), -2)  # (B, 1, Tv)
        if not use_causal_mask:
            return v_mask
        mask = causal_mask(scores.shape[-2], scores.shape[-1])
        return mask if v_mask is None else ops.logical_and(v_mask, mask)

    # ---------------------------------------------------------------- call
    def call(self, inputs, mask=None, training=False, return_attention_scores: bool = False,
             use_causal_mask: bool = False):
        self._validate_inputs(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores = self._calculate_scores(q, k)
        scores_mask = self._calculate_score_mask(scores, v_mask, use_causal_mask)
        result, weights = self._apply_scores(scores, v, scores_mask, training=training)
        if q_mask is not None:
            q_mask = ops.expand_dims(ops.cast(q_mask, result.dtype), -1)
            result = ops.multiply(result, q_mask)
        if return_attention_scores:
            return result, weights
        return result

    def compute_mask(self, inputs, mask=None):
        if mask is None or mask[0] is None:
            return None
        return ops.convert_to_tensor(mask[0])

    def compute_output_shape(self, input_shape):
        self._validate_inputs(input_shape)
        return tuple(input_shape[0][:-1]) + (input_shape[1][-1],)

    def compute_output_spec(self, inputs, mask=None, training=None,
                            return_attention_scores: bool = False, use_causal_mask: bool = False):
        shapes = [tuple(t.shape) for t in inputs]
        out = KerasTensor(self.compute_output_shape(shapes), self.compute_dtype)
        if return_attention_scores:
            scores = KerasTensor(shapes[0][:-1] + (shapes[1][-2],), self.compute_dtype)
            return out, scores
        return out

    def _validate_inputs(self, inputs, mask=None) -> None:
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)) or (inputs and isinstance(inputs[0], int)):
            raise ValueError(f"{name} layer must be called on a list of inputs, namely "
                             f"[query, value] or [query, value, key]. Received: inputs={inputs}.")
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely "
                             f"[query, value] or [query, value, key]. Received length: "
                             f"{len(inputs)}.")
        ranks = [len(t) if isinstance(t, (list, tuple)) else len(t.shape) for t in inputs]
        if any(r != 3 for r in ranks):
            raise ValueError(f"{name}: query, value and key must have rank 3 (batch, steps, "
                             f"dim), got ranks {ranks}")
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(f"{name} layer mask must be a list, namely [query_mask, "
                                 f"value_mask]. Received: mask={mask}.")
            if len(mask) < 2 or len(mask) > 3:
                raise ValueError(f"{name} layer accepts mask list of length 2 or 3. Received: "
                                 f"inputs={inputs}, mask={mask}.")

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode,
                       "dropout": self.dropout})
        return config


@keras_export("keras.layers.AdditiveAttention")
class AdditiveAttention(Attention):
    """Additive (Bahdanau-style) attention: `scores = sum(scale * tanh(query + key))`
    with a trainable vector `scale` of size dim (when `use_scale`).

    Inputs, masks and call arguments as `Attention`.

    Example:
    >>> q, v = lamina.ops.ones((2, 3, 4)), lamina.ops.ones((2, 5, 4))
    >>> AdditiveAttention()([q, v]).shape
    (2, 3, 4)
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape) -> None:
        self._validate_inputs(input_shape)
        dim = input_shape[0][-1]
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(dim,),
                                         initializer="glorot_uniform")
        self.built = True

    def _calculate_scores(self, query, key):
        q = ops.expand_dims(query, -2)
        k = ops.expand_dims(key, -3)
        t = ops.tanh(ops.add(q, k))
        if self.scale is not None:
            t = ops.multiply(self.scale.value, t)
        return ops.sum(t, axis=-1)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["score_mode"]
        return config
