// N-d convolution (1-D, 2-D, 3-D), channels_last: forward, input gradient and
// filter gradient, with strides, dilation, explicit padding and groups.
//
// Layouts (Keras's): input (N, *spatial, C), kernel (*k, C / groups, F), output
// (N, *out, F). Every rank is handled as 3-D with leading unit dimensions.
//
// Two strategies:
// - im2col + GEMM (OpenBLAS): the batch is processed in chunks of images whose
//   column buffer stays cache-sized (<= 2 MB); chunks run on OpenMP threads,
//   each with single-threaded BLAS (see for_chunks). A 1x1, stride-1, unpadded
//   convolution skips im2col entirely.
// - direct loops for grouped convolutions with one input channel per group
//   (depthwise convolution): no buffer, vectorized over output channels.
//
// Filter gradients sum fixed image chunks into partial buffers added in order,
// so results do not depend on the thread count.
#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include <omp.h>

#include "common.h"
#include "kernels/matmul.h"

namespace lamina {
namespace {

constexpr int64_t kColBytes = 2 << 20;      // the most columns one im2col chunk holds
constexpr int64_t kPartialBytes = 32 << 20;  // the most per-chunk filter gradients

void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  kernels::blas_gemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
}
void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const double* A, int64_t lda,
          const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
  kernels::blas_gemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
}

// The geometry of one convolution, spatial dims padded to 3 (leading 1s).
struct Geom {
  int64_t N = 0, C = 0, F = 0, G = 1, Cg = 0, Fg = 0;
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, k[3] = {1, 1, 1};
  int64_t s[3] = {1, 1, 1}, d[3] = {1, 1, 1}, p[3] = {0, 0, 0};
  int64_t taps = 1, P_in = 1, P_out = 1;
  bool pointwise() const {  // 1x1, stride 1, no padding: the input is the column matrix
    for (int i = 0; i < 3; ++i)
      if (k[i] != 1 || s[i] != 1 || p[i] != 0 || in[i] != out[i]) return false;
    return G == 1;
  }
};

Shape ints(nb::handle seq, const char* op, const char* what, size_t r) {
  Shape v = shape_from(seq, op);
  if (v.size() != r)
    fail_value(std::string(op) + ": " + what + " must have " + std::to_string(r) +
               " entries (one per spatial dimension), got " + shape_str(v));
  return v;
}

// Reads strides, dilation, padding and the spatial sizes; checks them.
void set_spatial(Geom& g, const Shape& in, const Shape& out, const Shape& k, nb::handle strides,
                 nb::handle dilation, nb::handle pad_lo, const char* op) {
  const size_t r = in.size();
  Shape s = ints(strides, op, "strides", r), d = ints(dilation, op, "dilation_rate", r);
  Shape p = ints(pad_lo, op, "padding", r);
  const int off = 3 - (int)r;
  for (size_t i = 0; i < r; ++i) {
    if (s[i] < 1 || d[i] < 1)
      fail_value(std::string(op) + ": strides and dilation_rate must be positive, got strides " +
                 shape_str(s) + " and dilation_rate " + shape_str(d));
    if (k[i] < 1 || in[i] < 0 || out[i] < 0)
      fail_value(std::string(op) + ": invalid sizes: input " + shape_str(in) + ", kernel " +
                 shape_str(k) + ", output " + shape_str(out));
    if (p[i] < 0 || p[i] > (k[i] - 1) * d[i])
      fail_value(std::string(op) + ": padding " + shape_str(p) + " is out of range for kernel " +
                 shape_str(k));
    g.in[off + i] = in[i];
    g.out[off + i] = out[i];
    g.k[off + i] = k[i];
    g.s[off + i] = s[i];
    g.d[off + i] = d[i];
    g.p[off + i] = p[i];
  }
  g.taps = g.k[0] * g.k[1] * g.k[2];
  g.P_in = g.in[0] * g.in[1] * g.in[2];
  g.P_out = g.out[0] * g.out[1] * g.out[2];
}

void check_float(const View& v, const char* op, const char* arg) {
  if (!is_float(v.dtype))
    fail_type(std::string(op) + ": " + arg + " must be float32 or float64, got " +
              dtype_name(v.dtype));
}

void check_rank(const View& v, int nd, const char* op, const char* arg) {
  if (v.ndim() != nd)
    fail_value(std::string(op) + ": " + arg + " must have rank " + std::to_string(nd) +
               ", got shape " + shape_str(v.shape));
}

