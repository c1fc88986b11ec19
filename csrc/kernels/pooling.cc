// N-d max and average pooling (1-D, 2-D, 3-D), channels_last, with strides and
// explicit padding; their gradients.
//
// Input (N, *spatial, C), output (N, *out, C). Every rank is handled as 3-D with
// leading unit dimensions. Padded positions never take part: a max ignores them
// and an average divides by the number of real positions in the window (what
// Keras/TF's "same" average pooling does). The max-pool gradient recomputes the
// argmax of each window (the first maximum, NaN counting as the maximum) instead
// of storing indices; `max_pool_gather` is its adjoint (for second order).
#include <algorithm>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "common.h"

namespace lamina {
namespace {

struct PoolGeom {
  int64_t N = 0, C = 0;
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, k[3] = {1, 1, 1};
  int64_t s[3] = {1, 1, 1}, p[3] = {0, 0, 0};
  int64_t P_in = 1, P_out = 1;
  // The window of output (od, oh, ow): [lo, hi) along each dim, clipped to the input.
  void window(int64_t od, int64_t oh, int64_t ow, int64_t lo[3], int64_t hi[3]) const {
    const int64_t o[3] = {od, oh, ow};
    for (int i = 0; i < 3; ++i) {
      const int64_t start = o[i] * s[i] - p[i];
      lo[i] = std::max<int64_t>(start, 0);
      hi[i] = std::min<int64_t>(start + k[i], in[i]);
    }
  }
};

Shape ints(nb::handle seq, const char* op, const char* what, size_t r) {
  Shape v = shape_from(seq, op);
  if (v.size() != r)
    fail_value(std::string(op) + ": " + what + " must have " + std::to_string(r) +
               " entries (one per spatial dimension), got " + shape_str(v));
  return v;
}

// x: (N, *in, C); `other` spatial sizes (the output's, or the input's for the
// average-pool gradient) come from the caller.
PoolGeom make_geom(const View& x, const char* op, const char* arg, nb::handle pool,
                   nb::handle strides, nb::handle pad_lo) {
  if (!is_float(x.dtype))
    fail_type(std::string(op) + ": " + arg + " must be float32 or float64, got " +
              dtype_name(x.dtype));
  const int nd = x.ndim();
  if (nd < 3 || nd > 5)
    fail_value(std::string(op) + ": " + arg + " must have rank 3, 4 or 5 (batch, spatial..., "
               "channels), got shape " + shape_str(x.shape));
  const size_t r = nd - 2;
  Shape k = ints(pool, op, "pool_size", r), s = ints(strides, op, "strides", r);
  Shape p = ints(pad_lo, op, "padding", r);
  PoolGeom g;
  g.N = x.shape[0];
  g.C = x.shape[nd - 1];
  const int off = 3 - (int)r;
  for (size_t i = 0; i < r; ++i) {
    if (k[i] < 1 || s[i] < 1)
      fail_value(std::string(op) + ": pool_size and strides must be positive, got pool_size " +
                 shape_str(k) + " and strides " + shape_str(s));
    if (p[i] < 0 || p[i] >= k[i])
      fail_value(std::string(op) + ": padding " + shape_str(p) + " is out of range for pool_size " +
                 shape_str(k));
    g.k[off + i] = k[i];
    g.s[off + i] = s[i];
    g.p[off + i] = p[i];
  }
  return g;
}

void set_sizes(PoolGeom& g, const Shape& in, const Shape& out, const char* op) {
  const int off = 3 - (int)in.size();
  for (size_t i = 0; i < in.size(); ++i) {
    if (out[i] < 0 || in[i] < 0) fail_value(std::string(op) + ": negative size");
    // Every window must overlap the input (so a max is defined).
    if (out[i] > 0 && (out[i] - 1) * g.s[off + i] - g.p[off + i] >= in[i])
      fail_value(std::string(op) + ": output size " + shape_str(out) +
                 " has windows outside the input " + shape_str(in));
    g.in[off + i] = in[i];
    g.out[off + i] = out[i];
  }
  g.P_in = g.in[0] * g.in[1] * g.in[2];
  g.P_out = g.out[0] * g.out[1] * g.out[2];
}

Shape spatial(const View& v) { return Shape(v.shape.begin() + 1, v.shape.end() - 1); }

Shape full(int64_t N, const Shape& sp, int64_t C) {
  Shape s = {N};
  s.insert(s.end(), sp.begin(), sp.end());
  s.push_back(C);
  return s;
}

bool big(const PoolGeom& g) {
  return g.N * g.P_out * g.C * g.k[0] * g.k[1] * g.k[2] >= kParallelGrain;
}

// v replaces the running maximum b: larger, or the first NaN. Bitwise, not
// short-circuit, so it vectorizes.
template <class T> inline bool gt(T v, T b) { return (v > b) | ((v != v) & (b == b)); }

// Runs body(n, od, oh, ow, o) over every output position, parallel over images
// (and the first output dim when `deep`).
template <class Body>
void each_output(const PoolGeom& g, bool par, Body&& body) {
#pragma omp parallel for collapse(2) schedule(static) if (par)
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow)
          body(n, od, oh, ow, n * g.P_out + (od * g.out[1] + oh) * g.out[2] + ow);
}

template <class T>
void max_forward(const T* x, T* y, const PoolGeom& g) {
  const int64_t C = g.C;
  const bool par = g.N * g.P_out * C * g.k[0] * g.k[1] * g.k[2] >= kParallelGrain;
  each_output(g, par, [&](int64_t n, int64_t od, int64_t oh, int64_t ow, int64_t o) {
    int64_t lo[3], hi[3];
    g.window(od, oh, ow, lo, hi);
    T* yo = y + o * C;
    for (int64_t c = 0; c < C; ++c) yo[c] = -std::numeric_limits<T>::infinity();
    for (int64_t i = lo[0]; i < hi[0]; ++i)
      for (int64_t j = lo[1]; j < hi[1]; ++j)
        for (int64_t l = lo[2]; l < hi[2]; ++l) {
          const T* xi = x + (n * g.P_in + (i * g.in[1] + j) * g.in[2] + l) * C;
#pragma omp simd
          for (int64_t c = 0; c < C; ++c) yo[c] = gt(xi[c], yo[c]) ? xi[c] : yo[c];
        }
  });
}

// For every output position and channel, the input position of the window's
// argmax: fn(o, c, input_position). The running argmax is kept as a T-valued
// window index so the compare-and-select loop vectorizes (no branches).
template <class T, class Fn>
void max_argmax(const T* x, const PoolGeom& g, bool per_image_serial, Fn&& fn) {
  const int64_t C = g.C, kmax = g.k[0] * g.k[1] * g.k[2];
  const bool par = g.N * g.P_out * C * kmax >= kParallelGrain;
#pragma omp parallel if (par)
  {
    std::vector<T> best((size_t)C), arg((size_t)C);
    std::vector<int64_t> wpos((size_t)kmax);
    auto one = [&](int64_t n, int64_t od, int64_t oh, int64_t ow, int64_t o) {
      int64_t lo[3], hi[3];
      g.window(od, oh, ow, lo, hi);
      int64_t nw = 0;
      for (int64_t i = lo[0]; i < hi[0]; ++i)
        for (int64_t j = lo[1]; j < hi[1]; ++j)
          for (int64_t l = lo[2]; l < hi[2]; ++l)
            wpos[(size_t)nw++] = n * g.P_in + (i * g.in[1] + j) * g.in[2] + l;
      T* b = best.data();
      T* a = arg.data();
      const T* x0 = x + wpos[0] * C;
      for (int64_t c = 0; c < C; ++c) { b[c] = x0[c]; a[c] = T(0); }
      for (int64_t t = 1; t < nw; ++t) {
        const T* xi = x + wpos[(size_t)t] * C;
        const T tf = T(t);
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) {
          const bool up = gt(xi[c], b[c]);
          b[c] = up ? xi[c] : b[c];
          a[c] = up ? tf : a[c];
        }
      }
      for (int64_t c = 0; c < C; ++c) fn(o, c, wpos[(size_t)a[c]]);
    };
    if (per_image_serial) {
      // Windows of one image may overlap: one thread per image.
#pragma omp for schedule(static)
      for (int64_t n = 0; n < g.N; ++n)
        for (int64_t od = 0; od < g.out[0]; ++od)
          for (int64_t oh = 0; oh < g.out[1]; ++oh)
            for (int64_t ow = 0; ow < g.out[2]; ++ow)
              one(n, od, oh, ow, n * g.P_out + (od * g.out[1] + oh) * g.out[2] + ow);
    } else {
#pragma omp for collapse(2) schedule(static)
      for (int64_t n = 0; n < g.N; ++n)
        for (int64_t od = 0; od < g.out[0]; ++od)
          for (int64_t oh = 0; oh < g.out[1]; ++oh)
            for (int64_t ow = 0; ow < g.out[2]; ++ow)
              one(n, od, oh, ow, n * g.P_out + (od * g.out[1] + oh) * g.out[2] + ow);
    }
  }
}

