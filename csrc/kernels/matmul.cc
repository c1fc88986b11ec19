// Matrix multiplication with NumPy's matmul semantics (1-D promotion, broadcast
// batch dimensions), optional transposition of either operand's last two axes
// (used by the backward pass to avoid copies), OpenBLAS sgemm/dgemm for floats, but
// lamina's own kernels (small_gemm.h) for small float32 products.
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <type_traits>

#include "common.h"
#include "kernels/matmul.h"
#include "kernels/small_gemm.h"

namespace lamina {
namespace {

// A single row (M == 1) or column (N == 1) is a matrix-vector product: gemv reads
// the matrix once and is several times faster there than gemm (1x784 @ 784x512:
// 31 us against 114 us), which is what a one-sample predict does.
template <class T, class Gemv>
bool try_gemv(Gemv gemv, bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A,
              int64_t lda, const T* B, int64_t ldb, T* C, int64_t ldc) {
  if (M == 1) {  // c (1xN) = a (1xK) @ op(B) (KxN)
    const int64_t inc_a = ta ? lda : 1;
    if (tb)  // B stored N x K: c = B a
      gemv(CblasRowMajor, CblasNoTrans, (blasint)N, (blasint)K, T(1), B, (blasint)ldb, A,
           (blasint)inc_a, T(0), C, 1);
    else  // B stored K x N: c = B^T a
      gemv(CblasRowMajor, CblasTrans, (blasint)K, (blasint)N, T(1), B, (blasint)ldb, A,
           (blasint)inc_a, T(0), C, 1);
    return true;
  }
  if (N == 1) {  // c (Mx1) = op(A) (MxK) @ b (Kx1)
    const int64_t inc_b = tb ? 1 : ldb;
    if (ta)  // A stored K x M: c = A^T b
      gemv(CblasRowMajor, CblasTrans, (blasint)K, (blasint)M, T(1), A, (blasint)lda, B,
           (blasint)inc_b, T(0), C, (blasint)ldc);
    else
      gemv(CblasRowMajor, CblasNoTrans, (blasint)M, (blasint)K, T(1), A, (blasint)lda, B,
           (blasint)inc_b, T(0), C, (blasint)ldc);
    return true;
  }
  return false;
}

// Integer matmul: no BLAS; a plain cache-friendly i-k-j loop.
template <class T>
void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda,
          const T* B, int64_t ldb, T* C, int64_t ldc) {
  static_assert(!std::is_floating_point_v<T>, "floats go to BLAS (kernels::gemm)");
  for (int64_t i = 0; i < M; ++i) {
    T* c = C + i * ldc;
    for (int64_t j = 0; j < N; ++j) c[j] = T(0);
    for (int64_t k = 0; k < K; ++k) {
      const T a = ta ? A[k * lda + i] : A[i * lda + k];
      if constexpr (std::is_same_v<T, bool>) {
        if (!a) continue;
        for (int64_t j = 0; j < N; ++j) c[j] = c[j] || (tb ? B[j * ldb + k] : B[k * ldb + j]);
      } else {
        for (int64_t j = 0; j < N; ++j) c[j] += a * (tb ? B[j * ldb + k] : B[k * ldb + j]);
      }
    }
  }
}

using kernels::gemm;

nb::object matmul(nb::handle ah, nb::handle bh, bool ta, bool tb) {
  View a = view_of(ah, "matmul", "x1");
  View b = view_of(bh, "matmul", "x2");
  auto desc = [&]() {
    return shape_str(a.shape) + " (" + dtype_name(a.dtype) + ") and " + shape_str(b.shape) + " (" +
           dtype_name(b.dtype) + ")";
  };
  if (a.dtype != b.dtype) fail_type("matmul: operands must share a dtype, got " + desc());
  if (a.ndim() == 0 || b.ndim() == 0) fail_value("matmul: operands must be at least 1-D, got " + desc());
  if ((ta && a.ndim() < 2) || (tb && b.ndim() < 2))
    fail_value("matmul: transposed operands must be at least 2-D, got " + desc());
  // Promote 1-D operands as NumPy does, remembering to drop the added axis.
  Shape as = a.shape, bs = b.shape;
  const bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
  if (a_vec) as.insert(as.begin(), 1);
  if (b_vec) bs.push_back(1);
  const int an = (int)as.size(), bn = (int)bs.size();
  const int64_t M = ta ? as[an - 1] : as[an - 2];
  const int64_t K = ta ? as[an - 2] : as[an - 1];
  const int64_t K2 = tb ? bs[bn - 1] : bs[bn - 2];
  const int64_t N = tb ? bs[bn - 2] : bs[bn - 1];
  if (K != K2)
    fail_value("matmul: contraction dimensions differ (" + std::to_string(K) + " vs " +
               std::to_string(K2) + ") for shapes " + desc());
  // Broadcast batch dimensions.
  const int nb_a = an - 2, nb_b = bn - 2, nbat = std::max(nb_a, nb_b);
  Shape batch(nbat, 1);
  for (int i = 0; i < nbat; ++i) {
    const int ia = i - (nbat - nb_a), ib = i - (nbat - nb_b);
    const int64_t da = ia >= 0 ? as[ia] : 1, db = ib >= 0 ? bs[ib] : 1;
    if (da != db && da != 1 && db != 1)
      fail_value("matmul: batch dimensions cannot be broadcast for shapes " + desc());
    batch[i] = std::max(da, db);
    if (da == 0 || db == 0) batch[i] = 0;
  }
  Shape out_shape = batch;
  if (!a_vec) out_shape.push_back(M);
  if (!b_vec) out_shape.push_back(N);
  View o;
  nb::object out = new_array(a.dtype, out_shape, &o);
  int64_t nbatch = 1;
  for (int64_t d : batch) nbatch *= d;
  if (o.size == 0) return out;
  const int64_t a_mat = as[an - 2] * as[an - 1], b_mat = bs[bn - 2] * bs[bn - 1];
  const int64_t lda = as[an - 1], ldb = bs[bn - 1];
  bool b_shared = true;  // b has no (non-unit) batch dims: every batch uses the same matrix
  for (int i = 0; i < nb_b; ++i) b_shared = b_shared && bs[i] == 1;
  GilRelease nogil(M * N * K >= kParallelGrain || nbatch > 16);
  dispatch_all(a.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* A = a.ptr<T>();
    const T* B = b.ptr<T>();
    T* C = o.ptr<T>();
    if (K == 0) {
      for (int64_t i = 0; i < o.size; ++i) C[i] = T(0);
      return;
    }
    if (b_shared && !ta && nb_a > 0 && nbat == nb_a) {
      // (..., M, K) @ (K, N): fold every batch dim into M, one GEMM call.
      gemm(false, tb, nbatch * M, N, K, A, lda, B, ldb, C, N);
      return;
    }
    std::vector<int64_t> idx(nbat, 0);
    for (int64_t bi = 0; bi < nbatch; ++bi) {
      int64_t oa = 0, ob = 0;
      int64_t sa = 1, sb = 1;
      for (int i = nbat - 1; i >= 0; --i) {
        const int ia = i - (nbat - nb_a), ib = i - (nbat - nb_b);
        if (ia >= 0) { if (as[ia] != 1) oa += idx[i] * sa; sa *= as[ia]; }
        if (ib >= 0) { if (bs[ib] != 1) ob += idx[i] * sb; sb *= bs[ib]; }
      }
      gemm(ta, tb, M, N, K, A + oa * a_mat, lda, B + ob * b_mat, ldb, C + bi * M * N, N);
      for (int i = nbat - 1; i >= 0; --i) {
        if (++idx[i] < batch[i]) break;
        idx[i] = 0;
      }
    }
  });
  return out;
}

}  // namespace