// ------------------------------------------------------------------ im2col
// col[(n * P_out + p) * taps * Cg + tap * Cg + c] = x[n0 + n, pos(p, tap), gi * Cg + c]
template <class T>
void im2col(const T* x, T* col, const Geom& g, int64_t n0, int64_t nb, int64_t gi, bool par) {
  const int64_t Cg = g.Cg, C = g.C, rowlen = g.taps * Cg;
  const bool span = g.d[2] == 1 && g.G == 1;  // a kernel row is contiguous in x
#pragma omp parallel for collapse(2) schedule(static) if (par)
  for (int64_t n = 0; n < nb; ++n)
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow) {
          T* row = col + (((n * g.out[0] + od) * g.out[1] + oh) * g.out[2] + ow) * rowlen;
          const int64_t w0 = ow * g.s[2] - g.p[2];
          const bool row_in = span && w0 >= 0 && w0 + g.k[2] <= g.in[2];
          for (int64_t kd = 0; kd < g.k[0]; ++kd) {
            const int64_t id = od * g.s[0] - g.p[0] + kd * g.d[0];
            for (int64_t kh = 0; kh < g.k[1]; ++kh) {
              const int64_t ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
              T* dst = row + (kd * g.k[1] + kh) * g.k[2] * Cg;
              const bool ok = id >= 0 && id < g.in[0] && ih >= 0 && ih < g.in[1];
              if (!ok) {
                std::fill(dst, dst + g.k[2] * Cg, T(0));
                continue;
              }
              const T* src = x + (((n0 + n) * g.in[0] + id) * g.in[1] + ih) * g.in[2] * C + gi * Cg;
              if (row_in) {
                const int64_t len = g.k[2] * C;
                const T* s = src + w0 * C;
                if (len > 32) std::memcpy(dst, s, sizeof(T) * len);
                else for (int64_t i = 0; i < len; ++i) dst[i] = s[i];
                continue;
              }
              for (int64_t kw = 0; kw < g.k[2]; ++kw) {
                const int64_t iw = w0 + kw * g.d[2];
                T* o = dst + kw * Cg;
                if (iw >= 0 && iw < g.in[2]) {
                  const T* s = src + iw * C;
                  for (int64_t c = 0; c < Cg; ++c) o[c] = s[c];
                } else {
                  for (int64_t c = 0; c < Cg; ++c) o[c] = T(0);
                }
              }
            }
          }
        }
}

// dx[n0 + n, pos(p, tap), gi * Cg + c] += col[...]: the adjoint of im2col.
template <class T>
void col2im(const T* col, T* dx, const Geom& g, int64_t n0, int64_t nb, int64_t gi, bool par) {
  const int64_t Cg = g.Cg, C = g.C, rowlen = g.taps * Cg;
#pragma omp parallel for schedule(static) if (par)
  for (int64_t n = 0; n < nb; ++n)
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow) {
          const T* row = col + (((n * g.out[0] + od) * g.out[1] + oh) * g.out[2] + ow) * rowlen;
          for (int64_t kd = 0; kd < g.k[0]; ++kd) {
            const int64_t id = od * g.s[0] - g.p[0] + kd * g.d[0];
            if (id < 0 || id >= g.in[0]) continue;
            for (int64_t kh = 0; kh < g.k[1]; ++kh) {
              const int64_t ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
              if (ih < 0 || ih >= g.in[1]) continue;
              const T* src = row + (kd * g.k[1] + kh) * g.k[2] * Cg;
              T* base = dx + (((n0 + n) * g.in[0] + id) * g.in[1] + ih) * g.in[2] * C + gi * Cg;
              for (int64_t kw = 0; kw < g.k[2]; ++kw) {
                const int64_t iw = ow * g.s[2] - g.p[2] + kw * g.d[2];
                if (iw < 0 || iw >= g.in[2]) continue;
                T* o = base + iw * C;
                const T* s = src + kw * Cg;
                for (int64_t c = 0; c < Cg; ++c) o[c] += s[c];
              }
            }
          }
        }
}

// Images per im2col chunk: at most a sixteenth of the batch (so chunks can be
// shared among threads) and at most kColBytes of columns. Independent of the
// thread count, so results are too.
int64_t chunk_images(const Geom& g, size_t elem) {
  const int64_t per = std::max<int64_t>(1, g.P_out * g.taps * g.Cg * (int64_t)elem);
  const int64_t by_cache = std::max<int64_t>(1, kColBytes / per);
  return std::max<int64_t>(1, std::min<int64_t>(by_cache, (g.N + 15) / 16));
}

