// Random numbers: a counter-based Philox-4x32-10 generator (Salmon et al., SC'11,
// "Parallel random numbers: as easy as 1, 2, 3") and the distributions of
// keras.random built on it.
//
// Every call gets a 64-bit key derived from a (seed, stream) pair of 64-bit words.
// The value of element i is a pure function of (key, i): Philox encrypts the
// counter (block index, attempt, tag) and the element takes its words from block
// i / per_block. So results depend only on (seed, shape, dtype, parameters), never
// on the number of OpenMP threads or on how the work is split. Rejection steps
// (truncated normal, unbiased integers, shuffle) redraw with the counter
// (element index, attempt, tag), which is again thread-independent.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "common.h"
#include "vecmath.h"

namespace lamina {
namespace {

// ------------------------------------------------------------------- Philox
constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;

// Counter tags: the main stream and the redraw streams of rejection samplers.
constexpr uint32_t kTagMain = 0, kTagTruncated = 1, kTagInt = 2, kTagShuffle = 3,
                   kTagKey = 0x5EED5EEDu;

struct Key {
  uint32_t k0, k1;
};

// Philox-4x32 with 10 rounds, in place on the counter `c`.
inline void philox(uint32_t c[4], Key key) {
  uint32_t k0 = key.k0, k1 = key.k1;
  for (int r = 0; r < 10; ++r) {
    if (r) { k0 += kWeyl0; k1 += kWeyl1; }
    const uint64_t p0 = uint64_t(kMul0) * c[0];
    const uint64_t p1 = uint64_t(kMul1) * c[2];
    const uint32_t n0 = uint32_t(p1 >> 32) ^ c[1] ^ k0;
    const uint32_t n2 = uint32_t(p0 >> 32) ^ c[3] ^ k1;
    c[1] = uint32_t(p1);
    c[3] = uint32_t(p0);
    c[0] = n0;
    c[2] = n2;
  }
}

// Four random words for counter (index, attempt, tag).
inline void block(Key key, uint64_t index, uint32_t attempt, uint32_t tag, uint32_t w[4]) {
  w[0] = uint32_t(index);
  w[1] = uint32_t(index >> 32);
  w[2] = attempt;
  w[3] = tag;
  philox(w, key);
}

// The key of one call: the (seed, stream) pair run through Philox once, so nearby
// pairs (a SeedGenerator's successive states) give unrelated keys.
Key derive_key(uint64_t seed, uint64_t stream) {
  uint32_t w[4] = {uint32_t(stream), uint32_t(stream >> 32), 0, kTagKey};
  philox(w, Key{uint32_t(seed), uint32_t(seed >> 32)});
  return Key{w[0], w[1]};
}

inline uint64_t join(uint32_t lo, uint32_t hi) { return (uint64_t(hi) << 32) | lo; }

// [0, 1) from the top 24 bits of a word (float32) or the top 53 of two (float64).
inline float u01f(uint32_t w) { return float(w >> 8) * 0x1p-24f; }
inline double u01d(uint32_t lo, uint32_t hi) { return double(join(lo, hi) >> 11) * 0x1p-53; }

constexpr double kTwoPi = 6.283185307179586476925286766559;

inline void box_muller(double u1, double u2, double* z0, double* z1) {
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double t = kTwoPi * u2;
  *z0 = r * std::cos(t);
  *z1 = r * std::sin(t);
}

// float32 Box-Muller from two words, in float and branch-free so that a loop over
// pairs vectorizes. The radius uses log for u1 <= 1/2 and log1p(-(1 - u1)) above,
// both exact in their inputs (u1 = (a + 1/2) / 2^31 from the top 31 bits). The angle
// 2 pi u2 is reduced exactly in integers: its quadrant is the top two bits of the
// word (rounded), and sin/cos of the rest (|x| <= pi/4) are Taylor polynomials
// accurate to float precision.
inline void box_muller_f32(uint32_t wa, uint32_t wb, float* z0, float* z1) {
  const int32_t a = int32_t(wa >> 1);
  const float lo = vm::log((float(a) + 0.5f) * 0x1p-31f);
  const float hi = vm::log1p(-(float(0x80000000u - uint32_t(a)) - 0.5f) * 0x1p-31f);
  const float r = std::sqrt(-2.0f * (a < (1 << 30) ? lo : hi));
  const uint32_t q = ((wb + (1u << 29)) >> 30) & 3u;
  const int32_t rem = int32_t(wb - (q << 30));  // in [-2^29, 2^29)
  const float x = float(rem) * (0x1p-30f * 1.57079632679489662f);
  const float x2 = x * x;
  const float sn = x + x * x2 * (-1.f / 6 + x2 * (1.f / 120 + x2 * (-1.f / 5040 + x2 * (1.f / 362880))));
  const float cs = 1.f + x2 * (-0.5f + x2 * (1.f / 24 + x2 * (-1.f / 720 + x2 * (1.f / 40320))));
  // Rotate (cos, sin) by q quarter turns.
  const float c = q == 0 ? cs : (q == 1 ? -sn : (q == 2 ? -cs : sn));
  const float sv = q == 0 ? sn : (q == 1 ? cs : (q == 2 ? -sn : -cs));
  *z0 = r * c;
  *z1 = r * sv;
}

// Standard normals from one block: float32 two pairs (z[0..3]), float64 one pair
// from 53-bit uniforms (z[0..1]). Returns how many.
template <class T> inline int normals(const uint32_t w[4], T z[4]) {
  if constexpr (std::is_same_v<T, float>) {
    box_muller_f32(w[0], w[1], &z[0], &z[1]);
    box_muller_f32(w[2], w[3], &z[2], &z[3]);
    return 4;
  } else {
    box_muller(1.0 - u01d(w[0], w[1]), u01d(w[2], w[3]), &z[0], &z[1]);
    return 2;
  }
}

// Main-stream words of blocks b0 .. b0 + cnt - 1 into w[4 * i + j]: the same values
// as block(key, b0 + i, 0, kTagMain), in a loop over blocks that GCC vectorizes.
constexpr int64_t kChunk = 256;

inline void philox_blocks(Key key, uint64_t b0, int cnt, uint32_t* __restrict w) {
#pragma omp simd
  for (int i = 0; i < cnt; ++i) {
    const uint64_t idx = b0 + uint64_t(i);
    uint32_t c0 = uint32_t(idx), c1 = uint32_t(idx >> 32), c2 = 0, c3 = kTagMain;
    uint32_t k0 = key.k0, k1 = key.k1;
    for (int r = 0; r < 10; ++r) {
      if (r) { k0 += kWeyl0; k1 += kWeyl1; }
      const uint64_t p0 = uint64_t(kMul0) * c0;
      const uint64_t p1 = uint64_t(kMul1) * c2;
      const uint32_t n0 = uint32_t(p1 >> 32) ^ c1 ^ k0;
      const uint32_t n2 = uint32_t(p0 >> 32) ^ c3 ^ k1;
      c1 = uint32_t(p1);
      c3 = uint32_t(p0);
      c0 = n0;
      c2 = n2;
    }
    w[4 * i] = c0;
    w[4 * i + 1] = c1;
    w[4 * i + 2] = c2;
    w[4 * i + 3] = c3;
  }
}

// Runs f(block, first_element, count, words) over the blocks covering n elements
// (PER elements per block), in chunks of kChunk blocks, parallel above
// kParallelGrain elements. Blocks are independent, so the split across threads
// cannot change the result.
template <int PER, class F> void for_blocks(int64_t n, Key key, F&& f) {
  const int64_t nb = (n + PER - 1) / PER, nch = (nb + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (n >= kParallelGrain)
  for (int64_t c = 0; c < nch; ++c) {
    const int64_t b0 = c * kChunk, b1 = std::min(nb, b0 + kChunk);
    alignas(64) uint32_t w[kChunk * 4];
    philox_blocks(key, uint64_t(b0), int(b1 - b0), w);
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t e0 = b * PER;
      f(b, e0, (int)std::min<int64_t>(PER, n - e0), w + 4 * (b - b0));
    }
  }
}

// Unbiased integer in [0, r) from a 64-bit draw (Lemire's multiply-shift with
// rejection); `redraw(attempt)` supplies fresh 64-bit draws. r >= 1.
template <class R> inline uint64_t bounded64(uint64_t x, uint64_t r, R&& redraw) {
  __uint128_t m = (__uint128_t)x * r;
  uint64_t lo = uint64_t(m);
  if (lo < r) {
    const uint64_t thresh = (0 - r) % r;
    uint32_t attempt = 1;
    while (lo < thresh) {
      m = (__uint128_t)redraw(attempt++) * r;
      lo = uint64_t(m);
    }
  }
  return uint64_t(m >> 64);
}

template <class R> inline uint32_t bounded32(uint32_t x, uint32_t r, R&& redraw) {
  uint64_t m = uint64_t(x) * r;
  uint32_t lo = uint32_t(m);
  if (lo < r) {
    const uint32_t thresh = (0u - r) % r;
    uint32_t attempt = 1;
    while (lo < thresh) {
      m = uint64_t(redraw(attempt++)) * r;
      lo = uint32_t(m);
    }
  }
  return uint32_t(m >> 32);
}

// ----------------------------------------------------------- boundary checks
Shape checked_shape(nb::handle h, const char* op) {
  Shape s = shape_from(h, op);
  for (int64_t d : s)
    if (d < 0)
      fail_value(std::string(op) + ": shape must have non-negative dimensions, got " + shape_str(s));
  return s;
}

DType float_dtype(int code, const char* op) {
  if (code != int(DType::f32) && code != int(DType::f64)) {
    const char* name = (code >= 0 && code <= 5) ? dtype_name(DType(code)) : "an unknown dtype";
    fail_type(std::string(op) + ": dtype must be float32 or float64, got " + name);
  }
  return DType(code);
}

void check_finite(double v, const char* op, const char* what) {
  if (!std::isfinite(v))
    fail_value(std::string(op) + ": " + what + " must be finite, got " + std::to_string(v));
}

// ------------------------------------------------------------------ kernels
template <class T> void fill_uniform(T* d, int64_t n, Key key, double lo, double hi) {
  const double span = hi - lo;
  const T tlo = T(lo), thi = T(hi);
  // The largest value below maxval: rounding lo + span * u may land on maxval.
  const T top = thi > tlo ? std::nextafter(thi, tlo) : thi;
  auto put = [&](T* p, double u) {
    T v = T(lo + span * u);
    if (v > top) v = top;
    if (v < tlo) v = tlo;
    *p = v;
  };
  if constexpr (std::is_same_v<T, float>) {
    for_blocks<4>(n, key, [&](int64_t b, int64_t e0, int cnt, const uint32_t* w) {
      for (int j = 0; j < cnt; ++j) put(d + e0 + j, double(u01f(w[j])));
    });
  } else {
    for_blocks<2>(n, key, [&](int64_t b, int64_t e0, int cnt, const uint32_t* w) {
      for (int j = 0; j < cnt; ++j) put(d + e0 + j, u01d(w[2 * j], w[2 * j + 1]));
    });
  }
}

// Keras's truncated normal: a value beyond two standard deviations is re-drawn from
// the element's own redraw stream until it falls within.
template <class T> inline T redraw_truncated(Key key, uint64_t e, T v) {
  for (uint32_t attempt = 1; !(std::fabs(v) <= T(2)); ++attempt) {
    uint32_t r[4];
    T zz[4];
    block(key, e, attempt, kTagTruncated, r);
    const int k = normals<T>(r, zz);
    v = zz[0];
    for (int q = 1; q < k && !(std::fabs(v) <= T(2)); ++q) v = zz[q];
  }
  return v;
}

template <class T> void fill_normal(T* d, int64_t n, Key key, double mean, double stddev,
                                    bool truncated) {
  if constexpr (std::is_same_v<T, float>) {
    // Chunks of blocks: Philox words first, then a vectorizable Box-Muller loop.
    constexpr int64_t CH = kChunk;
    const int64_t nb = (n + 3) / 4, nch = (nb + CH - 1) / CH;
    const float fm = float(mean), fs = float(stddev);
#pragma omp parallel for schedule(static) if (n >= kParallelGrain)
    for (int64_t c = 0; c < nch; ++c) {
      const int64_t b0 = c * CH, b1 = std::min(nb, b0 + CH);
      alignas(64) uint32_t w[CH * 4];
      alignas(64) float z[CH * 4];
      philox_blocks(key, uint64_t(b0), int(b1 - b0), w);
      const int pairs = int(b1 - b0) * 2;
#pragma omp simd
      for (int p = 0; p < pairs; ++p) box_muller_f32(w[2 * p], w[2 * p + 1], &z[2 * p], &z[2 * p + 1]);
      const int64_t e0 = b0 * 4, cnt = std::min<int64_t>(n - e0, (b1 - b0) * 4);
      if (truncated)
        for (int64_t j = 0; j < cnt; ++j) z[j] = redraw_truncated<float>(key, uint64_t(e0 + j), z[j]);
      for (int64_t j = 0; j < cnt; ++j) d[e0 + j] = fm + fs * z[j];
    }
  } else {
    for_blocks<2>(n, key, [&](int64_t b, int64_t e0, int cnt, const uint32_t* w) {
      double z[4];
      normals<double>(w, z);
      for (int j = 0; j < cnt; ++j) {
        const double v = truncated ? redraw_truncated<double>(key, uint64_t(e0 + j), z[j]) : z[j];
        d[e0 + j] = mean + stddev * v;
      }
    });
  }
}

template <class T> void fill_randint(T* d, int64_t n, Key key, int64_t lo, uint64_t r) {
  if constexpr (std::is_same_v<T, int32_t>) {
    const uint32_t r32 = uint32_t(r);
    for_blocks<4>(n, key, [&](int64_t b, int64_t e0, int cnt, const uint32_t* w) {
      for (int j = 0; j < cnt; ++j) {
        const uint64_t e = uint64_t(e0 + j);
        const uint32_t k = bounded32(w[j], r32, [&](uint32_t attempt) {
          uint32_t q[4];
          block(key, e, attempt, kTagInt, q);
          return q[0];
        });
        d[e] = T(int64_t(lo) + int64_t(k));
      }
    });
  } else {
    for_blocks<2>(n, key, [&](int64_t b, int64_t e0, int cnt, const uint32_t* w) {
      for (int j = 0; j < cnt; ++j) {
        const uint64_t e = uint64_t(e0 + j);
        const uint64_t k = bounded64(join(w[2 * j], w[2 * j + 1]), r, [&](uint32_t attempt) {
          uint32_t q[4];
          block(key, e, attempt, kTagInt, q);
          return join(q[0], q[1]);
        });
        // Two's-complement wrap-around is the intended arithmetic here.
        d[e] = T(uint64_t(lo) + k);
      }
    });
  }
}

// Keep flags: element i of the noise array is kept when its word is >= thresh.
inline uint64_t drop_threshold(double rate) { return uint64_t(std::floor(rate * 0x1p32)); }

// Runs f(e0, e1, words) over n elements that take one word each (element e is word
// e % 4 of block e / 4, as with for_blocks<4>), a chunk of kChunk blocks at a time:
// one loop over a chunk's elements, not a call per block of 4.
template <class F> void for_word_chunks(int64_t n, Key key, F&& f) {
  const int64_t nb = (n + 3) / 4, nch = (nb + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (n >= kParallelGrain)
  for (int64_t c = 0; c < nch; ++c) {
    const int64_t b0 = c * kChunk, b1 = std::min(nb, b0 + kChunk);
    alignas(64) uint32_t w[kChunk * 4];
    philox_blocks(key, uint64_t(b0), int(b1 - b0), w);
    f(b0 * 4, std::min(n, b1 * 4), w);
  }
}

void fill_keep(uint8_t* d, int64_t n, Key key, uint64_t thresh) {
  for_word_chunks(n, key, [&](int64_t e0, int64_t e1, const uint32_t* w) {
#pragma omp simd
    for (int64_t e = e0; e < e1; ++e) d[e] = uint64_t(w[e - e0]) >= thresh;
  });
}

// One chunk of dropout. Out of line, with 32-bit compares (thresh < 2^32 as rate < 1)
// and unaliased pointers: GCC left the loop scalar when it was inlined in the lambda.
template <class T>
__attribute__((noinline)) void dropout_words(const T* __restrict x, T* __restrict o,
                                             const uint32_t* __restrict w, int64_t cnt,
                                             uint32_t thresh, T scale) {
#pragma omp simd
  for (int64_t i = 0; i < cnt; ++i) o[i] = w[i] >= thresh ? x[i] * scale : T(0);
}

template <class T>
void dropout_same_shape(const T* x, T* o, int64_t n, Key key, uint64_t thresh, T scale) {
  for_word_chunks(n, key, [&](int64_t e0, int64_t e1, const uint32_t* w) {
    dropout_words(x + e0, o + e0, w, e1 - e0, uint32_t(thresh), scale);
  });
}

// x has shape `xs`; the keep flags `keep` have shape `ns` (same rank, each dim 1
// or equal to x's) and broadcast against x.
template <class T>
void dropout_broadcast(const T* x, T* o, const Shape& xs, const Shape& ns,
                       const uint8_t* keep, T scale) {
  const int nd = (int)xs.size();
  int64_t total = 1;
  for (int64_t d : xs) total *= d;
  if (total == 0) return;
  std::vector<int64_t> ks(nd, 0);  // element strides of the keep array (0 if broadcast)
  int64_t st = 1;
  for (int a = nd - 1; a >= 0; --a) {
    ks[a] = ns[a] == 1 ? 0 : st;
    st *= ns[a];
  }
  const int64_t L = nd ? xs[nd - 1] : 1;
  const int64_t kl = nd ? ks[nd - 1] : 0;
  const int64_t rows = total / L;
#pragma omp parallel for schedule(static) if (total >= kParallelGrain)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t rem = r, kbase = 0;
    for (int a = nd - 2; a >= 0; --a) {
      kbase += (rem % xs[a]) * ks[a];
      rem /= xs[a];
    }
    const T* xr = x + r * L;
    T* orow = o + r * L;
    const uint8_t* kr = keep + kbase;
    for (int64_t i = 0; i < L; ++i) orow[i] = kr[i * kl] ? xr[i] * scale : T(0);
  }
}

// Fisher-Yates permutation of [0, n): perm[p] is the source row of row p.
std::vector<int64_t> permutation(int64_t n, Key key) {
  std::vector<int64_t> perm(n);
  for (int64_t i = 0; i < n; ++i) perm[i] = i;
  for (int64_t i = n - 1; i > 0; --i) {
    const uint64_t step = uint64_t(n - 1 - i);
    uint32_t w[4];
    block(key, step, 0, kTagShuffle, w);
    const uint64_t j = bounded64(join(w[0], w[1]), uint64_t(i) + 1, [&](uint32_t attempt) {
      uint32_t q[4];
      block(key, step, attempt, kTagShuffle, q);
      return join(q[0], q[1]);
    });
    std::swap(perm[i], perm[j]);
  }
  return perm;
}

// ----------------------------------------------------------------- bindings
nb::object uniform(nb::handle shape_h, int code, double minval, double maxval, uint64_t seed,
                   uint64_t stream) {
  const Shape shape = checked_shape(shape_h, "uniform");
  const DType dt = float_dtype(code, "uniform");
  check_finite(minval, "uniform", "minval");
  check_finite(maxval, "uniform", "maxval");
  if (minval > maxval)
    fail_value("uniform: minval must be <= maxval, got minval=" + std::to_string(minval) +
               " and maxval=" + std::to_string(maxval));
  View o;
  nb::object out = new_array(dt, shape, &o);
  const Key key = derive_key(seed, stream);
  GilRelease nogil(o.size >= kParallelGrain);
  if (dt == DType::f32) fill_uniform(o.ptr<float>(), o.size, key, minval, maxval);
  else fill_uniform(o.ptr<double>(), o.size, key, minval, maxval);
  return out;
}

nb::object normal_impl(const char* op, bool truncated, nb::handle shape_h, int code, double mean,
                       double stddev, uint64_t seed, uint64_t stream) {
  const Shape shape = checked_shape(shape_h, op);
  const DType dt = float_dtype(code, op);
  check_finite(mean, op, "mean");
  check_finite(stddev, op, "stddev");
  View o;
  nb::object out = new_array(dt, shape, &o);
  const Key key = derive_key(seed, stream);
  GilRelease nogil(o.size >= kParallelGrain);
  if (dt == DType::f32) fill_normal(o.ptr<float>(), o.size, key, mean, stddev, truncated);
  else fill_normal(o.ptr<double>(), o.size, key, mean, stddev, truncated);
  return out;
}

nb::object normal(nb::handle shape_h, int code, double mean, double stddev, uint64_t seed,
                  uint64_t stream) {
  return normal_impl("normal", false, shape_h, code, mean, stddev, seed, stream);
}

nb::object truncated_normal(nb::handle shape_h, int code, double mean, double stddev,
                            uint64_t seed, uint64_t stream) {
  return normal_impl("truncated_normal", true, shape_h, code, mean, stddev, seed, stream);
}

nb::object randint(nb::handle shape_h, int code, int64_t minval, int64_t maxval, uint64_t seed,
                   uint64_t stream) {
  const Shape shape = checked_shape(shape_h, "randint");
  if (code != int(DType::i32) && code != int(DType::i64)) {
    const char* name = (code >= 0 && code <= 5) ? dtype_name(DType(code)) : "an unknown dtype";
    fail_type(std::string("randint: dtype must be int32 or int64, got ") + name);
  }
  const DType dt = DType(code);
  if (minval >= maxval)
    fail_value("randint: minval must be < maxval, got minval=" + std::to_string(minval) +
               " and maxval=" + std::to_string(maxval));
  if (dt == DType::i32 && (minval < std::numeric_limits<int32_t>::min() ||
                           maxval - 1 > std::numeric_limits<int32_t>::max()))
    fail_value("randint: the range [" + std::to_string(minval) + ", " + std::to_string(maxval) +
               ") does not fit in int32; use dtype='int64'");
  View o;
  nb::object out = new_array(dt, shape, &o);
  const Key key = derive_key(seed, stream);
  const uint64_t r = uint64_t(maxval) - uint64_t(minval);
  GilRelease nogil(o.size >= kParallelGrain);
  if (dt == DType::i32) fill_randint(o.ptr<int32_t>(), o.size, key, minval, r);
  else fill_randint(o.ptr<int64_t>(), o.size, key, minval, r);
  return out;
}

void check_rate(double rate, const char* op) {
  if (!(rate >= 0.0 && rate < 1.0))
    fail_value(std::string(op) + ": rate must be in [0, 1), got " + std::to_string(rate));
}

nb::object dropout_mask(nb::handle shape_h, double rate, uint64_t seed, uint64_t stream) {
  const Shape shape = checked_shape(shape_h, "dropout_mask");
  check_rate(rate, "dropout_mask");
  View o;
  nb::object out = new_array(DType::b8, shape, &o);
  const Key key = derive_key(seed, stream);
  GilRelease nogil(o.size >= kParallelGrain);
  fill_keep(reinterpret_cast<uint8_t*>(o.data), o.size, key, drop_threshold(rate));
  return out;
}

nb::object dropout(nb::handle xh, double rate, nb::handle noise_h, uint64_t seed,
                   uint64_t stream) {
  View x = view_of(xh, "dropout", "inputs");
  if (!is_float(x.dtype))
    fail_type(std::string("dropout: inputs must be float32 or float64, got ") +
              dtype_name(x.dtype));
  check_rate(rate, "dropout");
  Shape ns = noise_h.is_none() ? x.shape : checked_shape(noise_h, "dropout");
  if (ns.size() > x.shape.size())
    fail_value("dropout: noise_shape " + shape_str(ns) + " has more dimensions than inputs " +
               shape_str(x.shape));
  ns.insert(ns.begin(), x.shape.size() - ns.size(), 1);
  for (size_t a = 0; a < ns.size(); ++a)
    if (ns[a] != 1 && ns[a] != x.shape[a])
      fail_value("dropout: noise_shape " + shape_str(ns) + " does not broadcast to inputs shape " +
                 shape_str(x.shape));
  View o;
  nb::object out = new_array(x.dtype, x.shape, &o);
  const Key key = derive_key(seed, stream);
  const uint64_t thresh = drop_threshold(rate);
  const double scale = 1.0 / (1.0 - rate);
  GilRelease nogil(o.size >= kParallelGrain);
  dispatch_all(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      if (ns == x.shape) {
        dropout_same_shape(x.ptr<T>(), o.ptr<T>(), x.size, key, thresh, T(scale));
      } else {
        int64_t m = 1;
        for (int64_t d : ns) m *= d;
        std::vector<uint8_t> keep(m);
        fill_keep(keep.data(), m, key, thresh);
        dropout_broadcast(x.ptr<T>(), o.ptr<T>(), x.shape, ns, keep.data(), T(scale));
      }
    }
  });
  return out;
}

