"""`Model`: a Layer with the model-level API: training (from `Trainer`: compile,
fit, evaluate, predict), summary, get_layer. Subclass it with layers as attributes
and a `call` method, or use `Sequential`."""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.layers.layer import Layer
from lamina.trainers.trainer import Trainer


@keras_export("keras.Model", "keras.models.Model")
class Model(Trainer, Layer):
    """Groups layers into an object with training and inference features.

    Example:
    >>> class MLP(Model):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = lamina.layers.Dense(8, activation="relu")
    ...         self.out = lamina.layers.Dense(1)
    ...     def call(self, x):
    ...         return self.out(self.hidden(x))
    >>> MLP()(lamina.ops.ones((2, 3))).shape
    (2, 1)
    """

    def __init__(self, *args, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            raise NotImplementedError(
                "Model(inputs, outputs): the functional API is not available yet in lamina; "
                "use lamina.Sequential or subclass lamina.Model"
            )
        super().__init__(**kwargs)
        self._init_trainer()

    @property
    def layers(self) -> list[Layer]:
        """The model's direct sublayers (a copy: edit the model, not the list)."""
        return list(self._layers)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """The layer with `name`, or at `index` (in `layers` order)."""
        if index is not None and name is not None:
            raise ValueError("get_layer: provide either `name` or `index`, not both")
        layers = self.layers
        if index is not None:
            if not isinstance(index, int) or not -len(layers) <= index < len(layers):
                raise ValueError(
                    f"get_layer: was asked to retrieve layer at index {index} but the model "
                    f"only has {len(layers)} layers"
                )
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"get_layer: no such layer: {name}. Existing layers are: "
                f"{[layer.name for layer in layers]}"
            )
        raise ValueError("get_layer: provide either a layer `name` or an `index`")

    def summary(self, line_length=None, positions=None, print_fn=None,
                expand_nested: bool = False, show_trainable: bool = False,
                layer_range=None) -> None:
        """Prints Keras's summary table: layers, output shapes, parameter counts."""
        from lamina.utils import summary_utils

        summary_utils.print_summary(self, line_length=line_length, positions=positions,
                                    print_fn=print_fn, expand_nested=expand_nested,
                                    show_trainable=show_trainable, layer_range=layer_range)

    # --------------------------------------------------------------- saving
    def save(self, filepath, overwrite: bool = True, zipped: bool | None = None,
             **kwargs) -> None:
        """Saves the model (config, weights, optimizer state) as a `.keras` file.

        Example:
        >>> model.save("model.keras")
        >>> restored = lamina.models.load_model("model.keras")
        """
        from lamina.saving import saving_api

        saving_api.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite: bool = True, max_shard_size=None) -> None:
        """Saves the weights (and optimizer state) to a `.weights.h5` file.

        Example:
        >>> model.save_weights("model.weights.h5")
        """
        from lamina.saving import saving_api

        saving_api.save_weights(self, filepath, overwrite=overwrite,
                                max_shard_size=max_shard_size)

    def load_weights(self, filepath, skip_mismatch: bool = False, **kwargs) -> None:
        """Loads weights from a `.weights.h5` or `.keras` file (the model must be built).

        Example:
        >>> model.load_weights("model.weights.h5")
        """
        from lamina.saving import saving_api

        saving_api.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def to_json(self, **kwargs) -> str:
        """The model's config as a JSON string (`json.dumps` keyword arguments apply).

        Example:
        >>> clone = lamina.models.model_from_json(model.to_json())
        """
        import json

        from lamina.saving import serialization_lib

        return json.dumps(serialization_lib.serialize_keras_object(self), **kwargs)
