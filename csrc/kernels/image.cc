// Image kernels on NHWC arrays: separable resize (nearest, bilinear with half-pixel
// centers, optionally antialiased) and affine/projective transforms with Keras's
// fill modes, each with its adjoint (the gradient with respect to the image).
//
// Resize is a pair of 1-D resamplings, one per spatial axis. Each is described by a
// table of taps (input index, weight) per output index; the adjoint uses the
// transposed table, so both directions are gathers and parallelize without races.
#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "common.h"

namespace lamina {
namespace {

enum Interp { kNearest = 0, kBilinear = 1 };
enum Fill { kConstant = 0, kFillNearest = 1, kWrap = 2, kMirror = 3, kReflect = 4 };

// One axis of a resampling: for output j, taps [start[j], start[j+1]) of (idx, w).
struct Taps {
  std::vector<int64_t> start, idx;
  std::vector<double> w;
};

Taps make_taps(int64_t n_in, int64_t n_out, int method, bool antialias) {
  Taps t;
  t.start.reserve(n_out + 1);
  t.start.push_back(0);
  const double scale = double(n_in) / double(n_out);
  for (int64_t j = 0; j < n_out; ++j) {
    if (method == kNearest) {
      // floor((j + 0.5) * n_in / n_out), computed exactly in integers.
      const int64_t i = std::min(((2 * j + 1) * n_in) / (2 * n_out), n_in - 1);
      t.idx.push_back(i);
      t.w.push_back(1.0);
    } else if (antialias && scale > 1.0) {
      // Triangle kernel widened by the scale factor, weights normalized to sum 1.
      const double center = (j + 0.5) * scale - 0.5;
      const int64_t lo = std::max<int64_t>(0, (int64_t)std::ceil(center - scale));
      const int64_t hi = std::min<int64_t>(n_in - 1, (int64_t)std::floor(center + scale));
      const size_t first = t.w.size();
      double total = 0.0;
      for (int64_t i = lo; i <= hi; ++i) {
        const double w = 1.0 - std::fabs(double(i) - center) / scale;
        if (w <= 0.0) continue;
        t.idx.push_back(i);
        t.w.push_back(w);
        total += w;
      }
      for (size_t k = first; k < t.w.size(); ++k) t.w[k] /= total;
    } else {
      // Half-pixel centers; sample points outside the image clamp to the edge.
      double c = (j + 0.5) * scale - 0.5;
      c = std::min(std::max(c, 0.0), double(n_in - 1));
      const int64_t i0 = (int64_t)std::floor(c);
      const int64_t i1 = std::min(i0 + 1, n_in - 1);
      const double f = c - double(i0);
      t.idx.push_back(i0);
      t.w.push_back(1.0 - f);
      if (i1 != i0 && f > 0.0) {
        t.idx.push_back(i1);
        t.w.push_back(f);
      }
    }
    t.start.push_back((int64_t)t.idx.size());
  }
  return t;
}

// The adjoint table: for each input index, the outputs that read it.
Taps transpose_taps(const Taps& t, int64_t n_in) {
  const int64_t n_out = (int64_t)t.start.size() - 1;
  Taps r;
  r.start.assign(n_in + 1, 0);
  for (int64_t i : t.idx) ++r.start[i + 1];
  for (int64_t i = 0; i < n_in; ++i) r.start[i + 1] += r.start[i];
  r.idx.resize(t.idx.size());
  r.w.resize(t.w.size());
  std::vector<int64_t> fill(r.start.begin(), r.start.end() - 1);
  for (int64_t j = 0; j < n_out; ++j)
    for (int64_t k = t.start[j]; k < t.start[j + 1]; ++k) {
      const int64_t pos = fill[t.idx[k]]++;
      r.idx[pos] = j;
      r.w[pos] = t.w[k];
    }
  return r;
}

// dst[o, j, :] = sum_k w_k * src[o, idx_k, :] over the taps of output j.
template <class T>
void apply_taps(const T* src, T* dst, int64_t outer, int64_t n_in, int64_t n_out,
                int64_t inner, const Taps& t) {
  const int64_t rows = outer * n_out;
  const bool par = rows * inner >= kParallelGrain;
#pragma omp parallel for if (par) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t o = r / n_out, j = r % n_out;
    T* out = dst + r * inner;
    std::fill(out, out + inner, T(0));
    for (int64_t k = t.start[j]; k < t.start[j + 1]; ++k) {
      const T w = T(t.w[k]);
      const T* in = src + (o * n_in + t.idx[k]) * inner;
#pragma omp simd
      for (int64_t c = 0; c < inner; ++c) out[c] += w * in[c];
    }
  }
}

View image_view(nb::handle h, const char* op, const char* arg) {
  View v = view_of(h, op, arg);
  if (v.ndim() != 4)
    fail_value(std::string(op) + ": " + arg + " must be a rank-4 (batch, height, width, "
               "channels) array, got shape " + shape_str(v.shape));
  if (!is_float(v.dtype))
    fail_type(std::string(op) + ": " + arg + " must be float32 or float64, got " +
              dtype_name(v.dtype));
  return v;
}

void check_method(int method, const char* op) {
  if (method != kNearest && method != kBilinear)
    fail_value(std::string(op) + ": unknown interpolation code " + std::to_string(method) +
               " (expected 0 for nearest or 1 for bilinear)");
}

// Forward (adjoint=false): x (N, H, W, C) -> (N, out_h, out_w, C).
// Adjoint: x is a cotangent (N, out_h, out_w, C) of a resize from (in_h, in_w);
// the result has shape (N, in_h, in_w, C).
nb::object resize(nb::handle xh, int64_t in_h, int64_t in_w, int64_t out_h, int64_t out_w,
                  int method, bool antialias, bool adjoint) {
  const char* op = adjoint ? "resize_grad" : "resize";
  View x = image_view(xh, op, adjoint ? "g" : "images");
  check_method(method, op);
  if (in_h <= 0 || in_w <= 0 || out_h <= 0 || out_w <= 0)
    fail_value(std::string(op) + ": sizes must be positive, got input (" +
               std::to_string(in_h) + ", " + std::to_string(in_w) + ") and output (" +
               std::to_string(out_h) + ", " + std::to_string(out_w) + ")");
  const int64_t n = x.shape[0], c = x.shape[3];
  const int64_t src_h = adjoint ? out_h : in_h, src_w = adjoint ? out_w : in_w;
  if (x.shape[1] != src_h || x.shape[2] != src_w)
    fail_value(std::string(op) + ": expected spatial size (" + std::to_string(src_h) + ", " +
               std::to_string(src_w) + "), got array of shape " + shape_str(x.shape));
  const int64_t dst_h = adjoint ? in_h : out_h, dst_w = adjoint ? in_w : out_w;
  Taps th = make_taps(in_h, out_h, method, antialias);
  Taps tw = make_taps(in_w, out_w, method, antialias);
  if (adjoint) {
    th = transpose_taps(th, in_h);
    tw = transpose_taps(tw, in_w);
  }
  View y;
  nb::object out = new_array(x.dtype, {n, dst_h, dst_w, c}, &y);
  View tmp;
  // The first pass resamples the height (rows of src_w * c contiguous values).
  nb::object tmp_arr = new_array(x.dtype, {n, dst_h, src_w, c}, &tmp);
  GilRelease nogil(x.size + y.size >= kParallelGrain);
  dispatch_all(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      apply_taps<T>(x.ptr<T>(), tmp.ptr<T>(), n, src_h, dst_h, src_w * c, th);
      apply_taps<T>(tmp.ptr<T>(), y.ptr<T>(), n * dst_h, src_w, dst_w, c, tw);
    }
  });
  return out;
}

