"""Reusable argument validation: `check_*` functions and the decorators built on them.

Each `check_*(value, name, where, **options)` validates one value and returns it converted
(an array-like becomes a NumPy array, a NumPy integer a Python int, ...). It raises
`TypeError` for a value of the wrong kind and `ValueError` for a value out of range, with a
message naming the function (`where`), the argument, what was expected and what came.

`validate_argument(name, check)` turns a check into a decorator that binds the call's
arguments with `inspect.signature` (so positional and keyword calls behave alike, defaults
included), replaces the named argument by the checked value and then calls the function.
`validate_array`, `validate_int`, ... are the ready-made ones:

    @validate_int("num_classes", min_value=1, allow_none=True)
    @validate_array("x", dtype_kind="integer")
    def to_categorical(x, num_classes=None): ...

Stacked validators collapse into a single wrapper (one signature bind per call) and run in
the order of the parameters (several on one parameter: top to bottom), whatever the order of
the decorators. `functools.wraps` keeps the name, docstring and signature of the function.
The `check_*` functions can also be called directly (e.g. by data adapters).
"""

from __future__ import annotations

import functools
import inspect
import numbers
from typing import Any, Callable, Collection, TypeVar

import numpy as np

__all__ = [
    "argument_error",
    "check_array",
    "check_bool",
    "check_choice",
    "check_dtype",
    "check_fraction",
    "check_int",
    "check_type",
    "describe",
    "validate_argument",
    "validate_array",
    "validate_bool",
    "validate_choice",
    "validate_dtype",
    "validate_fraction",
    "validate_int",
    "validate_type",
]

F = TypeVar("F", bound=Callable[..., Any])
Check = Callable[..., Any]

# dtype kinds accepted by check_array's `dtype_kind` (NumPy kind letters).
_DTYPE_KINDS = {
    "numeric": ("biuf", "numeric data (bool, integer or float)"),
    "integer": ("biuf", "integer data"),
    "floating": ("biuf", "numeric data (converted to float)"),
    "any": (None, "array data"),
}


# ----------------------------------------------------------------------------- messages