// ------------------------------------------------- max-pool gradient fast path
// Windows that tile the input without overlap or padding (pool == strides, no
// padding; trailing rows/columns that fit no window are left out, as with 'valid'
// padding): the common MaxPooling2D(2). There the general gradient zero-fills the
// whole input, then scatters each channel's gradient through a per-element
// callback (scalar); (128, 26, 26, 32) float32 took ~2 ms. Here every window is a
// fixed set of offsets from its corner, and the gradient writes each input element
// exactly once, the routed gradient or zero, in vectorized channel loops: ~1 ms.
// (The same scheme for the forward was no faster than max_forward, which is
// memory-bound already, so the forward keeps the general code.)
bool tiles_exactly(const PoolGeom& g) {
  for (int i = 0; i < 3; ++i)
    if (g.p[i] != 0 || g.s[i] != g.k[i] || g.out[i] * g.k[i] > g.in[i]) return false;
  return true;
}

// Offsets (in elements) of a window's positions from its corner, in the general
// path's visiting order (d, then h, then w), which decides ties.
std::vector<int64_t> window_offsets(const PoolGeom& g) {
  std::vector<int64_t> off;
  for (int64_t i = 0; i < g.k[0]; ++i)
    for (int64_t j = 0; j < g.k[1]; ++j)
      for (int64_t l = 0; l < g.k[2]; ++l) off.push_back(((i * g.in[1] + j) * g.in[2] + l) * g.C);
  return off;
}

