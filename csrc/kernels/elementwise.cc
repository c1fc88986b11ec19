// Elementwise kernels: unary math and activations, binary arithmetic and
// comparisons with NumPy broadcasting, and `where`.
#include <cmath>
#include <limits>
#include <type_traits>

#include "common.h"
#include "kernels/broadcast.h"
#include "kernels/vecmath.h"

namespace lamina {
namespace {

// ---------------------------------------------------------------- unary ops
// Kinds of dtypes an op accepts.
enum Accept { kFloat = 1, kInt = 2, kBool = 4, kNumeric = kFloat | kInt, kAny = 7 };

enum UnaryOp {
  U_NEG, U_ABS, U_SIGN, U_SQUARE, U_SQRT, U_RSQRT, U_RECIPROCAL, U_EXP, U_EXPM1, U_LOG,
  U_LOG1P, U_SIN, U_COS, U_TANH, U_SIGMOID, U_RELU, U_RELU6, U_LEAKY_RELU, U_ELU, U_SELU,
  U_GELU, U_GELU_TANH, U_SOFTPLUS, U_SOFTSIGN, U_SILU, U_HARD_SIGMOID, U_ERF, U_FLOOR,
  U_CEIL, U_ROUND, U_LOGICAL_NOT, U_ISNAN, U_ISFINITE, U_COUNT
};

struct UnaryInfo { const char* name; int accept; bool to_bool; };
const UnaryInfo kUnary[U_COUNT] = {
    {"negative", kNumeric, false}, {"abs", kNumeric, false},     {"sign", kNumeric, false},
    {"square", kNumeric, false},   {"sqrt", kFloat, false},      {"rsqrt", kFloat, false},
    {"reciprocal", kFloat, false}, {"exp", kFloat, false},       {"expm1", kFloat, false},
    {"log", kFloat, false},        {"log1p", kFloat, false},     {"sin", kFloat, false},
    {"cos", kFloat, false},        {"tanh", kFloat, false},      {"sigmoid", kFloat, false},
    {"relu", kNumeric, false},     {"relu6", kNumeric, false},   {"leaky_relu", kFloat, false},
    {"elu", kFloat, false},        {"selu", kFloat, false},      {"gelu", kFloat, false},
    {"gelu_tanh", kFloat, false},  {"softplus", kFloat, false},  {"softsign", kFloat, false},
    {"silu", kFloat, false},       {"hard_sigmoid", kFloat, false}, {"erf", kFloat, false},
    {"floor", kNumeric, false},    {"ceil", kNumeric, false},    {"round", kNumeric, false},
    {"logical_not", kAny, true},   {"isnan", kAny, true},        {"isfinite", kAny, true},
};

using vm::sigmoid;

template <class T>
inline T unary_float(int op, T x, T alpha) {
  constexpr T kSeluAlpha = T(1.6732632423543772848170429916717);
  constexpr T kSeluScale = T(1.0507009873554804934193349852946);
  switch (op) {
    case U_SQRT: return std::sqrt(x);
    case U_RSQRT: return T(1) / std::sqrt(x);
    case U_RECIPROCAL: return T(1) / x;
    case U_EXP: return vm::exp(x);
    case U_EXPM1: return std::expm1(x);
    case U_LOG: return vm::log(x);
    case U_LOG1P: return vm::log1p(x);
    case U_SIN: return std::sin(x);
    case U_COS: return std::cos(x);
    case U_TANH: return vm::tanh(x);
    case U_SIGMOID: return sigmoid(x);
    case U_LEAKY_RELU: return x >= T(0) ? x : alpha * x;
    case U_ELU: return x > T(0) ? x : alpha * std::expm1(x);
    case U_SELU: return x > T(0) ? kSeluScale * x : kSeluScale * kSeluAlpha * std::expm1(x);
    case U_GELU: return T(0.5) * x * (T(1) + std::erf(x * T(0.70710678118654752440)));
    case U_GELU_TANH: {
      const T c = T(0.79788456080286535588);  // sqrt(2/pi)
      return T(0.5) * x * (T(1) + vm::tanh(c * (x + T(0.044715) * x * x * x)));
    }
    case U_SOFTPLUS: {
      const T ax = std::fabs(x);
      return (x > T(0) ? x : T(0)) + vm::log1p(vm::exp(-ax));
    }
    case U_SOFTSIGN: return x / (T(1) + std::fabs(x));
    case U_SILU: return x * sigmoid(x);
    case U_HARD_SIGMOID: {
      const T y = x * T(1.0 / 6.0) + T(0.5);
      return y < T(0) ? T(0) : (y > T(1) ? T(1) : y);
    }
    case U_ERF: return std::erf(x);
    default: return x;
  }
}

template <class T>
inline T unary_numeric(int op, T x) {
  switch (op) {
    case U_NEG: return -x;
    case U_ABS: return x < T(0) ? -x : x;
    case U_SIGN: return x > T(0) ? T(1) : (x < T(0) ? T(-1) : x);  // keeps NaN and 0
    case U_SQUARE: return x * x;
    case U_RELU: return x > T(0) ? x : T(0);
    case U_RELU6: return x > T(0) ? (x < T(6) ? x : T(6)) : T(0);
    default: return x;
  }
}

// The op switch sits outside the loop so each loop body is a single inlined,
// vectorizable expression.
template <class T>
void unary_loop(int op, const T* x, T* y, int64_t n, T alpha) {
  const bool par = n >= kParallelGrain;
#define LAMINA_UNARY_CASE(OP, EXPR)                      \
  case OP: {                                            \
    _Pragma("omp parallel for simd if (par) schedule(static)") \
    for (int64_t i = 0; i < n; ++i) { const T v = x[i]; y[i] = (EXPR); } \
    return;                                             \
  }
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      LAMINA_UNARY_CASE(U_EXP, vm::exp(v))
      LAMINA_UNARY_CASE(U_LOG, vm::log(v))
      LAMINA_UNARY_CASE(U_LOG1P, vm::log1p(v))
      LAMINA_UNARY_CASE(U_TANH, vm::tanh(v))
      LAMINA_UNARY_CASE(U_SIGMOID, sigmoid(v))
      LAMINA_UNARY_CASE(U_SILU, v * sigmoid(v))
      LAMINA_UNARY_CASE(U_SQRT, std::sqrt(v))
      LAMINA_UNARY_CASE(U_RELU, v > T(0) ? v : T(0))
      LAMINA_UNARY_CASE(U_NEG, -v)
      LAMINA_UNARY_CASE(U_SQUARE, v * v)
      LAMINA_UNARY_CASE(U_ABS, std::fabs(v))
      LAMINA_UNARY_CASE(U_FLOOR, std::floor(v))
      LAMINA_UNARY_CASE(U_CEIL, std::ceil(v))
      LAMINA_UNARY_CASE(U_ROUND, std::nearbyint(v))
      default: break;
    }
  }
#undef LAMINA_UNARY_CASE
  const bool is_numeric_op = op == U_NEG || op == U_ABS || op == U_SIGN || op == U_SQUARE ||
                             op == U_RELU || op == U_RELU6 || op == U_FLOOR || op == U_CEIL ||
                             op == U_ROUND;
  if (is_numeric_op) {
#pragma omp parallel for if (par) schedule(static)
    for (int64_t i = 0; i < n; ++i) y[i] = unary_numeric<T>(op, x[i]);
    return;
  }
  if constexpr (std::is_floating_point_v<T>) {
#pragma omp parallel for if (par) schedule(static)
    for (int64_t i = 0; i < n; ++i) y[i] = unary_float<T>(op, x[i], alpha);
  }
}

