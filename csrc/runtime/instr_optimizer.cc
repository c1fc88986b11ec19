// `optimizer`: one fused optimizer step, in place, on the raw step `_core.<rule>_update`
// runs too (kernels/optimizer.h), so compiled and eager training update weights
// with identical numbers.
//   extra   the rule name: sgd, adam, rmsprop, adagrad, adadelta, adamax, nadam, lion
//   slots   (grad, param, slot_1, ...): param and its slots are read and written
//   iparams (scalar_offset,): the rule's scalars are read at run time from
//           scalars[scalar_offset : scalar_offset + k], in the order listed by
//           `_core.OPTIMIZER_SCALARS[rule]` (gscale, clip, decay, then the rule's
//           hyper-parameters in the order of its `_core.<rule>_update` keywords).
// The state count follows `_core.OPTIMIZER_STATE_COUNTS[rule]` (param included):
// adam takes 3 (param, m, v) or 4 (+ v_hat: amsgrad); sgd 1 or 2 (+ momentum);
// rmsprop 2-4, which must agree with its momentum (> 0: a momentum slot) and
// centered (!= 0: an average_gradient slot) scalars at each run.
#include <nanobind/stl/string.h>

#include "kernels/optimizer.h"
#include "runtime/program.h"

namespace lamina::runtime {
namespace {

class Optimizer : public Instr {
 public:
  const kernels::OptimizerRule* rule = nullptr;
  int64_t offset = 0, n = 0;
  int n_state = 0;
  DType dtype = DType::f32;
  std::string where;  // "Program: instruction 4 (optimizer)"

  void check_scalars(const double* scalars) const override {
    const std::string why = rule->check(n_state, scalars + offset);
    if (!why.empty()) fail_value(where + ": " + why);
  }

  void run(const RunContext& ctx) const override {
    const void* in[4];
    void* out[4];
    for (int k = 0; k < n_state; ++k) {
      in[k] = ctx.ptr[slots[size_t(k) + 1]];
      out[k] = ctx.ptr[slots[size_t(k) + 1]];
    }
    if (n) rule->step(dtype, n, ctx.ptr[slots[0]], in, out, n_state, ctx.scalars + offset);
  }
};

bool overlap(const Slot& a, const Slot& b) {
  if (a.external != b.external || !a.bytes || !b.bytes) return false;
  if (a.external) return a.where == b.where;
  return a.where < b.where + int64_t(b.bytes) && b.where < a.where + int64_t(a.bytes);
}

}  // namespace

std::unique_ptr<Instr> make_optimizer(const Decl& d) {
  std::string names;
  for (const auto& r : kernels::optimizer_rules()) names += (names.empty() ? "" : ", ") + std::string(r.name);
  if (!nb::isinstance<nb::str>(d.extra))
    d.fail_type("extra must be the rule name (" + names + ")");
  const std::string name = nb::cast<std::string>(d.extra);
  const kernels::OptimizerRule* rule = kernels::find_optimizer_rule(name);
  if (!rule) d.fail("unknown rule '" + name + "' (known: " + names + ")");
  d.iparam_count(1, 1, "(scalar_offset,)");
  const int ns = int(d.slots.size()) - 1;
  if (ns < rule->min_state || ns > rule->max_state)
    d.fail("rule '" + name + "' takes slots (grad, param, ...) with " +
           std::to_string(rule->min_state) +
           (rule->max_state != rule->min_state ? "-" + std::to_string(rule->max_state) : "") +
           " state arrays (param included), got " + std::to_string(d.slots.size()) + " slot(s)");
  std::vector<std::string> roles = {"grad", "param"};
  for (int k = 1; k < ns; ++k) roles.push_back("slot_" + std::to_string(k));
  d.float_dtype(1, "param");
  const Slot& p = d.slot(1);
  for (size_t k = 0; k < d.slots.size(); ++k) {
    if (k == 1) continue;
    d.dtype_is(k, roles[k].c_str(), p.dtype);
    d.shape_is(k, roles[k].c_str(), p.shape);
  }
  // The step reads each element of every array before writing it back in place;
  // two roles sharing memory would read values the step already wrote.
  for (size_t i = 0; i < d.slots.size(); ++i)
    for (size_t j = i + 1; j < d.slots.size(); ++j)
      if (d.slots[i] == d.slots[j] || overlap(d.slot(i), d.slot(j)))
        d.fail(d.name(i, roles[i].c_str()) + " and " + d.name(j, roles[j].c_str()) +
               " share memory");
  const int64_t k = int64_t(rule->scalars.size());
  const int64_t off = d.iparams[0];
  if (off < 0 || off + k > d.n_scalars)
    d.fail("rule '" + name + "' reads " + std::to_string(k) + " scalars from scalar_offset " +
           std::to_string(off) + ", beyond the program's n_scalars = " + std::to_string(d.n_scalars));
  auto o = std::make_unique<Optimizer>();
  o->rule = rule;
  o->offset = off;
  o->n = p.size;
  o->n_state = ns;
  o->dtype = p.dtype;
  o->where = "Program: instruction " + std::to_string(d.index) + " (optimizer)";
  std::string params = "rule=" + name + ", scalars[" + std::to_string(off) + ":" +
                       std::to_string(off + k) + "]=(";
  for (size_t i = 0; i < rule->scalars.size(); ++i) params += (i ? ", " : "") + std::string(rule->scalars[i]);
  params += ")";
  std::vector<bool> writes(d.slots.size(), true);
  writes[0] = false;
  d.describe_into(*o, roles, writes, params);
  return o;
}

}  // namespace lamina::runtime