namespace kernels {
namespace {

// Whether float32 products may take lamina's own small-matrix kernels (a switch for
// benchmarks, to time OpenBLAS on the same shapes in the same process).
std::atomic<bool> small_kernels{kHaveSmallGemm};

// Up to this many multiply-adds (M * N * K) a float32 product runs on the calling
// thread in kernels::small_gemm, not in OpenBLAS. AVX-512 (Sapphire Rapids, 2 shared
// cores, OpenBLAS with lamina's thread settings, best of 30; operands 64-byte aligned /
// 16-byte aligned as NumPy's): 32x64 @ 64x64 1.50 / 1.75 -> 1.45 / 1.62 us, 32x64 @
// (64x64)^T 3.6 -> 1.8 us; 2^20 (64x128x128, 256x64x64, 16x256x256, ...) 1.0-2.4x
// faster, one case in 14 0.9x; 2^21 (128^3, 512x64x64, 32x128x512, ...) 0.89-1.67x
// as OpenBLAS's second thread starts to pay. AVX2 (the same machine,
// OPENBLAS_CORETYPE=Haswell): 64^3 1.17x, 128^3 0.81x.
// Matrix-vector products (M or N == 1) with up to kSmallGemvMax matrix elements per
// thread take the direct gemv kernels, which beat OpenBLAS's sgemv from L2 (1x784 @
// 784x512, one thread: 15.7 -> 12.2 us); larger ones go to BLAS gemv on blocks.
#ifdef __AVX512F__
constexpr int64_t kSmallGemmMax = int64_t(1) << 20;
constexpr int64_t kSmallGemvMax = int64_t(7) << 16;  // 896 x 512
#else
constexpr int64_t kSmallGemmMax = int64_t(1) << 18;
constexpr int64_t kSmallGemvMax = int64_t(1) << 17;
#endif

// Large products run on lamina's OpenMP threads, each calling a single-threaded BLAS
// on its block of C (rows or columns), instead of on OpenBLAS's own thread pool: one
// pool for every kernel, whose workers spin briefly between parallel regions
// (backend/native.py sets GOMP_SPINCOUNT), so the hand-offs between a gemm and the
// elementwise, reduction and optimizer kernels around it cost no wake-up. MLP
// 784-512-256-10 training step, batch 128, 2 cores: 2.19 -> 1.71 ms. Each block is an
// ordinary BLAS call on a sub-matrix, so a product's results depend only on its
// shape and the thread count.
constexpr double kSplitMin = double(1 << 21);  // multiply-adds: below, one thread

// Calls part(lo, hi) for blocks of [0, extent) in multiples of `unit`, one per thread
// (the same block for the same thread every time), when `worth` and no parallel
// region is active; else part(0, extent).
template <class Part>
void split(int64_t extent, int64_t unit, bool worth, Part&& part) {
  const int nt = omp_in_parallel() ? 1 : omp_get_max_threads();
  if (nt < 2 || !worth || extent < 2 * unit) {
    part(int64_t(0), extent);
    return;
  }
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num(), n = omp_get_num_threads();
    const int64_t units = (extent + unit - 1) / unit;
    const int64_t lo = std::min(extent, units * t / n * unit);
    const int64_t hi = std::min(extent, units * (t + 1) / n * unit);
    if (hi > lo) part(lo, hi);
  }
}

// M == 1 or N == 1 through the direct gemv kernels; false leaves it to BLAS.
// Matrices from this many elements (256 KB of float32) are split across the threads
// by output blocks; each output is the same FMA chain as unsplit. 1x784 @ 784x512:
// 19 -> 12 us on this machine's two vCPUs, which share one L2's bandwidth (two
// threads scale 1.15x from L2 here), so the gain is less than two cores would give.
constexpr int64_t kSplitGemv = int64_t(1) << 16;

bool small_gemv(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                const float* B, int64_t ldb, float* C, int64_t ldc) {
  if (M != 1 && N != 1) return false;
  const int64_t size = K * std::max(M, N);
  const bool par = size >= kSplitGemv && M != N && !omp_in_parallel() && omp_get_max_threads() > 1;
  if (size > kSmallGemvMax * (par ? omp_get_max_threads() : 1)) return false;
  // Dot products shorter than a vector are mostly the horizontal sum: OpenBLAS's are
  // faster (1 x 1 @ (64 x 1)^T: 0.12 us against 0.02).
  const bool dots = M == 1 ? N == 1 || tb : !ta;
  if (dots && K < 16) return false;
  const int64_t inc_a = ta ? lda : 1, inc_b = tb ? 1 : ldb;  // op(A)'s row, op(B)'s column
  if (M == 1 && N == 1) {  // a dot product: dots needs one side contiguous
    if (inc_b == 1) gemv_dots(1, K, A, inc_a, B, K, C, 1);
    else if (inc_a == 1) gemv_dots(1, K, B, inc_b, A, K, C, 1);
    else return false;
  } else if (M == 1) {  // c = a @ op(B): stream B's rows (K x N), or dot with them (N x K)
    split(N, 16, par, [&](int64_t lo, int64_t hi) {
      if (tb) gemv_dots(hi - lo, K, A, inc_a, B + lo * ldb, ldb, C + lo, 1);
      else gemv_rows(hi - lo, K, A, inc_a, B + lo, ldb, C + lo, 1);
    });
  } else {  // c = op(A) @ b, into C's column
    split(M, 16, par, [&](int64_t lo, int64_t hi) {
      if (ta) gemv_rows(hi - lo, K, B, inc_b, A + lo, lda, C + lo * ldc, ldc);
      else gemv_dots(hi - lo, K, B, inc_b, A + lo * lda, lda, C + lo * ldc, ldc);
    });
  }
  return true;
}

void blas(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  scipy_cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                    (blasint)M, (blasint)N, (blasint)K, 1.0f, A, (blasint)lda, B, (blasint)ldb, beta,
                    C, (blasint)ldc);
}
void blas(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const double* A, int64_t lda,
          const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
  scipy_cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                    (blasint)M, (blasint)N, (blasint)K, 1.0, A, (blasint)lda, B, (blasint)ldb, beta,
                    C, (blasint)ldc);
}

