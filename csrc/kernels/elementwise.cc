// Elementwise kernels: unary math and activations, binary arithmetic and
// comparisons with NumPy broadcasting, and `where`.
#include <cmath>
#include <limits>
#include <type_traits>

#include "common.h"
#include "kernels/broadcast.h"
#include "kernels/elementwise_ops.h"

namespace lamina {
namespace {

using namespace ew;

// ---------------------------------------------------------------- unary ops
// One loop per op (the formulas live in elementwise_ops.h): the switch on `op`
// sits outside the loop, so each loop body is a single inlined, vectorizable
// expression. The loops are functions of plain values, not lambdas capturing by
// reference: GCC does not vectorize loops that reload their pointers from a closure.
// Small arrays skip the OpenMP region altogether (an if(false) region costs ~0.6 us).
template <int OP, class T>
void unary_kernel(const T* x, T* y, int64_t n, T alpha) {
  if (n >= kParallelGrain) {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) y[i] = unary_op<OP, T>(x[i], alpha);
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = unary_op<OP, T>(x[i], alpha);
  }
}

template <int OP, class T>
void unary_pred_kernel(const T* x, bool* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = unary_pred<OP, T>(x[i]);
}

template <class T>
void unary_loop(int op, const T* x, T* y, int64_t n, T alpha) {
  visit_op<U_COUNT>(op, [=](auto code) {
    constexpr int OP = decltype(code)::value;
    if constexpr (!kUnary[OP].to_bool && accepts<T>(kUnary[OP].accept))
      unary_kernel<OP, T>(x, y, n, alpha);
  });
}

template <class T>
void unary_to_bool(int op, const T* x, bool* y, int64_t n) {
  visit_op<U_COUNT>(op, [=](auto code) {
    constexpr int OP = decltype(code)::value;
    if constexpr (kUnary[OP].to_bool) unary_pred_kernel<OP, T>(x, y, n);
  });
}

bool accepts_dtype(int accept, DType dt) {
  if (is_float(dt)) return accept & kFloat;
  if (dt == DType::b8) return accept & kBool;
  return accept & kInt;
}

nb::object unary(int op, nb::handle xh, double alpha) {
  if (op < 0 || op >= U_COUNT) fail_value("unary: unknown op code " + std::to_string(op));
  const OpInfo& info = kUnary[op];
  View x = view_of(xh, info.name);
  if (!accepts_dtype(info.accept, x.dtype))
    fail_type(std::string(info.name) + ": unsupported dtype " + dtype_name(x.dtype) +
              (info.accept == kFloat ? " (expected a floating dtype)" : ""));
  View y;
  nb::object out = new_array(info.to_bool ? DType::b8 : x.dtype, x.shape, &y);
  GilRelease nogil(x.size >= kParallelGrain);
  dispatch_all(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    if (info.to_bool) {
      unary_to_bool<T>(op, x.ptr<T>(), y.ptr<bool>(), x.size);
    } else if constexpr (!std::is_same_v<T, bool>) {
      unary_loop<T>(op, x.ptr<T>(), y.ptr<T>(), x.size, (T)alpha);
    }
  });
  return out;
}

// --------------------------------------------------------------- binary ops
template <class T, class R, class F>
void binary_run(const BroadcastPlan& p, const T* a, const T* b, R* o, F f) {
  for_each_run(p, [&](const int64_t* off, int64_t oo, int64_t n, const int64_t* inner) {
    const T* pa = a + off[0];
    const T* pb = b + off[1];
    R* po = o + oo;
    if (inner[0] && inner[1]) {
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i]);
    } else if (inner[1]) {
      const T av = *pa;
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) po[i] = f(av, pb[i]);
    } else if (inner[0]) {
      const T bv = *pb;
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], bv);
    } else {
      const R v = f(*pa, *pb);
      for (int64_t i = 0; i < n; ++i) po[i] = v;
    }
  });
}

template <class T>
void binary_typed(int op, const BroadcastPlan& p, const View& a, const View& b, const View& o) {
  const T* x = a.ptr<T>();
  const T* y = b.ptr<T>();
  visit_op<B_COUNT>(op, [&](auto code) {
    constexpr int OP = decltype(code)::value;
    // uint8 is refused at the boundary: no loops for it.
    if constexpr (accepts<T>(kBinary[OP].accept) && !std::is_same_v<T, uint8_t>) {
      if constexpr (kBinary[OP].to_bool)
        binary_run(p, x, y, o.ptr<bool>(), [](T u, T v) { return binary_pred<OP, T>(u, v); });
      else
        binary_run(p, x, y, o.ptr<T>(), [](T u, T v) { return binary_op<OP, T>(u, v); });
    }
  });
}