// One window, channels [c, c + m) with m <= W (m == W when Full): the running max
// and argmax per channel (the first maximum in window order, NaN counting as the
// maximum, as in max_argmax) in W-wide local arrays, then each window position gets
// the gradient where it is the argmax, else 0. The fixed trip count lets GCC keep
// the arrays in vector registers; each channel loop needs its `omp simd` (without
// it GCC unrolled the W-loop into branchy scalar code, 5x slower than the general
// path), and a channel loop with the window loop inside it was not vectorized.
// KK > 0: the window size at compile time (its loop unrolls); 0: Kr.
template <class T, int W, bool Full, int KK>
inline void window_grad(const T* xw, const int64_t* woff, int64_t Kr, int64_t m, const T* go,
                        T* dw) {
  const int64_t K = KK ? KK : Kr;
  const int64_t M = Full ? W : m;
  T b[W], a[W];
#pragma omp simd
  for (int64_t c = 0; c < M; ++c) {
    b[c] = xw[c];
    a[c] = T(0);
  }
  for (int64_t t = 1; t < K; ++t) {
    const T* xi = xw + woff[t];
    const T tf = T(t);  // window indices are small: exact in T
#pragma omp simd
    for (int64_t c = 0; c < M; ++c) {
      const bool up = gt(xi[c], b[c]);
      b[c] = up ? xi[c] : b[c];
      a[c] = up ? tf : a[c];
    }
  }
  for (int64_t t = 0; t < K; ++t) {
    T* di = dw + woff[t];
    const T tf = T(t);
#pragma omp simd
    for (int64_t c = 0; c < M; ++c) di[c] = a[c] == tf ? go[c] : T(0);
  }
}

