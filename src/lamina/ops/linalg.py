"""Linear algebra: matmul (OpenBLAS sgemm/dgemm underneath) and dot."""

from __future__ import annotations

from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.native import _core
from lamina.ops import manipulation as shape_ops
from lamina.ops.core import cast, promote
from lamina.ops.elementwise import broadcast_shapes, multiply, unbroadcast
from lamina.ops.primitive import Primitive

__all__ = ["matmul", "dot"]


class MatMul(Primitive):
    """NumPy matmul; `transpose_a`/`transpose_b` transpose the last two axes of an
    operand first (the backward pass uses them instead of copying transposes)."""

    name = "matmul"

    def impl(self, a, b, transpose_a=False, transpose_b=False):
        return _core.matmul(a, b, transpose_a, transpose_b)

    def compute_output_spec(self, a, b, transpose_a=False, transpose_b=False):
        sa, sb = list(a.shape), list(b.shape)
        if not sa or not sb:
            raise ValueError(f"matmul: operands must be at least 1-D, got shapes {a.shape} and {b.shape}")
        if transpose_a:
            sa[-2], sa[-1] = sa[-1], sa[-2]
        if transpose_b:
            sb[-2], sb[-1] = sb[-1], sb[-2]
        a_vec, b_vec = len(sa) == 1, len(sb) == 1
        if a_vec:
            sa = [1] + sa
        if b_vec:
            sb = sb + [1]
        k1, k2 = sa[-1], sb[-2]
        if k1 is not None and k2 is not None and k1 != k2:
            raise ValueError(
                f"matmul: contraction dimensions differ ({k1} vs {k2}) for shapes {a.shape} and {b.shape}"
            )
        batch = broadcast_shapes(tuple(sa[:-2]), tuple(sb[:-2]), op="matmul")
        out = list(batch) + ([] if a_vec else [sa[-2]]) + ([] if b_vec else [sb[-1]])
        return KerasTensor(tuple(out), a.dtype)

    partial_vjp = True

    def vjp(self, inputs, out, g, transpose_a=False, transpose_b=False, needs=(True, True)):
        a, b = inputs
        if a.ndim == 1 or b.ndim == 1:
            return self._vector_vjp(a, b, g, transpose_a, transpose_b)
        # C = op(A) op(B):  dA = g op(B)^T (transposed back if A was), likewise dB.
        ga = gb = None
        if needs[0]:
            if transpose_a:
                ga = matmul_t(b, g, transpose_a=transpose_b, transpose_b=True)
            else:
                ga = matmul_t(g, b, transpose_a=False, transpose_b=not transpose_b)
            ga = unbroadcast(ga, a.shape)
        if needs[1]:
            if transpose_b:
                gb = matmul_t(g, a, transpose_a=True, transpose_b=transpose_a)
            else:
                gb = matmul_t(a, g, transpose_a=not transpose_a, transpose_b=False)
            gb = unbroadcast(gb, b.shape)
        return ga, gb

    def _vector_vjp(self, a, b, g, ta, tb):
        # Re-express 1-D operands as matrices, as NumPy's promotion does.
        a2 = shape_ops.expand_dims(a, 0) if a.ndim == 1 else a
        b2 = shape_ops.expand_dims(b, -1) if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = shape_ops.expand_dims(g2, -1 if b.ndim == 1 else -2)
        if b.ndim == 1:
            g2 = shape_ops.expand_dims(g2, -1)
        ga, gb = self.vjp((a2, b2), None, g2, ta, tb)
        return shape_ops.reshape(ga, a.shape), shape_ops.reshape(gb, b.shape)


_MATMUL = MatMul()


def matmul_t(a, b, transpose_a=False, transpose_b=False):
    """matmul with optional transposition of the last two axes of either operand."""
    return _MATMUL.bind(a, b, transpose_a=transpose_a, transpose_b=transpose_b)


def matmul(x1, x2):
    """Matrix product with NumPy's rules: 1-D operands are promoted, batch
    dimensions broadcast. Integer matmul is supported; bool is cast to int32.

    Example:
    >>> matmul(ones((2, 3)), ones((3, 4))).shape
    (2, 4)
    """
    x1, x2 = promote(x1, x2, "matmul")
    if x1.dtype == "bool":
        x1, x2 = cast(x1, "int32"), cast(x2, "int32")
    return _MATMUL.bind(x1, x2)


def dot(x1, x2):
    """NumPy's dot: products for scalars, matmul for 1-D/2-D, and for N-D a sum
    over the last axis of x1 and the second-to-last of x2."""
    x1, x2 = promote(x1, x2, "dot")
    if x1.ndim == 0 or x2.ndim == 0:
        return multiply(x1, x2)
    if x2.ndim <= 2:
        return matmul(x1, x2)
    # (..., k) . (..., k, n) -> (...a, ...b, n): move x2's contracted axis first.
    perm = list(range(x2.ndim))
    k_axis = x2.ndim - 2
    perm = [k_axis] + perm[:k_axis] + perm[k_axis + 1:]
    x2t = shape_ops.transpose(x2, perm)
    rest = x2t.shape[1:]
    flat = shape_ops.reshape(x2t, (x2t.shape[0], -1))
    out = matmul(x1, flat)
    return shape_ops.reshape(out, tuple(x1.shape[:-1]) + tuple(rest))