// Runs body(chunk, n0, nb, col, par) over chunks of nb images (col: a buffer of
// nb * P_out * taps * Cg). With several chunks and threads, chunks run on OpenMP
// threads, each calling single-threaded BLAS: one parallel region, few
// synchronization points, no OpenMP threads competing with BLAS threads. Else
// chunks run in order with multi-threaded BLAS (and OpenMP inside im2col).
template <class T, class Body>
void for_chunks(const Geom& g, bool allow_par, Body&& body) {
  const int64_t K = g.taps * g.Cg;
  const int64_t nb = chunk_images(g, sizeof(T));
  const int64_t nchunks = (g.N + nb - 1) / nb;
  const int64_t buf = nb * g.P_out * K;
  const int threads = omp_get_max_threads();
  const bool heavy = g.N * g.P_out * K * g.F >= 64 * kParallelGrain;
  if (allow_par && heavy && nchunks >= 2 && threads > 1) {
    const int nt = (int)std::min<int64_t>(threads, nchunks);
    std::vector<std::vector<T>> cols((size_t)nt, std::vector<T>((size_t)buf));
    const int blas = scipy_openblas_get_num_threads();
    scipy_openblas_set_num_threads(1);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (int64_t ch = 0; ch < nchunks; ++ch) {
      const int64_t n0 = ch * nb;
      body(ch, n0, std::min(nb, g.N - n0), cols[(size_t)omp_get_thread_num()].data(), false);
    }
    scipy_openblas_set_num_threads(blas);
    return;
  }
  std::vector<T> col((size_t)buf);
  const bool par = buf >= kParallelGrain;
  for (int64_t ch = 0; ch < nchunks; ++ch) {
    const int64_t n0 = ch * nb;
    body(ch, n0, std::min(nb, g.N - n0), col.data(), par);
  }
}

// ---------------------------------------------------------- GEMM strategy
template <class T>
void forward_gemm(const T* x, const T* w, T* y, const Geom& g) {
  const int64_t F = g.F, Fg = g.Fg, K = g.taps * g.Cg;
  if (g.pointwise()) {
    gemm(false, false, g.N * g.P_in, F, g.C, x, g.C, w, F, T(0), y, F);
    return;
  }
  for_chunks<T>(g, true, [&](int64_t, int64_t n0, int64_t nb, T* col, bool par) {
    for (int64_t gi = 0; gi < g.G; ++gi) {
      im2col(x, col, g, n0, nb, gi, par);
      gemm(false, false, nb * g.P_out, Fg, K, col, K, w + gi * Fg, F, T(0),
           y + n0 * g.P_out * F + gi * Fg, F);
    }
  });
}

template <class T>
void backprop_input_gemm(const T* dy, const T* w, T* dx, const Geom& g) {
  const int64_t F = g.F, Fg = g.Fg, K = g.taps * g.Cg;
  if (g.pointwise()) {
    gemm(false, true, g.N * g.P_in, g.C, F, dy, F, w, F, T(0), dx, g.C);
    return;
  }
  for_chunks<T>(g, true, [&](int64_t, int64_t n0, int64_t nb, T* col, bool par) {
    std::fill(dx + n0 * g.P_in * g.C, dx + (n0 + nb) * g.P_in * g.C, T(0));
    for (int64_t gi = 0; gi < g.G; ++gi) {
      gemm(false, true, nb * g.P_out, K, Fg, dy + n0 * g.P_out * F + gi * Fg, F, w + gi * Fg, F,
           T(0), col, K);
      col2im(col, dx, g, n0, nb, gi, par);
    }
  });
}

template <class T>
void backprop_filter_gemm(const T* x, const T* dy, T* dw, const Geom& g) {
  const int64_t F = g.F, Fg = g.Fg, K = g.taps * g.Cg, W = K * F;
  if (g.pointwise()) {
    gemm(true, false, g.C, F, g.N * g.P_in, x, g.C, dy, F, T(0), dw, F);
    return;
  }
  // Each chunk's gradient goes to its own partial buffer; partials are added in
  // chunk order. When those buffers would be large, chunks accumulate in order.
  const int64_t nchunks = (g.N + chunk_images(g, sizeof(T)) - 1) / chunk_images(g, sizeof(T));
  const bool partials = nchunks * W * (int64_t)sizeof(T) <= (int64_t)kPartialBytes;
  std::vector<T> part(partials ? (size_t)(nchunks * W) : 0);
  if (!partials) std::fill(dw, dw + W, T(0));
  for_chunks<T>(g, partials, [&](int64_t ch, int64_t n0, int64_t nb, T* col, bool par) {
    T* out = partials ? part.data() + ch * W : dw;
    const T beta = partials ? T(0) : T(1);
    for (int64_t gi = 0; gi < g.G; ++gi) {
      im2col(x, col, g, n0, nb, gi, par);
      gemm(true, false, K, Fg, nb * g.P_out, col, K, dy + n0 * g.P_out * F + gi * Fg, F, beta,
           out + gi * Fg, F);
    }
  });
  if (partials) {
    std::copy(part.begin(), part.begin() + W, dw);
    for (int64_t ch = 1; ch < nchunks; ++ch) {
      const T* a = part.data() + ch * W;
#pragma omp simd
      for (int64_t i = 0; i < W; ++i) dw[i] += a[i];
    }
  }
}