// Input elements no window covers get zero: rows/planes past the last window and
// the tail of every covered row.
template <class T> void zero_uncovered(T* dn, const PoolGeom& g) {
  const int64_t rowlen = g.in[2] * g.C, covered_w = g.out[2] * g.k[2] * g.C;
  for (int64_t i = 0; i < g.in[0]; ++i)
    for (int64_t j = 0; j < g.in[1]; ++j) {
      T* r = dn + (i * g.in[1] + j) * rowlen;
      const bool covered = i < g.out[0] * g.k[0] && j < g.out[1] * g.k[1];
      std::fill(r + (covered ? covered_w : 0), r + rowlen, T(0));
    }
}

// Parallel over images when the work is large (an image's windows and input
// elements are its own; measured on 2 cores: ~1.1 ms threaded, ~1.9 ms not).
template <class T, int KK>
void fast_max_grad(const T* x, const T* dy, T* dx, const PoolGeom& g, const int64_t* woff,
                   int64_t K) {
  constexpr int W = 64 / sizeof(T);  // two AVX registers of channels
  const int64_t C = g.C;
  parallel_for(g.N, big(g) && g.N > 1, [&](int64_t n) {
    zero_uncovered(dx + n * g.P_in * C, g);
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh) {
        const int64_t row = n * g.P_in + (od * g.k[0] * g.in[1] + oh * g.k[1]) * g.in[2];
        const int64_t o0 = n * g.P_out + (od * g.out[1] + oh) * g.out[2];
        for (int64_t ow = 0; ow < g.out[2]; ++ow) {
          const int64_t xo = (row + ow * g.k[2]) * C;  // the window's corner
          const T* xw = x + xo;
          const T* go = dy + (o0 + ow) * C;
          T* dw = dx + xo;
          int64_t c = 0;
          for (; c + W <= C; c += W) window_grad<T, W, true, KK>(xw + c, woff, K, W, go + c, dw + c);
          if (c < C) window_grad<T, W, false, KK>(xw + c, woff, K, C - c, go + c, dw + c);
        }
      }
  });
}

// The max-pool gradient by the fast path when the geometry allows it; false
// otherwise.
template <class T> bool try_fast_max_grad(const T* x, const T* dy, T* dx, const PoolGeom& g) {
  if (!tiles_exactly(g)) return false;
  const std::vector<int64_t> off = window_offsets(g);
  if (off.size() == 4) fast_max_grad<T, 4>(x, dy, dx, g, off.data(), 4);  // 2x2
  else fast_max_grad<T, 0>(x, dy, dx, g, off.data(), (int64_t)off.size());
  return true;
}

template <class T>
void avg_forward(const T* x, T* y, const PoolGeom& g) {
  const int64_t C = g.C;
  const bool par = g.N * g.P_out * C * g.k[0] * g.k[1] * g.k[2] >= kParallelGrain;
  each_output(g, par, [&](int64_t n, int64_t od, int64_t oh, int64_t ow, int64_t o) {
    int64_t lo[3], hi[3];
    g.window(od, oh, ow, lo, hi);
    T* yo = y + o * C;
    for (int64_t c = 0; c < C; ++c) yo[c] = T(0);
    for (int64_t i = lo[0]; i < hi[0]; ++i)
      for (int64_t j = lo[1]; j < hi[1]; ++j)
        for (int64_t l = lo[2]; l < hi[2]; ++l) {
          const T* xi = x + (n * g.P_in + (i * g.in[1] + j) * g.in[2] + l) * C;
#pragma omp simd
          for (int64_t c = 0; c < C; ++c) yo[c] += xi[c];
        }
    const T inv = T(1) / T((hi[0] - lo[0]) * (hi[1] - lo[1]) * (hi[2] - lo[2]));
    for (int64_t c = 0; c < C; ++c) yo[c] *= inv;
  });
}

