"""Tests for lamina.utils.validation: the check_* functions and the validate_* decorators."""

import inspect

import numpy as np
import pytest

from lamina import ops
from lamina.utils.validation import (
    check_array,
    check_bool,
    check_choice,
    check_dtype,
    check_fraction,
    check_int,
    check_type,
    validate_argument,
    validate_array,
    validate_choice,
    validate_fraction,
    validate_int,
)


@validate_int("n", min_value=1)
@validate_array("x", dtype_kind="integer", min_ndim=1)
def repeat(x, n=2, *, label="r"):
    """Repeats x n times."""
    return x, n, label


# ----------------------------------------------------------------------------- binding


def test_positional_and_keyword_calls_are_validated_alike():
    for call in (lambda: repeat([1, 2], 3), lambda: repeat(x=[1, 2], n=3),
                 lambda: repeat([1, 2], n=3), lambda: repeat(n=3, x=(1, 2))):
        x, n, label = call()
        assert isinstance(x, np.ndarray) and x.tolist() == [1, 2]
        assert n == 3 and label == "r"


def test_defaults_are_validated_and_passed():
    x, n, _ = repeat([5])
    assert n == 2 and x.tolist() == [5]

    @validate_int("n", min_value=1)
    def bad_default(n=0):
        return n

    with pytest.raises(ValueError, match=r"bad_default\(\): argument `n` must be an integer >= 1"):
        bad_default()


def test_wraps_keeps_name_doc_and_signature():
    assert repeat.__name__ == "repeat"
    assert repeat.__doc__ == "Repeats x n times."
    assert str(inspect.signature(repeat)) == "(x, n=2, *, label='r')"
    assert repeat.__wrapped__.__name__ == "repeat"


def test_stacked_validators_collapse_into_one_wrapper():
    # Both checks live in one wrapper around the plain function.
    assert inspect.unwrap(repeat) is repeat.__wrapped__
    assert not hasattr(repeat.__wrapped__, "__wrapped__")
    assert [name for name, _ in repeat.__lamina_validated__.checks] == ["x", "n"]


def test_validators_run_in_parameter_order_whatever_the_decorator_order():
    seen = []

    def record(value, name, where):
        seen.append(name)
        return value

    @validate_argument("a", record)
    @validate_argument("c", record)
    @validate_argument("b", record)
    def f(a, b, c):
        return a, b, c

    f(1, 2, 3)
    assert seen == ["a", "b", "c"]


def test_a_foreign_wrapper_is_not_bypassed():
    calls = []

    def logged(func):
        import functools

        @functools.wraps(func)
        def inner(*args, **kwargs):
            calls.append(1)
            return func(*args, **kwargs)
        return inner

    f = validate_int("n")(logged(repeat))
    f([1], n=4)
    assert calls == [1]


def test_conversion_reaches_the_function():
    @validate_argument("s", lambda value, name, where: value.strip())
    def f(s):
        return s

    assert f("  hi ") == "hi"


def test_binding_errors_name_the_function():
    with pytest.raises(TypeError, match=r"repeat\(\): missing a required argument: 'x'"):
        repeat()
    with pytest.raises(TypeError, match=r"repeat\(\): .*unexpected keyword argument 'z'"):
        repeat([1], z=3)


def test_unknown_parameter_fails_at_decoration():
    with pytest.raises(TypeError, match="no named parameter `y`"):
        @validate_int("y")
        def f(x):
            return x

    with pytest.raises(TypeError, match="no named parameter `args`"):
        @validate_int("args")
        def g(*args):
            return args


def test_unknown_option_fails_at_decoration():
    with pytest.raises(TypeError):
        validate_array("x", min_dims=2)


def test_works_on_methods():
    class Adapter:
        @validate_array("x", min_ndim=2)
        def first(self, x):
            return x[0]

    assert Adapter().first([[1, 2]]).tolist() == [1, 2]
    with pytest.raises(ValueError, match=r"first\(\): argument `x` must be an array of rank >= 2"):
        Adapter().first([1, 2])


# ----------------------------------------------------------------------------- check_array


def test_array_like_inputs_become_numpy_arrays():
    for value in ([1, 2], (1, 2), np.array([1, 2]), ops.convert_to_tensor(np.array([1, 2]))):
        out = check_array(value, "x")
        assert isinstance(out, np.ndarray) and out.tolist() == [1, 2]


@pytest.mark.parametrize("value", [["a", "b"], np.array([1, None], dtype=object), [1 + 2j]])
def test_non_numeric_data_is_a_type_error(value):
    with pytest.raises(TypeError, match=r"f\(\): argument `x` must be an array-like of numeric"):
        check_array(value, "x", "f")


@pytest.mark.parametrize("value", ["abc", None, b"xy"])
def test_strings_and_none_are_type_errors(value):
    with pytest.raises(TypeError, match=r"f\(\): argument `x` must be an array-like of numbers"):
        check_array(value, "x", "f")


def test_none_allowed_on_request():
    assert check_array(None, "x", allow_none=True) is None


def test_ragged_input_is_a_value_error():
    with pytest.raises(ValueError, match=r"f\(\): argument `x` must be an array-like with a regular"):
        check_array([[1], [2, 3]], "x", "f")


