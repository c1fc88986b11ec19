"""`Merge`: the base of the layers that combine a list of tensors elementwise
(Add, Subtract, Multiply, Average, Maximum, Minimum).

Shapes follow Keras's rules: the batch sizes must agree; the other axes broadcast
aligned from the right (a lower-rank input gets size-1 axes inserted after the
batch axis), and sizes that differ and are not 1 are an error naming the shapes.
"""

from __future__ import annotations

from lamina.backend.keras_tensor import KerasTensor
from lamina.layers.layer import Layer
from lamina.ops import elementwise as e, manipulation as m


def _fmt(shapes) -> str:
    return ", ".join(str(tuple(s)) for s in shapes)


class Merge(Layer):
    """Combines a list of tensors; subclasses implement `_merge_function`."""

    min_inputs = 1

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check_list(self, input_shape) -> list:
        name = type(self).__name__
        if not isinstance(input_shape, (list, tuple)) or \
                not all(isinstance(s, (list, tuple)) for s in input_shape):
            raise ValueError(f"A merge layer ({name} '{self.name}') should be called on a list "
                             f"of inputs. Received: input_shape={input_shape}")
        if len(input_shape) < self.min_inputs:
            raise ValueError(f"A merge layer ({name} '{self.name}') should be called on a list "
                             f"of at least {self.min_inputs} input(s). Got {len(input_shape)} "
                             f"inputs: {input_shape}")
        return [tuple(s) for s in input_shape]

    def build(self, input_shape) -> None:
        self.compute_output_shape(input_shape)  # validates
        self.built = True

    def compute_output_shape(self, input_shape):
        shapes = self._check_list(input_shape)
        name = f"{type(self).__name__} '{self.name}'"
        if any(len(s) == 0 for s in shapes):
            raise ValueError(f"{name}: inputs must have a batch axis, got shapes {_fmt(shapes)}")
        batch = {s[0] for s in shapes} - {None}
        if len(batch) > 1:
            raise ValueError(f"{name}: cannot merge tensors with different batch sizes. "
                             f"Received tensors with shapes {_fmt(shapes)}")
        out = shapes[0][1:]
        for s in shapes[1:]:
            out = _broadcast(out, s[1:], name, shapes)
        return (batch.pop() if batch else None,) + out

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A merge layer ({type(self).__name__} '{self.name}') should be "
                             f"called on a list of inputs. Received: {inputs!r}")
        self.compute_output_shape([tuple(x.shape) for x in inputs])
        ndim = max(x.ndim for x in inputs)
        xs = []
        for x in inputs:
            while x.ndim < ndim:  # Keras: missing axes go after the batch axis
                x = m.expand_dims(x, 1)
            xs.append(x)
        return self._merge_function(xs)

    def _merge_function(self, inputs: list):
        raise NotImplementedError

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None:
            return None
        masks = [mk for mk in previous_mask if mk is not None] \
            if isinstance(previous_mask, (list, tuple)) else [previous_mask]
        if not masks:
            return None
        out = masks[0]
        for mk in masks[1:]:
            if isinstance(out, KerasTensor) or isinstance(mk, KerasTensor):
                out = KerasTensor(tuple(out.shape), "bool")
            else:
                out = e.logical_and(out, mk)
        return out

    def get_config(self) -> dict:
        return super().get_config()


def _broadcast(a: tuple, b: tuple, name: str, shapes) -> tuple:
    if len(a) < len(b):
        a, b = b, a
    out = list(a[: len(a) - len(b)])
    for x, y in zip(a[len(a) - len(b):], b):
        if x == y:
            out.append(x)
        elif x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x is None:
            out.append(y)
        elif y is None:
            out.append(x)
        else:
            raise ValueError(f"{name}: inputs have incompatible shapes. Received shapes "
                             f"{_fmt(shapes)}")
    return tuple(out)


def reduce_pairwise(fn, xs: list):
    out = xs[0]
    for x in xs[1:]:
        out = fn(out, x)
    return out

