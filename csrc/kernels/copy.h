// Raw strided copy shared by `_core.copy` / `_core.copy_into` and the
// compiled-program executor's `transpose` (runtime/).
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

}  // namespace lamina::kernels
