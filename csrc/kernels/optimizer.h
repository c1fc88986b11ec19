// Raw-pointer optimizer steps shared by the `_core.<rule>_update` bindings and the
// compiled-program executor's `optimizer` instruction (runtime/), so an eager and
// a compiled training step update weights identically.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common.h"

namespace lamina::kernels {

// One step of a rule over n elements of dtype `dt` (float32 or float64).
//   grad:  the gradient (n elements);
//   in:    n_state arrays (param, slot_1, ...), read;
//   out:   n_state arrays, written; out[k] may be in[k] itself (in-place) but must
//          not overlap anything else (each element is read before it is written);
//   s:     the rule's scalars, in the order of OptimizerRule::scalars.
// Splits across OpenMP threads above kParallelGrain elements; never touches the GIL.
using OptimizerStep = void (*)(DType dt, int64_t n, const void* grad, const void* const* in,
                               void* const* out, int n_state, const double* s);

struct OptimizerRule {
  const char* name;
  // Scalar names in order: always gscale, clip, decay (the common prologue
  // g = clamp(grad * gscale, -clip, clip), p -= p * decay), then the rule's
  // hyper-parameters in the order of the `_core.<name>_update` keyword arguments.
  std::vector<const char*> scalars;
  int min_state, max_state;  // state arrays, the param included
  OptimizerStep step;
  // Whether n_state state arrays fit these scalars: "" when they do, else why not
  // (rmsprop's slots depend on momentum > 0 and centered; the others are fixed by
  // the count alone).
  std::string (*check)(int n_state, const double* s);
};

// Every rule, in a fixed order: sgd, adam, rmsprop, adagrad, adadelta, adamax,
// nadam, lion.
const std::vector<OptimizerRule>& optimizer_rules();
// The rule called `name`, or nullptr.
const OptimizerRule* find_optimizer_rule(const std::string& name);

}  // namespace lamina::kernels