// Rows of x along `axis` permuted: out[p] = x[perm[p]], or with `inverse` the
// permutation undone, out[perm[p]] = x[p] (the VJP of a shuffle).
nb::object shuffle(nb::handle xh, int64_t axis, uint64_t seed, uint64_t stream, bool inverse) {
  View x = view_of(xh, "shuffle");
  if (x.ndim() == 0) fail_value("shuffle: cannot shuffle a 0-d tensor; it needs at least one axis");
  const int ax = normalize_axis(axis, x.ndim(), "shuffle");
  int64_t outer = 1, inner = 1;
  for (int a = 0; a < ax; ++a) outer *= x.shape[a];
  for (int a = ax + 1; a < x.ndim(); ++a) inner *= x.shape[a];
  const int64_t n = x.shape[ax];
  View o;
  nb::object out = new_array(x.dtype, x.shape, &o);
  const Key key = derive_key(seed, stream);
  GilRelease nogil(o.size >= kParallelGrain);
  const std::vector<int64_t> perm = permutation(n, key);
  const size_t row = size_t(inner) * dtype_size(x.dtype);
  const int64_t rows = outer * n;
#pragma omp parallel for schedule(static) if (o.size >= kParallelGrain)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t q = r / n, p = r % n;
    const size_t moved = size_t(q * n + perm[p]) * row, here = size_t(r) * row;
    if (inverse) std::memcpy(o.data + moved, x.data + here, row);
    else std::memcpy(o.data + here, x.data + moved, row);
  }
  return out;
}

