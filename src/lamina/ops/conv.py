"""Convolution and pooling: keras.ops `conv`, `depthwise_conv`, `separable_conv`,
`conv_transpose`, `max_pool`, `average_pool` (1-D, 2-D and 3-D).

The primitives work on channels_last data (Keras's kernel layout
`(*kernel_size, in_channels // groups, filters)`); channels_first inputs are
transposed around them (pooling reads channels_first data as channels_last with
one channel, without copying). Convolution's gradient is two primitives of its
own, `conv_backprop_input` and `conv_backprop_filter`, each differentiable, so
gradients of any order work; `conv_transpose` is `conv_backprop_input`.

Padding: "valid", or "same" split as TF/Keras split it (the extra row/column at
the end). Internally a padding may also be explicit ((lo, hi) per spatial dim;
hi may be negative, which crops), used for causal and transposed convolutions.
"""

from __future__ import annotations

import math
from typing import Sequence, Union

from lamina.backend import dtypes
from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.native import _core
from lamina.backend.tensor import Tensor
from lamina.ops import manipulation as shape_ops
from lamina.ops.core import cast, convert_to_tensor
from lamina.ops.primitive import Primitive

__all__ = ["conv", "depthwise_conv", "separable_conv", "conv_transpose", "max_pool",
           "average_pool"]

IntOrTuple = Union[int, Sequence[int]]
Padding = Union[str, tuple]  # "valid", "same", or ((lo, hi), ...) per spatial dim


# ------------------------------------------------------------------ helpers
def _tensor(x):
    return x if type(x) is Tensor or isinstance(x, KerasTensor) else convert_to_tensor(x)


def _float(x, op: str):
    if not dtypes.is_float(x.dtype):
        if x.dtype == "bool" or "int" in x.dtype:
            return cast(x, "float32")
        raise TypeError(f"{op}: expected a float or integer tensor, got dtype {x.dtype}")
    return x


def normalize_tuple(value, rank: int, name: str, op: str, allow_zero: bool = False) -> tuple:
    """An int or a sequence of `rank` ints, as a tuple of positive ints."""
    if isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be an int or a tuple of {rank} ints, got {value!r}")
    if isinstance(value, int) or (hasattr(value, "__index__") and not hasattr(value, "__len__")):
        values = (int(value),) * rank
    else:
        try:
            values = tuple(int(v) for v in value)
        except (TypeError, ValueError):
            raise TypeError(f"{op}: {name} must be an int or a tuple of {rank} ints, "
                            f"got {value!r}") from None
        if len(values) != rank:
            raise ValueError(f"{op}: {name} must have {rank} entries (one per spatial "
                             f"dimension), got {value!r}")
    low = 0 if allow_zero else 1
    if any(v < low for v in values):
        raise ValueError(f"{op}: {name} must be {'non-negative' if allow_zero else 'positive'}, "
                         f"got {value!r}")
    return values


def standardize_data_format(data_format, op: str = "conv") -> str:
    """None means "channels_last" (Keras's default image_data_format)."""
    if data_format is None:
        return "channels_last"
    fmt = str(data_format).lower()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(f"{op}: data_format must be 'channels_last' or 'channels_first', "
                         f"got {data_format!r}")
    return fmt


def standardize_padding(padding, op: str = "conv", allow_causal: bool = False) -> str:
    if not isinstance(padding, str):
        raise TypeError(f"{op}: padding must be a string, got {padding!r}")
    p = padding.lower()
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if p not in allowed:
        raise ValueError(f"{op}: padding must be one of {allowed}, got {padding!r}")
    return p


