// Raw gather / scatter-add along an axis, shared by `_core.take_along_axis` /
// `_core.scatter_add_along` and the compiled-program executor (runtime/), so both
// gather the same elements and sum in the same order. Arrays are viewed as
// (outer, n or m, inner) around the axis; `idx` holds checked int64 indices in
// [0, n), shaped (outer, m, inner). Neither touches the GIL.
#pragma once

#include <cstdint>

#include "common.h"

namespace lamina::kernels {

// out[o, j, k] = x[o, idx[o, j, k], k]; x (outer, n, inner), out (outer, m, inner).
void take_along_axis_into(DType dt, const void* x, const int64_t* idx, void* out,
                          int64_t outer, int64_t n, int64_t m, int64_t inner);

// out (outer, n, inner) = 0; out[o, idx[o, j, k], k] += g[o, j, k]. dt must not be bool.
void scatter_add_along_into(DType dt, const void* g, const int64_t* idx, void* out,
                            int64_t outer, int64_t n, int64_t m, int64_t inner);

}  // namespace lamina::kernels
