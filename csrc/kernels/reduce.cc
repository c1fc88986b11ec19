// Reductions over any set of axes of a C-contiguous array: sum, prod, max, min,
// any, all and logsumexp, plus argmax/argmin along one axis.
//
// Plan: the shape is coalesced into groups of adjacent axes that are all reduced or
// all kept (length-1 axes dropped), so every reduction becomes one or more stages
// of the form (outer, R, inner): out[o, i] = reduce_r x[o, r, i]. When the reduced
// axes are not adjacent (e.g. axes (0, 2) of a 3-D array) the largest reduced group
// goes first and the rest follow on the (smaller) intermediate; every op here is
// associative, so staging gives the same result up to float rounding.
//
// Each stage runs one of two loops: inner == 1 reduces contiguous rows with several
// independent accumulator lanes (which GCC vectorizes without reassociating a single
// sum); inner > 1 accumulates whole rows into a tile of column accumulators,
// vectorized along the contiguous inner axis. float32 sums accumulate in float32
// over blocks and fold the block sums into float64, which keeps them within a few
// ulp of the exact sum. Output elements (or, when there are few of them, chunks of
// the reduced axis with partial results combined in a fixed order) are split across
// OpenMP threads; results do not depend on the thread count.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "common.h"
#include "kernels/reduce.h"
#include "kernels/vecmath.h"

