"""Normalization layers: BatchNormalization, LayerNormalization, GroupNormalization,
UnitNormalization."""