def describe(value: Any, limit: int = 60) -> str:
    """A short description of a received value for error messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{text} of type {type(value).__name__}"


def argument_error(
    where: str | None, name: str, message: str, exc_type: type[Exception] = ValueError
) -> Exception:
    """Builds `exc_type("where(): argument `name` message")` (returned, not raised)."""
    prefix = f"{where}(): " if where else ""
    return exc_type(f"{prefix}argument `{name}` {message}")


def _expected(
    where: str | None, name: str, expected: str, value: Any,
    exc_type: type[Exception] = TypeError,
) -> Exception:
    return argument_error(where, name, f"must be {expected}; received {describe(value)}.", exc_type)


# ----------------------------------------------------------------------------- checks


def check_array(
    value: Any,
    name: str = "x",
    where: str | None = None,
    *,
    dtype_kind: str = "numeric",
    dtype: Any = None,
    ndim: int | None = None,
    min_ndim: int = 0,
    max_ndim: int | None = None,
    allow_nan: bool = True,
    allow_inf: bool = True,
    allow_empty: bool = True,
    allow_none: bool = False,
) -> np.ndarray | None:
    """Converts an array-like (list, tuple, NumPy array, lamina Tensor) to a NumPy array.

    `dtype_kind` is "numeric" (bool/int/float), "integer" (ints; floats only when every
    value is integral, then cast to int64; bools cast to int64), "floating" (numeric,
    non-float data cast to float32) or "any". Strings, objects and ragged nesting are
    rejected. `dtype`, when given, is the final cast.

    >>> check_array([[1, 2], [3, 4]], "x", min_ndim=2).shape
    (2, 2)
    """
    if value is None and allow_none:
        return None
    if value is None or isinstance(value, (str, bytes)):
        raise _expected(where, name, "an array-like of numbers", value)
    array = _as_regular_array(value, name, where)
    array = _check_kind(array, value, name, where, dtype_kind)
    _check_rank(array, name, where, ndim, min_ndim, max_ndim)
    if not allow_empty and array.size == 0:
        raise _expected(where, name, "a non-empty array", array, ValueError)
    if array.dtype.kind == "f" and not (allow_nan and allow_inf):
        _check_finite(array, name, where, allow_nan, allow_inf)
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    return array


def _as_regular_array(value: Any, name: str, where: str | None) -> np.ndarray:
    try:
        return np.asarray(value)
    except (ValueError, TypeError) as err:  # ragged nesting, failing __array__
        raise argument_error(
            where, name,
            f"must be an array-like with a regular (non-ragged) shape; received "
            f"{describe(value)} ({err}).",
        ) from None


def _check_kind(array: np.ndarray, value: Any, name: str, where: str | None,
                dtype_kind: str) -> np.ndarray:
    if dtype_kind not in _DTYPE_KINDS:
        raise ValueError(f"check_array: unknown dtype_kind {dtype_kind!r}; "
                         f"expected one of {sorted(_DTYPE_KINDS)}")
    kinds, expected = _DTYPE_KINDS[dtype_kind]
    if kinds is not None and array.dtype.kind not in kinds:
        raise _expected(where, name, f"an array-like of {expected}", array)
    if dtype_kind == "integer":
        return _as_integer(array, name, where)
    if dtype_kind == "floating" and array.dtype.kind != "f":
        return array.astype(np.float32)
    return array


def _as_integer(array: np.ndarray, name: str, where: str | None) -> np.ndarray:
    if array.dtype.kind == "b":
        return array.astype(np.int64)
    if array.dtype.kind == "f":
        bad = ~np.isfinite(array) | (array != np.trunc(array))
        if bad.any():
            first = array[bad].flat[0].item()
            raise argument_error(
                where, name, f"must hold integer values; found the non-integer value {first!r}."
            )
        return array.astype(np.int64)
    return array


def _check_rank(array: np.ndarray, name: str, where: str | None, ndim: int | None,
                min_ndim: int, max_ndim: int | None) -> None:
    if ndim is not None and array.ndim != ndim:
        raise _expected(where, name, f"an array of rank {ndim}", array, ValueError)
    if array.ndim < min_ndim:
        raise _expected(where, name, f"an array of rank >= {min_ndim}", array, ValueError)
    if max_ndim is not None and array.ndim > max_ndim:
        raise _expected(where, name, f"an array of rank <= {max_ndim}", array, ValueError)


def _check_finite(array: np.ndarray, name: str, where: str | None,
                  allow_nan: bool, allow_inf: bool) -> None:
    if not allow_nan and np.isnan(array).any():
        raise argument_error(where, name, f"must not contain NaN; received {describe(array)}.")
    if not allow_inf and np.isinf(array).any():
        raise argument_error(where, name, f"must not contain inf; received {describe(array)}.")


def _range_text(min_value: Any, max_value: Any) -> str:
    if min_value is not None and max_value is not None:
        return f" in [{min_value}, {max_value}]"
    if min_value is not None:
        return f" >= {min_value}"
    if max_value is not None:
        return f" <= {max_value}"
    return ""


def check_int(
    value: Any,
    name: str = "value",
    where: str | None = None,
    *,
    min_value: int | None = None,
    max_value: int | None = None,
    allow_none: bool = False,
) -> int | None:
    """An integer (Python or NumPy, not bool) within bounds, returned as a Python int.

    >>> check_int(np.int64(3), "n", min_value=1)
    3
    """
    if value is None and allow_none:
        return None
    expected = "an integer" + _range_text(min_value, max_value) + (" or None" if allow_none else "")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise _expected(where, name, expected, value, TypeError)
    value = int(value)
    too_low = min_value is not None and value < min_value
    if too_low or (max_value is not None and value > max_value):
        raise _expected(where, name, expected, value, ValueError)
    return value


def check_fraction(
    value: Any,
    name: str = "value",
    where: str | None = None,
    *,
    include_low: bool = False,
    include_high: bool = False,
    allow_none: bool = False,
) -> float | None:
    """A real number in the interval (0, 1) (ends included on request), as a float.

    >>> check_fraction(0.25, "f")
    0.25
    """
    if value is None and allow_none:
        return None
    low, high = "[" if include_low else "(", "]" if include_high else ")"
    expected = f"a number in {low}0, 1{high}" + (" or None" if allow_none else "")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise _expected(where, name, expected, value, TypeError)
    value = float(value)
    above = value >= 0.0 if include_low else value > 0.0
    below = value <= 1.0 if include_high else value < 1.0
    if not (above and below):
        raise _expected(where, name, expected, value, ValueError)
    return value


def check_bool(value: Any, name: str = "value", where: str | None = None) -> bool:
    """A bool (Python or NumPy), returned as a Python bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise _expected(where, name, "a bool", value, TypeError)
    return bool(value)


def check_choice(
    value: Any,
    name: str = "value",
    where: str | None = None,
    *,
    choices: Collection[Any],
    allow_none: bool = False,
) -> Any:
    """One of `choices` (compared with ==).

    >>> check_choice("pre", "padding", choices=("pre", "post"))
    'pre'
    """
    if value is None and allow_none:
        return None
    for choice in choices:
        same_type = isinstance(value, type(choice)) and not isinstance(value, np.ndarray)
        if same_type and value == choice:
            return value
    listed = ", ".join(repr(c) for c in choices)
    raise _expected(where, name, f"one of {listed}", value, ValueError)


