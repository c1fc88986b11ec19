"""`MultiHeadAttention` (Vaswani et al., 2017) with Keras 3's weight layout.

The four projections are sublayers named "query", "key", "value" and
"attention_output" (Keras's EinsumDense weights): kernels of shape (dim, num_heads,
key_dim) / (dim, num_heads, value_dim) and (num_heads, value_dim, *output_shape),
computed as reshape + matmul. Attention runs over `attention_axes` by moving the
batch-like axes (and the heads) first and flattening the attended axes.
"""

from __future__ import annotations

import math

from lamina import constraints, initializers, ops, regularizers
from lamina.api_export import keras_export
from lamina.backend.keras_tensor import KerasTensor
from lamina.layers.attention.attention import causal_mask
from lamina.layers.layer import Layer, _convert_inputs
from lamina.layers.regularization.dropout import Dropout
from lamina.ops.linalg import matmul_t


class _Projection(Layer):
    """`x @ kernel + bias` contracting the last `n_in` axes of x with the first
    `n_in` axes of a kernel of shape `in_shape + out_shape` (an EinsumDense)."""

    def __init__(self, in_shape, out_shape, use_bias, kernel_initializer, bias_initializer,
                 kernel_regularizer, bias_regularizer, kernel_constraint, bias_constraint,
                 **kwargs):
        super().__init__(**kwargs)
        self.in_shape, self.out_shape = tuple(in_shape), tuple(out_shape)
        self.use_bias = use_bias
        self._kwargs = (kernel_initializer, bias_initializer, kernel_regularizer,
                        bias_regularizer, kernel_constraint, bias_constraint)

    def build(self, input_shape) -> None:
        k_init, b_init, k_reg, b_reg, k_con, b_con = self._kwargs
        self.kernel = self.add_weight(name="kernel", shape=self.in_shape + self.out_shape,
                                      initializer=k_init, regularizer=k_reg, constraint=k_con)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=self.out_shape, initializer=b_init,
                                        regularizer=b_reg, constraint=b_con)
        self.built = True

    def call(self, x):
        n_in = len(self.in_shape)
        lead = tuple(x.shape[:-n_in])
        k = ops.reshape(self.kernel.value, (math.prod(self.in_shape), math.prod(self.out_shape)))
        y = ops.matmul(ops.reshape(x, (-1, math.prod(self.in_shape))), k)
        y = ops.reshape(y, lead + self.out_shape)
        return y if self.bias is None else ops.add(y, self.bias.value)


def _clone(obj):
    """A fresh copy of an initializer (so seeded initializers differ per sublayer)."""
    return None if obj is None else type(obj).from_config(obj.get_config())


