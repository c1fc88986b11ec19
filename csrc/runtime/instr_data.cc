// Data movement:
//   copy       slots (in, out), equal byte counts (reshape, identity, write-back)
//   fill       slots (out,); fparams (value,)
//   transpose  slots (in, out); iparams perm (out.shape[i] = in.shape[perm[i]])
//   broadcast  slots (in, out): out = in broadcast to out's shape (NumPy's rules),
//              as `ops.broadcast_to`
//   cast       slots (in, out) of one shape: out = in converted to out's dtype, as
//              `_core.cast`
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <type_traits>

#include "kernels/copy.h"
#include "runtime/program.h"

namespace lamina::runtime {
namespace {

// ---------------------------------------------------------------- copy / fill
class Copy : public Instr {
 public:
  size_t bytes = 0;
  void run(const RunContext& ctx) const override {
    const char* src = ctx.ptr[slots[0]];
    char* dst = ctx.ptr[slots[1]];
    if (src != dst && bytes) std::memmove(dst, src, bytes);  // arena buffers may overlap
  }
};

class Fill : public Instr {
 public:
  DType dtype = DType::f32;
  int64_t n = 0;
  double value = 0.0;
  void run(const RunContext& ctx) const override {
    dispatch_all(dtype, [&](auto tag) {
      using T = decltype(tag);
      T v;
      if constexpr (std::is_same_v<T, bool>) {
        v = value != 0.0;
      } else if constexpr (std::is_integral_v<T>) {
        // NaN and out-of-range values give the type's minimum (NumPy on x86 does so
        // for the signed types); never undefined behaviour.
        const double lo = double(std::numeric_limits<T>::min());
        const double hi = std::is_signed_v<T> ? -lo : double(std::numeric_limits<T>::max()) + 1.0;
        const bool ok = value == value && value >= lo && value < hi;  // hi exclusive, exact
        v = ok ? T(value) : std::numeric_limits<T>::min();
      } else {
        v = T(value);
      }
      T* p = reinterpret_cast<T*>(ctx.ptr[slots[0]]);
      parallel_for_simd(n, parallel(n), [&](int64_t i) { p[i] = v; });
    });
  }
};

// ---------------------------------------------------------------- transpose
class Transpose : public Instr {
 public:
  kernels::Strided dst, src;  // data pointers filled per run
  void run(const RunContext& ctx) const override {
    kernels::Strided d = dst, s = src;
    d.data = ctx.ptr[slots[1]];
    s.data = ctx.ptr[slots[0]];
    kernels::strided_copy(d, s);
  }
};

// ---------------------------------------------------------------- broadcast / cast
class Broadcast : public Instr {
 public:
  kernels::Strided dst, src;  // src strides are 0 along broadcast axes
  void run(const RunContext& ctx) const override {
    kernels::Strided d = dst, s = src;
    d.data = ctx.ptr[slots[1]];
    s.data = ctx.ptr[slots[0]];
    kernels::strided_copy(d, s);
  }
};

class Cast : public Instr {
 public:
  DType from = DType::f32, to = DType::f32;
  int64_t n = 0;
  void run(const RunContext& ctx) const override {
    kernels::cast_into(from, to, ctx.ptr[slots[0]], ctx.ptr[slots[1]], n);
  }
};

std::vector<int64_t> contiguous_strides(const Shape& shape, int64_t es) {
  std::vector<int64_t> st(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    st[i] = es;
    es *= shape[i];
  }
  return st;
}

}  // namespace

std::unique_ptr<Instr> make_broadcast(const Decl& d) {
  d.arity(2, 2, "(in, out)");
  d.iparam_count(0, 0, "()");
  const Slot &in = d.slot(0), &out = d.slot(1);
  d.dtype_is(1, "out", in.dtype);
  const size_t nd = out.shape.size(), ni = in.shape.size();
  bool ok = ni <= nd;
  const int64_t es = int64_t(dtype_size(in.dtype));
  const std::vector<int64_t> ist = contiguous_strides(in.shape, es);
  std::vector<int64_t> sst(nd, 0);
  for (size_t i = 0; ok && i < ni; ++i) {
    const size_t o = nd - ni + i;
    if (in.shape[i] == out.shape[o]) sst[o] = ist[i];
    else ok = in.shape[i] == 1;
  }
  if (!ok)
    d.fail(d.name(0, "in") + " cannot be broadcast to " + d.name(1, "out"));
  auto b = std::make_unique<Broadcast>();
  b->dst = kernels::Strided{nullptr, in.dtype, out.shape, contiguous_strides(out.shape, es)};
  b->src = kernels::Strided{nullptr, in.dtype, out.shape, sst};
  d.describe_into(*b, {"in", "out"}, {false, true}, "");
  return b;
}

std::unique_ptr<Instr> make_cast(const Decl& d) {
  d.arity(2, 2, "(in, out)");
  d.iparam_count(0, 0, "()");
  d.shape_is(1, "out", d.slot(0).shape);
  auto c = std::make_unique<Cast>();
  c->from = d.slot(0).dtype;
  c->to = d.slot(1).dtype;
  c->n = d.slot(0).size;
  d.describe_into(*c, {"in", "out"}, {false, true},
                  std::string(dtype_name(c->from)) + "->" + dtype_name(c->to));
  return c;
}

std::unique_ptr<Instr> make_copy(const Decl& d) {
  d.arity(2, 2, "(in, out)");
  d.iparam_count(0, 0, "()");
  if (d.slot(0).bytes != d.slot(1).bytes)
    d.fail(d.name(1, "out") + " has " + std::to_string(d.slot(1).bytes) + " bytes, expected " +
           std::to_string(d.slot(0).bytes) + " (those of " + d.name(0, "in") + ")");
  auto c = std::make_unique<Copy>();
  c->bytes = d.slot(0).bytes;
  d.describe_into(*c, {"in", "out"}, {false, true}, "");
  return c;
}

std::unique_ptr<Instr> make_fill(const Decl& d) {
  d.arity(1, 1, "(out,)");
  d.fparam_count(1, "(value,)");
  auto f = std::make_unique<Fill>();
  f->dtype = d.slot(0).dtype;
  f->n = d.slot(0).size;
  f->value = d.fparams[0];
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", f->value);
  d.describe_into(*f, {"out"}, {true}, std::string("value=") + buf);
  return f;
}

std::unique_ptr<Instr> make_transpose(const Decl& d) {
  d.arity(2, 2, "(in, out)");
  const Slot& in = d.slot(0);
  const size_t nd = in.shape.size();
  if (d.iparams.size() != nd)
    d.fail("expected a permutation of " + d.name(0, "in") + "'s " + std::to_string(nd) +
           " axes as iparams, got " + std::to_string(d.iparams.size()) + " value(s)");
  std::vector<bool> seen(nd, false);
  Shape want(nd);
  std::string params = "perm=(";
  for (size_t i = 0; i < nd; ++i) {
    const int64_t p = d.iparams[i];
    if (p < 0 || p >= int64_t(nd) || seen[size_t(p)])
      d.fail("iparams " + shape_str(Shape(d.iparams)) + " is not a permutation of " +
             std::to_string(nd) + " axes");
    seen[size_t(p)] = true;
    want[i] = in.shape[size_t(p)];
    params += (i ? ", " : "") + std::to_string(p);
  }
  params += ")";
  d.dtype_is(1, "out", in.dtype);
  d.shape_is(1, "out", want);
  auto t = std::make_unique<Transpose>();
  const int64_t es = int64_t(dtype_size(in.dtype));
  std::vector<int64_t> in_strides(nd);
  int64_t st = es;
  for (size_t i = nd; i-- > 0;) {
    in_strides[i] = st;
    st *= in.shape[i];
  }
  t->dst = kernels::Strided{nullptr, in.dtype, want, std::vector<int64_t>(nd)};
  t->src = kernels::Strided{nullptr, in.dtype, want, std::vector<int64_t>(nd)};
  st = es;
  for (size_t i = nd; i-- > 0;) {
    t->dst.strides[i] = st;
    st *= want[i];
    t->src.strides[i] = in_strides[size_t(d.iparams[i])];
  }
  d.describe_into(*t, {"in", "out"}, {false, true}, params);
  return t;
}

}  // namespace lamina::runtime
