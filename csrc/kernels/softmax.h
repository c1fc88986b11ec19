// Raw softmax-family entry points shared by `_core.softmax` / `_core.softmax_grad`
// and the compiled-program executor (runtime/), so both agree bit for bit.
// The array is viewed as (outer, L, inner) around the softmax axis.
#pragma once

#include <cstdint>

#include "common.h"

namespace lamina::kernels {

// y = softmax(x) (or log_softmax with `log`) along the middle axis; dt is float32
// or float64. Does not touch the GIL; OpenMP splits work above kParallelGrain.
void softmax_into(DType dt, const void* x, void* y, int64_t outer, int64_t L, int64_t inner,
                  bool log);

// dx from the forward output y and cotangent g: softmax y * (g - sum(g * y)),
// log_softmax g - exp(y) * sum(g).
void softmax_grad_into(DType dt, const void* y, const void* g, void* dx, int64_t outer,
                       int64_t L, int64_t inner, bool log);

}  // namespace lamina::kernels
