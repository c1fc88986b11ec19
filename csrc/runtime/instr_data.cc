// Data movement:
//   copy       slots (in, out), equal byte counts (reshape, identity, write-back)
//   fill       slots (out,); fparams (value,)
//   transpose  slots (in, out); iparams perm (out.shape[i] = in.shape[perm[i]])
//   take       slots (x, indices, out); iparams (axis,): out = take(x, indices, axis)
//              (NumPy's take: negative indices wrap; out of range raises IndexError)
//   one_hot    slots (indices, out); iparams (axis,): out[..., c at axis, ...] =
//              (indices[...] == c), with num_classes = out.shape[axis]; indices
//              outside [0, num_classes) give all-zero rows, as `_core.one_hot`
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <type_traits>

#include "kernels/copy.h"
#include "runtime/program.h"

namespace lamina::runtime {
namespace {

bool is_index_dtype(DType dt) { return dt == DType::i32 || dt == DType::i64 || dt == DType::u8; }

int64_t prod(const Shape& s, size_t from, size_t to) {
  int64_t n = 1;
  for (size_t i = from; i < to; ++i) n *= s[i];
  return n;
}

// Reads index k of an integer buffer of dtype dt.
inline int64_t index_at(DType dt, const char* p, int64_t k) {
  switch (dt) {
    case DType::i32: return reinterpret_cast<const int32_t*>(p)[k];
    case DType::i64: return reinterpret_cast<const int64_t*>(p)[k];
    default: return reinterpret_cast<const uint8_t*>(p)[k];
  }
}

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
      const int64_t count = n;
#pragma omp parallel for simd if (parallel(count)) schedule(static)
      for (int64_t i = 0; i < count; ++i) p[i] = v;
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

// ---------------------------------------------------------------- take
class Take : public Instr {
 public:
  DType idx_dtype = DType::i32;
  int64_t outer = 1, n = 0, inner_bytes = 0, m = 0, axis = 0;
  void run(const RunContext& ctx) const override {
    const char* x = ctx.ptr[slots[0]];
    const char* ip = ctx.ptr[slots[1]];
    char* out = ctx.ptr[slots[2]];
    // Indices are data: checked here, every run (an error, never a stray read).
    std::vector<int64_t> idx(static_cast<size_t>(m));
    for (int64_t j = 0; j < m; ++j) {
      int64_t i = index_at(idx_dtype, ip, j);
      const int64_t orig = i;
      if (i < 0) i += n;
      if (i < 0 || i >= n)
        throw nb::index_error(("Program: instruction take: index " + std::to_string(orig) +
                               " is out of bounds for axis " + std::to_string(axis) +
                               " with size " + std::to_string(n)).c_str());
      idx[size_t(j)] = i;
    }
    const int64_t rows = outer * m;
    const bool par = parallel(rows * inner_bytes / 4) && rows > 1;
#pragma omp parallel for if (par) schedule(static)
    for (int64_t r = 0; r < rows; ++r)
      std::memcpy(out + r * inner_bytes, x + ((r / m) * n + idx[size_t(r % m)]) * inner_bytes,
                  size_t(inner_bytes));
  }
};

// ---------------------------------------------------------------- one_hot
class OneHot : public Instr {
 public:
  DType idx_dtype = DType::i32, dtype = DType::f32;
  int64_t outer = 1, C = 0, inner = 1;
  void run(const RunContext& ctx) const override {
    const char* ip = ctx.ptr[slots[0]];
    char* out = ctx.ptr[slots[1]];
    dispatch_all(dtype, [&](auto tag) {
      using T = decltype(tag);
      T* dst = reinterpret_cast<T*>(out);
      const bool par = outer > 1 && parallel(outer * C * inner);
#pragma omp parallel for if (par) schedule(static)
      for (int64_t r = 0; r < outer; ++r) {
        T* d = dst + r * C * inner;
        for (int64_t k = 0; k < C * inner; ++k) d[k] = T(0);
        for (int64_t k = 0; k < inner; ++k) {
          const int64_t c = index_at(idx_dtype, ip, r * inner + k);
          if (c >= 0 && c < C) d[c * inner + k] = T(1);
        }
      }
    });
  }
};

}  // namespace

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

std::unique_ptr<Instr> make_take(const Decl& d) {
  d.arity(3, 3, "(x, indices, out)");
  d.iparam_count(1, 1, "(axis,)");
  const Slot &x = d.slot(0), &iv = d.slot(1);
  if (!is_index_dtype(iv.dtype))
    d.fail(d.name(1, "indices") + " has dtype " + dtype_name(iv.dtype) +
           ", expected int32, int64 or uint8");
  const int nd = int(x.shape.size());
  if (nd == 0) d.fail(d.name(0, "x") + " is 0-d: nothing to take along");
  const int64_t a = d.iparams[0];
  if (a < -nd || a >= nd)
    d.fail("axis " + std::to_string(a) + " is out of bounds for " + d.name(0, "x"));
  const size_t axis = size_t(a < 0 ? a + nd : a);
  Shape want(x.shape.begin(), x.shape.begin() + axis);
  want.insert(want.end(), iv.shape.begin(), iv.shape.end());
  want.insert(want.end(), x.shape.begin() + axis + 1, x.shape.end());
  d.dtype_is(2, "out", x.dtype);
  d.shape_is(2, "out", want);
  auto t = std::make_unique<Take>();
  t->idx_dtype = iv.dtype;
  t->outer = prod(x.shape, 0, axis);
  t->n = x.shape[axis];
  t->inner_bytes = prod(x.shape, axis + 1, x.shape.size()) * int64_t(dtype_size(x.dtype));
  t->m = iv.size;
  t->axis = int64_t(axis);
  d.describe_into(*t, {"x", "indices", "out"}, {false, false, true}, "axis=" + std::to_string(axis));
  return t;
}

std::unique_ptr<Instr> make_one_hot(const Decl& d) {
  d.arity(2, 2, "(indices, out)");
  d.iparam_count(1, 1, "(axis,)");
  const Slot &iv = d.slot(0), &out = d.slot(1);
  if (!is_index_dtype(iv.dtype))
    d.fail(d.name(0, "indices") + " has dtype " + dtype_name(iv.dtype) +
           ", expected int32, int64 or uint8");
  const int nd = int(iv.shape.size()) + 1;
  const int64_t a = d.iparams[0];
  if (a < -nd || a >= nd)
    d.fail("axis " + std::to_string(a) + " is out of bounds for an output of rank " +
           std::to_string(nd));
  const size_t axis = size_t(a < 0 ? a + nd : a);
  if (out.shape.size() != size_t(nd))
    d.fail(d.name(1, "out") + " must have rank " + std::to_string(nd) + " (indices' rank + 1)");
  Shape want = iv.shape;
  want.insert(want.begin() + axis, out.shape[axis]);
  d.shape_is(1, "out", want);
  auto o = std::make_unique<OneHot>();
  o->idx_dtype = iv.dtype;
  o->dtype = out.dtype;
  o->outer = prod(iv.shape, 0, axis);
  o->inner = prod(iv.shape, axis, iv.shape.size());
  o->C = out.shape[axis];
  d.describe_into(*o, {"indices", "out"}, {false, true},
                  "axis=" + std::to_string(axis) + ", num_classes=" + std::to_string(o->C));
  return o;
}

}  // namespace lamina::runtime
