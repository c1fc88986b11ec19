// Direct float32 matrix products for shapes too small for OpenBLAS's packing and
// threading to pay off (a small MLP's training step, a one-sample forward pass).
// Only kernels::gemm calls these, so eager and compiled products stay one code path.
// Row-major; op(A) is M x K, op(B) is K x N. Each output element is a sum over k in
// a fixed order that depends only on the shape (not on the thread count or on where
// the element falls in a block), so results are deterministic.
#pragma once

#include <cstdint>

namespace lamina::kernels {

// Whether this build has the vector kernels (AVX-512F or AVX2 + FMA). Without them
// kernels::gemm never calls the functions below.
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
constexpr bool kHaveSmallGemm = true;
#else
constexpr bool kHaveSmallGemm = false;
#endif

// C (M x N) = op(A) @ op(B), M, N, K > 0, on the calling thread. Registers hold a
// block of C while k runs over contiguous rows of op(B) (B^T is transposed into a
// thread-local buffer first), or the same for C^T, transposed into C, when cheaper.
void small_gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                const float* B, int64_t ldb, float* C, int64_t ldc);

// y[j * incy] = sum_k x[k * incx] * W[k * ldw + j], j < N: W's rows are streamed
// (a row vector times a K x N matrix), on the calling thread.
void gemv_rows(int64_t N, int64_t K, const float* x, int64_t incx, const float* W, int64_t ldw,
               float* y, int64_t incy);

// y[j * incy] = sum_k x[k * incx] * W[j * ldw + k], j < N: dot products with W's rows.
void gemv_dots(int64_t N, int64_t K, const float* x, int64_t incx, const float* W, int64_t ldw,
               float* y, int64_t incy);

}  // namespace lamina::kernels