template <class T>
void avg_backward(const T* dy, T* dx, const PoolGeom& g) {
  const int64_t C = g.C;
  const bool par = g.N * g.P_out * C * g.k[0] * g.k[1] * g.k[2] >= kParallelGrain;
#pragma omp parallel for schedule(static) if (par)
  for (int64_t n = 0; n < g.N; ++n) {
    T* dxn = dx + n * g.P_in * C;
    std::fill(dxn, dxn + g.P_in * C, T(0));
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow) {
          int64_t lo[3], hi[3];
          g.window(od, oh, ow, lo, hi);
          const T inv = T(1) / T((hi[0] - lo[0]) * (hi[1] - lo[1]) * (hi[2] - lo[2]));
          const T* go = dy + (n * g.P_out + (od * g.out[1] + oh) * g.out[2] + ow) * C;
          for (int64_t i = lo[0]; i < hi[0]; ++i)
            for (int64_t j = lo[1]; j < hi[1]; ++j)
              for (int64_t l = lo[2]; l < hi[2]; ++l) {
                T* xi = dxn + ((i * g.in[1] + j) * g.in[2] + l) * C;
#pragma omp simd
                for (int64_t c = 0; c < C; ++c) xi[c] += go[c] * inv;
              }
        }
  }
}

void same_dtype(const View& a, const View& b, const char* op) {
  if (a.dtype != b.dtype)
    fail_type(std::string(op) + ": arguments must share a dtype, got " + dtype_name(a.dtype) +
              " and " + dtype_name(b.dtype));
}

void check_matches(const View& x, const View& g, const Shape& out, const char* op) {
  if (g.ndim() != x.ndim() || g.shape[0] != x.shape[0] || g.shape.back() != x.shape.back() ||
      spatial(g) != out)
    fail_value(std::string(op) + ": gradient shape " + shape_str(g.shape) +
               " does not match the pooled shape " +
               shape_str(full(x.shape[0], out, x.shape.back())) + " of input " +
               shape_str(x.shape));
}

nb::object pool(nb::handle xh, nb::handle poolh, nb::handle strides, nb::handle pad_lo,
                nb::handle outh, bool is_max, nb::handle outa) {
  const char* op = is_max ? "max_pool" : "average_pool";
  View x = view_of(xh, op, "inputs");
  PoolGeom g = make_geom(x, op, "inputs", poolh, strides, pad_lo);
  Shape out = ints(outh, op, "output size", x.ndim() - 2);
  set_sizes(g, spatial(x), out, op);
  View y;
  nb::object res = out_array(outa, x.dtype, full(g.N, out, g.C), &y, op, {&x});
  if (y.size == 0) return res;
  GilRelease nogil(big(g));
  dispatch_all(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      if (is_max) max_forward(x.ptr<T>(), y.ptr<T>(), g);
      else avg_forward(x.ptr<T>(), y.ptr<T>(), g);
    }
  });
  return res;
}

nb::object max_pool_backward(nb::handle xh, nb::handle dyh, nb::handle poolh, nb::handle strides,
                             nb::handle pad_lo, nb::handle outa) {
  const char* op = "max_pool_backward";
  View x = view_of(xh, op, "inputs"), dy = view_of(dyh, op, "output_gradient");
  same_dtype(x, dy, op);
  PoolGeom g = make_geom(x, op, "inputs", poolh, strides, pad_lo);
  if (dy.ndim() != x.ndim()) check_matches(x, dy, Shape(), op);
  const Shape out = spatial(dy);
  check_matches(x, dy, out, op);
  set_sizes(g, spatial(x), out, op);
  View dx;
  nb::object res = out_array(outa, x.dtype, x.shape, &dx, op, {&x, &dy});
  if (dx.size == 0) return res;
  GilRelease nogil(big(g));
  dispatch_all(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      T* d = dx.ptr<T>();
      if (try_fast_max_grad<T>(x.ptr<T>(), dy.ptr<T>(), d, g)) return;
      const int64_t per = g.P_in * g.C;
#pragma omp parallel for schedule(static) if (big(g))
      for (int64_t n = 0; n < g.N; ++n) std::fill(d + n * per, d + (n + 1) * per, T(0));
      const T* gy = dy.ptr<T>();
      const int64_t C = g.C;
      max_argmax(x.ptr<T>(), g, true,
                 [&](int64_t o, int64_t c, int64_t pos) { d[pos * C + c] += gy[o * C + c]; });
    }
  });
  return res;
}