// -------------------------------------------------- direct strategy (Cg == 1)
// Calls fn(p, ipos, tap) for every output position p of image n whose tap lands
// inside the input (ipos: the input position).
template <class Fn>
inline void for_taps(const Geom& g, int64_t od, int64_t oh, int64_t ow, Fn&& fn) {
  for (int64_t kd = 0; kd < g.k[0]; ++kd) {
    const int64_t id = od * g.s[0] - g.p[0] + kd * g.d[0];
    if (id < 0 || id >= g.in[0]) continue;
    for (int64_t kh = 0; kh < g.k[1]; ++kh) {
      const int64_t ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
      if (ih < 0 || ih >= g.in[1]) continue;
      for (int64_t kw = 0; kw < g.k[2]; ++kw) {
        const int64_t iw = ow * g.s[2] - g.p[2] + kw * g.d[2];
        if (iw < 0 || iw >= g.in[2]) continue;
        fn((id * g.in[1] + ih) * g.in[2] + iw, (kd * g.k[1] + kh) * g.k[2] + kw);
      }
    }
  }
}

// dst[c * Fg + m] += x[c] * src[c * Fg + m]: each input channel scales its own
// group's row (depthwise: Fg outputs per channel).
template <class T>
inline void grouped_mac(T* dst, const T* x, const T* src, int64_t C, int64_t Fg) {
  if (Fg == 1) {
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) dst[c] += x[c] * src[c];
    return;
  }
  for (int64_t c = 0; c < C; ++c) {
    const T xv = x[c];
    T* d = dst + c * Fg;
    const T* v = src + c * Fg;
#pragma omp simd
    for (int64_t m = 0; m < Fg; ++m) d[m] += xv * v[m];
  }
}

template <class T>
void forward_direct(const T* x, const T* w, T* y, const Geom& g) {
  const int64_t F = g.F, Fg = g.Fg, C = g.C;
  const bool par = g.N * g.P_out * F * g.taps >= kParallelGrain;
#pragma omp parallel for collapse(2) schedule(static) if (par)
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow) {
          T* yo = y + (n * g.P_out + (od * g.out[1] + oh) * g.out[2] + ow) * F;
          for (int64_t f = 0; f < F; ++f) yo[f] = T(0);
          const T* xn = x + n * g.P_in * C;
          for_taps(g, od, oh, ow, [&](int64_t ipos, int64_t tap) {
            grouped_mac(yo, xn + ipos * C, w + tap * F, C, Fg);
          });
        }
}

template <class T>
void backprop_input_direct(const T* dy, const T* w, T* dx, const Geom& g) {
  const int64_t F = g.F, Fg = g.Fg, C = g.C;
  const bool par = g.N * g.P_out * F * g.taps >= kParallelGrain;
#pragma omp parallel for schedule(static) if (par)
  for (int64_t n = 0; n < g.N; ++n) {
    T* dxn = dx + n * g.P_in * C;
    std::fill(dxn, dxn + g.P_in * C, T(0));
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow) {
          const T* go = dy + (n * g.P_out + (od * g.out[1] + oh) * g.out[2] + ow) * F;
          for_taps(g, od, oh, ow, [&](int64_t ipos, int64_t tap) {
            T* xi = dxn + ipos * C;
            const T* wt = w + tap * F;
            if (Fg == 1) {
#pragma omp simd
              for (int64_t c = 0; c < C; ++c) xi[c] += go[c] * wt[c];
            } else {
              for (int64_t c = 0; c < C; ++c) {
                const T* gc = go + c * Fg;
                const T* wc = wt + c * Fg;
                T acc = T(0);
#pragma omp simd reduction(+ : acc)
                for (int64_t m = 0; m < Fg; ++m) acc += gc[m] * wc[m];
                xi[c] += acc;
              }
            }
          });
        }
  }
}

// dw (W values) = the sum over images of image(n, acc) (which adds image n's part to
// acc), in fixed chunks of images with a partial sum each, added in chunk order: the
// same result for every thread count.
template <class T, class Image>
void sum_over_image_chunks(const Geom& g, int64_t W, bool par, T* dw, Image&& image) {
  const int64_t nchunks = std::min<int64_t>(g.N, 32);
  const int64_t per = nchunks ? (g.N + nchunks - 1) / nchunks : 0;
  std::vector<T> part((size_t)(std::max<int64_t>(nchunks, 1) * W), T(0));
#pragma omp parallel for schedule(dynamic, 1) if (par)
  for (int64_t ch = 0; ch < nchunks; ++ch)
    for (int64_t n = ch * per; n < std::min(g.N, (ch + 1) * per); ++n)
      image(n, part.data() + ch * W);
  std::fill(dw, dw + W, T(0));
  for (int64_t ch = 0; ch < nchunks; ++ch) {
    const T* a = part.data() + ch * W;
#pragma omp simd
    for (int64_t i = 0; i < W; ++i) dw[i] += a[i];
  }
}

