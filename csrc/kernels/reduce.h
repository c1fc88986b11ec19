// Raw reduction entry point shared by `_core.reduce` and the compiled-program
// executor (runtime/), so eager and compiled reductions agree bit for bit.
#pragma once

#include <cstdint>
#include <vector>

#include "common.h"

namespace lamina::kernels {

// Op codes, as exposed in `_core.REDUCE_OPS`.
enum ReduceOp { R_SUM, R_PROD, R_MAX, R_MIN, R_ANY, R_ALL, R_LOGSUMEXP, R_COUNT };
extern const char* const kReduceName[R_COUNT];

// dtype of the result of reducing an `in` array with `op` (sum/prod of bool, uint8
// and int32 give int32; any/all give bool; otherwise the input dtype).
DType reduce_out_dtype(int op, DType in);

// Reduces x (dtype `dt`, C-contiguous `shape`) over the axes flagged in `reduced`
// into y (reduce_out_dtype(op, dt), the kept axes in order). The caller has
// checked everything: logsumexp needs a float dtype, and an empty reduction of
// max/min needs `has_initial`. Does not touch the GIL; may allocate scratch when
// the reduced axes are not adjacent. OpenMP splits work above kParallelGrain.
void reduce_into(int op, DType dt, const void* x, const Shape& shape,
                 const std::vector<bool>& reduced, void* y, bool has_initial = false,
                 double initial = 0.0);

// y[o, i] (int32) = index of the first maximum (is_max) or minimum of x[o, :, i]
// (dtype dt, viewed as (outer, R, inner), R >= 1); the first NaN wins, as in NumPy.
void arg_reduce_into(bool is_max, DType dt, const void* x, int32_t* y, int64_t outer,
                     int64_t R, int64_t inner);

}  // namespace lamina::kernels
