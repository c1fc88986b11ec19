// Direct small float32 GEMM and GEMV (see small_gemm.h). OpenBLAS packs both operands
// into panels and goes through its thread dispatch on every call, and its op(B) = B^T
// path is twice slower on small matrices. Here a block of C stays in registers while
// k runs: broadcast op(A)[i, k], multiply by op(B)'s row k (contiguous vectors), FMA.
// The floor for such shapes is the FMA rate: 32x64 @ 64x64 is 8192 16-lane FMAs,
// 1.24 us at two a cycle (3.3 GHz); this takes 1.45 us, OpenBLAS 1.5 (64-byte aligned
// operands) to 1.75 (16-byte aligned, as NumPy's).
#include "kernels/small_gemm.h"

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))

// GCC 12's AVX-512 headers trip these on their own _mm512_undefined_ps (GCC bug 105593).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace lamina::kernels {
namespace {

#ifdef __AVX512F__
// 16 lanes; tails through mask registers.
struct Vec {
  using T = __m512;
  using Mask = __mmask16;
  static constexpr int L = 16;
  static Mask mask(int64_t n) { return n >= L ? Mask(0xFFFF) : n <= 0 ? 0 : Mask((1u << n) - 1); }
  static Mask mask(int64_t lo, int64_t hi) { return Mask(mask(hi) & ~mask(lo)); }
  static T zero() { return _mm512_setzero_ps(); }
  static T set1(float a) { return _mm512_set1_ps(a); }
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static T load(const float* p, Mask m) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static void store(float* p, Mask m, T v) { _mm512_mask_storeu_ps(p, m, v); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static float sum(T v) { return _mm512_reduce_add_ps(v); }
};
// Accumulator blocks (rows x vectors of C) by vector count: at most 24 of the 32
// registers, leaving room for op(B)'s row and the broadcast.
constexpr int kMaxNV = 4;
constexpr std::array<int, kMaxNV + 1> kMR = {0, 12, 12, 8, 6};
// Vectors of y per pass over W's rows in gemv_rows (16: ~5% faster than 8).
constexpr int kRowsNV = 16;
#else
// AVX2: 8 lanes, tails through vmaskmov (lanes with the mask's sign bit set).
struct Vec {
  using T = __m256;
  using Mask = __m256i;
  static constexpr int L = 8;
  static Mask mask(int64_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)std::min<int64_t>(n, L)),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static Mask mask(int64_t lo, int64_t hi) { return _mm256_andnot_si256(mask(lo), mask(hi)); }
  static T zero() { return _mm256_setzero_ps(); }
  static T set1(float a) { return _mm256_set1_ps(a); }
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static T load(const float* p, Mask m) { return _mm256_maskload_ps(p, m); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static void store(float* p, Mask m, T v) { _mm256_maskstore_ps(p, m, v); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static float sum(T v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
  }
};
// 16 registers: at most 12 accumulators.
constexpr int kMaxNV = 3;
constexpr std::array<int, kMaxNV + 1> kMR = {0, 8, 6, 4};
constexpr int kRowsNV = 8;
#endif
constexpr int L = Vec::L;
constexpr int kMaxMR = 12;
using VT = Vec::T;
using Mask = Vec::Mask;

// C[0:MR, 0:L*NV] = op(A)[0:MR, :] @ P[:, 0:L*NV], only the first `nlast` lanes of the
// last vector. A points at op(A)[0, 0]: row r, column k at A[r * lda + k], or at
// A[k * lda + r] when TA. P's row k is P + k * ldp. Every element is one FMA chain
// over k = 0..K-1 from zero, whatever the block.
template <bool TA, int MR, int NV>
void tile(int64_t K, const float* A, int64_t lda, const float* P, int64_t ldp, float* C,
          int64_t ldc, int64_t nlast) {
  const Mask last = Vec::mask(nlast);
  VT acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) acc[r][v] = Vec::zero();
  for (int64_t k = 0; k < K; ++k) {
    const float* p = P + k * ldp;
    VT b[NV];
#pragma GCC unroll 16
    for (int v = 0; v + 1 < NV; ++v) b[v] = Vec::load(p + v * L);
    b[NV - 1] = Vec::load(p + (NV - 1) * L, last);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const VT a = Vec::set1(TA ? A[k * lda + r] : A[r * lda + k]);
#pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) acc[r][v] = Vec::fma(a, b[v], acc[r][v]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 16
    for (int v = 0; v + 1 < NV; ++v) Vec::store(C + r * ldc + v * L, acc[r][v]);
    Vec::store(C + r * ldc + (NV - 1) * L, last, acc[r][NV - 1]);
  }
}

using TileFn = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t,
                        int64_t);

// tiles[ta][nv][mr]: one instantiation per block shape (rows 1..kMR[nv]).
template <bool TA, int MR, int NV> constexpr TileFn tile_ptr() {
  if constexpr (MR <= kMR[NV]) return &tile<TA, MR, NV>;
  else return nullptr;
}
template <bool TA, int NV, int... R>
constexpr std::array<TileFn, kMaxMR + 1> tile_row(std::integer_sequence<int, R...>) {
  return {nullptr, tile_ptr<TA, R + 1, NV>()...};
}
template <bool TA, int... V>
constexpr std::array<std::array<TileFn, kMaxMR + 1>, kMaxNV + 1> tile_table(
    std::integer_sequence<int, V...>) {
  return {std::array<TileFn, kMaxMR + 1>{},
          tile_row<TA, V + 1>(std::make_integer_sequence<int, kMaxMR>())...};
}
const auto kTiles = std::array{tile_table<false>(std::make_integer_sequence<int, kMaxNV>()),
                               tile_table<true>(std::make_integer_sequence<int, kMaxNV>())};

// A thread-local scratch buffer of at least n floats, 64-byte aligned (kept between
// calls; the size limits in kernels::gemm bound it to a few MB).
float* scratch(int64_t n) {
  thread_local std::vector<float> buf;
  if ((int64_t)buf.size() < n + 16) buf.resize(n + 16);
  auto p = reinterpret_cast<uintptr_t>(buf.data());
  return reinterpret_cast<float*>((p + 63) & ~uintptr_t(63));
}

#ifdef __AVX512F__
// Transposes 16 rows of 16 floats in place (r[i][j] -> r[j][i]).
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; ++i) {  // interleave row pairs within 128-bit lanes
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {  // 4x4 blocks within each 128-bit lane
    r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
    r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  for (int c = 0; c < 4; ++c) {  // then the 128-bit lanes across the four row groups
    t[4 * c] = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88);
    t[4 * c + 1] = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xDD);
    t[4 * c + 2] = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88);
    t[4 * c + 3] = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xDD);
  }
  for (int c = 0; c < 4; ++c) {
    r[c] = _mm512_shuffle_f32x4(t[4 * c], t[4 * c + 2], 0x88);
    r[8 + c] = _mm512_shuffle_f32x4(t[4 * c], t[4 * c + 2], 0xDD);
    r[4 + c] = _mm512_shuffle_f32x4(t[4 * c + 1], t[4 * c + 3], 0x88);
    r[12 + c] = _mm512_shuffle_f32x4(t[4 * c + 1], t[4 * c + 3], 0xDD);
  }
}
#else
// Transposes 8 rows of 8 floats in place.
inline void transpose8(__m256 r[8]) {
  __m256 t[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 2; ++i) {
    r[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    r[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
    r[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    r[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  for (int c = 0; c < 4; ++c) {
    t[c] = _mm256_permute2f128_ps(r[c], r[4 + c], 0x20);
    t[4 + c] = _mm256_permute2f128_ps(r[c], r[4 + c], 0x31);
  }
  for (int i = 0; i < 8; ++i) r[i] = t[i];
}
#endif

// dst[c * ldd + r] = src[r * lds + c] for r < R, c < NC: L x L blocks through
// registers, partial blocks masked.
void transpose(int64_t R, int64_t NC, const float* src, int64_t lds, float* dst, int64_t ldd) {
  for (int64_t r0 = 0; r0 < R; r0 += L) {
    const int64_t nr = std::min<int64_t>(L, R - r0);
    const Mask rm = Vec::mask(nr);
    for (int64_t c0 = 0; c0 < NC; c0 += L) {
      const int64_t nc = std::min<int64_t>(L, NC - c0);
      const Mask cm = Vec::mask(nc);
      VT v[L];
      for (int i = 0; i < L; ++i)
        v[i] = i < nr ? Vec::load(src + (r0 + i) * lds + c0, cm) : Vec::zero();
#ifdef __AVX512F__
      transpose16(v);
#else
      transpose8(v);
#endif
      for (int j = 0; j < nc; ++j) Vec::store(dst + (c0 + j) * ldd + r0, rm, v[j]);
    }
  }
}

// C (M x N) = op(A) @ P, P's rows (K x N) contiguous with leading dimension ldp.
void gemm_blocks(bool ta, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                 const float* P, int64_t ldp, float* C, int64_t ldc) {
  const auto& tiles = kTiles[ta];
  // Column blocks of at most kMaxNV vectors, as even as possible (65 columns: 3 + 2
  // vectors, not 4 + 1); the last vector of the last block is masked.
  const int64_t nvec = (N + L - 1) / L;
  const int64_t ncb = (nvec + kMaxNV - 1) / kMaxNV;
  for (int64_t cb = 0, v0 = 0; cb < ncb; ++cb) {
    const int nv = int(nvec / ncb + (cb < nvec % ncb));
    const int64_t j0 = v0 * L;
    v0 += nv;
    const int64_t nlast = N - (v0 - 1) * L;  // lanes of the block's last vector
    // Row blocks of at most kMR[nv] rows, as even as possible.
    const int64_t nrb = (M + kMR[nv] - 1) / kMR[nv];
    for (int64_t rb = 0, i0 = 0; rb < nrb; ++rb) {
      const int mr = int(M / nrb + (rb < M % nrb));
      const float* a = ta ? A + i0 : A + i0 * lda;
      tiles[nv][mr](K, a, lda, P + j0, ldp, C + i0 * ldc + j0, ldc, nlast);
      i0 += mr;
    }
  }
}

// C = op(A) @ op(B) by gemm_blocks, transposing B into `buf` (K x round_up(N, L)
// floats) first when tb: op(B)'s rows must be contiguous.
void gemm_direct(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                 const float* B, int64_t ldb, float* C, int64_t ldc, float* buf) {
  if (tb) {
    const int64_t ldp = (N + L - 1) / L * L;
    transpose(N, K, B, ldb, buf, ldp);
    B = buf;
    ldb = ldp;
  }
  gemm_blocks(ta, M, N, K, A, lda, B, ldb, C, ldc);
}

}  // namespace

void small_gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                const float* B, int64_t ldb, float* C, int64_t ldc) {
  // Either C directly, or C^T = op(B)^T @ op(A)^T (the operands swapped, their
  // transpose flags flipped) and then transposed into C, whichever a cost model says
  // is cheaper: 2 per vector FMA (rows x vectors of the result x K: a few columns
  // waste most of each vector), 1 per element transposed (16x16 blocks, ~1000 cycles
  // per 4096 elements), for op(B) = B^T (no contiguous rows) and for the result.
  // dW = h^T @ dy for h 128x256, dy 128x10 (a batch of 128): 8.6 us direct, 4.4 us
  // transposed (OpenBLAS 5.2). Products commute exactly: every way gives the same bits.
  const int64_t vm = (M + L - 1) / L, vn = (N + L - 1) / L;
  const int64_t direct = 2 * M * vn * K + (tb ? N * K : 0);
  const int64_t transposed = 2 * N * vm * K + (ta ? 0 : M * K) + M * N;
  if (transposed < direct) {
    float* D = scratch(N * vm * L + (ta ? 0 : K * vm * L));
    gemm_direct(!tb, !ta, N, M, K, B, ldb, A, lda, D, vm * L, D + N * vm * L);
    transpose(N, M, D, vm * L, C, ldc);
  } else {
    gemm_direct(ta, tb, M, N, K, A, lda, B, ldb, C, ldc, tb ? scratch(K * vn * L) : nullptr);
  }
}

namespace {

// y[lo:hi] = sum_k x[k * incx] * W[k * ldw + lo:hi], 0 <= lo < L, hi <= L*NV (lanes
// outside [lo, hi) are neither read nor written), into y with stride incy.
template <int NV>
void rows_block(int64_t K, const float* x, int64_t incx, const float* W, int64_t ldw, float* y,
                int64_t incy, int64_t lo, int64_t hi) {
  const Mask first = Vec::mask(lo, std::min<int64_t>(hi, L));
  const Mask last = Vec::mask(NV == 1 ? lo : 0, hi - (NV - 1) * L);
  VT acc[NV];
#pragma GCC unroll 16
  for (int v = 0; v < NV; ++v) acc[v] = Vec::zero();
  for (int64_t k = 0; k < K; ++k) {
    const VT a = Vec::set1(x[k * incx]);
    const float* w = W + k * ldw;
    if (NV > 1) acc[0] = Vec::fma(a, Vec::load(w, first), acc[0]);
#pragma GCC unroll 16
    for (int v = 1; v + 1 < NV; ++v) acc[v] = Vec::fma(a, Vec::load(w + v * L), acc[v]);
    acc[NV - 1] = Vec::fma(a, Vec::load(w + (NV - 1) * L, last), acc[NV - 1]);
  }
  if (incy == 1) {
    if (NV > 1) Vec::store(y, first, acc[0]);
#pragma GCC unroll 16
    for (int v = 1; v + 1 < NV; ++v) Vec::store(y + v * L, acc[v]);
    Vec::store(y + (NV - 1) * L, last, acc[NV - 1]);
  } else {
    alignas(64) float tmp[NV * L];
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) Vec::store(tmp + v * L, acc[v]);
    for (int64_t j = lo; j < hi; ++j) y[j * incy] = tmp[j];
  }
}

template <int... V>
constexpr auto rows_table(std::integer_sequence<int, V...>) {
  return std::array<decltype(&rows_block<1>), kRowsNV + 1>{nullptr, &rows_block<V + 1>...};
}
constexpr auto kRowsBlocks = rows_table(std::make_integer_sequence<int, kRowsNV>());

#ifdef __AVX512F__
// dots_block's sums for rows that start `s` (1..15) floats past a cache line (ldw a
// multiple of 16): each row is read in aligned vectors and lanes k..k+15 are put
// together from two of them (vpermt2ps), so element k still meets acc's lane k % 16
// and the sums are those of the unaligned loads, bit for bit. 1x784 @ (512x784)^T,
// 16-byte aligned: 19.2 -> 17.2 us (64-byte aligned: 14.7; OpenBLAS 20.5).
template <int R>
void dots_shifted(int64_t K, const float* x, const float* W, int64_t ldw, __m512 acc[R],
                  int64_t s) {
  const float* Wa = W - s;  // aligned; row r's element k at Wa[r * ldw + s + k]
  const int64_t nva = (s + K + L - 1) / L;  // aligned vectors holding a row
  auto vmask = [&](int64_t v) { return Vec::mask(std::max<int64_t>(s - v * L, 0), s + K - v * L); };
  const __m512i idx = _mm512_add_epi32(_mm512_set1_epi32(int(s)),
                                       _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                                         13, 14, 15));
  __m512 lo[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) lo[r] = _mm512_maskz_load_ps(vmask(0), Wa + r * ldw);
  int64_t c = 0;
  for (; c + 2 < nva; ++c) {  // vector c + 1 lies inside the row: chunk c is full
    const VT xv = Vec::load(x + c * L);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const __m512 hi = _mm512_load_ps(Wa + r * ldw + (c + 1) * L);
      acc[r] = Vec::fma(_mm512_permutex2var_ps(lo[r], idx, hi), xv, acc[r]);
      lo[r] = hi;
    }
  }
  for (; c * L < K; ++c) {  // the last chunk or two: lanes past the row are zero
    const VT xv = Vec::load(x + c * L, Vec::mask(K - c * L));
    const Mask m = c + 1 < nva ? vmask(c + 1) : Mask(0);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const __m512 hi = _mm512_maskz_load_ps(m, Wa + r * ldw + (c + 1) * L);
      acc[r] = Vec::fma(_mm512_permutex2var_ps(lo[r], idx, hi), xv, acc[r]);
      lo[r] = hi;
    }
  }
}
#endif