template <class T>
void split_blas(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda,
                const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  const double work = double(M) * double(N) * double(K);
  if (N >= M) {  // blocks of columns: op(B)'s columns and C's
    split(N, 16, work >= kSplitMin, [&](int64_t lo, int64_t hi) {
      blas(ta, tb, M, hi - lo, K, A, lda, tb ? B + lo * ldb : B + lo, ldb, beta, C + lo, ldc);
    });
  } else {  // blocks of rows: op(A)'s rows and C's
    split(M, 8, work >= kSplitMin, [&](int64_t lo, int64_t hi) {
      blas(ta, tb, hi - lo, N, K, ta ? A + lo : A + lo * lda, lda, B, ldb, beta, C + lo * ldc, ldc);
    });
  }
}

// A matrix-vector product (M or N == 1) through BLAS gemv, the output split the same way.
template <class T, class Gemv>
bool split_gemv(Gemv gemv, bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A,
                int64_t lda, const T* B, int64_t ldb, T* C, int64_t ldc) {
  if (M != 1 && N != 1) return false;
  const bool worth = double(M) * double(N) * double(K) >= double(kSplitGemv);
  if (M == 1) {
    split(N, 16, worth, [&](int64_t lo, int64_t hi) {
      try_gemv<T>(gemv, ta, tb, 1, hi - lo, K, A, lda, tb ? B + lo * ldb : B + lo, ldb, C + lo, ldc);
    });
  } else {
    split(M, 16, worth, [&](int64_t lo, int64_t hi) {
      try_gemv<T>(gemv, ta, tb, hi - lo, 1, K, ta ? A + lo : A + lo * lda, lda, B, ldb,
                  C + lo * ldc, ldc);
    });
  }
  return true;
}

}  // namespace

