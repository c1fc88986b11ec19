"""Preprocessing layers: Normalization, Rescaling, and image layers (Resizing,
CenterCrop, RandomFlip, RandomRotation, RandomZoom)."""
