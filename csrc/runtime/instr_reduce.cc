// Reductions and the softmax family, on the very kernels `_core.reduce`,
// `_core.softmax` and `_core.softmax_grad` run (kernels/reduce.h, softmax.h).
//   reduce        slots (in, out); iparams (kind, *keep_shape): kind 0 sum, 1 max,
//                 2 min, 3 mean; keep_shape has in's rank, each entry in's dim
//                 (kept) or 1 (reduced); out has prod(keep_shape) elements.
//   softmax, log_softmax   slots (in, out); iparams (axis,)
//   argmax, argmin  slots (in, out int32); iparams (axis,): out is in's shape without
//                 axis (or with 1 there); first occurrence, first NaN wins (`_core.argmax`)
//   softmax_grad  slots (y, g, out); iparams (axis, log)
#include <cmath>
#include <cstdint>

#include "kernels/reduce.h"
#include "kernels/softmax.h"
#include "runtime/program.h"

namespace lamina::runtime {
namespace {

enum Kind { K_SUM = 0, K_MAX = 1, K_MIN = 2, K_MEAN = 3 };
const char* const kKindName[] = {"sum", "max", "min", "mean"};

class Reduce : public Instr {
 public:
  int op = kernels::R_SUM;
  bool mean = false;
  DType dtype = DType::f32;
  Shape shape;
  std::vector<bool> reduced;
  int64_t count = 1;  // elements folded into each output (mean divides by it)
  int64_t out_size = 0;

  void run(const RunContext& ctx) const override {
    const char* x = ctx.ptr[slots[0]];
    char* y = ctx.ptr[slots[1]];
    kernels::reduce_into(op, dtype, x, shape, reduced, y);
    if (!mean) return;
    // ops.mean is sum(x) * (1 / n) with the factor rounded to the dtype; so is this.
    const double f = count ? 1.0 / double(count) : std::nan("");
    if (dtype == DType::f32) scale(reinterpret_cast<float*>(y), float(f));
    else scale(reinterpret_cast<double*>(y), f);
  }

