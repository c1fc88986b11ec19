// Fused, numerically stable softmax and log_softmax along one axis, and their
// backward kernels:
//   softmax:      y = exp(x - max) / sum(exp(x - max))
//   log_softmax:  y = (x - max) - log(sum(exp(x - max)))
//   softmax_grad:     dx = y * (g - sum(g * y))
//   log_softmax_grad: dx = g - exp(y) * sum(g)
// The array is viewed as (outer, L, inner) around the axis. inner == 1 works on
// contiguous rows; inner > 1 on tiles of columns, vectorized along the contiguous
// inner axis. Sums accumulate in float64. OpenMP splits rows / tiles.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "common.h"
#include "kernels/softmax.h"
#include "kernels/vecmath.h"

namespace lamina {
namespace {

constexpr int64_t kTile = 256;

// NaN-propagating max of a contiguous row, with independent lanes.
template <class T> T row_max(const T* p, int64_t n) {
  constexpr int L = int(128 / sizeof(T));
  if (n < L) {  // short rows (10 classes): setting up and merging the lanes cost more than the row
    T m = -std::numeric_limits<T>::infinity();
    for (int64_t i = 0; i < n; ++i) m = (p[i] > m || p[i] != p[i]) ? p[i] : m;
    return m;
  }
  T acc[L];
  for (int j = 0; j < L; ++j) acc[j] = -std::numeric_limits<T>::infinity();
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int j = 0; j < L; ++j) {
      const T v = p[i + j];
      acc[j] = (v > acc[j] || v != v) ? v : acc[j];
    }
  T m = -std::numeric_limits<T>::infinity();
  for (; i < n; ++i) m = (p[i] > m || p[i] != p[i]) ? p[i] : m;
  for (int j = 0; j < L; ++j) m = (acc[j] > m || acc[j] != acc[j]) ? acc[j] : m;
  return m;
}

template <class T>
void softmax_rows(const T* x, T* y, int64_t outer, int64_t L, int64_t inner, bool log) {
  const int64_t ntiles = (inner + kTile - 1) / kTile;
  const bool par = outer * L * inner >= kParallelGrain;
  parallel_for(outer * ntiles, par, [&](int64_t it) {
    const int64_t o = it / ntiles, t = it % ntiles;
    const T* xs = x + o * L * inner;
    T* ys = y + o * L * inner;
    if (inner == 1) {
      const T m = row_max(xs, L);
      double s = 0.0;
      if (log) {
#pragma omp simd reduction(+ : s)
        for (int64_t i = 0; i < L; ++i) s += double(vm::exp(T(xs[i] - m)));
        const T ls = T(std::log(s));
#pragma omp simd
        for (int64_t i = 0; i < L; ++i) ys[i] = (xs[i] - m) - ls;
      } else {
#pragma omp simd reduction(+ : s)
        for (int64_t i = 0; i < L; ++i) {
          const T e = vm::exp(T(xs[i] - m));
          ys[i] = e;
          s += double(e);
        }
        const T inv = T(1.0 / s);
#pragma omp simd
        for (int64_t i = 0; i < L; ++i) ys[i] *= inv;
      }
      return;
    }
    const int64_t j0 = t * kTile, tw = std::min(kTile, inner - j0);
    T m[kTile];
    double s[kTile];
    for (int64_t j = 0; j < tw; ++j) { m[j] = -std::numeric_limits<T>::infinity(); s[j] = 0.0; }
    for (int64_t r = 0; r < L; ++r) {
      const T* row = xs + r * inner + j0;
#pragma omp simd
      for (int64_t j = 0; j < tw; ++j) m[j] = (row[j] > m[j] || row[j] != row[j]) ? row[j] : m[j];
    }
    for (int64_t r = 0; r < L; ++r) {
      const T* row = xs + r * inner + j0;
      T* out = ys + r * inner + j0;
      if (log) {
#pragma omp simd
        for (int64_t j = 0; j < tw; ++j) s[j] += double(vm::exp(T(row[j] - m[j])));
      } else {
#pragma omp simd
        for (int64_t j = 0; j < tw; ++j) {
          const T e = vm::exp(T(row[j] - m[j]));
          out[j] = e;
          s[j] += double(e);
        }
      }
    }
    T f[kTile];
    for (int64_t j = 0; j < tw; ++j) f[j] = log ? T(std::log(s[j])) : T(1.0 / s[j]);
    for (int64_t r = 0; r < L; ++r) {
      const T* row = xs + r * inner + j0;
      T* out = ys + r * inner + j0;
      if (log) {
#pragma omp simd
        for (int64_t j = 0; j < tw; ++j) out[j] = (row[j] - m[j]) - f[j];
      } else {
#pragma omp simd
        for (int64_t j = 0; j < tw; ++j) out[j] *= f[j];
      }
    }
  });
}

// softmax: dx = y * (g - sum(g * y)); log_softmax: dx = g - exp(y) * sum(g).
template <class T>
void softmax_grad_rows(const T* y, const T* g, T* dx, int64_t outer, int64_t L, int64_t inner,
                       bool log) {
  const int64_t ntiles = (inner + kTile - 1) / kTile;
  const bool par = outer * L * inner >= kParallelGrain;
  parallel_for(outer * ntiles, par, [&](int64_t it) {
    const int64_t o = it / ntiles, t = it % ntiles;
    const int64_t off = o * L * inner;
    const T *ys = y + off, *gs = g + off;
    T* ds = dx + off;
    if (inner == 1) {
      double s = 0.0;
      if (log) {
#pragma omp simd reduction(+ : s)
        for (int64_t i = 0; i < L; ++i) s += double(gs[i]);
        const T st = T(s);
#pragma omp simd
        for (int64_t i = 0; i < L; ++i) ds[i] = gs[i] - vm::exp(ys[i]) * st;
      } else {
#pragma omp simd reduction(+ : s)
        for (int64_t i = 0; i < L; ++i) s += double(gs[i]) * double(ys[i]);
        const T st = T(s);
#pragma omp simd
        for (int64_t i = 0; i < L; ++i) ds[i] = ys[i] * (gs[i] - st);
      }
      return;
    }
    const int64_t j0 = t * kTile, tw = std::min(kTile, inner - j0);
    double s[kTile];
    for (int64_t j = 0; j < tw; ++j) s[j] = 0.0;
    for (int64_t r = 0; r < L; ++r) {
      const int64_t b = r * inner + j0;
      if (log) {
#pragma omp simd
        for (int64_t j = 0; j < tw; ++j) s[j] += double(gs[b + j]);
      } else {
#pragma omp simd
        for (int64_t j = 0; j < tw; ++j) s[j] += double(gs[b + j]) * double(ys[b + j]);
      }
    }
    T st[kTile];
    for (int64_t j = 0; j < tw; ++j) st[j] = T(s[j]);
    for (int64_t r = 0; r < L; ++r) {
      const int64_t b = r * inner + j0;
      if (log) {
#pragma omp simd
        for (int64_t j = 0; j < tw; ++j) ds[b + j] = gs[b + j] - vm::exp(ys[b + j]) * st[j];
      } else {
#pragma omp simd
        for (int64_t j = 0; j < tw; ++j) ds[b + j] = ys[b + j] * (gs[b + j] - st[j]);
      }
    }
  });
}

}  // namespace

