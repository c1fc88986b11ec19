"""FusedKernel inputs broadcast along the leading axes only (a (C,) bias against
(N, H, W, C), a (W, C) plane against (N, H, W, C)) are read from a pre-expanded
periodic copy instead of run by run: results must stay bit-identical to the op-by-op
reference, for periods that do and do not divide the tile, the largest period taken
that way and longer ones, converted dtypes, threaded runs and in-place outputs."""
import numpy as np
import pytest

from test_fused_kernel import check, kernel, reference, assert_identical

CODE = [("add", 2, (0, 1)), ("relu", 3, (2,)), ("multiply", 4, (3, 1))]


@pytest.mark.parametrize("compute", ["float32", "float64"])
@pytest.mark.parametrize("x_shape,b_shape", [
    ((8, 5, 5, 32), (32,)),       # the conv bias case
    ((3, 7, 7, 3), (3,)),         # period not dividing the tile
    ((2, 9, 11, 5), (11, 5)),     # a (W, C) plane: period 55
    ((4, 3, 1000), (1000,)),
    ((4, 3, 2048), (2048,)),      # about a tile: periodic or not, by the tile size
    ((3, 4100), (4100,)),         # longer than a tile: loaded run by run
    ((1, 1, 7), (7,)),            # output shorter than the period's tile
])
def test_trailing_axis_broadcast_is_bit_identical(x_shape, b_shape, compute):
    rng = np.random.default_rng(11)
    x = rng.standard_normal(x_shape).astype(compute)
    b = rng.standard_normal(b_shape).astype(compute)
    check(CODE, [], [4, 2], [x, b], compute=compute)
    check(CODE, [], [4], [b, x], compute=compute)  # the broadcast input first


def test_converted_periodic_input():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((6, 9, 9, 16)).astype("float32")
    b = rng.integers(-3, 4, size=16).astype("int32")
    check(CODE, [], [4], [x, b], compute="float32")
    check(CODE, [], [4], [x.astype("float64"), b.astype("float32")], compute="float64")


def test_threaded_periodic_input():
    # Above the memory-bound threshold: several threads, each with its own copy,
    # tiles starting at offsets that are not multiples of the period.
    rng = np.random.default_rng(13)
    x = rng.standard_normal((20, 26, 26, 160)).astype("float32")  # 2.2M
    b = rng.standard_normal(160).astype("float32")
    k = check(CODE, [], [4], [x, b])
    assert k.parallel


def test_periodic_input_with_in_place_output():
    rng = np.random.default_rng(14)
    x = rng.standard_normal((5, 6, 6, 24)).astype("float32")
    b = rng.standard_normal(24).astype("float32")
    want = reference(CODE, [], [4], [x, b], x.shape, ["float32"], "float32")
    k = kernel(CODE, [], [4], [x, b], x.shape, ["float32"], "float32")
    k([x, b], [x])
    assert_identical(x, want[0])
