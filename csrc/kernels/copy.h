// Raw strided copy and cast shared by `_core.copy` / `copy_into` / `cast` and the
// compiled-program executor's `transpose`, `broadcast` and `cast` (runtime/).
#pragma once

#include <cstdint>
#include <vector>

#include "common.h"

namespace lamina::kernels {

// Raw description of an array with any strides (bytes; negative and 0 allowed).
struct Strided {
  char* data;
  DType dtype;
  Shape shape;
  std::vector<int64_t> strides;
};

// Copies src into dst element by element; both have the same shape and dtype and
// must not overlap. Does not touch the GIL.
void strided_copy(const Strided& dst, const Strided& src);

// y (n elements of `to`) = x (n elements of `from`) converted as NumPy's astype does
// on x86 (float to int: NaN and out-of-range give the minimum). OpenMP above
// kParallelGrain; does not touch the GIL.
void cast_into(DType from, DType to, const void* x, void* y, int64_t n);

}  // namespace lamina::kernels