// ------------------------------------------------------------- affine transform
inline int64_t floor_mod(int64_t a, int64_t b) {
  const int64_t r = a % b;
  return r < 0 ? r + b : r;
}

inline int64_t mirror_index(int64_t i, int64_t n) {
  if (n == 1) return 0;
  const int64_t s = n - 1;
  return std::llabs(floor_mod(i + s, 2 * s) - s);
}

// Maps an integer index to [0, n) by the fill mode; false when it falls outside
// (constant mode only).
inline bool fix_index(int64_t& i, int64_t n, int mode) {
  switch (mode) {
    case kConstant: return i >= 0 && i < n;
    case kFillNearest: i = std::min(std::max<int64_t>(i, 0), n - 1); return true;
    case kWrap: i = floor_mod(i, n); return true;
    case kMirror: i = mirror_index(i, n); return true;
    default: {  // reflect: (d c b a | a b c d | d c b a)
      const int64_t m = mirror_index(2 * i + 1, 2 * n + 1) - 1;
      i = m >= 0 ? m / 2 : -((-m + 1) / 2);
      return true;
    }
  }
}

struct Sample {  // up to four (pixel offset or -1 for the fill value, weight) pairs
  int64_t off[4];
  double w[4];
  int count = 0;
};

// Where output pixel (y, x) reads from, for transform p = [a0 a1 a2 b0 b1 b2 c0 c1].
inline Sample sample_at(const double* p, int64_t y, int64_t x, int64_t h, int64_t w,
                        int64_t c, int interp, int mode) {
  Sample s;
  const double k = p[6] * x + p[7] * y + 1.0;
  if (k == 0.0) {
    s.off[0] = -1; s.w[0] = 1.0; s.count = 1;
    return s;
  }
  const double xin = (p[0] * x + p[1] * y + p[2]) / k;
  const double yin = (p[3] * x + p[4] * y + p[5]) / k;
  if (!std::isfinite(xin) || !std::isfinite(yin)) {
    s.off[0] = -1; s.w[0] = 1.0; s.count = 1;
    return s;
  }
  if (interp == kNearest) {
    int64_t iy = (int64_t)std::nearbyint(yin), ix = (int64_t)std::nearbyint(xin);
    const bool ok = fix_index(iy, h, mode) & fix_index(ix, w, mode);
    s.off[0] = ok ? (iy * w + ix) * c : -1;
    s.w[0] = 1.0;
    s.count = 1;
    return s;
  }
  const double fy0 = std::floor(yin), fx0 = std::floor(xin);
  const double dy = yin - fy0, dx = xin - fx0;
  const int64_t y0 = (int64_t)fy0, x0 = (int64_t)fx0;
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 2; ++b) {
      const double wt = (a ? dy : 1.0 - dy) * (b ? dx : 1.0 - dx);
      int64_t iy = y0 + a, ix = x0 + b;
      const bool ok = fix_index(iy, h, mode) & fix_index(ix, w, mode);
      s.off[s.count] = ok ? (iy * w + ix) * c : -1;
      s.w[s.count] = wt;
      ++s.count;
    }
  return s;
}