void kernels::softmax_into(DType dt, const void* x, void* y, int64_t outer, int64_t L,
                           int64_t inner, bool log) {
  if (dt == DType::f32)
    softmax_rows(static_cast<const float*>(x), static_cast<float*>(y), outer, L, inner, log);
  else
    softmax_rows(static_cast<const double*>(x), static_cast<double*>(y), outer, L, inner, log);
}

void kernels::softmax_grad_into(DType dt, const void* y, const void* g, void* dx, int64_t outer,
                                int64_t L, int64_t inner, bool log) {
  if (dt == DType::f32)
    softmax_grad_rows(static_cast<const float*>(y), static_cast<const float*>(g),
                      static_cast<float*>(dx), outer, L, inner, log);
  else
    softmax_grad_rows(static_cast<const double*>(y), static_cast<const double*>(g),
                      static_cast<double*>(dx), outer, L, inner, log);
}

namespace {

struct Split {
  int64_t outer = 1, L = 1, inner = 1;
};

Split split_at(const View& x, int64_t axis, const char* op) {
  const int nd = x.ndim();
  if (axis < -nd || axis >= nd)
    fail_value(std::string(op) + ": axis " + std::to_string(axis) +
               " is out of bounds for a tensor of shape " + shape_str(x.shape));
  const int a = int(axis < 0 ? axis + nd : axis);
  Split s;
  for (int i = 0; i < nd; ++i) {
    if (i < a) s.outer *= x.shape[i];
    else if (i == a) s.L = x.shape[i];
    else s.inner *= x.shape[i];
  }
  return s;
}

void require_float(const View& v, const char* op, const char* arg) {
  if (!is_float(v.dtype))
    fail_type(std::string(op) + ": expected a floating dtype for '" + arg + "', got " +
              dtype_name(v.dtype));
}

nb::object softmax(nb::handle xh, int64_t axis, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  View x = view_of(xh, op);
  require_float(x, op, "x");
  const Split s = split_at(x, axis, op);
  View y;
  nb::object out = new_array(x.dtype, x.shape, &y);
  if (x.size == 0) return out;
  GilRelease nogil(x.size >= kParallelGrain);
  kernels::softmax_into(x.dtype, x.data, y.data, s.outer, s.L, s.inner, log);
  return out;
}

nb::object softmax_grad(nb::handle yh, nb::handle gh, int64_t axis, bool log) {
  const char* op = log ? "log_softmax_grad" : "softmax_grad";
  View y = view_of(yh, op, "y");
  View g = view_of(gh, op, "g");
  require_float(y, op, "y");
  if (y.dtype != g.dtype || y.shape != g.shape)
    fail_value(std::string(op) + ": y and g must have the same shape and dtype, got " +
               dtype_name(y.dtype) + " " + shape_str(y.shape) + " and " + dtype_name(g.dtype) +
               " " + shape_str(g.shape));
  const Split s = split_at(y, axis, op);
  View dx;
  nb::object out = new_array(y.dtype, y.shape, &dx);
  if (y.size == 0) return out;
  GilRelease nogil(y.size >= kParallelGrain);
  kernels::softmax_grad_into(y.dtype, y.data, g.data, dx.data, s.outer, s.L, s.inner, log);
  return out;
}

}  // namespace

void bind_softmax(nb::module_& m) {
  m.def("softmax", &softmax, nb::arg("x"), nb::arg("axis"), nb::arg("log") = false,
        "Numerically stable softmax (or log_softmax with log=True) along `axis`.");
  m.def("softmax_grad", &softmax_grad, nb::arg("y"), nb::arg("g"), nb::arg("axis"),
        nb::arg("log") = false,
        "Backward of softmax (y * (g - sum(g * y))) or, with log=True, of log_softmax "
        "(g - exp(y) * sum(g)), given the forward output y and cotangent g.");
}

}  // namespace lamina