nb::object categorical(nb::handle logits_h, int64_t num_samples, int code, uint64_t seed,
                       uint64_t stream) {
  View lg = view_of(logits_h, "categorical", "logits");
  if (!is_float(lg.dtype))
    fail_type(std::string("categorical: logits must be float32 or float64, got ") +
              dtype_name(lg.dtype));
  if (lg.ndim() != 2)
    fail_value("categorical: logits must be 2-D (batch_size, num_classes), got shape " +
               shape_str(lg.shape));
  if (lg.shape[1] == 0 && lg.shape[0] > 0)
    fail_value("categorical: logits must have at least one class, got shape " + shape_str(lg.shape));
  if (num_samples < 0)
    fail_value("categorical: num_samples must be non-negative, got " + std::to_string(num_samples));
  if (code != int(DType::i32) && code != int(DType::i64)) {
    const char* name = (code >= 0 && code <= 5) ? dtype_name(DType(code)) : "an unknown dtype";
    fail_type(std::string("categorical: dtype must be int32 or int64, got ") + name);
  }
  const int64_t batch = lg.shape[0], K = lg.shape[1], S = num_samples;
  View o;
  nb::object out = new_array(DType(code), {batch, S}, &o);
  const Key key = derive_key(seed, stream);
  int64_t bad_row = -1;
  {
    GilRelease nogil(batch * (K + S) >= kParallelGrain);
    dispatch_all(lg.dtype, [&](auto ltag) {
      using L = decltype(ltag);
      if constexpr (std::is_floating_point_v<L>) {
        const L* logits = lg.ptr<L>();
#pragma omp parallel for schedule(static) if (batch * (K + S) >= kParallelGrain)
        for (int64_t b = 0; b < batch; ++b) {
          const L* row = logits + b * K;
          double m = -std::numeric_limits<double>::infinity();
          for (int64_t k = 0; k < K; ++k) m = std::max(m, double(row[k]));
          std::vector<double> cdf(K);
          double acc = 0.0;
          for (int64_t k = 0; k < K; ++k) {
            acc += row[k] == -std::numeric_limits<L>::infinity() ? 0.0 : std::exp(double(row[k]) - m);
            cdf[k] = acc;
          }
          if (!(acc > 0.0) || !std::isfinite(acc)) {
#pragma omp critical(lamina_categorical)
            if (bad_row < 0 || b < bad_row) bad_row = b;
            continue;
          }
          for (int64_t s = 0; s < S; ++s) {
            const int64_t e = b * S + s;
            uint32_t w[4];
            block(key, uint64_t(e / 2), 0, kTagMain, w);
            const int j = int(e % 2);
            const double u = u01d(w[2 * j], w[2 * j + 1]) * acc;
            int64_t k = std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin();
            if (k >= K) k = K - 1;
            if (code == int(DType::i32)) o.ptr<int32_t>()[e] = int32_t(k);
            else o.ptr<int64_t>()[e] = k;
          }
        }
      }
    });
  }
  if (bad_row >= 0)
    fail_value("categorical: row " + std::to_string(bad_row) +
               " of logits has no finite probability mass (all -inf, +inf or NaN)");
  return out;
}