namespace lamina {

namespace kernels {
const char* const kReduceName[R_COUNT] = {"sum", "prod", "max", "min", "any", "all", "logsumexp"};
}  // namespace kernels

namespace {

using namespace kernels;

// Columns per tile in the inner > 1 loop (accumulators stay in L1).
constexpr int64_t kTile = 1024;

// Reductions are memory-bound and cheap per element: waking the (passive) OpenMP
// workers costs more than it saves below about a million elements. Measured: the
// bias gradient of a Dense layer, sum over axis 0 of (128, 512) float32, took 94 us
// with two threads against 8 us for NumPy's single-threaded sum.
constexpr int64_t kReduceParallelGrain = 1 << 20;

// ------------------------------------------------------------------ policies
// A policy reduces T values: `step` folds a value into an accumulator A (the
// vectorized hot loop), `widen` folds a finished block of A into a wide W, `merge`
// combines two W (partials), `finish` gives the output O. kBlock > 0 limits how
// many steps one accumulator lane takes before it is widened (float32 sums).

template <class T> struct IntAcc { using type = uint32_t; };  // wraps like NumPy
template <> struct IntAcc<int64_t> { using type = uint64_t; };
template <> struct IntAcc<float> { using type = float; };
template <> struct IntAcc<double> { using type = double; };

template <class T> struct SumOut { using type = int32_t; };  // bool, uint8, int32 -> int32
template <> struct SumOut<int64_t> { using type = int64_t; };
template <> struct SumOut<float> { using type = float; };
template <> struct SumOut<double> { using type = double; };

template <class T> struct SumP {
  using A = typename IntAcc<T>::type;
  using W = std::conditional_t<std::is_same_v<T, float>, double, A>;
  using O = typename SumOut<T>::type;
  static constexpr int64_t kBlock = std::is_same_v<T, float> ? 128 : 0;
  A ident = A(0);
  W wident() const { return W(0); }
  static A step(A a, T v) { return A(a + A(v)); }
  static A merge_acc(A a, A b) { return A(a + b); }
  static W widen(W w, A a) { return W(w + W(a)); }
  static W merge(W a, W b) { return W(a + b); }
  static O finish(W w) { return O(w); }
};

template <class T> struct ProdP {
  using A = typename IntAcc<T>::type;
  using W = A;
  using O = typename SumOut<T>::type;
  static constexpr int64_t kBlock = 0;
  A ident = A(1);
  W wident() const { return W(1); }
  static A step(A a, T v) { return A(a * A(v)); }
  static A merge_acc(A a, A b) { return A(a * b); }
  static W widen(W w, A a) { return W(w * a); }
  static W merge(W a, W b) { return W(a * b); }
  static O finish(W w) { return O(w); }
};

// max/min propagate NaN: once an accumulator holds NaN it keeps it.
template <class T, bool kMax> struct ExtremeP {
  using A = T;
  using W = T;
  using O = T;
  static constexpr int64_t kBlock = 0;
  A ident;
  W wident() const { return ident; }
  static A step(A a, T v) {
    if constexpr (kMax) return (v > a || v != v) ? v : a;
    else return (v < a || v != v) ? v : a;
  }
  static A merge_acc(A a, A b) { return step(a, b); }
  static W widen(W w, A a) { return step(w, a); }
  static W merge(W a, W b) { return step(a, b); }
  static O finish(W w) { return w; }
};

template <class T, bool kAny> struct LogicP {
  using A = uint8_t;
  using W = uint8_t;
  using O = bool;
  static constexpr int64_t kBlock = 0;
  A ident = kAny ? 0 : 1;
  W wident() const { return ident; }
  static A step(A a, T v) {
    const A b = v != T(0);  // NaN counts as true, as in NumPy
    return kAny ? A(a | b) : A(a & b);
  }
  static A merge_acc(A a, A b) { return kAny ? A(a | b) : A(a & b); }
  static W widen(W w, A a) { return merge_acc(w, a); }
  static W merge(W a, W b) { return merge_acc(a, b); }
  static O finish(W w) { return w != 0; }
};

// Accumulator lanes per row: 128 bytes, i.e. four AVX2 registers, enough
// independent chains to hide the add latency.
template <class A> constexpr int lanes_for() { return int(128 / sizeof(A)); }

// Reduces p[0 .. n) (contiguous) to one wide value.
template <class P, class T>
typename P::W reduce_row(const P& pol, const T* p, int64_t n) {
  using A = typename P::A;
  using W = typename P::W;
  constexpr int L = lanes_for<A>();
  const int64_t block = P::kBlock ? P::kBlock * L : n;
  W w = pol.wident();
  int64_t i = 0;
  do {
    const int64_t end = std::min(n, i + block);
    A acc[L];
    for (int j = 0; j < L; ++j) acc[j] = pol.ident;
    for (; i + L <= end; i += L)
      for (int j = 0; j < L; ++j) acc[j] = P::step(acc[j], p[i + j]);
    A tail = pol.ident;
    for (; i < end; ++i) tail = P::step(tail, p[i]);
    for (int s = L / 2; s > 0; s /= 2)
      for (int j = 0; j < s; ++j) acc[j] = P::merge_acc(acc[j], acc[j + s]);
    w = P::widen(w, P::merge_acc(acc[0], tail));
  } while (i < n);
  return w;
}

// Reduces rows [r0, r1) of a (R, inner) slab into w[0 .. tw) for columns
// [j0, j0 + tw); p points at the slab's first element.
template <class P, class T>
void reduce_cols(const P& pol, const T* p, int64_t inner, int64_t r0, int64_t r1,
                 int64_t j0, int64_t tw, typename P::W* w) {
  using A = typename P::A;
  const int64_t block = P::kBlock ? P::kBlock : (r1 - r0);
  A acc[kTile];
  for (int64_t j = 0; j < tw; ++j) w[j] = pol.wident();
  for (int64_t b = r0; b < r1; b += block) {
    const int64_t e = std::min(r1, b + block);
    for (int64_t j = 0; j < tw; ++j) acc[j] = pol.ident;
    for (int64_t r = b; r < e; ++r) {
      const T* row = p + r * inner + j0;
#pragma omp simd
      for (int64_t j = 0; j < tw; ++j) acc[j] = P::step(acc[j], row[j]);
    }
    for (int64_t j = 0; j < tw; ++j) w[j] = P::widen(w[j], acc[j]);
  }
}

// One stage: y[o, i] = reduce_r x[o, r, i] for R >= 1.
template <class P, class T>
void run_stage(const P& pol, const T* x, typename P::O* y, int64_t outer, int64_t R,
               int64_t inner) {
  using W = typename P::W;
  const int64_t total = outer * R * inner;
  const int64_t ntiles = (inner + kTile - 1) / kTile;
  const int64_t items = outer * ntiles;
  // Few output items for a lot of work: also split the reduced axis into chunks,
  // a number fixed by the shape alone (results do not depend on the thread count).
  int64_t C = 1;
  if (total >= kReduceParallelGrain && items < 8) {
    C = std::min<int64_t>((16 + items - 1) / items, std::max<int64_t>(1, R / 64));
  }
  const int64_t rchunk = (R + C - 1) / C;
  C = (R + rchunk - 1) / rchunk;
  std::unique_ptr<W[]> partial(C > 1 ? new W[size_t(C * outer * inner)] : nullptr);
  const bool par = total >= kReduceParallelGrain;
  parallel_for(C * items, par, [&](int64_t it) {
    const int64_t c = it / items, rest = it % items;
    const int64_t o = rest / ntiles, t = rest % ntiles;
    const int64_t r0 = c * rchunk, r1 = std::min(R, r0 + rchunk);
    const T* slab = x + o * R * inner;
    W w[kTile];
    int64_t j0 = 0, tw = 1;
    if (inner == 1) {
      w[0] = reduce_row(pol, slab + r0, r1 - r0);
    } else {
      j0 = t * kTile;
      tw = std::min(kTile, inner - j0);
      reduce_cols(pol, slab, inner, r0, r1, j0, tw, w);
    }
    const int64_t base = o * inner + j0;
    if (C == 1) {
      for (int64_t j = 0; j < tw; ++j) y[base + j] = P::finish(w[j]);
    } else {
      W* dst = partial.get() + c * outer * inner + base;
      for (int64_t j = 0; j < tw; ++j) dst[j] = w[j];
    }
  });
  if (C > 1) {
    const int64_t n = outer * inner;
    for (int64_t k = 0; k < n; ++k) {
      W w = partial[k];
      for (int64_t c = 1; c < C; ++c) w = P::merge(w, partial[c * n + k]);
      y[k] = P::finish(w);
    }
  }
}

// logsumexp stage (float types): max, then sum of exp(x - max), per output element.
// An infinite or NaN max shifts by 0, so all -inf gives -inf and +inf gives +inf.
template <class T>
void run_lse_stage(const T* x, T* y, int64_t outer, int64_t R, int64_t inner) {
  const int64_t total = outer * R * inner;
  const int64_t ntiles = (inner + kTile - 1) / kTile;
  const ExtremeP<T, true> maxp{-std::numeric_limits<T>::infinity()};
  parallel_for(outer * ntiles, total >= kParallelGrain, [&](int64_t it) {
    const int64_t o = it / ntiles, t = it % ntiles;
    const T* slab = x + o * R * inner;
    if (inner == 1) {
      const T m = reduce_row(maxp, slab, R);
      const T shift = std::isfinite(m) ? m : T(0);
      double s = 0.0;
#pragma omp simd reduction(+ : s)
      for (int64_t r = 0; r < R; ++r) s += double(vm::exp(T(slab[r] - shift)));
      y[o] = T(std::log(s) + double(shift));
      return;
    }
    const int64_t j0 = t * kTile, tw = std::min(kTile, inner - j0);
    T m[kTile];
    double s[kTile];
    reduce_cols(maxp, slab, inner, 0, R, j0, tw, m);
    for (int64_t j = 0; j < tw; ++j) {
      m[j] = std::isfinite(m[j]) ? m[j] : T(0);
      s[j] = 0.0;
    }
    for (int64_t r = 0; r < R; ++r) {
      const T* row = slab + r * inner + j0;
#pragma omp simd
      for (int64_t j = 0; j < tw; ++j) s[j] += double(vm::exp(T(row[j] - m[j])));
    }
    for (int64_t j = 0; j < tw; ++j) y[o * inner + j0 + j] = T(std::log(s[j]) + double(m[j]));
  });
}

DType out_dtype(int op, DType in) {
  switch (op) {
    case R_SUM:
    case R_PROD:
      if (in == DType::b8 || in == DType::u8) return DType::i32;
      return in;
    case R_ANY:
    case R_ALL: return DType::b8;
    default: return in;
  }
}

// Runs one stage of `op` on x (dtype `dt`), writing out_dtype(op, dt) into y.
void stage(int op, DType dt, const void* x, void* y, int64_t outer, int64_t R, int64_t inner,
           bool has_initial, double initial) {
  dispatch_all(dt, [&](auto tag) {
    using T = decltype(tag);
    const T* xp = static_cast<const T*>(x);
    switch (op) {
      case R_SUM: {
        SumP<T> p;
        run_stage(p, xp, static_cast<typename SumP<T>::O*>(y), outer, R, inner);
        return;
      }
      case R_PROD: {
        ProdP<T> p;
        run_stage(p, xp, static_cast<typename ProdP<T>::O*>(y), outer, R, inner);
        return;
      }
      case R_MAX:
      case R_MIN: {
        T init;
        if (has_initial) {
          init = std::is_same_v<T, bool> ? T(initial != 0.0) : T(initial);
        } else if constexpr (std::is_floating_point_v<T>) {
          init = op == R_MAX ? -std::numeric_limits<T>::infinity()
                             : std::numeric_limits<T>::infinity();
        } else {
          init = op == R_MAX ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
        }
        if (op == R_MAX) run_stage(ExtremeP<T, true>{init}, xp, static_cast<T*>(y), outer, R, inner);
        else run_stage(ExtremeP<T, false>{init}, xp, static_cast<T*>(y), outer, R, inner);
        return;
      }
      case R_ANY: run_stage(LogicP<T, true>{}, xp, static_cast<bool*>(y), outer, R, inner); return;
      case R_ALL: run_stage(LogicP<T, false>{}, xp, static_cast<bool*>(y), outer, R, inner); return;
      case R_LOGSUMEXP:
        if constexpr (std::is_floating_point_v<T>)
          run_lse_stage(xp, static_cast<T*>(y), outer, R, inner);
        return;
    }
  });
}

// Fills y (n elements of out_dtype) with the value of an empty reduction.
void fill_empty(int op, DType dt, void* y, int64_t n, double initial) {
  dispatch_all(dt, [&](auto tag) {
    using T = decltype(tag);
    T v{};
    switch (op) {
      case R_SUM: case R_ANY: v = T(0); break;
      case R_PROD: case R_ALL: v = T(1); break;
      case R_LOGSUMEXP:
        if constexpr (std::is_floating_point_v<T>) v = -std::numeric_limits<T>::infinity();
        break;
      default:
        if constexpr (std::is_same_v<T, bool>) v = initial != 0.0;
        else v = T(initial);
    }
    T* p = static_cast<T*>(y);
    for (int64_t i = 0; i < n; ++i) p[i] = v;
  });
}

// Reads the axes, checks them against the shape, and returns the reduced mask.
std::vector<bool> reduced_mask(nb::handle axes_h, const Shape& shape, const char* op) {
  const int nd = (int)shape.size();
  std::vector<bool> red(nd, false);
  Shape axes = shape_from(axes_h, op);
  for (int64_t a : axes) {
    if (a < -nd || a >= nd)
      fail_value(std::string(op) + ": axis " + std::to_string(a) +
                 " is out of bounds for a tensor of shape " + shape_str(shape));
    const int k = int(a < 0 ? a + nd : a);
    if (red[k])
      fail_value(std::string(op) + ": repeated axis " + std::to_string(a) + " in axes for shape " +
                 shape_str(shape));
    red[k] = true;
  }
  return red;
}

struct Group {
  int64_t size;
  bool reduced;
};

// Drops length-1 axes and merges neighbours that are all reduced or all kept.
std::vector<Group> coalesce(const Shape& shape, const std::vector<bool>& red) {
  std::vector<Group> g;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    if (!g.empty() && g.back().reduced == red[i]) g.back().size *= shape[i];
    else g.push_back({shape[i], bool(red[i])});
  }
  return g;
}

nb::object reduce(int op, nb::handle xh, nb::handle axes_h, nb::handle initial_h) {
  if (op < 0 || op >= R_COUNT) fail_value("reduce: unknown op code " + std::to_string(op));
  const char* name = kReduceName[op];
  View x = view_of(xh, name);
  if (op == R_LOGSUMEXP && !is_float(x.dtype))
    fail_type(std::string("logsumexp: expected a floating dtype, got ") + dtype_name(x.dtype));
  const std::vector<bool> red = reduced_mask(axes_h, x.shape, name);
  const bool has_initial = !initial_h.is_none();
  double initial = 0.0;
  if (has_initial) {
    if (op != R_MAX && op != R_MIN) fail_value(std::string(name) + ": 'initial' is not supported");
    initial = nb::cast<double>(initial_h);
  }
  Shape out_shape;
  int64_t R = 1;
  for (size_t i = 0; i < x.shape.size(); ++i) {
    if (red[i]) R *= x.shape[i];
    else out_shape.push_back(x.shape[i]);
  }
  const DType odt = out_dtype(op, x.dtype);
  View y;
  nb::object out = new_array(odt, out_shape, &y);
  if (y.size == 0) return out;
  if (R == 0) {
    if ((op == R_MAX || op == R_MIN) && !has_initial)
      fail_value(std::string(name) + ": zero-size reduction over axes of a tensor of shape " +
                 shape_str(x.shape) + " has no identity; pass 'initial'");
    fill_empty(op, odt, y.data, y.size, initial);
    return out;
  }
  GilRelease nogil(x.size >= kParallelGrain);
  reduce_into(op, x.dtype, x.data, x.shape, red, y.data, has_initial, initial);
  return out;
}

}  // namespace

