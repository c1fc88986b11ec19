"""NumPy references for the image preprocessing tests (imported by the tests in
this directory): bilinear resize with half-pixel centers, and the affine sampling
of keras.ops.image.affine_transform with its fill modes."""

import math

import numpy as np


def resize_bilinear(x, h, w):
    """(N, H, W, C) -> (N, h, w, C), half-pixel centers, edges clamped."""

    def matrix(n_in, n_out):
        m = np.zeros((n_out, n_in))
        for j in range(n_out):
            c = min(max((j + 0.5) * n_in / n_out - 0.5, 0.0), n_in - 1)
            lo = int(math.floor(c))
            m[j, lo] += 1 - (c - lo)
            m[j, min(lo + 1, n_in - 1)] += c - lo
        return m

    return np.einsum("ai,bj,nijc->nabc", matrix(x.shape[1], h), matrix(x.shape[2], w), x)


def _fix(i, n, mode):
    if mode == "constant":
        return i if 0 <= i < n else None
    if mode == "nearest":
        return min(max(i, 0), n - 1)
    if mode == "wrap":
        return i % n
    r = i % (2 * n)  # reflect: a b c d | d c b a
    return r if r < n else 2 * n - 1 - r


def affine(x, transforms, interpolation="bilinear", fill_mode="constant", fill_value=0.0):
    """Output (x, y) samples the input at (a0 x + a1 y + a2, b0 x + b1 y + b2)."""
    n, h, w, c = x.shape
    out = np.zeros(x.shape)
    for b in range(n):
        a0, a1, a2, b0, b1, b2 = transforms[b][:6]
        for yy in range(h):
            for xx in range(w):
                xi, yi = a0 * xx + a1 * yy + a2, b0 * xx + b1 * yy + b2
                if interpolation == "nearest":
                    corners = [(int(np.round(yi)), int(np.round(xi)), 1.0)]
                else:
                    y0, x0 = math.floor(yi), math.floor(xi)
                    dy, dx = yi - y0, xi - x0
                    corners = [(y0, x0, (1 - dy) * (1 - dx)), (y0, x0 + 1, (1 - dy) * dx),
                               (y0 + 1, x0, dy * (1 - dx)), (y0 + 1, x0 + 1, dy * dx)]
                for cy, cx, wt in corners:
                    fy, fx = _fix(cy, h, fill_mode), _fix(cx, w, fill_mode)
                    outside = fy is None or fx is None
                    out[b, yy, xx] += wt * (fill_value if outside else x[b, fy, fx])
    return out


def rotation(angle, h, w):
    """Keras's rotation transform about the image center (angle in radians)."""
    c, s = math.cos(angle), math.sin(angle)
    x_off = ((w - 1) - (c * (w - 1) - s * (h - 1))) / 2
    y_off = ((h - 1) - (s * (w - 1) + c * (h - 1))) / 2
    return [c, -s, x_off, s, c, y_off, 0, 0]


def zoom(zx, zy, h, w):
    """Keras's zoom transform about the image center (zoom > 1 zooms out)."""
    return [zx, 0, (w - 1) / 2 * (1 - zx), 0, zy, (h - 1) / 2 * (1 - zy), 0, 0]