// y[r * incy] = dot(x, W[r * ldw + 0:K]) for r < R; x contiguous. Lane i of acc sums
// the elements k = i (mod 16), then the lanes are added: a fixed order.
template <int R>
void dots_block(int64_t K, const float* x, const float* W, int64_t ldw, float* y, int64_t incy) {
  VT acc[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) acc[r] = Vec::zero();
#ifdef __AVX512F__
  const int64_t s = ldw % L == 0 ? int64_t(reinterpret_cast<uintptr_t>(W) / sizeof(float) % L) : 0;
  if (s != 0 && K >= L) {
    dots_shifted<R>(K, x, W, ldw, acc, s);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) y[r * incy] = Vec::sum(acc[r]);
    return;
  }
#endif
  int64_t k = 0;
  for (; k + L <= K; k += L) {
    const VT xv = Vec::load(x + k);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) acc[r] = Vec::fma(Vec::load(W + r * ldw + k), xv, acc[r]);
  }
  if (k < K) {
    const Mask m = Vec::mask(K - k);
    const VT xv = Vec::load(x + k, m);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) acc[r] = Vec::fma(Vec::load(W + r * ldw + k, m), xv, acc[r]);
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) y[r * incy] = Vec::sum(acc[r]);
}

constexpr int kDotsR = 8;  // rows of W per pass over x

