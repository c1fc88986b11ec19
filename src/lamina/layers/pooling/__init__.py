"""Pooling layers (Keras's keras.layers.*Pooling*)."""
