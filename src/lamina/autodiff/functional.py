"""Functional transformations: `grad` and `value_and_grad` (JAX-style)."""

from __future__ import annotations

from typing import Callable, Sequence

from lamina.autodiff.tape import GradientTape


def value_and_grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False):
    """Returns a function computing `fun(*args)` and its gradient w.r.t. `args[argnums]`.

    `fun` must return a scalar (or `(scalar, aux)` with `has_aux=True`). The
    returned function gives `(value, grads)` or `((value, aux), grads)`; `grads`
    is a tuple when `argnums` is a sequence.

    Example:
    >>> f = lambda x: lamina.ops.sum(x * x)
    >>> value, g = lamina.ops.value_and_grad(f)(lamina.ops.ones((3,)))
    """
    from lamina.ops.core import convert_to_tensor

    multiple = not isinstance(argnums, int)
    nums = tuple(argnums) if multiple else (argnums,)

    def wrapped(*args, **kwargs):
        args = list(args)
        for i in nums:
            if i >= len(args):
                raise ValueError(f"argnums={argnums} but the function was called with {len(args)} arguments")
            args[i] = convert_to_tensor(args[i])
        with GradientTape() as tape:
            for i in nums:
                tape.watch(args[i])
            out = fun(*args, **kwargs)
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise ValueError("has_aux=True requires the function to return (value, aux)")
            value, aux = out
        else:
            value = out
        grads = tape.gradient(value, [args[i] for i in nums], unconnected_gradients="zero")
        grads = tuple(grads) if multiple else grads[0]
        return ((value, aux) if has_aux else value), grads

    return wrapped


def grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False):
    """Returns a function computing the gradient of scalar `fun` w.r.t. `args[argnums]`.

    Example:
    >>> df = lamina.ops.grad(lambda x: x ** 3)
    >>> float(df(2.0))
    12.0
    """
    vg = value_and_grad(fun, argnums, has_aux)

    def wrapped(*args, **kwargs):
        (value, grads) = vg(*args, **kwargs)
        if has_aux:
            return grads, value[1]
        return grads

    return wrapped
