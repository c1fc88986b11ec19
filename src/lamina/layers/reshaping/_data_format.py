"""`data_format` arguments of the spatial layers (Keras's `standardize_data_format`)."""

from __future__ import annotations


def standardize_data_format(data_format, layer: str) -> str:
    """"channels_last" (the default, for None) or "channels_first"; anything else is
    an error naming the layer."""
    if data_format is None:
        return "channels_last"
    value = str(data_format).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"{layer}: the `data_format` argument must be one of "
                         f"'channels_first', 'channels_last'. Received: data_format={data_format!r}")
    return value