def check_type(
    value: Any,
    name: str = "value",
    where: str | None = None,
    *,
    types: type | tuple[type, ...],
    allow_none: bool = False,
) -> Any:
    """An instance of `types` (isinstance), returned unchanged."""
    if value is None and allow_none:
        return None
    if not isinstance(value, types):
        names = [t.__name__ for t in (types if isinstance(types, tuple) else (types,))]
        expected = "an instance of " + " or ".join(names) + (" or None" if allow_none else "")
        raise _expected(where, name, expected, value, TypeError)
    return value


def check_dtype(value: Any, name: str = "dtype", where: str | None = None) -> np.dtype:
    """Anything `np.dtype` understands ("int32", np.float32, object, ...), as a np.dtype."""
    if value is None:
        raise _expected(where, name, "a dtype", value, TypeError)
    try:
        return np.dtype(value)
    except TypeError:
        raise _expected(where, name, "a dtype", value, TypeError) from None


# ----------------------------------------------------------------------------- decorators


class _Validated:
    """What a validating wrapper remembers: the plain function and its checks, in order."""

    __slots__ = ("function", "checks", "wrapper")

    def __init__(self, function: Callable[..., Any], checks: list[tuple[str, Check]]):
        self.function = function
        self.checks = checks
        self.wrapper: Callable[..., Any] | None = None


def validate_argument(name: str, check: Check) -> Callable[[F], F]:
    """Decorator: replaces argument `name` by `check(value, name=name, where=func_name)`.

    `check` raises for a bad value and returns the (possibly converted) value. Defaults
    are validated too. Raises TypeError at decoration time if `name` is not a parameter.

    >>> @validate_argument("n", lambda v, name, where: int(v))
    ... def double(n): return 2 * n
    >>> double("4")
    8
    """

    def decorate(func: F) -> F:
        state = getattr(func, "__lamina_validated__", None)
        if isinstance(state, _Validated) and state.wrapper is func:
            target, checks = state.function, state.checks
        else:
            target, checks = func, []
        signature = inspect.signature(target)
        _check_parameter(target, signature, name)
        checks = _in_parameter_order(signature, [(name, check)] + checks)
        return _wrap(target, signature, checks)  # type: ignore[return-value]

    return decorate


def _check_parameter(func: Callable[..., Any], signature: inspect.Signature, name: str) -> None:
    param = signature.parameters.get(name)
    if param is None or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
        raise TypeError(
            f"validate_argument: {func.__qualname__}() has no named parameter `{name}` "
            f"(parameters: {list(signature.parameters)})"
        )


def _in_parameter_order(signature: inspect.Signature,
                        checks: list[tuple[str, Check]]) -> list[tuple[str, Check]]:
    """Checks sorted by parameter position; checks of one parameter keep top-down order."""
    position = {name: i for i, name in enumerate(signature.parameters)}
    return sorted(checks, key=lambda item: position[item[0]])


def _wrap(target: Callable[..., Any], signature: inspect.Signature,
          checks: list[tuple[str, Check]]) -> Callable[..., Any]:
    where = target.__name__

    @functools.wraps(target)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as err:
            raise TypeError(f"{where}(): {err}") from None
        bound.apply_defaults()
        arguments = bound.arguments
        for arg_name, check in checks:
            arguments[arg_name] = check(arguments[arg_name], name=arg_name, where=where)
        return target(*bound.args, **bound.kwargs)

    state = _Validated(target, checks)
    state.wrapper = wrapper
    wrapper.__lamina_validated__ = state  # type: ignore[attr-defined]
    return wrapper


def _decorator_for(check: Check) -> Callable[..., Callable[[F], F]]:
    """Makes `validate_x(name, **options)` from `check_x(value, name, where, **options)`."""
    accepted = inspect.signature(check)

    def make(name: str, **options: Any) -> Callable[[F], F]:
        accepted.bind_partial(None, name, None, **options)  # bad option names fail here
        return validate_argument(name, functools.partial(check, **options))

    make.__name__ = make.__qualname__ = "validate_" + check.__name__[len("check_"):]
    make.__doc__ = (
        f"Decorator: validates and converts argument `name` with `{check.__name__}`.\n\n"
        f"Options are those of `{check.__name__}`:\n\n{inspect.getdoc(check)}"
    )
    return make


validate_array = _decorator_for(check_array)
validate_int = _decorator_for(check_int)
validate_fraction = _decorator_for(check_fraction)
validate_bool = _decorator_for(check_bool)
validate_choice = _decorator_for(check_choice)
validate_type = _decorator_for(check_type)
validate_dtype = _decorator_for(check_dtype)