// Ops whose cost per element is a load or two and a store (no division, no libm).
bool memory_bound(int op) {
  return op != B_DIV && op != B_FLOORDIV && op != B_MOD && op != B_POW;
}

nb::object binary(int op, nb::handle ah, nb::handle bh) {
  if (op < 0 || op >= B_COUNT) fail_value("binary: unknown op code " + std::to_string(op));
  const OpInfo& info = kBinary[op];
  View a = view_of(ah, info.name, "x1");
  View b = view_of(bh, info.name, "x2");
  if (a.dtype != b.dtype)
    fail_type(std::string(info.name) + ": operands must share a dtype, got " +
              dtype_name(a.dtype) + " " + shape_str(a.shape) + " and " + dtype_name(b.dtype) +
              " " + shape_str(b.shape));
  if (!accepts_dtype(info.accept, a.dtype) || a.dtype == DType::u8)
    fail_type(std::string(info.name) + ": unsupported dtype " + dtype_name(a.dtype));
  if (a.shape == b.shape) {
    // Same shapes (the common case): one flat run, no broadcast plan to build.
    BroadcastPlan p;
    p.total = a.size;
    p.nd = 1;
    p.dims = {a.size};
    p.strides = {{1}, {1}};
    if (memory_bound(op)) p.parallel_grain = kMemoryBoundGrain;
    View o;
    nb::object out = new_array(info.to_bool ? DType::b8 : a.dtype, a.shape, &o);
    GilRelease nogil(p.total >= kParallelGrain);
    dispatch_all(a.dtype, [&](auto tag) { binary_typed<decltype(tag)>(op, p, a, b, o); });
    return out;
  }
  BroadcastPlan p = make_broadcast_plan({&a, &b}, info.name);
  if (memory_bound(op)) p.parallel_grain = kMemoryBoundGrain;
  View o;
  nb::object out = new_array(info.to_bool ? DType::b8 : a.dtype, p.out_shape, &o);
  GilRelease nogil(p.total >= kParallelGrain);
  dispatch_all(a.dtype, [&](auto tag) { binary_typed<decltype(tag)>(op, p, a, b, o); });
  return out;
}

// ---------------------------------------------------------------- where
nb::object where(nb::handle ch, nb::handle ah, nb::handle bh) {
  View c = view_of(ch, "where", "condition");
  View a = view_of(ah, "where", "x1");
  View b = view_of(bh, "where", "x2");
  if (c.dtype != DType::b8) fail_type(std::string("where: condition must be bool, got ") + dtype_name(c.dtype));
  if (a.dtype != b.dtype)
    fail_type(std::string("where: x1 and x2 must share a dtype, got ") + dtype_name(a.dtype) +
              " and " + dtype_name(b.dtype));
  BroadcastPlan p = make_broadcast_plan({&c, &a, &b}, "where");
  View o;
  nb::object out = new_array(a.dtype, p.out_shape, &o);
  GilRelease nogil(p.total >= kParallelGrain);
  dispatch_all(a.dtype, [&](auto tag) {
    using T = decltype(tag);
    const bool* cp = c.ptr<bool>();
    const T* xp = a.ptr<T>();
    const T* yp = b.ptr<T>();
    T* op = o.ptr<T>();
    for_each_run(p, [&](const int64_t* off, int64_t oo, int64_t n, const int64_t* inner) {
      for (int64_t i = 0; i < n; ++i)
        op[oo + i] = cp[off[0] + i * inner[0]] ? xp[off[1] + i * inner[1]] : yp[off[2] + i * inner[2]];
    });
  });
  return out;
}

}  // namespace

void bind_elementwise(nb::module_& m) {
  nb::dict u, b;
  for (int i = 0; i < U_COUNT; ++i) u[kUnary[i].name] = i;
  for (int i = 0; i < B_COUNT; ++i) b[kBinary[i].name] = i;
  m.attr("UNARY_OPS") = u;
  m.attr("BINARY_OPS") = b;
  m.def("unary", &unary, nb::arg("op"), nb::arg("x"), nb::arg("alpha") = 0.0,
        "Applies unary op code `op` to a C-contiguous array; returns a new array.");
  m.def("binary", &binary, nb::arg("op"), nb::arg("x1"), nb::arg("x2"),
        "Applies binary op code `op` with NumPy broadcasting; returns a new array.");
  m.def("where", &where, nb::arg("condition"), nb::arg("x1"), nb::arg("x2"));
}

}  // namespace lamina