void kernels::reduce_into(int op, DType dt, const void* x, const Shape& shape,
                          const std::vector<bool>& red, void* y_data, bool has_initial,
                          double initial) {
  int64_t R = 1, ny = 1;
  for (size_t i = 0; i < shape.size(); ++i) (red[i] ? R : ny) *= shape[i];
  if (ny == 0) return;
  if (R == 0) {
    fill_empty(op, out_dtype(op, dt), y_data, ny, initial);
    return;
  }
  std::vector<Group> groups = coalesce(shape, red);
  const void* cur = x;
  DType cur_dt = dt;
  std::vector<unsigned char> bufs[2];
  int which = 0;
  bool done = false;
  while (!done) {
    // The largest reduced group goes first: it shrinks the data the most.
    int k = -1;
    int nred = 0;
    for (int i = 0; i < (int)groups.size(); ++i) {
      if (!groups[i].reduced) continue;
      ++nred;
      if (k < 0 || groups[i].size > groups[k].size) k = i;
    }
    if (k < 0) {  // nothing to reduce (all reduced axes have length 1): a copy or cast
      groups.insert(groups.begin(), Group{1, true});
      k = 0;
      nred = 1;
    }
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < k; ++i) outer *= groups[i].size;
    for (int i = k + 1; i < (int)groups.size(); ++i) inner *= groups[i].size;
    const DType sdt = out_dtype(op, cur_dt);
    void* dst;
    if (nred == 1) {
      dst = y_data;
      done = true;
    } else {
      bufs[which].resize(size_t(outer * inner) * dtype_size(sdt) + 8);
      dst = bufs[which].data();
    }
    stage(op, cur_dt, cur, dst, outer, groups[k].size, inner, has_initial, initial);
    cur = dst;
    cur_dt = sdt;
    which ^= 1;
    groups.erase(groups.begin() + k);
    if (k > 0 && k < (int)groups.size()) {  // the kept neighbours are now adjacent
      groups[k - 1].size *= groups[k].size;
      groups.erase(groups.begin() + k);
    }
  }
}