template <int... R>
constexpr auto dots_table(std::integer_sequence<int, R...>) {
  return std::array<decltype(&dots_block<1>), kDotsR + 1>{nullptr, &dots_block<R + 1>...};
}
constexpr auto kDotsBlocks = dots_table(std::make_integer_sequence<int, kDotsR>());

}  // namespace

void gemv_rows(int64_t N, int64_t K, const float* x, int64_t incx, const float* W, int64_t ldw,
               float* y, int64_t incy) {
  // Reads of W straddling cache lines cost a third more from L2 (1x784 @ 784x512,
  // 16-byte aligned rows: 19 us, 64-byte aligned: 13 us). When every row has the same
  // alignment, shift the blocks to start at the cache line below W with the first
  // `s` lanes masked off. A column's lane changes, its sum (one FMA chain over k)
  // does not, so the result does not depend on the address.
  const int64_t s = ldw % L == 0 ? int64_t(reinterpret_cast<uintptr_t>(W) / sizeof(float) % L) : 0;
  const int64_t n = N + s;  // columns from the shifted start
  const int64_t nvec = (n + L - 1) / L;
  for (int64_t v = 0; v < nvec; v += kRowsNV) {
    const int nv = (int)std::min<int64_t>(kRowsNV, nvec - v);
    const int64_t j = v * L - s;  // column of the block's lane 0 (negative: before W)
    kRowsBlocks[nv](K, x, incx, W + j, ldw, y + j * incy, incy, std::max<int64_t>(-j, 0),
                    std::min<int64_t>(nv * L, N - j));
  }
}