std::vector<double> read_transforms(nb::handle th, int64_t n, const char* op) {
  View t = view_of(th, op, "transform");
  if (!is_float(t.dtype))
    fail_type(std::string(op) + ": transform must be float32 or float64, got " +
              dtype_name(t.dtype));
  if (t.ndim() != 2 || t.shape[1] != 8 || (t.shape[0] != n && t.shape[0] != 1))
    fail_value(std::string(op) + ": transform must have shape (" + std::to_string(n) +
               ", 8) or (1, 8), got " + shape_str(t.shape));
  std::vector<double> out(n * 8);
  for (int64_t i = 0; i < n; ++i)
    for (int j = 0; j < 8; ++j) {
      const int64_t src = (t.shape[0] == 1 ? 0 : i) * 8 + j;
      out[i * 8 + j] = t.dtype == DType::f32 ? double(t.ptr<float>()[src]) : t.ptr<double>()[src];
    }
  return out;
}

void check_fill(int mode, const char* op) {
  if (mode < kConstant || mode > kReflect)
    fail_value(std::string(op) + ": unknown fill mode code " + std::to_string(mode) +
               " (expected 0..4: constant, nearest, wrap, mirror, reflect)");
}

nb::object affine_transform(nb::handle xh, nb::handle th, int interp, int mode,
                            double fill_value) {
  const char* op = "affine_transform";
  View x = image_view(xh, op, "images");
  check_method(interp, op);
  check_fill(mode, op);
  const int64_t n = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3];
  std::vector<double> tr = read_transforms(th, n, op);
  View y;
  nb::object out = new_array(x.dtype, x.shape, &y);
  GilRelease nogil(x.size >= kParallelGrain);
  dispatch_all(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T* src = x.ptr<T>();
      T* dst = y.ptr<T>();
      const T fill = T(fill_value);
#pragma omp parallel for if (x.size >= kParallelGrain) schedule(static)
      for (int64_t r = 0; r < n * h; ++r) {
        const int64_t b = r / h, yy = r % h;
        const T* img = src + b * h * w * c;
        for (int64_t xx = 0; xx < w; ++xx) {
          const Sample s = sample_at(&tr[b * 8], yy, xx, h, w, c, interp, mode);
          T* o = dst + (r * w + xx) * c;
          for (int64_t ch = 0; ch < c; ++ch) {
            T acc = T(0);
            for (int k = 0; k < s.count; ++k)
              acc += T(s.w[k]) * (s.off[k] < 0 ? fill : img[s.off[k] + ch]);
            o[ch] = acc;
          }
        }
      }
    }
  });
  return out;
}

