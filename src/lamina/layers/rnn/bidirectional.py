"""`Bidirectional`: runs a recurrent layer forwards and a copy backwards, and merges."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.layer import Layer
from lamina.layers.rnn.rnn import build_sublayer
from lamina.ops import add, concatenate, flip, multiply
from lamina.saving import serialization_lib

_MERGE_MODES = ("sum", "mul", "concat", "ave", None)


def _removeprefix(name: str, prefix: str) -> str:
    return name[len(prefix):] if name.startswith(prefix) else name


def _num_states(layer) -> int | None:
    shapes = getattr(layer, "_state_shapes", None)
    return len(shapes()) if shapes is not None else None


def _copy_layer(layer, name: str, go_backwards: bool | None = None):
    config = serialization_lib.serialize_keras_object(layer)
    config["config"]["name"] = name
    if go_backwards is not None:
        config["config"]["go_backwards"] = go_backwards
    return serialization_lib.deserialize_keras_object(config)


@keras_export("keras.layers.Bidirectional")
class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs.

    The forward layer is a fresh copy of `layer` (named "forward_<name>"); the
    backward layer is `backward_layer` or a copy with `go_backwards` flipped
    ("backward_<name>"). With `return_sequences`, the backward outputs are
    reversed back into time order before merging.

    Args:
        layer: an RNN layer (LSTM, GRU, SimpleRNN, RNN) or any layer with
            `go_backwards`, `return_sequences` and `return_state`.
        merge_mode: "concat" (default), "sum", "mul", "ave", or None (returns the
            two outputs as a list).
        backward_layer: an optional layer for the backward direction; it must
            process the sequence in the opposite direction and agree with
            `layer` on `return_sequences` and `return_state`.

    Call arguments: `sequences`, `initial_state` (the forward states then the
    backward ones), `mask`, `training`. With `return_state=True` the result is
    `[output, *forward_states, *backward_states]`.

    Example:
    >>> layer = Bidirectional(lamina.layers.LSTM(4, return_sequences=True))
    >>> layer(np.zeros((2, 5, 3), "float32")).shape
    (2, 5, 8)
    """

    def __init__(self, layer, merge_mode: str | None = "concat", weights=None,
                 backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a "
                             f"`lamina.layers.Layer` instance. Received: {layer!r}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError("`backward_layer` needs to be a `lamina.layers.Layer` instance. "
                             f"Received: {backward_layer!r}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode!r}. Merge mode should "
                             f"be one of {{'sum', 'mul', 'ave', 'concat', None}}")
        for attr in ("go_backwards", "return_sequences", "return_state"):
            if not hasattr(layer, attr):
                raise ValueError(f"Bidirectional: the wrapped layer must be a recurrent layer "
                                 f"with a `{attr}` attribute; got {type(layer).__name__}")
        super().__init__(**kwargs)
        self.forward_layer = _copy_layer(
            layer, "forward_" + _removeprefix(layer.name, "forward_"))
        if backward_layer is None:
            backward_layer = _copy_layer(
                layer, "backward_" + _removeprefix(layer.name, "backward_"),
                go_backwards=not layer.go_backwards)
        else:
            if backward_layer.go_backwards == layer.go_backwards:
                raise ValueError(
                    "Forward layer and backward layer should have different `go_backwards` "
                    f"value. Received: forward_layer.go_backwards={layer.go_backwards}, "
                    f"backward_layer.go_backwards={backward_layer.go_backwards}")
            for attr in ("return_sequences", "return_state"):
                if getattr(layer, attr) != getattr(backward_layer, attr):
                    raise ValueError(
                        f"Forward layer and backward layer should have the same `{attr}`. "
                        f"Received: forward_layer.{attr}={getattr(layer, attr)}, "
                        f"backward_layer.{attr}={getattr(backward_layer, attr)}")
        self.backward_layer = backward_layer
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.stateful = getattr(layer, "stateful", False)
        self.supports_masking = True
        self._initial_weights = weights

    # ------------------------------------------------------------- build
    def build(self, sequences_shape, initial_state_shape=None) -> None:
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                build_sublayer(self, sub, tuple(sequences_shape))
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    # -------------------------------------------------------------- call
    def call(self, sequences, initial_state=None, mask=None, training=None):
        fw_kwargs, bw_kwargs = {}, {}
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) \
                else [initial_state]
            n_fw, n_bw = _num_states(self.forward_layer), _num_states(self.backward_layer)
            if n_fw is None or n_bw is None:
                n_fw = n_bw = len(states) // 2
            if len(states) != n_fw + n_bw:
                raise ValueError(
                    f"Bidirectional '{self.name}': initial_state must hold the forward "
                    f"layer's {n_fw} state(s) then the backward layer's {n_bw}; got "
                    f"{len(states)} tensor(s)")
            fw_kwargs["initial_state"], bw_kwargs["initial_state"] = states[:n_fw], states[n_fw:]
        for kw, sub in ((fw_kwargs, self.forward_layer), (bw_kwargs, self.backward_layer)):
            if mask is not None:
                kw["mask"] = mask
            if sub._call_has_training:
                kw["training"] = training
        y = self.forward_layer(sequences, **fw_kwargs)
        y_rev = self.backward_layer(sequences, **bw_kwargs)
        return self._merge(y, y_rev)

    def _merge(self, y, y_rev):
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = flip(y_rev, 1)
        if self.merge_mode == "concat":
            output = concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = add(y, y_rev)
        elif self.merge_mode == "ave":
            output = multiply(add(y, y_rev), 0.5)
        elif self.merge_mode == "mul":
            output = multiply(y, y_rev)
        else:
            output = [y, y_rev]
        if self.return_state:
            return (output if isinstance(output, list) else [output]) + states
        return output

    def reset_state(self) -> None:
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def reset_states(self) -> None:
        self.reset_state()

    # ------------------------------------------------------------ shapes
    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        fw = self.forward_layer.compute_output_shape(tuple(sequences_shape))
        states = []
        if self.return_state:
            bw = self.backward_layer.compute_output_shape(tuple(sequences_shape))
            fw, states = fw[0], [tuple(s) for s in list(fw[1:]) + list(bw[1:])]
        fw = tuple(fw)
        if self.merge_mode == "concat":
            out = fw[:-1] + (None if fw[-1] is None else 2 * fw[-1],)
        else:
            out = fw
        outputs = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            return outputs + states
        return outputs if self.merge_mode is None else out

    def compute_output_spec(self, sequences, initial_state=None, mask=None, training=None):
        return Layer.compute_output_spec(self, sequences)

    def compute_mask(self, inputs, previous_mask=None):
        if isinstance(previous_mask, (list, tuple)):
            previous_mask = previous_mask[0]
        output_mask = previous_mask if self.return_sequences else None
        masks = [output_mask, output_mask] if self.merge_mode is None else [output_mask]
        if self.return_state:
            n = (_num_states(self.forward_layer) or 0) + (_num_states(self.backward_layer) or 0)
            return masks + [None] * n
        return masks if self.merge_mode is None else output_mask

    # ------------------------------------------------------------ config
    def get_config(self) -> dict:
        config = super().get_config()
        config["merge_mode"] = self.merge_mode
        config["layer"] = serialization_lib.serialize_keras_object(self.forward_layer)
        config["backward_layer"] = serialization_lib.serialize_keras_object(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        config["layer"] = serialization_lib.deserialize_keras_object(config["layer"])
        if config.get("backward_layer") is not None:
            config["backward_layer"] = serialization_lib.deserialize_keras_object(
                config["backward_layer"])
        return super().from_config(config)