nb::object max_pool_gather(nb::handle xh, nb::handle ch, nb::handle poolh, nb::handle strides,
                           nb::handle pad_lo, nb::handle outh) {
  const char* op = "max_pool_gather";
  View x = view_of(xh, op, "inputs"), c = view_of(ch, op, "values");
  same_dtype(x, c, op);
  if (c.shape != x.shape)
    fail_value(std::string(op) + ": values " + shape_str(c.shape) + " must have the input's shape " +
               shape_str(x.shape));
  PoolGeom g = make_geom(x, op, "inputs", poolh, strides, pad_lo);
  Shape out = ints(outh, op, "output size", x.ndim() - 2);
  set_sizes(g, spatial(x), out, op);
  View y;
  nb::object res = new_array(x.dtype, full(g.N, out, g.C), &y);
  if (y.size == 0) return res;
  GilRelease nogil(big(g));
  dispatch_all(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      T* yo = y.ptr<T>();
      const T* cv = c.ptr<T>();
      const int64_t C = g.C;
      max_argmax(x.ptr<T>(), g, false,
                 [&](int64_t o, int64_t k, int64_t pos) { yo[o * C + k] = cv[pos * C + k]; });
    }
  });
  return res;
}

nb::object average_pool_backward(nb::handle dyh, nb::handle inh, nb::handle poolh,
                                 nb::handle strides, nb::handle pad_lo) {
  const char* op = "average_pool_backward";
  View dy = view_of(dyh, op, "output_gradient");
  PoolGeom g = make_geom(dy, op, "output_gradient", poolh, strides, pad_lo);
  Shape in = ints(inh, op, "input size", dy.ndim() - 2);
  set_sizes(g, in, spatial(dy), op);
  View dx;
  nb::object res = new_array(dy.dtype, full(g.N, in, g.C), &dx);
  if (dx.size == 0) return res;
  GilRelease nogil(big(g));
  dispatch_all(dy.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) avg_backward(dy.ptr<T>(), dx.ptr<T>(), g);
  });
  return res;
}

}  // namespace

void bind_pooling(nb::module_& m) {
  m.def("max_pool", [](nb::handle x, nb::handle p, nb::handle s, nb::handle pad, nb::handle size,
                       nb::handle out) { return pool(x, p, s, pad, size, true, out); },
        nb::arg("inputs"), nb::arg("pool_size"), nb::arg("strides"), nb::arg("pad_lo"),
        nb::arg("out_size"), nb::arg("out").none() = nb::none(),
        "Channels-last N-d max pooling (padding ignored); `out`: an array to write into.");
  m.def("average_pool", [](nb::handle x, nb::handle p, nb::handle s, nb::handle pad,
                           nb::handle out) { return pool(x, p, s, pad, out, false, nb::none()); },
        nb::arg("inputs"), nb::arg("pool_size"), nb::arg("strides"), nb::arg("pad_lo"),
        nb::arg("out_size"), "Channels-last N-d average pooling (padding not counted).");
  m.def("max_pool_backward", &max_pool_backward, nb::arg("inputs"), nb::arg("output_gradient"),
        nb::arg("pool_size"), nb::arg("strides"), nb::arg("pad_lo"),
        nb::arg("out").none() = nb::none(),
        "The gradient of max_pool w.r.t. its input (argmax recomputed).");
  m.def("max_pool_gather", &max_pool_gather, nb::arg("inputs"), nb::arg("values"),
        nb::arg("pool_size"), nb::arg("strides"), nb::arg("pad_lo"), nb::arg("out_size"),
        "values at each window's argmax of inputs (the adjoint of max_pool_backward).");
  m.def("average_pool_backward", &average_pool_backward, nb::arg("output_gradient"),
        nb::arg("in_size"), nb::arg("pool_size"), nb::arg("strides"), nb::arg("pad_lo"),
        "The gradient of average_pool w.r.t. its input.");
}

}  // namespace lamina
