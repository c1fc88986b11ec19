// NumPy broadcasting for elementwise kernels: the output shape, per-input element
// strides (0 along broadcast axes) with adjacent axes merged, and a row iterator
// that splits the work across OpenMP threads.
#pragma once

#include <omp.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common.h"

namespace lamina {

struct BroadcastPlan {
  Shape out_shape;
  int64_t total = 1;
  int nd = 0;                                  // merged axes (>= 1)
  std::vector<int64_t> dims;                   // merged extents
  std::vector<std::vector<int64_t>> strides;   // [input][axis] element strides
  // Outputs at least this large are split across threads. Memory-bound ops raise it:
  // one core already saturates memory bandwidth there, and waking sleeping OpenMP
  // workers costs more than it saves (measured: add on 1M floats, 2 cores).
  int64_t parallel_grain = kParallelGrain;
};

// The grain for memory-bound elementwise work (a load or two and a store per element).
constexpr int64_t kMemoryBoundGrain = int64_t(1) << 22;

// Builds the plan or raises ValueError naming `op` and every operand's shape and dtype.
BroadcastPlan make_broadcast_plan(const std::vector<const View*>& ins, const char* op);

// Calls fn(in_offsets, out_offset, length, inner_strides) for each contiguous run of
// the output. Runs are split across threads when the output is large.
template <class Fn>
void for_each_run(const BroadcastPlan& p, Fn&& fn) {
  if (p.total == 0) return;
  const int K = (int)p.strides.size();
  const int nd = p.nd;
  const int64_t L = p.dims[nd - 1];
  std::vector<int64_t> inner(K);
  for (int k = 0; k < K; ++k) inner[k] = p.strides[k][nd - 1];
  const bool par = p.total >= p.parallel_grain;
  if (nd == 1) {
    const int64_t chunk = 1 << 14;
    const int64_t nchunks = (L + chunk - 1) / chunk;
#pragma omp parallel for if (par) schedule(static)
    for (int64_t c = 0; c < nchunks; ++c) {
      int64_t off[8];
      for (int k = 0; k < K; ++k) off[k] = c * chunk * inner[k];
      fn(off, c * chunk, std::min(chunk, L - c * chunk), inner.data());
    }
    return;
  }
  const int64_t rows = p.total / L;
#pragma omp parallel if (par)
  {
    const int nt = omp_get_num_threads(), t = omp_get_thread_num();
    const int64_t r0 = rows * t / nt, r1 = rows * (t + 1) / nt;
    if (r0 < r1) {
      std::vector<int64_t> idx(nd - 1);
      int64_t off[8] = {0};
      int64_t rem = r0;
      for (int a = nd - 2; a >= 0; --a) {
        idx[a] = rem % p.dims[a];
        rem /= p.dims[a];
        for (int k = 0; k < K; ++k) off[k] += idx[a] * p.strides[k][a];
      }
      for (int64_t r = r0; r < r1; ++r) {
        fn(off, r * L, L, inner.data());
        for (int a = nd - 2; a >= 0; --a) {
          for (int k = 0; k < K; ++k) off[k] += p.strides[k][a];
          if (++idx[a] < p.dims[a]) break;
          for (int k = 0; k < K; ++k) off[k] -= idx[a] * p.strides[k][a];
          idx[a] = 0;
        }
      }
    }
  }
}

}  // namespace lamina