def test_rank_limits():
    with pytest.raises(ValueError, match=r"argument `x` must be an array of rank >= 1; received an array of shape \(\)"):
        check_array(3, "x", "f", min_ndim=1)
    with pytest.raises(ValueError, match=r"argument `x` must be an array of rank <= 1"):
        check_array([[1]], "x", "f", max_ndim=1)
    with pytest.raises(ValueError, match=r"argument `x` must be an array of rank 2"):
        check_array([1], "x", "f", ndim=2)


def test_nan_and_inf_rejected_on_request():
    assert np.isnan(check_array([np.nan], "x")).all()  # allowed by default
    with pytest.raises(ValueError, match=r"f\(\): argument `x` must not contain NaN"):
        check_array([1.0, np.nan], "x", "f", allow_nan=False)
    with pytest.raises(ValueError, match=r"f\(\): argument `x` must not contain inf"):
        check_array([1.0, -np.inf], "x", "f", allow_inf=False)
    assert check_array([1.0, np.inf], "x", allow_nan=False).tolist() == [1.0, np.inf]


def test_integer_kind():
    assert check_array([1.0, 2.0], "x", dtype_kind="integer").dtype == np.int64
    assert check_array([True, False], "x", dtype_kind="integer").tolist() == [1, 0]
    assert check_array(np.array([1, 2], np.int8), "x", dtype_kind="integer").dtype == np.int8
    with pytest.raises(ValueError, match=r"argument `y` must hold integer values; found the non-integer value 1.5"):
        check_array([1.0, 1.5], "y", "f", dtype_kind="integer")
    with pytest.raises(ValueError, match="non-integer value nan"):
        check_array([np.nan], "y", "f", dtype_kind="integer")


def test_floating_kind_and_dtype_cast():
    assert check_array([1, 2], "x", dtype_kind="floating").dtype == np.float32
    assert check_array(np.array([1.0]), "x", dtype_kind="floating").dtype == np.float64
    assert check_array([1, 2], "x", dtype="float16").dtype == np.float16
    assert check_array(["a"], "x", dtype_kind="any").dtype.kind == "U"
    with pytest.raises(ValueError, match="unknown dtype_kind"):
        check_array([1], "x", dtype_kind="text")


def test_empty_rejected_on_request():
    assert check_array([], "x").shape == (0,)
    with pytest.raises(ValueError, match="must be a non-empty array"):
        check_array([], "x", "f", allow_empty=False)


# ----------------------------------------------------------------------------- scalars


def test_check_int():
    assert check_int(np.int32(4), "n") == 4 and type(check_int(np.int32(4), "n")) is int
    assert check_int(None, "n", allow_none=True) is None
    for bad in (2.0, "2", True, None):
        with pytest.raises(TypeError, match=r"g\(\): argument `n` must be an integer; received"):
            check_int(bad, "n", "g")
    with pytest.raises(ValueError, match=r"must be an integer in \[1, 3\]; received 4"):
        check_int(4, "n", "g", min_value=1, max_value=3)
    with pytest.raises(ValueError, match=r"must be an integer <= 3 or None; received 5"):
        check_int(5, "n", "g", max_value=3, allow_none=True)


def test_check_fraction_and_its_decorator():
    assert check_fraction(np.float32(0.5), "f") == 0.5
    assert check_fraction(0.0, "f", include_low=True) == 0.0
    with pytest.raises(ValueError, match=r"argument `f` must be a number in \(0, 1\); received 1.0"):
        check_fraction(1.0, "f", "g")
    with pytest.raises(TypeError, match=r"must be a number in \(0, 1\]"):
        check_fraction("0.5", "f", "g", include_high=True)

    @validate_fraction("rate", include_high=True)
    def dropout(rate):
        return rate

    assert dropout(1) == 1.0
    with pytest.raises(ValueError, match=r"dropout\(\): argument `rate` must be a number in \(0, 1\]"):
        dropout(rate=0)


def test_check_choice_and_its_decorator():
    @validate_choice("padding", choices=("pre", "post"))
    def pad(padding="pre"):
        return padding

    assert pad() == "pre" and pad("post") == "post" and pad(np.str_("post")) == "post"
    with pytest.raises(ValueError, match=r"pad\(\): argument `padding` must be one of 'pre', 'post'; received 'mid'"):
        pad("mid")
    with pytest.raises(ValueError, match="must be one of"):
        check_choice(1, "padding", choices=("1",))


def test_check_bool_type_and_dtype():
    assert check_bool(np.bool_(True), "b") is True
    with pytest.raises(TypeError, match=r"argument `b` must be a bool; received 1"):
        check_bool(1, "b", "f")
    assert check_type([1], "d", types=(list, tuple)) == [1]
    with pytest.raises(TypeError, match=r"argument `d` must be an instance of list or tuple or None"):
        check_type({}, "d", "f", types=(list, tuple), allow_none=True)
    assert check_dtype("int32", "dtype") == np.int32
    with pytest.raises(TypeError, match=r"argument `dtype` must be a dtype"):
        check_dtype("no-such-dtype", "dtype", "f")
