// The one definition of every elementwise op's scalar formula, shared by the
// one-op-per-call kernels (elementwise.cc) and the fused interpreter (fused.cc),
// so that a fused program gives bit-identical results to the same ops run one by
// one. Each op is a template on its code: a loop that calls `unary_op<OP>` or
// `binary_op<OP>` inlines one branch-free expression that GCC can vectorize; the
// switch on the op happens once, outside the loop (see `visit_op`).
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "kernels/vecmath.h"

namespace lamina::ew {

// Kinds of dtypes an op accepts.
enum Accept { kFloat = 1, kInt = 2, kBool = 4, kNumeric = kFloat | kInt, kAny = 7 };

struct OpInfo {
  const char* name;  // the name in _core.UNARY_OPS / _core.BINARY_OPS
  int accept;        // Accept bits
  bool to_bool;      // the one-op kernels return bool (comparisons, predicates)
};

// ---------------------------------------------------------------- unary ops
enum UnaryOp {
  U_NEG, U_ABS, U_SIGN, U_SQUARE, U_SQRT, U_RSQRT, U_RECIPROCAL, U_EXP, U_EXPM1, U_LOG,
  U_LOG1P, U_SIN, U_COS, U_TANH, U_SIGMOID, U_RELU, U_RELU6, U_LEAKY_RELU, U_ELU, U_SELU,
  U_GELU, U_GELU_TANH, U_SOFTPLUS, U_SOFTSIGN, U_SILU, U_HARD_SIGMOID, U_ERF, U_FLOOR,
  U_CEIL, U_ROUND, U_LOGICAL_NOT, U_ISNAN, U_ISFINITE, U_COUNT
};

inline constexpr OpInfo kUnary[U_COUNT] = {
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

// ---------------------------------------------------------------- binary ops
enum BinaryOp {
  B_ADD, B_SUB, B_MUL, B_DIV, B_FLOORDIV, B_MOD, B_POW, B_MAX, B_MIN, B_EQ, B_NE, B_LT, B_LE,
  B_GT, B_GE, B_AND, B_OR, B_XOR, B_RELU_GRAD, B_COUNT
};

inline constexpr OpInfo kBinary[B_COUNT] = {
    {"add", kNumeric, false},       {"subtract", kNumeric, false}, {"multiply", kNumeric, false},
    {"divide", kFloat, false},      {"floor_divide", kNumeric, false}, {"mod", kNumeric, false},
    {"power", kNumeric, false},     {"maximum", kAny, false},      {"minimum", kAny, false},
    {"equal", kAny, true},          {"not_equal", kAny, true},     {"less", kAny, true},
    {"less_equal", kAny, true},     {"greater", kAny, true},       {"greater_equal", kAny, true},
    {"logical_and", kAny, true},    {"logical_or", kAny, true},    {"logical_xor", kAny, true},
    {"relu_grad", kFloat, false},  // (x, g) -> g where x > 0, else 0: relu's backward in one pass
};

// The Accept bit of a C++ element type.
template <class T> constexpr int kind_of() {
  if constexpr (std::is_floating_point_v<T>) return kFloat;
  else if constexpr (std::is_same_v<T, bool>) return kBool;
  else return kInt;
}
template <class T> constexpr bool accepts(int accept) { return (accept & kind_of<T>()) != 0; }

// Calls f(std::integral_constant<int, OP>{}) for the runtime code `op` in [0, N):
// the one switch that turns a runtime op into a compile-time one.
template <class F, int... I>
inline void visit_op_impl(int op, F&& f, std::integer_sequence<int, I...>) {
  (void)((op == I && (f(std::integral_constant<int, I>{}), true)) || ...);
}
template <int N, class F> inline void visit_op(int op, F&& f) {
  visit_op_impl(op, f, std::make_integer_sequence<int, N>{});
}

// ------------------------------------------------------------ scalar helpers
// The logistic function of vecmath.h, shared with the gemm epilogue (same bits).
using vm::sigmoid;

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
  if (b == -1) return T(T(0) - a);    // avoids INT_MIN / -1 overflow trap
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

// ------------------------------------------------------------ the formulas
// Unary ops with a value result (kUnary[OP].to_bool is false), for every T the op
// accepts. `alpha` parameterizes leaky_relu and elu and is ignored otherwise.
template <int OP, class T>
inline T unary_op(T x, [[maybe_unused]] T alpha) {
  static_assert(!kUnary[OP].to_bool, "predicates go through unary_pred");
  // Ops defined for every numeric dtype.
  if constexpr (OP == U_NEG) return T(-x);
  else if constexpr (OP == U_ABS) {
    if constexpr (std::is_floating_point_v<T>) return std::fabs(x);
    else return T(x < T(0) ? -x : x);
  }
  else if constexpr (OP == U_SIGN) return x > T(0) ? T(1) : (x < T(0) ? T(-1) : x);  // keeps NaN, 0
  else if constexpr (OP == U_SQUARE) return T(x * x);
  else if constexpr (OP == U_RELU) return x > T(0) ? x : T(0);
  else if constexpr (OP == U_RELU6) return x > T(0) ? (x < T(6) ? x : T(6)) : T(0);
  else if constexpr (OP == U_FLOOR || OP == U_CEIL || OP == U_ROUND) {
    if constexpr (!std::is_floating_point_v<T>) return x;  // integers are already whole
    else if constexpr (OP == U_FLOOR) return std::floor(x);
    else if constexpr (OP == U_CEIL) return std::ceil(x);
    else return std::nearbyint(x);  // half to even, as NumPy's round
  } else {
    // Floating-only ops.
    static_assert(std::is_floating_point_v<T>, "op accepts floating dtypes only");
    constexpr T kSeluAlpha = T(1.6732632423543772848170429916717);
    constexpr T kSeluScale = T(1.0507009873554804934193349852946);
    if constexpr (OP == U_SQRT) return std::sqrt(x);
    else if constexpr (OP == U_RSQRT) return T(1) / std::sqrt(x);
    else if constexpr (OP == U_RECIPROCAL) return T(1) / x;
    else if constexpr (OP == U_EXP) return vm::exp(x);
    else if constexpr (OP == U_EXPM1) return std::expm1(x);
    else if constexpr (OP == U_LOG) return vm::log(x);
    else if constexpr (OP == U_LOG1P) return vm::log1p(x);
    else if constexpr (OP == U_SIN) return std::sin(x);
    else if constexpr (OP == U_COS) return std::cos(x);
    else if constexpr (OP == U_TANH) return vm::tanh(x);
    else if constexpr (OP == U_SIGMOID) return sigmoid(x);
    else if constexpr (OP == U_LEAKY_RELU) return x >= T(0) ? x : alpha * x;
    else if constexpr (OP == U_ELU) return x > T(0) ? x : alpha * std::expm1(x);
    else if constexpr (OP == U_SELU)
      return x > T(0) ? kSeluScale * x : kSeluScale * kSeluAlpha * std::expm1(x);
    else if constexpr (OP == U_GELU)
      return T(0.5) * x * (T(1) + std::erf(x * T(0.70710678118654752440)));
    else if constexpr (OP == U_GELU_TANH) {
      const T c = T(0.79788456080286535588);  // sqrt(2/pi)
      return T(0.5) * x * (T(1) + vm::tanh(c * (x + T(0.044715) * x * x * x)));
    } else if constexpr (OP == U_SOFTPLUS) {
      const T ax = std::fabs(x);
      return (x > T(0) ? x : T(0)) + vm::log1p(vm::exp(-ax));
    } else if constexpr (OP == U_SOFTSIGN) return x / (T(1) + std::fabs(x));
    else if constexpr (OP == U_SILU) return x * sigmoid(x);
    else if constexpr (OP == U_HARD_SIGMOID) {
      const T y = x * T(1.0 / 6.0) + T(0.5);
      return y < T(0) ? T(0) : (y > T(1) ? T(1) : y);
    } else {
      static_assert(OP == U_ERF, "unhandled unary op");
      return std::erf(x);
    }
  }
}

// Unary predicates (kUnary[OP].to_bool), for every dtype.
template <int OP, class T>
inline bool unary_pred(T v) {
  if constexpr (OP == U_LOGICAL_NOT) return !v;
  else if constexpr (OP == U_ISNAN) return v != v;
  else {
    static_assert(OP == U_ISFINITE, "unhandled unary predicate");
    return !(v != v) && v - v == v - v;  // finite: not NaN, not inf
  }
}

// Binary ops with a value result (kBinary[OP].to_bool is false).
template <int OP, class T>
inline T binary_op(T u, T v) {
  static_assert(!kBinary[OP].to_bool, "comparisons go through binary_pred");
  // NaN-propagating max/min, as NumPy's maximum/minimum (also defined for bool).
  if constexpr (OP == B_MAX) return (u > v || u != u) ? u : v;
  else if constexpr (OP == B_MIN) return (u < v || u != u) ? u : v;
  else if constexpr (OP == B_ADD) return T(u + v);
  else if constexpr (OP == B_SUB) return T(u - v);
  else if constexpr (OP == B_MUL) return T(u * v);
  else if constexpr (OP == B_DIV) return T(u / v);
  else if constexpr (OP == B_RELU_GRAD) return u > T(0) ? v : T(0);
  else if constexpr (std::is_floating_point_v<T>) {
    if constexpr (OP == B_FLOORDIV) { T d, m; float_divmod(u, v, &d, &m); return d; }
    else if constexpr (OP == B_MOD) { T d, m; float_divmod(u, v, &d, &m); return m; }
    else { static_assert(OP == B_POW, "unhandled binary op"); return T(std::pow(u, v)); }
  } else {
    if constexpr (OP == B_FLOORDIV) return int_floordiv(u, v);
    else if constexpr (OP == B_MOD) return int_mod(u, v);
    else { static_assert(OP == B_POW, "unhandled binary op"); return int_pow(u, v); }
  }
}

// Comparisons and logical ops (kBinary[OP].to_bool): a truth value for every dtype.
template <int OP, class T>
inline bool binary_pred(T u, T v) {
  if constexpr (OP == B_EQ) return u == v;
  else if constexpr (OP == B_NE) return u != v;
  else if constexpr (OP == B_LT) return u < v;
  else if constexpr (OP == B_LE) return u <= v;
  else if constexpr (OP == B_GT) return u > v;
  else if constexpr (OP == B_GE) return u >= v;
  else if constexpr (OP == B_AND) return bool(u) && bool(v);
  else if constexpr (OP == B_OR) return bool(u) || bool(v);
  else { static_assert(OP == B_XOR, "unhandled binary predicate"); return bool(u) != bool(v); }
}

}  // namespace lamina::ew