 private:
  template <class T> void scale(T* y, T f) const {
    parallel_for_simd(out_size, parallel(out_size), [&](int64_t i) { y[i] = y[i] * f; });
  }
};

// (outer, L, inner) around `axis`.
struct Split {
  int64_t outer = 1, L = 1, inner = 1;
};

Split split(const Shape& s, int axis) {
  Split r;
  for (int i = 0; i < (int)s.size(); ++i) {
    if (i < axis) r.outer *= s[i];
    else if (i == axis) r.L = s[i];
    else r.inner *= s[i];
  }
  return r;
}

int axis_of(const Decl& d, int64_t axis, int ndim) {
  if (axis < -ndim || axis >= ndim)
    d.fail("axis " + std::to_string(axis) + " is out of bounds for " + d.name(0, "in") +
           " of rank " + std::to_string(ndim));
  return int(axis < 0 ? axis + ndim : axis);
}

class Softmax : public Instr {
 public:
  DType dtype = DType::f32;
  Split s;
  bool log = false;
  void run(const RunContext& ctx) const override {
    if (s.outer * s.L * s.inner == 0) return;
    kernels::softmax_into(dtype, ctx.ptr[slots[0]], ctx.ptr[slots[1]], s.outer, s.L, s.inner, log);
  }
};

class SoftmaxGrad : public Instr {
 public:
  DType dtype = DType::f32;
  Split s;
  bool log = false;
  void run(const RunContext& ctx) const override {
    if (s.outer * s.L * s.inner == 0) return;
    kernels::softmax_grad_into(dtype, ctx.ptr[slots[0]], ctx.ptr[slots[1]], ctx.ptr[slots[2]],
                               s.outer, s.L, s.inner, log);
  }
};

class ArgReduce : public Instr {
 public:
  bool is_max = true;
  DType dtype = DType::f32;
  Split s;
  void run(const RunContext& ctx) const override {
    if (s.outer * s.inner == 0) return;
    kernels::arg_reduce_into(is_max, dtype, ctx.ptr[slots[0]],
                             reinterpret_cast<int32_t*>(ctx.ptr[slots[1]]), s.outer, s.L, s.inner);
  }
};

}  // namespace

std::unique_ptr<Instr> make_arg_reduce(const Decl& d) {
  d.arity(2, 2, "(in, out)");
  d.iparam_count(1, 1, "(axis,)");
  const Slot& in = d.slot(0);
  const int axis = axis_of(d, d.iparams[0], (int)in.shape.size());
  d.dtype_is(1, "out", DType::i32);
  Shape dropped = in.shape, kept = in.shape;
  dropped.erase(dropped.begin() + axis);
  kept[size_t(axis)] = 1;
  if (d.slot(1).shape != kept) d.shape_is(1, "out", dropped);
  auto r = std::make_unique<ArgReduce>();
  r->is_max = d.op == "argmax";
  r->dtype = in.dtype;
  r->s = split(in.shape, axis);
  if (r->s.L == 0 && r->s.outer * r->s.inner > 0)
    d.fail(d.op + " over the empty axis " + std::to_string(axis) + " of " + d.name(0, "in"));
  if (r->s.L > int64_t(INT32_MAX)) d.fail("axis too long for int32 indices");
  d.describe_into(*r, {"in", "out"}, {false, true}, "axis=" + std::to_string(axis));
  return r;
}

std::unique_ptr<Instr> make_reduce(const Decl& d) {
  d.arity(2, 2, "(in, out)");
  const Slot &in = d.slot(0), &out = d.slot(1);
  if (d.iparams.size() != 1 + in.shape.size())
    d.fail("expected iparams (kind, *keep_shape) with keep_shape of " + d.name(0, "in") +
           "'s rank " + std::to_string(in.shape.size()) + ", got " +
           std::to_string(d.iparams.size()) + " value(s)");
  const int64_t kind = d.iparams[0];
  if (kind < 0 || kind > 3)
    d.fail("kind must be 0 (sum), 1 (max), 2 (min) or 3 (mean), got " + std::to_string(kind));
  auto r = std::make_unique<Reduce>();
  r->op = kind == K_MAX ? kernels::R_MAX : kind == K_MIN ? kernels::R_MIN : kernels::R_SUM;
  r->mean = kind == K_MEAN;
  r->dtype = in.dtype;
  r->shape = in.shape;
  Shape keep(d.iparams.begin() + 1, d.iparams.end());
  int64_t kept = 1;
  for (size_t i = 0; i < keep.size(); ++i) {
    const bool red = keep[i] == 1 && in.shape[i] != 1;
    if (keep[i] != in.shape[i] && !red)
      d.fail("keep_shape " + shape_str(keep) + " does not fit " + d.name(0, "in") +
             ": each entry must be in's dim or 1 (reduced)");
    r->reduced.push_back(red);
    if (red) r->count *= in.shape[i];
    kept *= keep[i];
  }
  if (out.size != kept)
    d.fail(d.name(1, "out") + " has " + std::to_string(out.size) + " elements, expected " +
           std::to_string(kept) + " (keep_shape " + shape_str(keep) + ")");
  if (r->mean) d.float_dtype(0, "in");
  d.dtype_is(1, "out", kernels::reduce_out_dtype(r->op, in.dtype));
  if ((kind == K_MAX || kind == K_MIN) && r->count == 0 && kept > 0)
    d.fail(std::string(kKindName[kind]) + " over an empty axis of " + d.name(0, "in") +
           " has no identity");
  r->out_size = out.size;
  d.describe_into(*r, {"in", "out"}, {false, true},
                  std::string("kind=") + kKindName[kind] + ", keep_shape=" + shape_str(keep));
  return r;
}

std::unique_ptr<Instr> make_softmax(const Decl& d) {
  d.arity(2, 2, "(in, out)");
  d.iparam_count(1, 1, "(axis,)");
  d.float_dtype(0, "in");
  d.dtype_is(1, "out", d.slot(0).dtype);
  d.shape_is(1, "out", d.slot(0).shape);
  auto s = std::make_unique<Softmax>();
  const int axis = axis_of(d, d.iparams[0], (int)d.slot(0).shape.size());
  s->dtype = d.slot(0).dtype;
  s->s = split(d.slot(0).shape, axis);
  s->log = d.op == "log_softmax";
  d.describe_into(*s, {"in", "out"}, {false, true}, "axis=" + std::to_string(axis));
  return s;
}

std::unique_ptr<Instr> make_softmax_grad(const Decl& d) {
  d.arity(3, 3, "(y, g, out)");
  d.iparam_count(2, 2, "(axis, log)");
  d.float_dtype(0, "y");
  for (size_t k = 1; k < 3; ++k) {
    d.dtype_is(k, k == 1 ? "g" : "out", d.slot(0).dtype);
    d.shape_is(k, k == 1 ? "g" : "out", d.slot(0).shape);
  }
  auto s = std::make_unique<SoftmaxGrad>();
  const int axis = axis_of(d, d.iparams[0], (int)d.slot(0).shape.size());
  s->dtype = d.slot(0).dtype;
  s->s = split(d.slot(0).shape, axis);
  s->log = d.iparams[1] != 0;
  d.describe_into(*s, {"y", "g", "out"}, {false, false, true},
                  "axis=" + std::to_string(axis) + ", log=" + std::to_string(int(s->log)));
  return s;
}

}  // namespace lamina::runtime