DType kernels::reduce_out_dtype(int op, DType in) { return out_dtype(op, in); }

namespace {

// ---------------------------------------------------------- argmax / argmin
// First occurrence on ties; the first NaN wins (NumPy's rule).
template <class T, bool kMax> inline bool better(T v, T best) {
  // Bitwise, not short-circuit, operators keep the loops branch-free (vectorizable).
  const bool nan_first = (v != v) & (best == best);
  if constexpr (kMax) return (v > best) | nan_first;
  else return (v < best) | nan_first;
}

// argmax/argmin of a contiguous row: the extreme of each block of 512 (vectorized,
// NaN-propagating); the first block holding the overall extreme (or a NaN) is then
// searched for its first occurrence.
template <class T, bool kMax> int64_t arg_row(const T* p, int64_t n) {
  constexpr int64_t B = 512;
  T bv = p[0];
  int64_t bb = 0;
  for (int64_t b = 0; b < n; b += B) {
    const T m = reduce_row(ExtremeP<T, kMax>{p[b]}, p + b, std::min(B, n - b));
    if (m != m) { bv = m; bb = b; break; }
    if (b == 0 || (kMax ? m > bv : m < bv)) { bv = m; bb = b; }
  }
  const int64_t end = std::min(n, bb + B);
  const bool nan = bv != bv;
  for (int64_t s = bb; s < end; s += 32) {  // find the 32-wide piece first, vectorized
    const int64_t e = std::min(end, s + 32);
    int hit = 0;
    for (int64_t i = s; i < e; ++i) hit |= nan ? int(p[i] != p[i]) : int(p[i] == bv);
    if (!hit) continue;
    for (int64_t i = s; i < e; ++i)
      if (nan ? p[i] != p[i] : p[i] == bv) return i;
  }
  return bb;
}

template <class T, bool kMax>
void run_arg(const T* x, int32_t* y, int64_t outer, int64_t R, int64_t inner) {
  const int64_t total = outer * R * inner;
  const int64_t ntiles = (inner + kTile - 1) / kTile;
  parallel_for(outer * ntiles, total >= kReduceParallelGrain, [&](int64_t it) {
    const int64_t o = it / ntiles, t = it % ntiles;
    const T* slab = x + o * R * inner;
    if (inner == 1) {
      y[o] = int32_t(arg_row<T, kMax>(slab, R));
      return;
    }
    const int64_t j0 = t * kTile, tw = std::min(kTile, inner - j0);
    T best[kTile];
    int32_t idx[kTile];
    for (int64_t j = 0; j < tw; ++j) { best[j] = slab[j0 + j]; idx[j] = 0; }
    for (int64_t r = 1; r < R; ++r) {
      const T* row = slab + r * inner + j0;
      for (int64_t j = 0; j < tw; ++j) {
        const bool b = better<T, kMax>(row[j], best[j]);
        best[j] = b ? row[j] : best[j];
        idx[j] = b ? int32_t(r) : idx[j];
      }
    }
    for (int64_t j = 0; j < tw; ++j) y[o * inner + j0 + j] = idx[j];
  });
}

}  // namespace