void init_blas() {
  // One thread pool for everything (see split_blas): OpenBLAS's own stays unused.
  scipy_openblas_set_num_threads(1);
}

void blas_gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
               const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  split_blas<float>(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
}
void blas_gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const double* A, int64_t lda,
               const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
  split_blas<double>(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
}

void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
          const float* B, int64_t ldb, float* C, int64_t ldc) {
  if (small_kernels.load(std::memory_order_relaxed)) {
    if (small_gemv(ta, tb, M, N, K, A, lda, B, ldb, C, ldc)) return;
    if (M > 1 && N > 1 && M * N * K <= kSmallGemmMax) {
      small_gemm(ta, tb, M, N, K, A, lda, B, ldb, C, ldc);
      return;
    }
  }
  if (split_gemv<float>(scipy_cblas_sgemv, ta, tb, M, N, K, A, lda, B, ldb, C, ldc)) return;
  blas_gemm(ta, tb, M, N, K, A, lda, B, ldb, 0.0f, C, ldc);
}
void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const double* A, int64_t lda,
          const double* B, int64_t ldb, double* C, int64_t ldc) {
  if (split_gemv<double>(scipy_cblas_dgemv, ta, tb, M, N, K, A, lda, B, ldb, C, ldc)) return;
  blas_gemm(ta, tb, M, N, K, A, lda, B, ldb, 0.0, C, ldc);
}

}  // namespace kernels

void bind_matmul(nb::module_& m) {
  kernels::init_blas();
  m.def("matmul", &matmul, nb::arg("x1"), nb::arg("x2"), nb::arg("transpose_a") = false,
        nb::arg("transpose_b") = false,
        "NumPy matmul; transpose_a/b transpose the last two axes of x1/x2 first.");
  m.def(
      "_small_gemm",
      [](bool on) { return kernels::small_kernels.exchange(on && kernels::kHaveSmallGemm); },
      nb::arg("on"),
      "Benchmarks and tests only: whether float32 products may use lamina's small-matrix "
      "kernels (False: always OpenBLAS; a build without AVX2/AVX-512 has none and stays "
      "False). Returns the previous setting.");
}

}  // namespace lamina