template <class T>
void backprop_filter_direct(const T* x, const T* dy, T* dw, const Geom& g) {
  const int64_t F = g.F, Fg = g.Fg, C = g.C, W = g.taps * F;
  const bool par = g.N * g.P_out * F * g.taps >= kParallelGrain;
  sum_over_image_chunks<T>(g, W, par, dw, [&](int64_t n, T* acc) {
    const T* xn = x + n * g.P_in * C;
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow) {
          const T* go = dy + (n * g.P_out + (od * g.out[1] + oh) * g.out[2] + ow) * F;
          for_taps(g, od, oh, ow, [&](int64_t ipos, int64_t tap) {
            grouped_mac(acc + tap * F, xn + ipos * C, go, C, Fg);
          });
        }
  });
}

// ------------------------------------- few inputs per output (2-D, G == 1)
// A first layer on grey or RGB images (taps * C <= kFewK, e.g. 3x3 on 1 or 3 channels):
// im2col + gemm with K = 9 spends its time copying and packing. These kernels keep
// the accumulators in vector registers instead: the forward pass holds up to 4 x 16
// outputs of one position over its taps and channels; the filter gradient holds 1-4
// vectors of one (tap, channel)'s filter row over one image's positions. Sums run in
// the same order for every thread count (images in fixed chunks, added in order).
constexpr int64_t kFewK = 27;

template <class T>
bool few_inputs_2d(const Geom& g) {
  constexpr int64_t V = 64 / sizeof(T);
  return g.G == 1 && g.k[0] == 1 && g.in[0] == 1 && g.out[0] == 1 && g.taps > 1 &&
         g.taps * g.C <= kFewK && g.F % V == 0;
}

// The output rows [lo, hi) whose tap at offset k (stride s, pad p, dilation d) lands
// in an input of n rows.
inline void valid_range(int64_t out, int64_t n, int64_t s, int64_t p, int64_t d, int64_t k,
                        int64_t* lo, int64_t* hi) {
  const int64_t off = k * d - p;  // input row = o * s + off
  *lo = off >= 0 ? 0 : (-off + s - 1) / s;
  *hi = std::min(out, n - off > 0 ? (n - off + s - 1) / s : int64_t(0));
  if (*hi < *lo) *hi = *lo;
}

// acc[b][m] += xv * src[b * V + m] for NB vectors of V lanes (kept in registers).
template <class T, int NB, int V>
inline void axpy_vectors(T (&acc)[NB][V], T xv, const T* src) {
  for (int b = 0; b < NB; ++b)
#pragma omp simd
    for (int m = 0; m < V; ++m) acc[b][m] += xv * src[b * V + m];
}

template <class T, int NB>
inline void few_inputs_position(const T* xn, const T* w, T* yo, const Geom& g, int64_t oh,
                                int64_t ow, int64_t fb) {
  constexpr int V = 64 / sizeof(T);
  const int64_t C = g.C, F = g.F;
  T acc[NB][V] = {};
  for_taps(g, 0, oh, ow, [&](int64_t ipos, int64_t tap) {
    const T* xi = xn + ipos * C;
    const T* wt = w + tap * C * F + fb;
    for (int64_t c = 0; c < C; ++c) axpy_vectors(acc, xi[c], wt + c * F);
  });
  for (int b = 0; b < NB; ++b)
#pragma omp simd
    for (int m = 0; m < V; ++m) yo[fb + b * V + m] = acc[b][m];
}

// Four neighbouring positions at once (every tap inside the input): four times the
// independent FMA chains, so the core overlaps them instead of waiting on each.
template <class T, int NB>
inline void few_inputs_4positions(const T* xn, const T* w, T* yo, const Geom& g, int64_t oh,
                                  int64_t ow, int64_t fb) {
  constexpr int V = 64 / sizeof(T);
  const int64_t C = g.C, F = g.F, sx = g.s[2] * C;
  T acc[4][NB][V] = {};
  for (int64_t kh = 0; kh < g.k[1]; ++kh) {
    const int64_t ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
    for (int64_t kw = 0; kw < g.k[2]; ++kw) {
      const int64_t iw = ow * g.s[2] - g.p[2] + kw * g.d[2];
      const T* xi = xn + (ih * g.in[2] + iw) * C;
      const T* wt = w + (kh * g.k[2] + kw) * C * F + fb;
      for (int64_t c = 0; c < C; ++c) {
        const T* wc = wt + c * F;
        for (int q = 0; q < 4; ++q) axpy_vectors(acc[q], xi[q * sx + c], wc);
      }
    }
  }
  for (int q = 0; q < 4; ++q)
    for (int b = 0; b < NB; ++b)
#pragma omp simd
      for (int m = 0; m < V; ++m) yo[q * F + fb + b * V + m] = acc[q][b][m];
}