@keras_export("keras.layers.MultiHeadAttention")
class MultiHeadAttention(Layer):
    """Multi-head attention: project query, key and value into `num_heads` heads,
    attend with `softmax(q k^T / sqrt(key_dim) + mask)`, and project back.

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default: key_dim).
        dropout: dropout rate on the attention weights (training only).
        use_bias: whether the projections have biases.
        output_shape: the output's trailing shape (int or tuple); default: the
            query's last dimension.
        attention_axes: the axes attended over (default: all but batch and
            features), e.g. (2, 3) for 2-D attention on (batch, x, y, dim) inputs.
        flash_attention: accepted for compatibility (lamina always uses the
            plain formula).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: for the
            projections' weights.
        seed: an int for reproducible dropout.

    Call arguments: `query` (batch, Tq, dim), `value` (batch, Tv, dim), `key`
    (default: value), `attention_mask` (bool (batch, Tq, Tv), True = attend),
    `return_attention_scores` (also return the (batch, heads, Tq, Tv) weights, before
    dropout), `training`, `use_causal_mask`; masks attached to query/value/key
    (`_keras_mask`) or given as `query_mask`/`value_mask`/`key_mask` are combined.

    Example:
    >>> mha = MultiHeadAttention(num_heads=2, key_dim=4)
    >>> x = lamina.ops.ones((3, 5, 8))
    >>> out, scores = mha(x, x, return_attention_scores=True)
    >>> out.shape, scores.shape
    ((3, 5, 8), (3, 2, 5, 5))
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout: float = 0.0,
                 use_bias: bool = True, output_shape=None, attention_axes=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 seed=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for arg, val in (("num_heads", num_heads), ("key_dim", key_dim)):
            if isinstance(val, bool) or not isinstance(val, int) or val <= 0:
                raise ValueError(f"MultiHeadAttention: `{arg}` must be a positive integer. "
                                 f"Received: {arg}={val!r}")
        if value_dim is not None and (not isinstance(value_dim, int) or value_dim <= 0):
            raise ValueError("MultiHeadAttention: `value_dim` must be a positive integer or "
                             f"None. Received: value_dim={value_dim!r}")
        if not 0 <= float(dropout) <= 1:
            raise ValueError("MultiHeadAttention: `dropout` must be a float in [0, 1]. "
                             f"Received: dropout={dropout!r}")
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            raise ValueError("`attention_axes` must be an int, list, or tuple. Received: "
                             f"attention_axes={attention_axes}")
        self._output_shape_arg = output_shape
        if isinstance(output_shape, int):
            output_shape = (output_shape,)
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.value_dim = value_dim if value_dim is not None else key_dim
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        self._output_shape = None if output_shape is None else tuple(output_shape)
        self._attention_axes = None if attention_axes is None else tuple(attention_axes)
        self.flash_attention = flash_attention
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))
        self._dropout_layer = Dropout(rate=self.dropout, seed=seed, dtype=self.dtype_policy)
        self.supports_masking = True

    # ---------------------------------------------------------------- build
    def _projection(self, name, in_shape, out_shape) -> _Projection:
        return _Projection(in_shape, out_shape, self.use_bias, _clone(self.kernel_initializer),
                           _clone(self.bias_initializer), self.kernel_regularizer,
                           self.bias_regularizer, self.kernel_constraint, self.bias_constraint,
                           name=name, dtype=self.dtype_policy)

    def build(self, query_shape, value_shape=None, key_shape=None) -> None:
        if value_shape is None and isinstance(query_shape, list):  # [q, v(, k)] shapes
            shapes = list(query_shape) + [None]
            query_shape, value_shape, key_shape = shapes[0], shapes[1], shapes[2]
        if value_shape is None:
            raise ValueError("MultiHeadAttention.build needs query_shape and value_shape")
        key_shape = value_shape if key_shape is None else key_shape
        query_shape, value_shape, key_shape = (tuple(s) for s in (query_shape, value_shape,
                                                                  key_shape))
        self._check_shapes(query_shape, value_shape, key_shape)
        self._attn_axes = self._resolve_axes(len(query_shape))
        h = self.num_heads
        self._query_dense = self._projection("query", query_shape[-1:], (h, self.key_dim))
        self._key_dense = self._projection("key", key_shape[-1:], (h, self.key_dim))
        self._value_dense = self._projection("value", value_shape[-1:], (h, self.value_dim))
        out = self._output_shape or (query_shape[-1],)
        self._output_dense = self._projection("attention_output", (h, self.value_dim), out)
        for layer, shape in ((self._query_dense, query_shape), (self._key_dense, key_shape),
                             (self._value_dense, value_shape)):
            layer._build(shape)
        self._output_dense._build(query_shape[:-1] + (h, self.value_dim))
        self.built = True

    def _resolve_axes(self, rank: int) -> tuple:
        """Attention axes as positions in the input (and its projection): 1..rank-2."""
        if self._attention_axes is None:
            return tuple(range(1, rank - 1))
        axes = tuple(sorted(a % rank if a < 0 else a for a in self._attention_axes))
        if any(a < 1 or a > rank - 2 for a in axes) or len(set(axes)) != len(axes):
            raise ValueError(f"MultiHeadAttention: attention_axes must name distinct axes "
                             f"between the batch and feature axes of a rank-{rank} query "
                             f"(1..{rank - 2}). Received: attention_axes="
                             f"{self._attention_axes}")
        return axes

    @staticmethod
    def _check_shapes(query_shape, value_shape, key_shape) -> None:
        if len(query_shape) < 3 or len(value_shape) != len(query_shape):
            raise ValueError("MultiHeadAttention: query and value must have the same rank "
                             f"(at least 3), got query_shape={query_shape}, "
                             f"value_shape={value_shape}")
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError("All dimensions of `value` and `key`, except the last one, must "
                             f"be equal. Received: value_shape={value_shape} and "
                             f"key_shape={key_shape}")

    def get_build_config(self) -> dict | None:
        if self._build_shapes is None:
            return None
        names = ("query_shape", "value_shape", "key_shape")
        return {"shapes_dict": {n: list(s) for n, s in zip(names, self._build_shapes)}}

    def build_from_config(self, config: dict) -> None:
        shapes = (config or {}).get("shapes_dict")
        if shapes:
            order = [shapes[n] for n in ("query_shape", "value_shape", "key_shape") if n in shapes]
            self._build([tuple(s) for s in order])
        else:
            super().build_from_config(config)

    # ----------------------------------------------------------------- call
    def __call__(self, query, value=None, key=None, **kwargs):
        if value is None:
            raise ValueError("MultiHeadAttention: call it as layer(query, value[, key]); "
                             "`value` is missing")
        dtype = self.compute_dtype if self.autocast else None
        query, value = _convert_inputs(query, dtype), _convert_inputs(value, dtype)
        key = None if key is None else _convert_inputs(key, dtype)
        for name, t in (("query_mask", query), ("value_mask", value), ("key_mask", key)):
            if kwargs.get(name) is None and getattr(t, "_keras_mask", None) is not None:
                kwargs[name] = t._keras_mask
        if not self.built:
            shapes = [tuple(query.shape), tuple(value.shape)]
            self._build(shapes + ([tuple(key.shape)] if key is not None else []))
        return super().__call__(query, value, key, **kwargs)

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores: bool = False, training=None,
             use_causal_mask: bool = False):
        key = value if key is None else key
        attention_mask = self._compute_attention_mask(query, value, query_mask, value_mask,
                                                      key_mask, attention_mask, use_causal_mask)
        q = self._query_dense(query)
        k = self._key_dense(key)
        v = self._value_dense(value)
        q = ops.multiply(q, self._inverse_sqrt_key_dim)
        output, scores = self._compute_attention(q, k, v, attention_mask, training)
        output = self._output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    def _compute_attention_mask(self, query, value, query_mask, value_mask, key_mask,
                                attention_mask, use_causal_mask):
        auto = None
        if query_mask is not None:
            auto = ops.expand_dims(ops.cast(query_mask, "bool"), -1)  # (B, T, 1)
        for m in (value_mask, key_mask):
            if m is not None:
                m = ops.expand_dims(ops.cast(m, "bool"), -2)  # (B, 1, S)
                auto = m if auto is None else ops.logical_and(auto, m)
        if use_causal_mask:
            m = causal_mask(query.shape[1], value.shape[1])  # (1, T, S)
            auto = m if auto is None else ops.logical_and(auto, m)
        if attention_mask is not None:
            attention_mask = ops.cast(attention_mask, "bool")
        if auto is not None:
            attention_mask = auto if attention_mask is None else ops.logical_and(attention_mask,
                                                                                 auto)
        return attention_mask

    def _compute_attention(self, q, k, v, attention_mask, training):
        """q (B, *Tq, H, K), k (B, *Tk, H, K), v (B, *Tk, H, V) -> the attended values
        (B, *Tq, H, V) and the scores (batch-like axes, H, *Tq attended, *Tk attended)."""
        rank = len(q.shape)
        attn = list(self._attn_axes)
        batch = [i for i in range(rank - 1) if i not in attn]  # includes the heads axis
        perm = batch + attn + [rank - 1]
        b_dims = [q.shape[i] for i in batch]
        q_dims = [q.shape[i] for i in attn]
        k_dims = [k.shape[i] for i in attn]
        nb, nq, nk = math.prod(b_dims), math.prod(q_dims), math.prod(k_dims)
        q2 = ops.reshape(ops.transpose(q, perm), (nb, nq, self.key_dim))
        k2 = ops.reshape(ops.transpose(k, perm), (nb, nk, self.key_dim))
        v2 = ops.reshape(ops.transpose(v, perm), (nb, nk, self.value_dim))
        scores = ops.reshape(matmul_t(q2, k2, transpose_b=True), tuple(b_dims + q_dims + k_dims))
        probs = self._masked_softmax(scores, attention_mask, len(attn))
        dropped = self._dropout_layer(probs, training=training)
        out = ops.matmul(ops.reshape(dropped, (nb, nq, nk)), v2)
        out = ops.reshape(out, tuple(b_dims + q_dims + [self.value_dim]))
        inverse = [perm.index(i) for i in range(rank)]
        return ops.transpose(out, inverse), probs

    def _masked_softmax(self, scores, mask, n_attn: int):
        axes = tuple(range(len(scores.shape) - n_attn, len(scores.shape)))
        if mask is None:
            return ops.softmax(scores, axis=axes)
        # Masks are (B, *Tq, *Tk): new axes go in front of the attended axes.
        for _ in range(len(scores.shape) - len(mask.shape)):
            mask = ops.expand_dims(mask, -2 * n_attn - 1)
        maskf = ops.cast(mask, scores.dtype)
        big = 3e4 if scores.dtype == "float16" else 1e9
        scores = ops.add(scores, ops.multiply(ops.subtract(1.0, maskf), -big))
        return ops.multiply(ops.softmax(scores, axis=axes), maskf)

    # ---------------------------------------------------------------- shapes
    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None and isinstance(query_shape, list):
            shapes = list(query_shape) + [None]
            query_shape, value_shape, key_shape = shapes[0], shapes[1], shapes[2]
        query_shape = tuple(query_shape)
        if value_shape is not None:
            key_shape = value_shape if key_shape is None else key_shape
            self._check_shapes(query_shape, tuple(value_shape), tuple(key_shape))
        out = self._output_shape or (query_shape[-1],)
        return query_shape[:-1] + tuple(out)

    def compute_output_spec(self, query, value, key=None, query_mask=None, value_mask=None,
                            key_mask=None, attention_mask=None,
                            return_attention_scores: bool = False, training=None,
                            use_causal_mask: bool = False):
        q, v = tuple(query.shape), tuple(value.shape)
        k = v if key is None else tuple(key.shape)
        out = KerasTensor(self.compute_output_shape(q, v, k), self.compute_dtype)
        if not return_attention_scores:
            return out
        attn = self._resolve_axes(len(q))
        batch = [q[i] for i in range(len(q) - 1) if i not in attn] + [self.num_heads]
        scores = tuple(batch + [q[i] for i in attn] + [k[i] for i in attn])
        return out, KerasTensor(scores, self.compute_dtype)

    # ---------------------------------------------------------------- config
    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "output_shape": (list(self._output_shape_arg)
                             if isinstance(self._output_shape_arg, (list, tuple))
                             else self._output_shape_arg),
            "attention_axes": None if self._attention_axes is None else list(self._attention_axes),
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        })
        return config