template <class T>
void unary_to_bool(int op, const T* x, bool* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const T v = x[i];
    if (op == U_LOGICAL_NOT) y[i] = !v;
    else if (op == U_ISNAN) y[i] = v != v;
    else y[i] = !(v != v) && v - v == v - v;  // finite: not NaN, not inf
  }
}

bool accepts(int accept, DType dt) {
  if (is_float(dt)) return accept & kFloat;
  if (dt == DType::b8) return accept & kBool;
  return accept & kInt;
}

nb::object unary(int op, nb::handle xh, double alpha) {
  if (op < 0 || op >= U_COUNT) fail_value("unary: unknown op code " + std::to_string(op));
  const UnaryInfo& info = kUnary[op];
  View x = view_of(xh, info.name);
  if (!accepts(info.accept, x.dtype))
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
enum BinaryOp {
  B_ADD, B_SUB, B_MUL, B_DIV, B_FLOORDIV, B_MOD, B_POW, B_MAX, B_MIN, B_EQ, B_NE, B_LT, B_LE,
  B_GT, B_GE, B_AND, B_OR, B_XOR, B_RELU_GRAD, B_COUNT
};

struct BinaryInfo { const char* name; int accept; bool to_bool; };
const BinaryInfo kBinary[B_COUNT] = {
    {"add", kNumeric, false},       {"subtract", kNumeric, false}, {"multiply", kNumeric, false},
    {"divide", kFloat, false},      {"floor_divide", kNumeric, false}, {"mod", kNumeric, false},
    {"power", kNumeric, false},     {"maximum", kAny, false},      {"minimum", kAny, false},
    {"equal", kAny, true},          {"not_equal", kAny, true},     {"less", kAny, true},
    {"less_equal", kAny, true},     {"greater", kAny, true},       {"greater_equal", kAny, true},
    {"logical_and", kAny, true},    {"logical_or", kAny, true},    {"logical_xor", kAny, true},
    {"relu_grad", kFloat, false},  // (x, g) -> g where x > 0, else 0: relu's backward in one pass
};

// Python-style floor division and modulo (NumPy's divmod semantics).
template <class T> inline void float_divmod(T a, T b, T* div_out, T* mod_out) {
  T mod = std::fmod(a, b);
  if (b == T(0)) { *div_out = a / b; *mod_out = mod; return; }
  T div = (a - mod) / b;
  if (mod != T(0)) {
    if ((b < T(0)) != (mod < T(0))) { mod += b; div -= T(1); }
  } else {
    mod = std::copysign(T(0), b);
  }
  T fl;
  if (div != T(0)) {
    fl = std::floor(div);
    if (div - fl > T(0.5)) fl += T(1);
  } else {
    fl = std::copysign(T(0), a / b);
  }
  *div_out = fl;
  *mod_out = mod;
}

template <class T> inline T int_floordiv(T a, T b) {
  if (b == 0) return 0;              // NumPy's result; avoids SIGFPE
  if (b == -1) return T(0) - a;      // avoids INT_MIN / -1 overflow trap
  T q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
template <class T> inline T int_mod(T a, T b) {
  if (b == 0 || b == -1) return 0;
  T r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}
template <class T> inline T int_pow(T a, T b) {
  if (b < 0) return a == 1 ? 1 : (a == -1 ? (b % 2 ? -1 : 1) : 0);
  T r = 1;
  while (b) {
    if (b & 1) r *= a;
    a *= a;
    b >>= 1;
  }
  return r;
}

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
  if (kBinary[op].to_bool) {
    bool* r = o.ptr<bool>();
    switch (op) {
      case B_EQ: return binary_run(p, x, y, r, [](T u, T v) { return u == v; });
      case B_NE: return binary_run(p, x, y, r, [](T u, T v) { return u != v; });
      case B_LT: return binary_run(p, x, y, r, [](T u, T v) { return u < v; });
      case B_LE: return binary_run(p, x, y, r, [](T u, T v) { return u <= v; });
      case B_GT: return binary_run(p, x, y, r, [](T u, T v) { return u > v; });
      case B_GE: return binary_run(p, x, y, r, [](T u, T v) { return u >= v; });
      case B_AND: return binary_run(p, x, y, r, [](T u, T v) { return bool(u) && bool(v); });
      case B_OR: return binary_run(p, x, y, r, [](T u, T v) { return bool(u) || bool(v); });
      case B_XOR: return binary_run(p, x, y, r, [](T u, T v) { return bool(u) != bool(v); });
    }
    return;
  }
  T* r = o.ptr<T>();
  // NaN-propagating max/min, as NumPy's maximum/minimum.
  if (op == B_MAX) return binary_run(p, x, y, r, [](T u, T v) { return (u > v || u != u) ? u : v; });
  if (op == B_MIN) return binary_run(p, x, y, r, [](T u, T v) { return (u < v || u != u) ? u : v; });
  if constexpr (!std::is_same_v<T, bool>) {
    switch (op) {
      case B_ADD: return binary_run(p, x, y, r, [](T u, T v) { return T(u + v); });
      case B_SUB: return binary_run(p, x, y, r, [](T u, T v) { return T(u - v); });
      case B_MUL: return binary_run(p, x, y, r, [](T u, T v) { return T(u * v); });
      case B_DIV: return binary_run(p, x, y, r, [](T u, T v) { return T(u / v); });
    }
    if constexpr (std::is_floating_point_v<T>) {
      switch (op) {
        case B_FLOORDIV:
          return binary_run(p, x, y, r, [](T u, T v) { T d, m; float_divmod(u, v, &d, &m); return d; });
        case B_MOD:
          return binary_run(p, x, y, r, [](T u, T v) { T d, m; float_divmod(u, v, &d, &m); return m; });
        case B_POW: return binary_run(p, x, y, r, [](T u, T v) { return T(std::pow(u, v)); });
        case B_RELU_GRAD: return binary_run(p, x, y, r, [](T u, T v) { return u > T(0) ? v : T(0); });
      }
    } else {
      switch (op) {
        case B_FLOORDIV: return binary_run(p, x, y, r, [](T u, T v) { return int_floordiv(u, v); });
        case B_MOD: return binary_run(p, x, y, r, [](T u, T v) { return int_mod(u, v); });
        case B_POW: return binary_run(p, x, y, r, [](T u, T v) { return int_pow(u, v); });
      }
    }
  }
}

// Ops whose cost per element is a load or two and a store (no division, no libm).
bool memory_bound(int op) {
  return op != B_DIV && op != B_FLOORDIV && op != B_MOD && op != B_POW;
}

nb::object binary(int op, nb::handle ah, nb::handle bh) {
  if (op < 0 || op >= B_COUNT) fail_value("binary: unknown op code " + std::to_string(op));
  const BinaryInfo& info = kBinary[op];
  View a = view_of(ah, info.name, "x1");
  View b = view_of(bh, info.name, "x2");
  if (a.dtype != b.dtype)
    fail_type(std::string(info.name) + ": operands must share a dtype, got " +
              dtype_name(a.dtype) + " " + shape_str(a.shape) + " and " + dtype_name(b.dtype) +
              " " + shape_str(b.shape));
  if (!accepts(info.accept, a.dtype) || a.dtype == DType::u8)
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