template <class T>
void forward_few_inputs(const T* x, const T* w, T* y, const Geom& g) {
  constexpr int64_t V = 64 / sizeof(T);
  const int64_t F = g.F;
  const bool par = g.N * g.P_out * F * g.taps >= kParallelGrain;
#pragma omp parallel for collapse(2) schedule(static) if (par)
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t oh = 0; oh < g.out[1]; ++oh) {
      const T* xn = x + n * g.P_in * g.C;
      // Positions whose taps are all inside: rows [rh0, rh1), columns [rw0, rw1).
      int64_t rh0, rh1, rw0, rw1, lo, hi;
      valid_range(g.out[1], g.in[1], g.s[1], g.p[1], g.d[1], 0, &rh0, &rh1);
      valid_range(g.out[1], g.in[1], g.s[1], g.p[1], g.d[1], g.k[1] - 1, &lo, &hi);
      rh0 = std::max(rh0, lo), rh1 = std::min(rh1, hi);
      valid_range(g.out[2], g.in[2], g.s[2], g.p[2], g.d[2], 0, &rw0, &rw1);
      valid_range(g.out[2], g.in[2], g.s[2], g.p[2], g.d[2], g.k[2] - 1, &lo, &hi);
      rw0 = std::max(rw0, lo), rw1 = std::min(rw1, hi);
      for (int64_t ow = 0; ow < g.out[2]; ++ow) {
        T* yo = y + (n * g.P_out + oh * g.out[2] + ow) * F;
        if (oh >= rh0 && oh < rh1 && ow >= rw0 && ow + 4 <= rw1) {
          int64_t fb = 0;
          for (; fb + 2 * V <= F; fb += 2 * V) few_inputs_4positions<T, 2>(xn, w, yo, g, oh, ow, fb);
          for (; fb < F; fb += V) few_inputs_4positions<T, 1>(xn, w, yo, g, oh, ow, fb);
          ow += 3;
          continue;
        }
        int64_t fb = 0;
        for (; fb + 4 * V <= F; fb += 4 * V) few_inputs_position<T, 4>(xn, w, yo, g, oh, ow, fb);
        for (; fb + 2 * V <= F; fb += 2 * V) few_inputs_position<T, 2>(xn, w, yo, g, oh, ow, fb);
        for (; fb < F; fb += V) few_inputs_position<T, 1>(xn, w, yo, g, oh, ow, fb);
      }
    }
}

// acc[0:NB*V] += sum over image n's positions of x[tap-shifted position, c] * dy[position, fb:].
template <class T, int NB>
inline void few_inputs_filter_row(const T* xn, const T* dyn, T* acc, const Geom& g, int64_t kh,
                                  int64_t kw, int64_t c, int64_t fb) {
  constexpr int V = 64 / sizeof(T);
  const int64_t C = g.C, F = g.F;
  int64_t oh0, oh1, ow0, ow1;
  valid_range(g.out[1], g.in[1], g.s[1], g.p[1], g.d[1], kh, &oh0, &oh1);
  valid_range(g.out[2], g.in[2], g.s[2], g.p[2], g.d[2], kw, &ow0, &ow1);
  T a[NB][V] = {};
  for (int64_t oh = oh0; oh < oh1; ++oh) {
    const int64_t ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
    const T* xr = xn + ih * g.in[2] * C + c;
    const T* dr = dyn + oh * g.out[2] * F + fb;
    for (int64_t ow = ow0; ow < ow1; ++ow) {
      axpy_vectors(a, xr[(ow * g.s[2] - g.p[2] + kw * g.d[2]) * C], dr + ow * F);
    }
  }
  for (int b = 0; b < NB; ++b)
#pragma omp simd
    for (int m = 0; m < V; ++m) acc[b * V + m] += a[b][m];
}

template <class T>
void backprop_filter_few_inputs(const T* x, const T* dy, T* dw, const Geom& g) {
  constexpr int64_t V = 64 / sizeof(T);
  const int64_t C = g.C, F = g.F, W = g.taps * C * F;
  const bool par = g.N * g.P_out * F * g.taps >= kParallelGrain;
  sum_over_image_chunks<T>(g, W, par, dw, [&](int64_t n, T* acc) {
    const T* xn = x + n * g.P_in * C;
    const T* dyn = dy + n * g.P_out * F;
    for (int64_t kh = 0; kh < g.k[1]; ++kh)
      for (int64_t kw = 0; kw < g.k[2]; ++kw)
        for (int64_t c = 0; c < C; ++c) {
          T* row = acc + ((kh * g.k[2] + kw) * C + c) * F;
          int64_t fb = 0;
          for (; fb + 4 * V <= F; fb += 4 * V)
            few_inputs_filter_row<T, 4>(xn, dyn, row + fb, g, kh, kw, c, fb);
          for (; fb + 2 * V <= F; fb += 2 * V)
            few_inputs_filter_row<T, 2>(xn, dyn, row + fb, g, kh, kw, c, fb);
          for (; fb < F; fb += V) few_inputs_filter_row<T, 1>(xn, dyn, row + fb, g, kh, kw, c, fb);
        }
  });
}