void kernels::arg_reduce_into(bool is_max, DType dt, const void* x, int32_t* y, int64_t outer,
                              int64_t R, int64_t inner) {
  dispatch_all(dt, [&](auto tag) {
    using T = decltype(tag);
    const T* xp = static_cast<const T*>(x);
    if (is_max) run_arg<T, true>(xp, y, outer, R, inner);
    else run_arg<T, false>(xp, y, outer, R, inner);
  });
}

namespace {

nb::object arg_reduce(bool is_max, nb::handle xh, int64_t axis) {
  const char* name = is_max ? "argmax" : "argmin";
  View x = view_of(xh, name);
  const int nd = x.ndim();
  if (axis < -nd || axis >= nd)
    fail_value(std::string(name) + ": axis " + std::to_string(axis) +
               " is out of bounds for a tensor of shape " + shape_str(x.shape));
  const int a = int(axis < 0 ? axis + nd : axis);
  const int64_t R = x.shape[a];
  if (R > std::numeric_limits<int32_t>::max())
    fail_value(std::string(name) + ": axis of length " + std::to_string(R) + " overflows int32 indices");
  Shape out_shape;
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < nd; ++i) {
    if (i == a) continue;
    out_shape.push_back(x.shape[i]);
    (i < a ? outer : inner) *= x.shape[i];
  }
  View y;
  nb::object out = new_array(DType::i32, out_shape, &y);
  if (y.size == 0) return out;
  if (R == 0)
    fail_value(std::string(name) + ": attempt to get " + name + " of an empty axis " +
               std::to_string(axis) + " of a tensor of shape " + shape_str(x.shape));
  GilRelease nogil(x.size >= kParallelGrain);
  arg_reduce_into(is_max, x.dtype, x.data, y.ptr<int32_t>(), outer, R, inner);
  return out;
}

}  // namespace

void bind_reduce(nb::module_& m) {
  nb::dict ops;
  for (int i = 0; i < R_COUNT; ++i) ops[kReduceName[i]] = i;
  m.attr("REDUCE_OPS") = ops;
  m.def("reduce", &reduce, nb::arg("op"), nb::arg("x"), nb::arg("axes"),
        nb::arg("initial").none() = nb::none(),
        "Reduces a C-contiguous array over `axes` (ints) with op code `op`; the reduced "
        "axes are removed. sum/prod of bool, uint8 and int32 give int32; any/all give bool.");
  m.def("argmax", [](nb::handle x, int64_t axis) { return arg_reduce(true, x, axis); },
        nb::arg("x"), nb::arg("axis"), "Index (int32) of the first maximum along `axis`.");
  m.def("argmin", [](nb::handle x, int64_t axis) { return arg_reduce(false, x, axis); },
        nb::arg("x"), nb::arg("axis"), "Index (int32) of the first minimum along `axis`.");
}

}  // namespace lamina
