"""`Embedding`: turns integer indices into dense vectors of fixed size."""

from __future__ import annotations

from lamina import constraints, initializers, regularizers
from lamina.api_export import keras_export
from lamina.backend import dtypes
from lamina.layers.layer import Layer
from lamina.ops import cast, not_equal, take


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"Received an invalid value for `{name}`, expected a positive "
                         f"integer. Received: {name}={value!r}")
    return value


@keras_export("keras.layers.Embedding")
class Embedding(Layer):
    """Looks up rows of an `(input_dim, output_dim)` table: `(batch, ...)` integer
    indices give `(batch, ..., output_dim)` vectors.

    Args:
        input_dim: the vocabulary size (indices lie in `[0, input_dim)`).
        output_dim: the size of each vector.
        embeddings_initializer: initializer of the table (default "uniform").
        embeddings_regularizer, activity_regularizer: penalties.
        embeddings_constraint: applied to the table after optimizer updates.
        mask_zero: whether index 0 is padding: the output then carries the mask
            `inputs != 0`, which recurrent layers downstream honour (so with
            `mask_zero=True` index 0 cannot be a real token).
        weights: optional initial table, `[array]` or `array` of shape
            `(input_dim, output_dim)`.
        lora_rank: not supported (must be None).

    Example:
    >>> layer = Embedding(10, 4, mask_zero=True)
    >>> out = layer(np.array([[3, 0]]))
    >>> out.shape, out._keras_mask.numpy().tolist()
    ((1, 2, 4), [[True, False]])
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero: bool = False,
                 weights=None, lora_rank=None, **kwargs):
        input_length = kwargs.pop("input_length", None)  # Keras 2's argument, ignored as Keras 3
        del input_length
        super().__init__(**kwargs)
        if lora_rank:
            raise ValueError("Embedding: lora_rank is not supported by lamina")
        self.input_dim = _positive_int(input_dim, "input_dim")
        self.output_dim = _positive_int(output_dim, "output_dim")
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.lora_rank = None
        if weights is not None:
            self._build(None)
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None) -> None:
        if getattr(self, "embeddings", None) is not None:
            return
        self.embeddings = self.add_weight(
            name="embeddings", shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer, regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs):
        if not dtypes.is_int(inputs.dtype):
            if dtypes.is_float(inputs.dtype) or inputs.dtype == "bool":
                inputs = cast(inputs, "int32")
            else:
                raise TypeError(f"Embedding '{self.name}': expected integer indices, got dtype "
                                f"{inputs.dtype}")
        try:
            out = take(self.embeddings.value, inputs, axis=0)
        except IndexError as e:
            raise IndexError(f"Embedding '{self.name}': an index is out of range for "
                             f"input_dim={self.input_dim}: {e}") from e
        if out.dtype != self.compute_dtype:
            out = cast(out, self.compute_dtype)
        return out

    def compute_mask(self, inputs, previous_mask=None):
        if not self.mask_zero:
            return None
        return not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        })
        return config