// The gradient of affine_transform with respect to the images (the fill value
// contributes nothing): a scatter, parallel over images.
nb::object affine_transform_grad(nb::handle gh, nb::handle th, int interp, int mode) {
  const char* op = "affine_transform_grad";
  View g = image_view(gh, op, "g");
  check_method(interp, op);
  check_fill(mode, op);
  const int64_t n = g.shape[0], h = g.shape[1], w = g.shape[2], c = g.shape[3];
  std::vector<double> tr = read_transforms(th, n, op);
  View y;
  nb::object out = new_array(g.dtype, g.shape, &y);
  GilRelease nogil(g.size >= kParallelGrain);
  dispatch_all(g.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      std::fill(y.ptr<T>(), y.ptr<T>() + y.size, T(0));
#pragma omp parallel for if (g.size >= kParallelGrain) schedule(static)
      for (int64_t b = 0; b < n; ++b) {
        T* img = y.ptr<T>() + b * h * w * c;
        const T* gb = g.ptr<T>() + b * h * w * c;
        for (int64_t yy = 0; yy < h; ++yy)
          for (int64_t xx = 0; xx < w; ++xx) {
            const Sample s = sample_at(&tr[b * 8], yy, xx, h, w, c, interp, mode);
            const T* go = gb + (yy * w + xx) * c;
            for (int k = 0; k < s.count; ++k) {
              if (s.off[k] < 0) continue;
              const T wt = T(s.w[k]);
              for (int64_t ch = 0; ch < c; ++ch) img[s.off[k] + ch] += wt * go[ch];
            }
          }
      }
    }
  });
  return out;
}

}  // namespace

void bind_image(nb::module_& m) {
  m.def("resize", &resize, nb::arg("x"), nb::arg("in_h"), nb::arg("in_w"), nb::arg("out_h"),
        nb::arg("out_w"), nb::arg("method"), nb::arg("antialias"), nb::arg("adjoint"),
        "Resizes NHWC images (method 0 nearest, 1 bilinear with half-pixel centers); "
        "adjoint=True maps a cotangent of the output back to the input's shape.");
  m.def("affine_transform", &affine_transform, nb::arg("images"), nb::arg("transform"),
        nb::arg("interpolation"), nb::arg("fill_mode"), nb::arg("fill_value"),
        "Samples NHWC images at (x', y') = ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), "
        "k = c0 x + c1 y + 1, per image transform [a0 a1 a2 b0 b1 b2 c0 c1].");
  m.def("affine_transform_grad", &affine_transform_grad, nb::arg("g"), nb::arg("transform"),
        nb::arg("interpolation"), nb::arg("fill_mode"),
        "The gradient of affine_transform with respect to the images.");
}

}  // namespace lamina
