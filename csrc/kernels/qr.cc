// QR decomposition (reduced, like numpy.linalg.qr's default mode) through LAPACK's
// geqrf/orgqr from the scipy-openblas32 library. Leading axes are batch axes.
// Used by the Orthogonal initializer; the natural base for a future ops.linalg.qr.
#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "common.h"

// The Fortran LAPACK entry points (scipy-openblas32 prefixes them with "scipy_";
// 32-bit integers). Declared here so no LAPACK header is needed.
extern "C" {
void scipy_sgeqrf_(const int* m, const int* n, float* a, const int* lda, float* tau, float* work,
                   const int* lwork, int* info);
void scipy_dgeqrf_(const int* m, const int* n, double* a, const int* lda, double* tau,
                   double* work, const int* lwork, int* info);
void scipy_sorgqr_(const int* m, const int* n, const int* k, float* a, const int* lda,
                   const float* tau, float* work, const int* lwork, int* info);
void scipy_dorgqr_(const int* m, const int* n, const int* k, double* a, const int* lda,
                   const double* tau, double* work, const int* lwork, int* info);
}

namespace lamina {
namespace {

void geqrf(int m, int n, float* a, int lda, float* tau, float* w, int lw, int* info) {
  scipy_sgeqrf_(&m, &n, a, &lda, tau, w, &lw, info);
}
void geqrf(int m, int n, double* a, int lda, double* tau, double* w, int lw, int* info) {
  scipy_dgeqrf_(&m, &n, a, &lda, tau, w, &lw, info);
}
void orgqr(int m, int n, int k, float* a, int lda, const float* tau, float* w, int lw, int* info) {
  scipy_sorgqr_(&m, &n, &k, a, &lda, tau, w, &lw, info);
}
void orgqr(int m, int n, int k, double* a, int lda, const double* tau, double* w, int lw,
           int* info) {
  scipy_dorgqr_(&m, &n, &k, a, &lda, tau, w, &lw, info);
}

// One (m, n) row-major matrix `x` -> Q (m, k) and R (k, n), row-major, k = min(m, n).
// Returns LAPACK's info (0 on success); runs without the GIL, so it never throws.
template <class T>
int qr_one(const T* x, int m, int n, T* q, T* r, std::vector<T>& a, std::vector<T>& tau,
            std::vector<T>& work) {
  const int k = std::min(m, n);
  // LAPACK is column-major: a[i + j*m] = x[i][j].
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) a[i + (size_t)j * m] = x[(size_t)i * n + j];
  int info = 0;
  geqrf(m, n, a.data(), m, tau.data(), work.data(), (int)work.size(), &info);
  if (info != 0) return info;
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < n; ++j) r[(size_t)i * n + j] = j >= i ? a[i + (size_t)j * m] : T(0);
  orgqr(m, k, k, a.data(), m, tau.data(), work.data(), (int)work.size(), &info);
  if (info != 0) return info;
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < k; ++j) q[(size_t)i * k + j] = a[i + (size_t)j * m];
  return 0;
}

template <class T>
int workspace(int m, int n) {
  const int k = std::min(m, n);
  std::vector<T> a(1), tau(1);
  T query = 0;
  int info = 0, lw = -1;
  geqrf(m, n, a.data(), std::max(1, m), tau.data(), &query, lw, &info);
  int need = std::max(1, (int)query);
  orgqr(m, k, k, a.data(), std::max(1, m), tau.data(), &query, lw, &info);
  return std::max(need, std::max(1, (int)query));
}

nb::object qr(nb::handle xh) {
  View x = view_of(xh, "qr", "x");
  if (!is_float(x.dtype))
    fail_type(std::string("qr: expected a float32 or float64 tensor, got ") + dtype_name(x.dtype));
  if (x.ndim() < 2)
    fail_value("qr: expected a tensor of rank >= 2 (a matrix or a batch of matrices), got shape " +
               shape_str(x.shape));
  const int64_t m64 = x.shape[x.ndim() - 2], n64 = x.shape[x.ndim() - 1];
  if (m64 > (1 << 30) || n64 > (1 << 30) || m64 * n64 > (int64_t(1) << 31) - 1)
    fail_value("qr: matrix too large for 32-bit LAPACK, got shape " + shape_str(x.shape));
  const int m = (int)m64, n = (int)n64, k = std::min(m, n);
  Shape qs = x.shape, rs = x.shape;
  qs[qs.size() - 1] = k;
  rs[rs.size() - 2] = k;
  const int64_t batch = m64 * n64 == 0 ? 0 : x.size / (m64 * n64);
  View qv, rv;
  nb::object qo = new_array(x.dtype, qs, &qv);
  nb::object ro = new_array(x.dtype, rs, &rv);
  int info = 0;
  dispatch_all(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      if (batch == 0 || k == 0) {
        std::fill(qv.ptr<T>(), qv.ptr<T>() + qv.size, T(0));
        std::fill(rv.ptr<T>(), rv.ptr<T>() + rv.size, T(0));
        return;
      }
      GilRelease nogil(x.size >= kParallelGrain);
      std::vector<T> a((size_t)m * n), tau(k), work(workspace<T>(m, n));
      for (int64_t b = 0; b < batch && info == 0; ++b)
        info = qr_one<T>(x.ptr<T>() + b * m * n, m, n, qv.ptr<T>() + b * m * k,
                         rv.ptr<T>() + b * k * n, a, tau, work);
    }
  });
  if (info != 0) fail_value("qr: LAPACK failed with info=" + std::to_string(info));
  return nb::make_tuple(qo, ro);
}

}  // namespace

void bind_qr(nb::module_& m) {
  m.def("qr", &qr, nb::arg("x"),
        "Reduced QR decomposition of the last two axes: (q, r) with q (..., m, k), "
        "r (..., k, n), k = min(m, n).");
}

}  // namespace lamina
