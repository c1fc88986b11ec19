// Indexing with integer data (labels, gathered positions):
//   take               slots (x, indices, out); iparams (axis,): NumPy's take
//   take_along_axis    slots (x, indices, out); iparams (axis,): out has indices' shape,
//                      as `_core.take_along_axis`
//   scatter_add_along  slots (updates, indices, out); iparams (axis,): out = zeros, then
//                      out[..., indices[..., j, ...], ...] += updates[..., j, ...] along
//                      axis (the adjoint of take_along_axis; `_core.scatter_add_along`)
//   one_hot            slots (indices, out); iparams (axis,): out[..., c at axis, ...] =
//                      (indices[...] == c), num_classes = out.shape[axis]; indices outside
//                      [0, num_classes) give all-zero rows, as `_core.one_hot`
//   check_range        slots (x,) or (x, out); iparams (lo, hi); extra: a message str:
//                      raises ValueError(message with {bad} replaced by the offending
//                      value: the minimum if below lo, else the maximum) unless
//                      lo <= x < hi everywhere (as `ops.check_range`); out, if given,
//                      receives a copy of x
// Indices are data: take, take_along_axis and scatter_add_along check them on every
// run (negative ones wrap); one out of range raises IndexError, never a stray access.
#include <cstring>
#include <string>
#include <vector>

#include <nanobind/stl/string.h>

#include "kernels/index.h"
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

// Reads `count` indices into `out`, wrapping negatives; throws IndexError for one
// outside [-n, n) (the run loop names the instruction and raises it with the GIL).
void checked_indices(DType dt, const char* p, int64_t count, int64_t n, int64_t axis,
                     std::vector<int64_t>* out) {
  out->resize(size_t(count));
  for (int64_t j = 0; j < count; ++j) {
    int64_t i = index_at(dt, p, j);
    const int64_t orig = i;
    if (i < 0) i += n;
    if (i < 0 || i >= n)
      throw nb::index_error(("index " +
                             std::to_string(orig) + " is out of bounds for axis " +
                             std::to_string(axis) + " with size " + std::to_string(n)).c_str());
    (*out)[size_t(j)] = i;
  }
}

// ---------------------------------------------------------------- take
class Take : public Instr {
 public:
  DType idx_dtype = DType::i32;
  int64_t outer = 1, n = 0, inner_bytes = 0, m = 0, axis = 0;
  void run(const RunContext& ctx) const override {
    const char* x = ctx.ptr[slots[0]];
    const char* ip = ctx.ptr[slots[1]];
    char* out = ctx.ptr[slots[2]];
    std::vector<int64_t> idx;
    checked_indices(idx_dtype, ip, m, n, axis, &idx);
    const int64_t rows = outer * m;
    const bool par = parallel(rows * inner_bytes / 4) && rows > 1;
    parallel_for(rows, par, [&](int64_t r) {
      std::memcpy(out + r * inner_bytes, x + ((r / m) * n + idx[size_t(r % m)]) * inner_bytes,
                  size_t(inner_bytes));
    });
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
      parallel_for(outer, par, [&](int64_t r) {
        T* d = dst + r * C * inner;
        for (int64_t k = 0; k < C * inner; ++k) d[k] = T(0);
        for (int64_t k = 0; k < inner; ++k) {
          const int64_t c = index_at(idx_dtype, ip, r * inner + k);
          if (c >= 0 && c < C) d[c * inner + k] = T(1);
        }
      });
    });
  }
};

// ---------------------------------------------------------------- along an axis
class Along : public Instr {
 public:
  bool scatter = false;
  DType dtype = DType::f32, idx_dtype = DType::i32;
  int64_t outer = 1, n = 0, m = 0, inner = 1, axis = 0;
  void run(const RunContext& ctx) const override {
    std::vector<int64_t> idx;
    checked_indices(idx_dtype, ctx.ptr[slots[1]], outer * m * inner, n, axis, &idx);
    if (scatter)
      kernels::scatter_add_along_into(dtype, ctx.ptr[slots[0]], idx.data(), ctx.ptr[slots[2]],
                                      outer, n, m, inner);
    else
      kernels::take_along_axis_into(dtype, ctx.ptr[slots[0]], idx.data(), ctx.ptr[slots[2]],
                                    outer, n, m, inner);
  }
};

// ---------------------------------------------------------------- check_range
class CheckRange : public Instr {
 public:
  DType dtype = DType::i32;
  int64_t n = 0, lo = 0, hi = 0;
  std::string message;
  void run(const RunContext& ctx) const override {
    const char* x = ctx.ptr[slots[0]];
    if (n > 0) {
      int64_t mn = index_at(dtype, x, 0), mx = mn;
      for (int64_t k = 1; k < n; ++k) {
        const int64_t v = index_at(dtype, x, k);
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
      }
      // The caller's message as it is: the same error eager execution raises.
      if (mn < lo || mx >= hi)
        throw UserError(nb::exception_type::value_error, format(mn < lo ? mn : mx).c_str());
    }
    if (slots.size() == 2 && ctx.ptr[slots[1]] != x)
      std::memcpy(ctx.ptr[slots[1]], x, size_t(n) * dtype_size(dtype));
  }

