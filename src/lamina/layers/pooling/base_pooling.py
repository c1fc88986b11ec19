"""`BasePooling`: the N-D max/average pooling layer behind Max/AveragePooling1D/2D/3D."""

from __future__ import annotations

from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.ops.conv import (average_pool, conv_geometry, max_pool, normalize_tuple,
                             standardize_data_format, standardize_padding)


class BasePooling(Layer):
    """Pools windows of `pool_size` (strides default to pool_size) by max or mean."""

    def __init__(self, pool_size, strides, pool_dimensions, pool_mode="max", padding="valid",
                 data_format=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        cls = type(self).__name__
        self.pool_size = normalize_tuple(pool_size, pool_dimensions, "pool_size", cls)
        strides = self.pool_size if strides is None else strides
        self.strides = normalize_tuple(strides, pool_dimensions, "strides", cls)
        if pool_mode not in ("max", "average"):
            raise ValueError(f"{cls}: `pool_mode` must be either 'max' or 'average'. "
                             f"Received: {pool_mode}.")
        self.pool_mode = pool_mode
        self.padding = standardize_padding(padding, cls)
        self.data_format = standardize_data_format(data_format, cls)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True

    def call(self, inputs):
        fn = max_pool if self.pool_mode == "max" else average_pool
        return fn(inputs, self.pool_size, self.strides, self.padding, self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        first = self.data_format == "channels_first"
        spatial = input_shape[2:] if first else input_shape[1:-1]
        _, out = conv_geometry(spatial, self.pool_size, self.strides, (1,) * len(spatial),
                               self.padding)
        for n, o in zip(spatial, out):
            if n is not None and o is not None and o <= 0:
                raise ValueError(
                    f"{type(self).__name__}: computed output size would be negative or zero. "
                    f"Received inputs shape={input_shape}, pool_size={self.pool_size}, "
                    f"padding={self.padding!r}")
        if first:
            return input_shape[:2] + tuple(out)
        return (input_shape[0],) + tuple(out) + (input_shape[-1],)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        })
        return config
