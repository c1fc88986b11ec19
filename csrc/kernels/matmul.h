// Raw-pointer GEMM entry points shared by `_core.matmul` and the compiled-program
// executor (runtime/), so eager and compiled matrix products are the same kernel
// calls and agree bit for bit. Row-major; op(A) is M x K, op(B) is K x N.
#pragma once

#include <cstdint>

namespace lamina::kernels {

// C (M x N, leading dimension ldc) = op(A) @ op(B). M == 1 or N == 1 go to gemv.
// Requires K > 0 (callers zero C themselves when K == 0). Does not touch the GIL.
// float32 products up to a size limit run on the calling thread in small_gemm.h's
// kernels (whose results do not depend on where the operands lie in memory); the rest
// go to OpenBLAS, which threads internally. Which one depends only on the shape.
void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
          const float* B, int64_t ldb, float* C, int64_t ldc);
void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const double* A, int64_t lda,
          const double* B, int64_t ldb, double* C, int64_t ldc);

// Sets OpenBLAS to one thread: lamina splits large products over its own OpenMP
// threads (called once when the module loads).
void init_blas();

// C = op(A) @ op(B) + beta C through BLAS (no small-matrix kernels), large products
// split across lamina's OpenMP threads, each running a single-threaded BLAS call.
void blas_gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
               const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
void blas_gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const double* A, int64_t lda,
               const double* B, int64_t ldb, double beta, double* C, int64_t ldc);

}  // namespace lamina::kernels