 private:
  // Python's str.format for the one field {bad} ({{ and }} are literal braces).
  std::string format(int64_t bad) const {
    std::string out;
    for (size_t i = 0; i < message.size(); ++i) {
      if (message.compare(i, 5, "{bad}") == 0) {
        out += std::to_string(bad);
        i += 4;
      } else if ((message[i] == '{' || message[i] == '}') && i + 1 < message.size() &&
                 message[i + 1] == message[i]) {
        out += message[i++];
      } else {
        out += message[i];
      }
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Instr> make_check_range(const Decl& d) {
  d.arity(1, 2, "(x,) or (x, out)");
  d.iparam_count(2, 2, "(lo, hi)");
  if (!nb::isinstance<nb::str>(d.extra)) d.fail_type("extra must be the error message (a str)");
  const Slot& x = d.slot(0);
  if (!is_index_dtype(x.dtype))
    d.fail(d.name(0, "x") + " has dtype " + dtype_name(x.dtype) + ", expected int32, int64 or uint8");
  if (d.slots.size() == 2) {
    d.dtype_is(1, "out", x.dtype);
    d.shape_is(1, "out", x.shape);
  }
  auto c = std::make_unique<CheckRange>();
  c->dtype = x.dtype;
  c->n = x.size;
  c->lo = d.iparams[0];
  c->hi = d.iparams[1];
  c->message = nb::cast<std::string>(d.extra);
  const std::string params = "lo=" + std::to_string(c->lo) + ", hi=" + std::to_string(c->hi);
  if (d.slots.size() == 2) d.describe_into(*c, {"x", "out"}, {false, true}, params);
  else d.describe_into(*c, {"x"}, {false}, params);
  return c;
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

std::unique_ptr<Instr> make_along(const Decl& d) {
  const bool scatter = d.op == "scatter_add_along";
  const char* first = scatter ? "updates" : "x";
  d.arity(3, 3, scatter ? "(updates, indices, out)" : "(x, indices, out)");
  d.iparam_count(1, 1, "(axis,)");
  const Slot &a = d.slot(0), &iv = d.slot(1), &out = d.slot(2);
  if (!is_index_dtype(iv.dtype))
    d.fail(d.name(1, "indices") + " has dtype " + dtype_name(iv.dtype) +
           ", expected int32, int64 or uint8");
  const int nd = int(a.shape.size());
  if (nd == 0) d.fail(d.name(0, first) + " is 0-d: there is no axis");
  const int64_t ax = d.iparams[0];
  if (ax < -nd || ax >= nd)
    d.fail("axis " + std::to_string(ax) + " is out of bounds for " + d.name(0, first));
  const size_t axis = size_t(ax < 0 ? ax + nd : ax);
  d.dtype_is(2, "out", a.dtype);
  auto r = std::make_unique<Along>();
  r->scatter = scatter;
  r->dtype = a.dtype;
  r->idx_dtype = iv.dtype;
  r->axis = int64_t(axis);
  // The (outer, n, inner) array is x (take) or out (scatter); indices match the other.
  const Slot& big = scatter ? out : a;
  const Slot& small = scatter ? a : out;
  if (scatter) {
    if (a.dtype == DType::b8) d.fail(d.name(0, first) + ": bool values cannot be added");
    if (out.shape.size() != size_t(nd))
      d.fail(d.name(2, "out") + " must have the rank of " + d.name(0, first));
  }
  d.shape_is(1, "indices", small.shape);
  for (size_t i = 0; i < size_t(nd); ++i)
    if (i != axis && big.shape[i] != small.shape[i])
      d.fail(d.name(scatter ? 2 : 0, scatter ? "out" : "x") + " and " +
             d.name(scatter ? 0 : 2, scatter ? "updates" : "out") + " differ outside axis " +
             std::to_string(axis));
  r->outer = prod(big.shape, 0, axis);
  r->inner = prod(big.shape, axis + 1, big.shape.size());
  r->n = big.shape[axis];
  r->m = small.shape[axis];
  if (r->n == 0 && r->outer * r->m * r->inner > 0)
    d.fail("axis " + std::to_string(axis) + " of " + d.name(scatter ? 2 : 0, scatter ? "out" : "x") +
           " is empty: no index is valid");
  d.describe_into(*r, {first, "indices", "out"}, {false, false, true},
                  "axis=" + std::to_string(axis));
  return r;
}

}  // namespace lamina::runtime
