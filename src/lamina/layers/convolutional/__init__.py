"""Convolution layers (Keras's keras.layers.Conv*, DepthwiseConv*, SeparableConv*)."""