// ---------------------------------------------------------------- bindings
std::string desc2(const char* a, const View& va, const char* b, const View& vb) {
  return std::string(a) + " " + shape_str(va.shape) + " and " + b + " " + shape_str(vb.shape);
}

void check_pair(const View& a, const View& b, const char* op, const char* an, const char* bn) {
  check_float(a, op, an);
  if (a.dtype != b.dtype)
    fail_type(std::string(op) + ": " + an + " and " + bn + " must share a dtype, got " +
              dtype_name(a.dtype) + " and " + dtype_name(b.dtype));
  const int nd = a.ndim();
  if (nd < 3 || nd > 5)
    fail_value(std::string(op) + ": " + an + " must have rank 3, 4 or 5 (batch, spatial..., "
               "channels), got shape " + shape_str(a.shape));
  check_rank(b, nd, op, bn);
}

void set_groups(Geom& g, int64_t groups, int64_t Cg, const char* op, const std::string& desc) {
  if (groups < 1) fail_value(std::string(op) + ": groups must be positive, got " + std::to_string(groups));
  g.G = groups;
  g.Cg = Cg;
  if (g.C != groups * Cg)
    fail_value(std::string(op) + ": the input has " + std::to_string(g.C) +
               " channels but the kernel expects " + std::to_string(Cg) + " per group x " +
               std::to_string(groups) + " groups, for " + desc);
  if (g.F % groups != 0)
    fail_value(std::string(op) + ": the kernel's " + std::to_string(g.F) +
               " output channels are not divisible by groups=" + std::to_string(groups) + ", for " +
               desc);
  g.Fg = g.F / groups;
}

bool big(const Geom& g) { return g.N * g.P_out * g.F * g.taps * g.Cg >= kParallelGrain; }

// y = conv(x, w); `out` gives the output's spatial sizes, `pad_lo` the padding
// before each spatial dimension (the padding after is implied by `out`).
nb::object conv(nb::handle xh, nb::handle wh, nb::handle strides, nb::handle dilation,
                nb::handle pad_lo, nb::handle outh, int64_t groups, nb::handle outa) {
  const char* op = "conv";
  View x = view_of(xh, op, "inputs"), w = view_of(wh, op, "kernel");
  check_pair(x, w, op, "inputs", "kernel");
  const std::string desc = desc2("inputs", x, "kernel", w);
  const int nd = x.ndim(), r = nd - 2;
  Geom g;
  g.N = x.shape[0];
  g.C = x.shape[nd - 1];
  g.F = w.shape[nd - 1];
  Shape out = ints(outh, op, "output size", r);
  set_spatial(g, Shape(x.shape.begin() + 1, x.shape.end() - 1), out,
              Shape(w.shape.begin(), w.shape.end() - 2), strides, dilation, pad_lo, op);
  set_groups(g, groups, w.shape[nd - 2], op, desc);
  Shape ys = {g.N};
  ys.insert(ys.end(), out.begin(), out.end());
  ys.push_back(g.F);
  View y;
  nb::object res = out_array(outa, x.dtype, ys, &y, op, {&x, &w});
  if (y.size == 0) return res;
  GilRelease nogil(big(g));
  dispatch_all(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      if (g.Cg == 1 && g.G > 1) forward_direct(x.ptr<T>(), w.ptr<T>(), y.ptr<T>(), g);
      else if (few_inputs_2d<T>(g)) forward_few_inputs(x.ptr<T>(), w.ptr<T>(), y.ptr<T>(), g);
      else forward_gemm(x.ptr<T>(), w.ptr<T>(), y.ptr<T>(), g);
    }
  });
  return res;
}