nb::tuple philox4x32(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1) {
  uint32_t c[4] = {c0, c1, c2, c3};
  philox(c, Key{k0, k1});
  return nb::make_tuple(c[0], c[1], c[2], c[3]);
}

}  // namespace

void bind_random(nb::module_& m) {
  // Every sampler takes (seed, stream): two 64-bit words, from an int seed or a
  // SeedGenerator's state. Results depend only on them, the shape, dtype and
  // parameters (never on the thread count).
  m.def("random_uniform", &uniform, nb::arg("shape"), nb::arg("dtype_code"), nb::arg("minval"),
        nb::arg("maxval"), nb::arg("seed"), nb::arg("stream"),
        "Uniform floats in [minval, maxval) (never maxval).");
  m.def("random_normal", &normal, nb::arg("shape"), nb::arg("dtype_code"), nb::arg("mean"),
        nb::arg("stddev"), nb::arg("seed"), nb::arg("stream"), "Normal floats (Box-Muller).");
  m.def("random_truncated_normal", &truncated_normal, nb::arg("shape"), nb::arg("dtype_code"),
        nb::arg("mean"), nb::arg("stddev"), nb::arg("seed"), nb::arg("stream"),
        "Normal floats re-drawn until within two standard deviations of the mean.");
  m.def("random_randint", &randint, nb::arg("shape"), nb::arg("dtype_code"), nb::arg("minval"),
        nb::arg("maxval"), nb::arg("seed"), nb::arg("stream"),
        "Unbiased integers in [minval, maxval).");
  m.def("random_dropout_mask", &dropout_mask, nb::arg("shape"), nb::arg("rate"), nb::arg("seed"),
        nb::arg("stream"), "The keep flags (bool) that random_dropout uses for these arguments.");
  m.def("random_dropout", &dropout, nb::arg("x"), nb::arg("rate"), nb::arg("noise_shape").none(),
        nb::arg("seed"), nb::arg("stream"),
        "x * keep / (1 - rate), with keep flags of noise_shape broadcast against x.");
  m.def("random_shuffle", &shuffle, nb::arg("x"), nb::arg("axis"), nb::arg("seed"),
        nb::arg("stream"), nb::arg("inverse") = false,
        "x with its slices along `axis` permuted (Fisher-Yates); `inverse` undoes it.");
  m.def("random_categorical", &categorical, nb::arg("logits"), nb::arg("num_samples"),
        nb::arg("dtype_code"), nb::arg("seed"), nb::arg("stream"),
        "Class indices drawn from softmax(logits) per row.");
  m.def("philox4x32", &philox4x32, nb::arg("c0"), nb::arg("c1"), nb::arg("c2"), nb::arg("c3"),
        nb::arg("k0"), nb::arg("k1"), "One Philox-4x32-10 block (for known-answer tests).");
}

}  // namespace lamina