def _pads_and_out(size, k: int, s: int, d: int, padding) -> tuple:
    """(pad_lo, out_size) of one spatial dim; out is None when size is unknown."""
    dk = (k - 1) * d + 1
    if size is None:
        if padding == "same":
            return None, None
        return None, None
    if padding == "valid":
        lo, hi = 0, 0
    elif padding == "same":
        out = -(-size // s)
        total = max((out - 1) * s + dk - size, 0)
        return total // 2, out
    else:
        lo, hi = padding
    return lo, max((size + lo + hi - dk) // s + 1, 0)


def conv_geometry(in_sizes, kernel_sizes, strides, dilation, padding) -> tuple:
    """(pad_lo, out_sizes) for the spatial dims of a convolution or pooling."""
    pads, outs = [], []
    for i, (n, k, s, d) in enumerate(zip(in_sizes, kernel_sizes, strides, dilation)):
        p = padding if isinstance(padding, str) else padding[i]
        lo, out = _pads_and_out(n, k, s, d, p)
        pads.append(lo)
        outs.append(out)
    return tuple(pads), tuple(outs)


def _check_conv_shapes(x, w, op: str) -> None:
    if x.ndim not in (3, 4, 5):
        raise ValueError(f"{op}: inputs must have rank 3, 4 or 5 (batch, spatial..., channels), "
                         f"got shape {tuple(x.shape)}")
    if w.ndim != x.ndim:
        raise ValueError(f"{op}: the kernel must have rank {x.ndim} for inputs of shape "
                         f"{tuple(x.shape)} ((*kernel_size, in_channels, filters)), got kernel "
                         f"shape {tuple(w.shape)}")


def _to_last(x):
    r = x.ndim - 2
    return shape_ops.transpose(x, (0,) + tuple(range(2, r + 2)) + (1,))


def _to_first(x):
    r = x.ndim - 2
    return shape_ops.transpose(x, (0, r + 1) + tuple(range(1, r + 1)))


def _spatial(shape) -> tuple:
    return tuple(shape[1:-1])


# --------------------------------------------------------------- primitives
class Conv(Primitive):
    """Channels-last convolution; kernel (*k, C // groups, F)."""

    name = "conv"
    impl_writes_out = True

    def impl(self, x, w, strides, dilation, padding, groups, out=None):
        lo, size = conv_geometry(x.shape[1:-1], w.shape[:-2], strides, dilation, padding)
        return _core.conv(x, w, strides, dilation, lo, size, groups, out)

    def compute_output_spec(self, x, w, strides, dilation, padding, groups):
        _, out = conv_geometry(_spatial(x.shape), w.shape[:-2], strides, dilation, padding)
        return KerasTensor((x.shape[0],) + out + (w.shape[-1],), x.dtype)

    partial_vjp = True

    def vjp(self, inputs, out, g, strides, dilation, padding, groups, needs=(True, True)):
        x, w = inputs
        attrs = dict(strides=strides, dilation=dilation, padding=padding, groups=groups)
        dx = _BACKPROP_INPUT.bind(g, w, in_size=_spatial(x.shape), **attrs) if needs[0] else None
        dw = _BACKPROP_FILTER.bind(x, g, kernel_size=tuple(w.shape[:-2]), **attrs) \
            if needs[1] else None
        return dx, dw


class ConvBackpropInput(Primitive):
    """The gradient of `conv` w.r.t. its input, of spatial size `in_size`."""

    name = "conv_backprop_input"
    impl_writes_out = True

    def impl(self, g, w, in_size, strides, dilation, padding, groups, out=None):
        lo, _ = conv_geometry(in_size, w.shape[:-2], strides, dilation, padding)
        return _core.conv_backprop_input(g, w, in_size, strides, dilation, lo, groups, out)

    def compute_output_spec(self, g, w, in_size, strides, dilation, padding, groups):
        return KerasTensor((g.shape[0],) + tuple(in_size) + (w.shape[-2] * groups,), g.dtype)

    def vjp(self, inputs, out, c, in_size, strides, dilation, padding, groups):
        g, w = inputs
        attrs = dict(strides=strides, dilation=dilation, padding=padding, groups=groups)
        dg = _CONV.bind(c, w, **attrs)
        dw = _BACKPROP_FILTER.bind(c, g, kernel_size=tuple(w.shape[:-2]), **attrs)
        return dg, dw


class ConvBackpropFilter(Primitive):
    """The gradient of `conv` w.r.t. its kernel, of spatial size `kernel_size`."""

    name = "conv_backprop_filter"
    impl_writes_out = True

    def impl(self, x, g, kernel_size, strides, dilation, padding, groups, out=None):
        lo, _ = conv_geometry(x.shape[1:-1], kernel_size, strides, dilation, padding)
        return _core.conv_backprop_filter(x, g, kernel_size, strides, dilation, lo, groups, out)

    def compute_output_spec(self, x, g, kernel_size, strides, dilation, padding, groups):
        c = x.shape[-1]
        return KerasTensor(tuple(kernel_size) + (None if c is None else c // groups, g.shape[-1]),
                           x.dtype)

    def vjp(self, inputs, out, c, kernel_size, strides, dilation, padding, groups):
        x, g = inputs
        attrs = dict(strides=strides, dilation=dilation, padding=padding, groups=groups)
        dx = _BACKPROP_INPUT.bind(g, c, in_size=_spatial(x.shape), **attrs)
        dg = _CONV.bind(x, c, **attrs)
        return dx, dg


_CONV = Conv()
_BACKPROP_INPUT = ConvBackpropInput()
_BACKPROP_FILTER = ConvBackpropFilter()


class _Pool(Primitive):
    def _geom(self, in_size, pool_size, strides, padding):
        return conv_geometry(in_size, pool_size, strides, (1,) * len(pool_size), padding)


class MaxPool(_Pool):
    name = "max_pool"
    impl_writes_out = True

    def impl(self, x, pool_size, strides, padding, out=None):
        lo, size = self._geom(x.shape[1:-1], pool_size, strides, padding)
        return _core.max_pool(x, pool_size, strides, lo, size, out)

    def compute_output_spec(self, x, pool_size, strides, padding):
        _, out = self._geom(_spatial(x.shape), pool_size, strides, padding)
        return KerasTensor((x.shape[0],) + out + (x.shape[-1],), x.dtype)

    def vjp(self, inputs, out, g, pool_size, strides, padding):
        return (_MAX_POOL_GRAD.bind(inputs[0], g, pool_size=pool_size, strides=strides,
                                    padding=padding),)


class MaxPoolGrad(_Pool):
    """The gradient of max_pool w.r.t. its input: g routed to each window's argmax."""

    name = "max_pool_backward"
    impl_writes_out = True

    def impl(self, x, g, pool_size, strides, padding, out=None):
        lo, _ = self._geom(x.shape[1:-1], pool_size, strides, padding)
        return _core.max_pool_backward(x, g, pool_size, strides, lo, out)

    def compute_output_spec(self, x, g, pool_size, strides, padding):
        return KerasTensor(x.shape, x.dtype)

    def vjp(self, inputs, out, c, pool_size, strides, padding):
        x, _ = inputs
        # Piecewise constant in x; linear in g, with max_pool_gather as adjoint.
        return None, _MAX_POOL_GATHER.bind(x, c, pool_size=pool_size, strides=strides,
                                           padding=padding)


class MaxPoolGather(_Pool):
    """values[argmax of each window of x]: the adjoint of max_pool_backward."""

    name = "max_pool_gather"

    def impl(self, x, values, pool_size, strides, padding):
        lo, out = self._geom(x.shape[1:-1], pool_size, strides, padding)
        return _core.max_pool_gather(x, values, pool_size, strides, lo, out)

    def compute_output_spec(self, x, values, pool_size, strides, padding):
        _, out = self._geom(_spatial(x.shape), pool_size, strides, padding)
        return KerasTensor((x.shape[0],) + out + (x.shape[-1],), x.dtype)

    def vjp(self, inputs, out, c, pool_size, strides, padding):
        x, _ = inputs
        return None, _MAX_POOL_GRAD.bind(x, c, pool_size=pool_size, strides=strides,
                                         padding=padding)


class AveragePool(_Pool):
    name = "average_pool"

    def impl(self, x, pool_size, strides, padding):
        lo, out = self._geom(x.shape[1:-1], pool_size, strides, padding)
        return _core.average_pool(x, pool_size, strides, lo, out)

    def compute_output_spec(self, x, pool_size, strides, padding):
        _, out = self._geom(_spatial(x.shape), pool_size, strides, padding)
        return KerasTensor((x.shape[0],) + out + (x.shape[-1],), x.dtype)

    def vjp(self, inputs, out, g, pool_size, strides, padding):
        return (_AVG_POOL_GRAD.bind(g, in_size=_spatial(inputs[0].shape), pool_size=pool_size,
                                    strides=strides, padding=padding),)


class AveragePoolGrad(_Pool):
    """The gradient of average_pool w.r.t. its input (linear in g)."""

    name = "average_pool_backward"

    def impl(self, g, in_size, pool_size, strides, padding):
        lo, _ = self._geom(in_size, pool_size, strides, padding)
        return _core.average_pool_backward(g, in_size, pool_size, strides, lo)

    def compute_output_spec(self, g, in_size, pool_size, strides, padding):
        return KerasTensor((g.shape[0],) + tuple(in_size) + (g.shape[-1],), g.dtype)

    def vjp(self, inputs, out, c, in_size, pool_size, strides, padding):
        return (_AVG_POOL.bind(c, pool_size=pool_size, strides=strides, padding=padding),)


_MAX_POOL = MaxPool()
_MAX_POOL_GRAD = MaxPoolGrad()
_MAX_POOL_GATHER = MaxPoolGather()
_AVG_POOL = AveragePool()
_AVG_POOL_GRAD = AveragePoolGrad()


# ------------------------------------------------------------- public ops
def _prepare(inputs, kernel, op: str):
    x, w = _tensor(inputs), _tensor(kernel)
    x, w = _float(x, op), _float(w, op)
    if x.dtype != w.dtype:
        dt = dtypes.result_type(x.dtype, w.dtype)
        x, w = cast(x, dt), cast(w, dt)
    return x, w


def conv_general(inputs, kernel, strides: IntOrTuple = 1, padding: Padding = "valid",
                 data_format=None, dilation_rate: IntOrTuple = 1, op: str = "conv"):
    """`conv` that also takes an explicit padding ((lo, hi) per spatial dim)."""
    x, w = _prepare(inputs, kernel, op)
    _check_conv_shapes(x, w, op)
    r = x.ndim - 2
    strides = normalize_tuple(strides, r, "strides", op)
    dilation = normalize_tuple(dilation_rate, r, "dilation_rate", op)
    if isinstance(padding, str):
        padding = standardize_padding(padding, op)
    else:
        padding = tuple((int(lo), int(hi)) for lo, hi in padding)
    data_format = standardize_data_format(data_format, op)
    if data_format == "channels_first":
        x = _to_last(x)
    c_in, c_k = x.shape[-1], w.shape[-2]
    if c_in is None or c_k is None:
        groups = 1
    elif c_k <= 0 or c_in % c_k != 0:
        raise ValueError(f"{op}: the input has {c_in} channels, which is not a multiple of the "
                         f"kernel's input channels {c_k} (inputs shape {tuple(inputs.shape)}, "
                         f"kernel shape {tuple(w.shape)})")
    else:
        groups = c_in // c_k
    if groups > 1 and w.shape[-1] is not None and w.shape[-1] % groups:
        raise ValueError(f"{op}: {groups} groups (input channels {c_in} / kernel input channels "
                         f"{c_k}) do not divide the kernel's {w.shape[-1]} filters (kernel shape "
                         f"{tuple(w.shape)})")
    _check_sizes(x, w.shape[:-2], dilation, padding, op)
    y = _CONV.bind(x, w, strides=strides, dilation=dilation, padding=padding, groups=groups)
    return _to_first(y) if data_format == "channels_first" else y


def _check_sizes(x, kernel_size, dilation, padding, op: str) -> None:
    for i, (n, k, d) in enumerate(zip(_spatial(x.shape), kernel_size, dilation)):
        if n is None:
            continue
        dk = (k - 1) * d + 1
        extra = 0
        if not isinstance(padding, str):
            extra = padding[i][0] + padding[i][1]
        if padding == "valid" or not isinstance(padding, str):
            if n + extra < dk:
                raise ValueError(f"{op}: the (dilated) kernel {tuple(kernel_size)} is larger "
                                 f"than the input's spatial shape {_spatial(x.shape)} with "
                                 f"padding={padding!r}")


def conv(inputs, kernel, strides: IntOrTuple = 1, padding: str = "valid", data_format=None,
         dilation_rate: IntOrTuple = 1):
    """General N-D convolution (cross-correlation, as Keras): 1-D, 2-D or 3-D.

    `kernel` has shape `(*kernel_size, in_channels // groups, filters)`; the
    number of groups is `in_channels // kernel.shape[-2]`.

    Example:
    >>> x = ops.ones((2, 8, 8, 3))
    >>> conv(x, ops.ones((3, 3, 3, 4)), padding="same").shape
    (2, 8, 8, 4)
    """
    return conv_general(inputs, kernel, strides, padding, data_format, dilation_rate, "conv")


def depthwise_conv(inputs, kernel, strides: IntOrTuple = 1, padding: str = "valid",
                   data_format=None, dilation_rate: IntOrTuple = 1):
    """Depthwise convolution: each input channel convolved with its own
    `depth_multiplier` filters; kernel `(*kernel_size, in_channels, multiplier)`,
    output channels `in_channels * multiplier` (channel c*multiplier + m).

    Example:
    >>> depthwise_conv(ops.ones((1, 5, 5, 3)), ops.ones((3, 3, 3, 2))).shape
    (1, 3, 3, 6)
    """
    op = "depthwise_conv"
    x, w = _prepare(inputs, kernel, op)
    _check_conv_shapes(x, w, op)
    fmt = standardize_data_format(data_format, op)
    c_in = x.shape[1] if fmt == "channels_first" else x.shape[-1]
    if c_in is not None and w.shape[-2] != c_in:
        raise ValueError(f"{op}: the kernel's input channels {w.shape[-2]} must equal the "
                         f"input's {c_in} channels (inputs shape {tuple(x.shape)}, kernel shape "
                         f"{tuple(w.shape)})")
    w2 = shape_ops.reshape(w, tuple(w.shape[:-2]) + (1, w.shape[-2] * w.shape[-1]))
    return conv_general(x, w2, strides, padding, fmt, dilation_rate, op)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides: IntOrTuple = 1,
                   padding: str = "valid", data_format=None, dilation_rate: IntOrTuple = 1):
    """A depthwise convolution followed by a pointwise (1x1) convolution.

    Example:
    >>> separable_conv(ops.ones((1, 5, 5, 3)), ops.ones((3, 3, 3, 2)),
    ...                ops.ones((1, 1, 6, 4))).shape
    (1, 3, 3, 4)
    """
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv_general(y, pointwise_kernel, 1, "valid", data_format, 1, "separable_conv")


def conv_transpose_geometry(in_sizes, kernel_sizes, strides, padding, output_padding,
                            dilation) -> tuple:
    """Keras's transposed-convolution output sizes, and the explicit padding of
    the forward convolution whose input gradient it is: (out_sizes, pads)."""
    outs, pads = [], []
    for i, (n, k, s, d) in enumerate(zip(in_sizes, kernel_sizes, strides, dilation)):
        op_ = None if output_padding is None else output_padding[i]
        dk = (k - 1) * d + 1
        if padding == "valid":
            op_ = max(dk, s) - dk if op_ is None else op_
            left = dk - 1
            out = None if n is None else (n - 1) * s + dk + op_
        else:
            if op_ is None:
                pad_len = s + dk - 2
                out = None if n is None else n * s
            else:
                pad_len = dk + dk % 2 - 2 + op_
                out = None if n is None else (n - 1) * s + dk % 2 + op_
            left = min(pad_len // 2 + pad_len % 2, dk - 1)
        lo = dk - 1 - left
        hi = None if n is None else (n - 1) * s + dk - out - lo
        outs.append(out)
        pads.append((lo, hi))
    return tuple(outs), tuple(pads)


def conv_transpose(inputs, kernel, strides: IntOrTuple = 1, padding: str = "valid",
                   output_padding=None, data_format=None, dilation_rate: IntOrTuple = 1):
    """Transposed convolution (the gradient of `conv` w.r.t. its input).

    `kernel` has shape `(*kernel_size, filters, in_channels)`. Output sizes follow
    Keras: "valid" gives `(n - 1) * s + k + output_padding`, "same" gives `n * s`.

    Example:
    >>> conv_transpose(ops.ones((1, 4, 4, 3)), ops.ones((3, 3, 5, 3)), strides=2,
    ...                padding="same").shape
    (1, 8, 8, 5)
    """
    op = "conv_transpose"
    x, w = _prepare(inputs, kernel, op)
    _check_conv_shapes(x, w, op)
    r = x.ndim - 2
    strides = normalize_tuple(strides, r, "strides", op)
    dilation = normalize_tuple(dilation_rate, r, "dilation_rate", op)
    padding = standardize_padding(padding, op)
    if output_padding is not None:
        output_padding = normalize_tuple(output_padding, r, "output_padding", op,
                                         allow_zero=True)
    fmt = standardize_data_format(data_format, op)
    if fmt == "channels_first":
        x = _to_last(x)
    if x.shape[-1] is not None and w.shape[-1] != x.shape[-1]:
        raise ValueError(f"{op}: the kernel's last axis ({w.shape[-1]}) must equal the input's "
                         f"{x.shape[-1]} channels (inputs shape {tuple(inputs.shape)}, kernel "
                         f"shape {tuple(w.shape)}; kernel layout (*kernel_size, filters, "
                         "in_channels))")
    outs, pads = conv_transpose_geometry(_spatial(x.shape), w.shape[:-2], strides, padding,
                                         output_padding, dilation)
    if any(o is None for o in outs):
        y = KerasTensor((x.shape[0],) + outs + (w.shape[-2],), x.dtype)
    else:
        if any(o <= 0 for o in outs):
            raise ValueError(f"{op}: non-positive output size {outs} for inputs "
                             f"{tuple(inputs.shape)} and kernel {tuple(w.shape)}")
        y = _BACKPROP_INPUT.bind(x, w, in_size=outs, strides=strides, dilation=dilation,
                                 padding=pads, groups=1)
    return _to_first(y) if fmt == "channels_first" else y


def _pool(prim, inputs, pool_size, strides, padding, data_format, op: str):
    x = _float(_tensor(inputs), op)
    if x.ndim not in (3, 4, 5):
        raise ValueError(f"{op}: inputs must have rank 3, 4 or 5 (batch, spatial..., channels), "
                         f"got shape {tuple(x.shape)}")
    r = x.ndim - 2
    pool_size = normalize_tuple(pool_size, r, "pool_size", op)
    strides = pool_size if strides is None else normalize_tuple(strides, r, "strides", op)
    padding = standardize_padding(padding, op)
    fmt = standardize_data_format(data_format, op)
    first = fmt == "channels_first"
    if first:
        # (N, C, *spatial) is (N * C, *spatial, 1) channels_last: no transpose needed.
        shape = x.shape
        n, c = shape[0], shape[1]
        nc = None if n is None or c is None else n * c
        if isinstance(x, KerasTensor):
            x = KerasTensor((nc,) + tuple(shape[2:]) + (1,), x.dtype)
        else:
            x = shape_ops.reshape(x, (nc,) + tuple(shape[2:]) + (1,))
    if padding == "valid":
        for n_, k in zip(_spatial(x.shape), pool_size):
            if n_ is not None and n_ < k:
                raise ValueError(f"{op}: pool_size {pool_size} is larger than the input's "
                                 f"spatial shape {_spatial(x.shape)} with padding='valid'")
    y = prim.bind(x, pool_size=pool_size, strides=strides, padding=padding)
    if first:
        out = (shape[0], shape[1]) + _spatial(y.shape)
        if isinstance(y, KerasTensor):
            return KerasTensor(out, y.dtype)
        return shape_ops.reshape(y, out)
    return y


def max_pool(inputs, pool_size: IntOrTuple, strides=None, padding: str = "valid",
             data_format=None):
    """Max pooling over 1-D, 2-D or 3-D windows (strides default to pool_size).

    Example:
    >>> max_pool(ops.ones((1, 4, 4, 2)), 2).shape
    (1, 2, 2, 2)
    """
    return _pool(_MAX_POOL, inputs, pool_size, strides, padding, data_format, "max_pool")


def average_pool(inputs, pool_size: IntOrTuple, strides=None, padding: str = "valid",
                 data_format=None):
    """Average pooling; with "same" padding, padded positions are not counted.

    Example:
    >>> average_pool(ops.ones((1, 5, 5, 2)), 2, padding="same").shape
    (1, 3, 3, 2)
    """
    return _pool(_AVG_POOL, inputs, pool_size, strides, padding, data_format, "average_pool")