void gemv_dots(int64_t N, int64_t K, const float* x, int64_t incx, const float* W, int64_t ldw,
               float* y, int64_t incy) {
  if (incx != 1) {  // vector loads need x contiguous
    float* xc = scratch(K);
    for (int64_t k = 0; k < K; ++k) xc[k] = x[k * incx];
    x = xc;
  }
  for (int64_t j = 0; j < N; j += kDotsR) {
    const int r = (int)std::min<int64_t>(kDotsR, N - j);
    kDotsBlocks[r](K, x, W + j * ldw, ldw, y + j * incy, incy);
  }
}

}  // namespace lamina::kernels

#else  // no vector ISA: plain loops, correct but not used by kernels::gemm

namespace lamina::kernels {

void small_gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                const float* B, int64_t ldb, float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      float acc = 0.0f;
      for (int64_t k = 0; k < K; ++k)
        acc += (ta ? A[k * lda + i] : A[i * lda + k]) * (tb ? B[j * ldb + k] : B[k * ldb + j]);
      C[i * ldc + j] = acc;
    }
}

void gemv_rows(int64_t N, int64_t K, const float* x, int64_t incx, const float* W, int64_t ldw,
               float* y, int64_t incy) {
  for (int64_t j = 0; j < N; ++j) {
    float acc = 0.0f;
    for (int64_t k = 0; k < K; ++k) acc += x[k * incx] * W[k * ldw + j];
    y[j * incy] = acc;
  }
}

void gemv_dots(int64_t N, int64_t K, const float* x, int64_t incx, const float* W, int64_t ldw,
               float* y, int64_t incy) {
  for (int64_t j = 0; j < N; ++j) {
    float acc = 0.0f;
    for (int64_t k = 0; k < K; ++k) acc += x[k * incx] * W[j * ldw + k];
    y[j * incy] = acc;
  }
}

}  // namespace lamina::kernels

#endif  // vector ISA