// dx = the gradient of conv w.r.t. its input of spatial size `in`, given dy.
nb::object conv_backprop_input(nb::handle dyh, nb::handle wh, nb::handle inh, nb::handle strides,
                               nb::handle dilation, nb::handle pad_lo, int64_t groups,
                               nb::handle outa) {
  const char* op = "conv_backprop_input";
  View dy = view_of(dyh, op, "output_gradient"), w = view_of(wh, op, "kernel");
  check_pair(dy, w, op, "output_gradient", "kernel");
  const std::string desc = desc2("output_gradient", dy, "kernel", w);
  const int nd = dy.ndim(), r = nd - 2;
  Geom g;
  g.N = dy.shape[0];
  g.F = w.shape[nd - 1];
  if (dy.shape[nd - 1] != g.F)
    fail_value(std::string(op) + ": the output gradient has " + std::to_string(dy.shape[nd - 1]) +
               " channels but the kernel has " + std::to_string(g.F) + " filters, for " + desc);
  Shape in = ints(inh, op, "input size", r);
  set_spatial(g, in, Shape(dy.shape.begin() + 1, dy.shape.end() - 1),
              Shape(w.shape.begin(), w.shape.end() - 2), strides, dilation, pad_lo, op);
  g.C = w.shape[nd - 2] * groups;
  set_groups(g, groups, w.shape[nd - 2], op, desc);
  Shape xs = {g.N};
  xs.insert(xs.end(), in.begin(), in.end());
  xs.push_back(g.C);
  View dx;
  nb::object res = out_array(outa, dy.dtype, xs, &dx, op, {&dy, &w});
  if (dx.size == 0) return res;
  GilRelease nogil(big(g));
  dispatch_all(dy.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      if (g.P_out == 0 || g.F == 0) { std::fill(dx.ptr<T>(), dx.ptr<T>() + dx.size, T(0)); return; }
      if (g.Cg == 1 && g.G > 1) backprop_input_direct(dy.ptr<T>(), w.ptr<T>(), dx.ptr<T>(), g);
      else backprop_input_gemm(dy.ptr<T>(), w.ptr<T>(), dx.ptr<T>(), g);
    }
  });
  return res;
}

// dw = the gradient of conv w.r.t. its kernel of spatial size `ksize`, given x and dy.
nb::object conv_backprop_filter(nb::handle xh, nb::handle dyh, nb::handle kh, nb::handle strides,
                                nb::handle dilation, nb::handle pad_lo, int64_t groups,
                                nb::handle outa) {
  const char* op = "conv_backprop_filter";
  View x = view_of(xh, op, "inputs"), dy = view_of(dyh, op, "output_gradient");
  check_pair(x, dy, op, "inputs", "output_gradient");
  const std::string desc = desc2("inputs", x, "output_gradient", dy);
  const int nd = x.ndim(), r = nd - 2;
  Geom g;
  g.N = x.shape[0];
  g.C = x.shape[nd - 1];
  g.F = dy.shape[nd - 1];
  if (dy.shape[0] != g.N)
    fail_value(std::string(op) + ": batch sizes differ for " + desc);
  if (groups < 1 || g.C % groups != 0)
    fail_value(std::string(op) + ": " + std::to_string(g.C) +
               " input channels are not divisible by groups=" + std::to_string(groups));
  Shape k = ints(kh, op, "kernel size", r);
  set_spatial(g, Shape(x.shape.begin() + 1, x.shape.end() - 1),
              Shape(dy.shape.begin() + 1, dy.shape.end() - 1), k, strides, dilation, pad_lo, op);
  set_groups(g, groups, g.C / groups, op, desc);
  Shape ws = k;
  ws.push_back(g.Cg);
  ws.push_back(g.F);
  View dw;
  nb::object res = out_array(outa, x.dtype, ws, &dw, op, {&x, &dy});
  if (dw.size == 0) return res;
  GilRelease nogil(big(g));
  dispatch_all(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      if (g.N == 0 || g.P_out == 0) { std::fill(dw.ptr<T>(), dw.ptr<T>() + dw.size, T(0)); return; }
      if (g.Cg == 1 && g.G > 1) backprop_filter_direct(x.ptr<T>(), dy.ptr<T>(), dw.ptr<T>(), g);
      else if (few_inputs_2d<T>(g)) backprop_filter_few_inputs(x.ptr<T>(), dy.ptr<T>(), dw.ptr<T>(), g);
      else backprop_filter_gemm(x.ptr<T>(), dy.ptr<T>(), dw.ptr<T>(), g);
    }
  });
  return res;
}

}  // namespace

void bind_conv(nb::module_& m) {
  m.def("conv", &conv, nb::arg("inputs"), nb::arg("kernel"), nb::arg("strides"),
        nb::arg("dilation_rate"), nb::arg("pad_lo"), nb::arg("out_size"), nb::arg("groups") = 1,
        nb::arg("out").none() = nb::none(),
        "Channels-last N-d convolution (cross-correlation) with explicit geometry; `out`: "
        "an array to write the result into (the compiled executor's arena) instead of a new one.");
  m.def("conv_backprop_input", &conv_backprop_input, nb::arg("output_gradient"),
        nb::arg("kernel"), nb::arg("in_size"), nb::arg("strides"), nb::arg("dilation_rate"),
        nb::arg("pad_lo"), nb::arg("groups") = 1, nb::arg("out").none() = nb::none(),
        "The gradient of conv w.r.t. its input (also: transposed convolution).");
  m.def("conv_backprop_filter", &conv_backprop_filter, nb::arg("inputs"),
        nb::arg("output_gradient"), nb::arg("kernel_size"), nb::arg("strides"),
        nb::arg("dilation_rate"), nb::arg("pad_lo"), nb::arg("groups") = 1,
        nb::arg("out").none() = nb::none(), "The gradient of conv w.r.t. its kernel.");
}

}  // namespace lamina
