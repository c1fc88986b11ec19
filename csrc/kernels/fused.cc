// The fused elementwise kernel (see fused.h): validation and planning at
// construction, a tile-by-tile interpreter in run(), and the Python binding.
//
// Plan. Every register write becomes a fresh value (so reassigned registers need no
// special care), instructions whose values reach no output are dropped, and values
// are packed into a few scratch "slots" of one tile each by a linear scan over their
// live ranges. A slot is never both read and written by one instruction, so every
// instruction is a `__restrict` loop that GCC vectorizes.
//
// Execution. The output is cut into tiles small enough that all slots stay in L1.
// Per tile: each input is loaded into its slot (or read in place when it is already
// contiguous in the compute dtype), each instruction runs as one loop over the tile
// (the op was resolved to a function pointer at construction: no switch inside a
// loop), and the outputs are stored, converted to their dtypes.
#include "kernels/fused.h"

#include <omp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nanobind/stl/string.h>
#include <sstream>

#include "kernels/broadcast.h"
#include "kernels/elementwise_ops.h"

namespace lamina::fused {
namespace {

using namespace ew;
using Step = Kernel::Step;
using Load = Kernel::Load;

// ------------------------------------------------------------------ op table
// Op codes: the unary ops, then the binary ops (same order as elementwise_ops.h),
// then where and copy.
constexpr int kBinaryBase = U_COUNT;
constexpr int kWhere = U_COUNT + B_COUNT;
constexpr int kCopy = kWhere + 1;
constexpr int kNumOps = kCopy + 1;

constexpr int kMaxDims = 64;  // NumPy's limit

const char* op_name(int code) {
  if (code < kBinaryBase) return kUnary[code].name;
  if (code < kWhere) return kBinary[code - kBinaryBase].name;
  return code == kWhere ? "where" : "copy";
}

int op_arity(int code) { return code < kBinaryBase ? 1 : (code < kWhere ? 2 : (code == kWhere ? 3 : 1)); }

int op_code(const std::string& name) {
  for (int i = 0; i < kNumOps; ++i)
    if (name == op_name(i)) return i;
  return -1;
}

bool op_takes_param(int code) { return code == U_LEAKY_RELU || code == U_ELU; }

// Rough cost per element relative to an add, for the threading decision: the
// float32 exp/log/tanh family is a vectorized polynomial; float64 calls libm, like
// the ops that have no vector form (sin, erf, expm1, pow, fmod).
int op_cost(int code, DType compute) {
  const int vm = compute == DType::f32 ? 8 : 24;
  const int libm = 24;
  if (code < kBinaryBase) {
    switch (code) {
      case U_EXP: case U_LOG: case U_LOG1P: case U_TANH: case U_SIGMOID: case U_SILU:
      case U_GELU_TANH: return vm;
      case U_SOFTPLUS: return 2 * vm;
      case U_EXPM1: case U_SIN: case U_COS: case U_ELU: case U_SELU: case U_GELU: case U_ERF:
        return libm;
      case U_SQRT: case U_RSQRT: case U_RECIPROCAL: case U_SOFTSIGN: return 2;
      default: return 1;
    }
  }
  if (code < kWhere) {
    switch (code - kBinaryBase) {
      case B_DIV: return 2;
      case B_FLOORDIV: case B_MOD: case B_POW: return libm;
      default: return 1;
    }
  }
  return 1;
}

// One instruction over one tile. `v` maps value ids to tile buffers; the
// destination never shares a buffer with a source (see the plan above).
template <class T> using StepFn = void (*)(T* const* v, const Step& s, int64_t n);

template <class T, int OP>
void exec_unary(T* const* v, const Step& s, int64_t n) {
  const T* __restrict x = v[s.src[0]];
  T* __restrict y = v[s.dst];
  if constexpr (kUnary[OP].to_bool) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = unary_pred<OP, T>(x[i]) ? T(1) : T(0);
  } else {
    const T alpha = T(s.param);
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = unary_op<OP, T>(x[i], alpha);
  }
}

template <class T, int OP>
void exec_binary(T* const* v, const Step& s, int64_t n) {
  const T* __restrict a = v[s.src[0]];
  const T* __restrict b = v[s.src[1]];
  T* __restrict y = v[s.dst];
  if constexpr (kBinary[OP].to_bool) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = binary_pred<OP, T>(a[i], b[i]) ? T(1) : T(0);
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = binary_op<OP, T>(a[i], b[i]);
  }
}

template <class T>
void exec_where(T* const* v, const Step& s, int64_t n) {
  const T* __restrict c = v[s.src[0]];
  const T* __restrict a = v[s.src[1]];
  const T* __restrict b = v[s.src[2]];
  T* __restrict y = v[s.dst];
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = c[i] != T(0) ? a[i] : b[i];
}

template <class T>
void exec_copy(T* const* v, const Step& s, int64_t n) {
  std::memcpy(v[s.dst], v[s.src[0]], size_t(n) * sizeof(T));
}

template <class T, int... U, int... B>
constexpr std::array<StepFn<T>, kNumOps> make_table(std::integer_sequence<int, U...>,
                                                    std::integer_sequence<int, B...>) {
  return {&exec_unary<T, U>..., &exec_binary<T, B>..., &exec_where<T>, &exec_copy<T>};
}

template <class T>
constexpr std::array<StepFn<T>, kNumOps> kExec =
    make_table<T>(std::make_integer_sequence<int, U_COUNT>{},
                  std::make_integer_sequence<int, B_COUNT>{});

// ------------------------------------------------------------- loads, stores
template <class S, class T> void convert_run(const S* __restrict src, T* __restrict dst, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] = T(src[i]);
}

// dst[0..n) = input elements [off, off + n) of a buffer of dtype `dt`, converted.
template <class T> void load_run(DType dt, const void* base, int64_t off, T* dst, int64_t n) {
  dispatch_all(dt, [&](auto tag) {
    using S = decltype(tag);
    convert_run(static_cast<const S*>(base) + off, dst, n);
  });
}

template <class T> T load_one(DType dt, const void* base, int64_t off) {
  return dispatch_all(dt, [&](auto tag) {
    using S = decltype(tag);
    return T(static_cast<const S*>(base)[off]);
  });
}

template <class T> void splat(T value, T* dst, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] = value;
}

// Tile [start, start + n) of a broadcast input, walked as runs along the innermost
// merged axis: each run is either contiguous (stride 1) or one repeated element
// (stride 0), since a C-contiguous input has unit stride on its last real axis.
template <class T>
void load_strided(const Load& ld, DType dt, const void* base, int64_t start, T* dst, int64_t n) {
  const int m = (int)ld.dims.size();
  const int64_t* D = ld.dims.data();
  const int64_t* S = ld.strides.data();
  int64_t idx[kMaxDims];
  int64_t off = 0, rem = start;
  for (int a = m - 1; a >= 0; --a) {
    idx[a] = rem % D[a];
    rem /= D[a];
    off += idx[a] * S[a];
  }
  const int64_t L = D[m - 1], sL = S[m - 1];
  int64_t done = 0;
  while (done < n) {
    const int64_t len = std::min(L - idx[m - 1], n - done);
    if (sL) load_run(dt, base, off, dst + done, len);
    else splat(load_one<T>(dt, base, off), dst + done, len);
    done += len;
    idx[m - 1] += len;
    off += len * sL;
    if (idx[m - 1] == L) {  // carry into the outer axes
      idx[m - 1] = 0;
      off -= L * sL;
      for (int a = m - 2; a >= 0; --a) {
        off += S[a];
        if (++idx[a] < D[a]) break;
        off -= D[a] * S[a];
        idx[a] = 0;
      }
    }
  }
}

template <class T, class D> void store_run(const T* __restrict src, D* __restrict dst, int64_t n) {
  if constexpr (std::is_same_v<D, bool>) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) dst[i] = src[i] != T(0);
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) dst[i] = D(src[i]);
  }
}

// Memory-bound chains split across threads from this many elements. Lower than
// elementwise.cc's kMemoryBoundGrain (4M): a fused chain reads and writes several
// arrays, which from ~2M float32 elements no longer fit the 32 MB L3 together, and
// from there two cores move memory faster than one. Measured on 2 cores, best of 40,
// relu(x + bias) and relu_grad(y, g): 1M elements 0.24-0.37 ms on one thread vs
// 0.35-0.46 on two; 2M: 0.70-1.19 vs 0.41-0.89; 2.8M (a conv activation of the
// MNIST convnet): 1.0-1.5 vs 0.5-0.85.
constexpr int64_t kFusedMemoryBoundGrain = int64_t(1) << 21;

// Per-thread scratch, kept between calls so that run() allocates nothing once warm.
struct Scratch {
  std::unique_ptr<unsigned char[]> mem;
  size_t cap = 0;
  unsigned char* get(size_t bytes) {
    if (bytes + 64 > cap) {
      cap = std::max(bytes + 64, cap * 2);
      mem.reset(new unsigned char[cap]);
    }
    auto p = reinterpret_cast<uintptr_t>(mem.get());
    return reinterpret_cast<unsigned char*>((p + 63) & ~uintptr_t(63));
  }
};
thread_local Scratch tls_scratch;

// Shortest decimal text that reads back as the same double.
std::string num_str(double x) {
  char buf[40];
  for (int prec = 6; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  return buf;
}

std::string instr_str(const Instruction& in) {
  std::string s = "('" + in.op + "', dst=" + std::to_string(in.dst) + ", srcs=(";
  for (size_t i = 0; i < in.srcs.size(); ++i)
    s += (i ? ", " : "") + std::to_string(in.srcs[i]);
  return s + (in.srcs.size() == 1 ? ",))" : "))");
}

}  // namespace

// ---------------------------------------------------------------- building
struct Builder {
  static std::shared_ptr<const Kernel> build(const std::vector<Instruction>& code,
      const std::vector<double>& consts, const std::vector<int>& out_regs,
      const std::vector<Shape>& in_shapes, const std::vector<DType>& in_dtypes,
      const Shape& out_shape, const std::vector<DType>& out_dtypes, DType compute) {
    const std::string who = "FusedKernel: ";
    if (!is_float(compute))
      fail_type(who + "compute dtype must be float32 or float64, got " + dtype_name(compute));
    if (in_shapes.size() != in_dtypes.size())
      fail_value(who + "got " + std::to_string(in_shapes.size()) + " input shapes but " +
                 std::to_string(in_dtypes.size()) + " input dtypes");
    if (out_regs.empty()) fail_value(who + "out_regs is empty: a program needs at least one output");
    if (out_regs.size() != out_dtypes.size())
      fail_value(who + "got " + std::to_string(out_regs.size()) + " out_regs but " +
                 std::to_string(out_dtypes.size()) + " out_dtypes");
    if ((int)out_shape.size() > kMaxDims)
      fail_value(who + "out_shape has " + std::to_string(out_shape.size()) + " dimensions (at most " +
                 std::to_string(kMaxDims) + ")");
    for (int64_t d : out_shape)
      if (d < 0) fail_value(who + "negative dimension in out_shape " + shape_str(out_shape));

    auto k = std::shared_ptr<Kernel>(new Kernel());
    k->in_shapes_ = in_shapes;
    k->in_dtypes_ = in_dtypes;
    k->out_shape_ = out_shape;
    k->out_dtypes_ = out_dtypes;
    k->compute_ = compute;
    k->code_ = code;
    k->consts_ = consts;
    k->out_regs_ = out_regs;
    k->size_ = 1;
    for (int64_t d : out_shape) k->size_ *= d;

    const int n_in = (int)in_shapes.size();
    const int n_const = (int)consts.size();
    const int base = n_in + n_const;
    const int n_code = (int)code.size();
    const int n_regs = base + n_code;
    const int n_values = base + n_code;  // one value per input, constant and instruction
    k->n_values_ = n_values;

    // Input shapes must broadcast to out_shape (NumPy rules, right-aligned).
    for (int i = 0; i < n_in; ++i) {
      const Shape& s = in_shapes[i];
      bool ok = s.size() <= out_shape.size();
      for (size_t a = 0; ok && a < s.size(); ++a) {
        const int64_t d = s[a], o = out_shape[out_shape.size() - s.size() + a];
        ok = d >= 0 && (d == o || d == 1);
      }
      if (!ok)
        fail_value(who + "input " + std::to_string(i) + " has shape " + shape_str(s) +
                   ", which does not broadcast to the output shape " + shape_str(out_shape));
    }

    // Resolve registers to values; check ops, arity and registers.
    std::vector<int> cur(n_regs, -1);  // register -> current value
    for (int r = 0; r < base; ++r) cur[r] = r;
    std::vector<Step> steps(n_code);
    auto reg_range = [&]() {
      return "registers are 0.." + std::to_string(n_regs - 1) + " (" + std::to_string(n_in) +
             " inputs, " + std::to_string(n_const) + " constants, temporaries from " +
             std::to_string(base) + ")";
    };
    for (int i = 0; i < n_code; ++i) {
      const Instruction& in = code[i];
      const std::string at = who + "instruction " + std::to_string(i) + " " + instr_str(in) + ": ";
      const int c = op_code(in.op);
      if (c < 0)
        fail_value(at + "unknown op '" + in.op +
                   "' (expected a name of _core.UNARY_OPS or _core.BINARY_OPS, 'where' or 'copy')");
      if ((int)in.srcs.size() != op_arity(c))
        fail_value(at + "'" + in.op + "' takes " + std::to_string(op_arity(c)) + " source register" +
                   (op_arity(c) == 1 ? "" : "s") + ", got " + std::to_string(in.srcs.size()));
      Step& st = steps[i];
      st.code = c;
      st.param = in.param;
      for (size_t j = 0; j < in.srcs.size(); ++j) {
        const int r = in.srcs[j];
        if (r < 0 || r >= n_regs)
          fail_value(at + "source register " + std::to_string(r) + " is out of range: " + reg_range());
        if (cur[r] < 0)
          fail_value(at + "register " + std::to_string(r) + " is read before it is written");
        st.src[j] = cur[r];
      }
      if (in.dst < 0 || in.dst >= n_regs)
        fail_value(at + "destination register " + std::to_string(in.dst) + " is out of range: " +
                   reg_range());
      if (in.dst < base)
        fail_value(at + "destination register " + std::to_string(in.dst) + " is " +
                   (in.dst < n_in ? "an input" : "a constant") +
                   " register (read-only); write to a temporary, " + std::to_string(base) + " or above");
      st.dst = base + i;
      cur[in.dst] = base + i;
    }
    k->out_values_.resize(out_regs.size());
    for (size_t j = 0; j < out_regs.size(); ++j) {
      const int r = out_regs[j];
      if (r < 0 || r >= n_regs)
        fail_value(who + "out_regs[" + std::to_string(j) + "] = " + std::to_string(r) +
                   " is out of range: " + reg_range());
      if (cur[r] < 0)
        fail_value(who + "out_regs[" + std::to_string(j) + "] = register " + std::to_string(r) +
                   ", which no instruction writes");
      k->out_values_[j] = cur[r];
    }

    // Liveness: keep the instructions whose values reach an output.
    std::vector<char> live(n_values, 0);
    for (int v : k->out_values_) live[v] = 1;
    std::vector<char> step_live(n_code, 0);
    for (int i = n_code - 1; i >= 0; --i) {
      if (!live[steps[i].dst]) continue;
      step_live[i] = 1;
      for (int j = 0; j < op_arity(steps[i].code); ++j) live[steps[i].src[j]] = 1;
    }

    // Inputs and constants: how each reaches its register, and dedicated slots.
    k->value_slot_.assign(n_values, -1);
    int n_slots = 0;
    k->loads_.resize(n_in);
    for (int i = 0; i < n_in; ++i) {
      Load& ld = k->loads_[i];
      if (!live[i]) continue;
      plan_load(ld, in_shapes[i], out_shape);
      if (ld.kind == Kernel::kDirect && in_dtypes[i] != compute) ld.kind = Kernel::kConvert;
      if (ld.kind != Kernel::kDirect) ld.slot = k->value_slot_[i] = n_slots++;
    }
    for (int c = 0; c < n_const; ++c)
      if (live[n_in + c]) k->value_slot_[n_in + c] = n_slots++;

    // Temporaries: linear scan over live ranges. The destination is allocated before
    // the sources' slots are released, so no instruction writes a slot it reads.
    std::vector<int> last_use(n_values, -1);
    for (int i = 0; i < n_code; ++i)
      if (step_live[i])
        for (int j = 0; j < op_arity(steps[i].code); ++j) last_use[steps[i].src[j]] = i;
    for (int v : k->out_values_) last_use[v] = n_code;  // needed until the store
    std::vector<int> free_slots;
    for (int i = 0; i < n_code; ++i) {
      if (!step_live[i]) continue;
      const Step& st = steps[i];
      int slot;
      if (!free_slots.empty()) { slot = free_slots.back(); free_slots.pop_back(); }
      else slot = n_slots++;
      k->value_slot_[st.dst] = slot;
      for (int j = 0; j < op_arity(st.code); ++j) {
        const int v = st.src[j];
        bool first = true;  // release each source once, even when read twice
        for (int q = 0; q < j; ++q) first = first && st.src[q] != v;
        if (first && v >= base && last_use[v] == i) free_slots.push_back(k->value_slot_[v]);
      }
      k->steps_.push_back(st);
    }
    k->n_slots_ = n_slots;

    // Tile: all slots together within ~16 KB, half of L1 (the tiles of the inputs and
    // outputs read and written in place share it); 256..2048 elements, a multiple of
    // 64 so every slot stays 64-byte aligned. Measured on a 4-op float32 chain over
    // 30K elements: tiles of 1024-2048 fastest, 256 and 4096 10-25% slower.
    const int64_t esize = (int64_t)dtype_size(compute);
    int64_t tile = n_slots ? (int64_t(16) << 10) / (n_slots * esize) : 2048;
    tile = std::max<int64_t>(256, std::min<int64_t>(2048, tile)) / 64 * 64;
    k->tile_ = tile;

    // A broadcast input that is the same run of L contiguous elements over and over
    // (a (C,) bias against (N, H, W, C): merged dims [N*H*W, C], strides [0, 1]) would
    // be loaded run by run, one dispatched copy of C elements each: for C = 32 that
    // cost more than the arithmetic (relu(x + bias) over 2.8M elements: ~2.1 ms, a
    // plain add ~1 ms). Instead each thread expands it once to tile + L elements,
    // and a tile starting at output element s reads that copy from s % L, in place.
    for (int i = 0; i < n_in; ++i) {
      Load& ld = k->loads_[i];
      if (ld.kind == Kernel::kStrided && ld.dims.size() == 2 && ld.strides[0] == 0 &&
          ld.strides[1] == 1 && ld.dims[1] <= tile)
        ld.period = ld.dims[1];
    }

    // Outputs that are stored straight from an input buffer go first: another output
    // may be that very buffer (in place) and would overwrite it.
    for (int j = 0; j < (int)out_regs.size(); ++j)
      if (k->out_values_[j] < n_in && k->loads_[k->out_values_[j]].kind == Kernel::kDirect)
        k->store_order_.push_back(j);
    for (int j = 0; j < (int)out_regs.size(); ++j)
      if (!(k->out_values_[j] < n_in && k->loads_[k->out_values_[j]].kind == Kernel::kDirect))
        k->store_order_.push_back(j);

    k->direct_out_.assign(out_regs.size(), 0);
    for (int j = 0; j < (int)out_regs.size(); ++j) {
      bool direct = out_dtypes[j] == compute && k->out_values_[j] >= base;
      for (int q = 0; q < j && direct; ++q) direct = !(k->direct_out_[q] && k->out_values_[q] == k->out_values_[j]);
      k->direct_out_[j] = direct;
    }

    // Threads: memory-bound chains gain little from a second core while their data
    // sits in the last-level cache, and lose the cost of waking the OpenMP team, so
    // they stay single-threaded below kFusedMemoryBoundGrain elements; chains with
    // expensive ops (exp, tanh, libm calls) are
    // compute-bound and split from kParallelGrain elements once the work per call
    // is worth it (a single float32 exp: from 32K elements, as _core.unary).
    int64_t heavy = 0;
    for (const Step& st : k->steps_) {
      const int c = op_cost(st.code, compute);
      if (c > 1) heavy += c;
    }
    const int64_t n_tiles = (k->size_ + tile - 1) / tile;
    k->parallel_ = n_tiles > 1 && k->size_ >= kParallelGrain &&
                   (k->size_ >= kFusedMemoryBoundGrain || heavy * k->size_ >= 8 * kParallelGrain);
    return k;
  }

  // Classifies how an input of shape `s` broadcasts to `out`: merged axes and
  // element strides (0 along broadcast axes).
  static void plan_load(Load& ld, const Shape& s, const Shape& out) {
    const int nd = (int)out.size();
    std::vector<int64_t> st(nd, 0);
    int64_t stride = 1;
    for (int a = (int)s.size() - 1; a >= 0; --a) {
      st[nd - (int)s.size() + a] = s[a] == 1 ? 0 : stride;
      stride *= s[a];
    }
    std::vector<int64_t> dims, strides;
    for (int a = 0; a < nd; ++a) {
      if (out[a] == 1) continue;  // size-1 axes carry no iteration
      // Merge into the previous axis when the layout is continuous across both.
      if (!dims.empty() && strides.back() == st[a] * out[a]) {
        dims.back() *= out[a];
        strides.back() = st[a];
        continue;
      }
      dims.push_back(out[a]);
      strides.push_back(st[a]);
    }
    bool all_zero = true;
    for (int64_t x : strides) all_zero = all_zero && x == 0;
    if (all_zero) {
      ld.kind = Kernel::kSplat;  // one element (also a 0-d or all-ones output)
    } else if (dims.size() == 1 && strides[0] == 1) {
      ld.kind = Kernel::kDirect;  // same layout as the output
    } else {
      ld.kind = Kernel::kStrided;
      ld.dims = dims;
      ld.strides = strides;
    }
  }
};

std::shared_ptr<const Kernel> Kernel::build(const std::vector<Instruction>& code,
    const std::vector<double>& consts, const std::vector<int>& out_regs,
    const std::vector<Shape>& in_shapes, const std::vector<DType>& in_dtypes,
    const Shape& out_shape, const std::vector<DType>& out_dtypes, DType compute) {
  return Builder::build(code, consts, out_regs, in_shapes, in_dtypes, out_shape, out_dtypes, compute);
}

std::shared_ptr<const Kernel> Kernel::parse(nb::handle code, nb::handle consts, nb::handle out_regs,
    const std::vector<Shape>& in_shapes, const std::vector<DType>& in_dtypes,
    const Shape& out_shape, const std::vector<DType>& out_dtypes, DType compute) {
  const std::string who = "FusedKernel: ";
  auto need_seq = [&](nb::handle h, const char* what) {
    if (!nb::isinstance<nb::list>(h) && !nb::isinstance<nb::tuple>(h))
      fail_type(who + what + " must be a list, got " + Py_TYPE(h.ptr())->tp_name);
  };
  need_seq(code, "code");
  need_seq(consts, "consts");
  need_seq(out_regs, "out_regs");
  std::vector<Instruction> prog;
  int i = 0;
  for (nb::handle item : code) {
    const std::string at = who + "instruction " + std::to_string(i++) + ": ";
    const std::string expect = "expected a tuple (op: str, dst: int, srcs: tuple[int, ...], param: float)";
    if ((!nb::isinstance<nb::tuple>(item) && !nb::isinstance<nb::list>(item)))
      fail_type(at + expect + ", got " + Py_TYPE(item.ptr())->tp_name);
    const size_t len = nb::len(item);
    if (len != 3 && len != 4)
      fail_type(at + expect + ", got a sequence of length " + std::to_string(len));
    Instruction in;
    nb::handle op = item[0], dst = item[1], srcs = item[2];
    if (!nb::isinstance<nb::str>(op))
      fail_type(at + "op must be a str, got " + Py_TYPE(op.ptr())->tp_name);
    in.op = nb::cast<std::string>(op);
    if (!nb::try_cast<int>(dst, in.dst) || PyBool_Check(dst.ptr()))
      fail_type(at + "dst must be an int, got " + Py_TYPE(dst.ptr())->tp_name);
    if (!nb::isinstance<nb::tuple>(srcs) && !nb::isinstance<nb::list>(srcs))
      fail_type(at + "srcs must be a tuple of ints, got " + Py_TYPE(srcs.ptr())->tp_name);
    for (nb::handle s : srcs) {
      int r;
      if (!nb::try_cast<int>(s, r) || PyBool_Check(s.ptr()))
        fail_type(at + "srcs must be a tuple of ints, got an element of type " + Py_TYPE(s.ptr())->tp_name);
      in.srcs.push_back(r);
    }
    if (len == 4) {
      nb::handle p = item[3];
      if (!p.is_none() && !nb::try_cast<double>(p, in.param))
        fail_type(at + "param must be a float, got " + Py_TYPE(p.ptr())->tp_name);
    }
    prog.push_back(std::move(in));
  }
  std::vector<double> cs;
  i = 0;
  for (nb::handle c : consts) {
    double x;
    if (!nb::try_cast<double>(c, x))
      fail_type(who + "consts[" + std::to_string(i) + "] must be a float, got " + Py_TYPE(c.ptr())->tp_name);
    cs.push_back(x);
    ++i;
  }
  std::vector<int> outs;
  i = 0;
  for (nb::handle r : out_regs) {
    int x;
    if (!nb::try_cast<int>(r, x) || PyBool_Check(r.ptr()))
      fail_type(who + "out_regs[" + std::to_string(i) + "] must be an int, got " + Py_TYPE(r.ptr())->tp_name);
    outs.push_back(x);
    ++i;
  }
  return build(prog, cs, outs, in_shapes, in_dtypes, out_shape, out_dtypes, compute);
}

// ---------------------------------------------------------------- running
void Kernel::run(const void* const* inputs, void* const* outputs) const {
  if (size_ == 0) return;
  if (compute_ == DType::f32) run_typed<float>(inputs, outputs);
  else run_typed<double>(inputs, outputs);
}

template <class T>
void Kernel::run_typed(const void* const* inputs, void* const* outputs) const {
  const int64_t n_tiles = (size_ + tile_ - 1) / tile_;
  const int n_in = n_inputs();
  const int n_const = (int)consts_.size();
  const StepFn<T>* exec = kExec<T>.data();
  // Instructions write outputs directly unless an output is also an input (in place):
  // the input must then stay intact until the tile's last instruction has read it.
  bool direct = true;
  for (int j = 0; j < n_outputs(); ++j)
    for (int i = 0; i < n_in; ++i) direct = direct && outputs[j] != inputs[i];
  // Tiles [t0, t1) on the calling thread, with that thread's scratch.
  auto work = [&](int64_t t0, int64_t t1) {
    if (t0 >= t1) return;
    // Scratch: the value table, then the slots (64-byte aligned).
    const size_t table_bytes = (size_t(n_values_) * sizeof(T*) + 63) / 64 * 64;
    // Slots sit 128 bytes apart beyond their tile: with a power-of-two stride, the
    // loads of one slot and the stores to another would share their low 12 address
    // bits and stall on false store-to-load forwarding ("4K aliasing").
    const int64_t stride = tile_ + 128 / int64_t(sizeof(T));
    // Pre-expanded periodic inputs follow the slots (see Load::period).
    int64_t periodic = 0;
    for (int i = 0; i < n_in; ++i)
      if (loads_[i].kind == kStrided && loads_[i].period) periodic += tile_ + loads_[i].period + 16;
    unsigned char* mem =
        tls_scratch.get(table_bytes + (size_t(n_slots_) * stride + size_t(periodic)) * sizeof(T));
    T** v = reinterpret_cast<T**>(mem);
    T* slots = reinterpret_cast<T*>(mem + table_bytes);
    std::vector<T*> pattern(n_in, nullptr);  // small; once per call and thread
    {
      T* p = slots + n_slots_ * stride;
      for (int i = 0; i < n_in; ++i) {
        const Load& ld = loads_[i];
        if (ld.kind != kStrided || !ld.period) continue;
        pattern[i] = p;
        const int64_t len = tile_ + ld.period;
        for (int64_t q = 0; q < len; q += ld.period)
          load_run(in_dtypes_[i], inputs[i], 0, p + q, std::min(ld.period, len - q));
        p += len + 16;
      }
    }
    for (int x = 0; x < n_values_; ++x)
      v[x] = value_slot_[x] >= 0 ? slots + value_slot_[x] * stride : nullptr;
    // Constants and one-element inputs are the same in every tile: fill them once.
    const int64_t fill = std::min(tile_, size_);
    for (int c = 0; c < n_const; ++c)
      if (v[n_in + c]) splat(T(consts_[c]), v[n_in + c], fill);
    for (int i = 0; i < n_in; ++i)
      if (loads_[i].kind == kSplat) splat(load_one<T>(in_dtypes_[i], inputs[i], 0), v[i], fill);

    for (int64_t t = t0; t < t1; ++t) {
      const int64_t start = t * tile_;
      const int64_t n = std::min(tile_, size_ - start);
      for (int i = 0; i < n_in; ++i) {
        const Load& ld = loads_[i];
        switch (ld.kind) {
          case kDirect: v[i] = const_cast<T*>(static_cast<const T*>(inputs[i])) + start; break;
          case kConvert: load_run(in_dtypes_[i], inputs[i], start, v[i], n); break;
          case kStrided:
            if (ld.period) v[i] = pattern[i] + start % ld.period;
            else load_strided(ld, in_dtypes_[i], inputs[i], start, v[i], n);
            break;
          default: break;
        }
      }
      if (direct)
        for (int j = 0; j < n_outputs(); ++j)
          if (direct_out_[j]) v[out_values_[j]] = static_cast<T*>(outputs[j]) + start;
      for (const Step& st : steps_) exec[st.code](v, st, n);
      for (int j : store_order_) {
        if (direct && direct_out_[j]) continue;
        const T* src = v[out_values_[j]];
        dispatch_all(out_dtypes_[j], [&](auto tag) {
          using D = decltype(tag);
          store_run(src, static_cast<D*>(outputs[j]) + start, n);
        });
      }
    }
  };
  // Even an if(false) OpenMP region costs ~0.6 us, which small kernels of a compiled
  // program would pay on every call: single-threaded runs do not open one.
  if (parallel_) {
#pragma omp parallel
    {
      const int64_t nt = omp_get_num_threads(), id = omp_get_thread_num();
      work(n_tiles * id / nt, n_tiles * (id + 1) / nt);  // as schedule(static)
    }
  } else {
    work(0, n_tiles);
  }
}

template void Kernel::run_typed<float>(const void* const*, void* const*) const;
template void Kernel::run_typed<double>(const void* const*, void* const*) const;

// ---------------------------------------------------------------- describe
std::string Kernel::describe() const {
  const int n_in = n_inputs();
  const int n_const = (int)consts_.size();
  const int base = n_in + n_const;
  std::ostringstream os;
  os << "FusedKernel: " << n_in << " input" << (n_in == 1 ? "" : "s") << ", " << n_const
     << " constant" << (n_const == 1 ? "" : "s") << ", " << n_outputs() << " output"
     << (n_outputs() == 1 ? "" : "s") << "; compute " << dtype_name(compute_) << "; out shape "
     << shape_str(out_shape_) << " (" << size_ << " elements); tile " << tile_ << ", "
     << n_slots_ << " scratch slot" << (n_slots_ == 1 ? "" : "s")
     << (parallel_ ? ", threaded" : ", single-threaded") << "\n";
  static const char* kLoad[] = {"unused", "direct", "converted", "splat", "broadcast"};
  for (int i = 0; i < n_in; ++i) {
    os << "  r" << i << " = input " << i << ": " << dtype_name(in_dtypes_[i]) << " "
       << shape_str(in_shapes_[i]) << " [" << kLoad[loads_[i].kind] << "]\n";
  }
  for (int c = 0; c < n_const; ++c) os << "  r" << n_in + c << " = " << num_str(consts_[c]) << "\n";
  // Live instructions are those whose value has a slot.
  for (size_t i = 0; i < code_.size(); ++i) {
    const Instruction& in = code_[i];
    os << "  r" << in.dst << " = " << in.op << "(";
    for (size_t j = 0; j < in.srcs.size(); ++j) os << (j ? ", " : "") << "r" << in.srcs[j];
    os << ")";
    const int c = op_code(in.op);
    if (c >= 0 && op_takes_param(c)) os << " alpha=" << num_str(in.param);
    if (value_slot_[base + (int)i] < 0) os << "  # result unused: skipped";
    os << "\n";
  }
  for (int j = 0; j < n_outputs(); ++j)
    os << "  out " << j << " (" << dtype_name(out_dtypes_[j]) << ") = r" << out_regs_[j] << "\n";
  std::string s = os.str();
  s.pop_back();  // no trailing newline
  return s;
}

// ---------------------------------------------------------------- binding
namespace {

struct PyFusedKernel {
  std::shared_ptr<const Kernel> k;
};

DType dtype_from(nb::handle h, const std::string& what) {
  std::string name;
  if (nb::isinstance<nb::str>(h)) {
    name = nb::cast<std::string>(h);
  } else if (PyArray_DescrCheck(h.ptr())) {  // a NumPy dtype object
    name = nb::cast<std::string>(h.attr("name"));
  } else {
    fail_type("FusedKernel: " + what + " must be a dtype name, got " + Py_TYPE(h.ptr())->tp_name);
  }
  DType dt;
  if (dtype_from_name(name, &dt)) return dt;
  fail_type("FusedKernel: " + what + " is '" + name +
            "', expected one of float32, float64, int32, int64, bool, uint8");
}

std::vector<nb::handle> items_of(nb::handle seq, const char* what) {
  if (!nb::isinstance<nb::list>(seq) && !nb::isinstance<nb::tuple>(seq))
    fail_type(std::string("FusedKernel: ") + what + " must be a list, got " + Py_TYPE(seq.ptr())->tp_name);
  std::vector<nb::handle> v;
  for (nb::handle h : seq) v.push_back(h);
  return v;
}

void init(PyFusedKernel* self, nb::handle code, nb::handle consts, nb::handle out_regs,
          nb::handle input_shapes, nb::handle input_dtypes, nb::handle out_shape,
          nb::handle out_dtypes, nb::handle compute_dtype) {
  std::vector<Shape> shapes;
  for (nb::handle s : items_of(input_shapes, "input_shapes")) shapes.push_back(shape_from(s, "FusedKernel"));
  std::vector<DType> in_dt, out_dt;
  int i = 0;
  for (nb::handle d : items_of(input_dtypes, "input_dtypes"))
    in_dt.push_back(dtype_from(d, "input_dtypes[" + std::to_string(i++) + "]"));
  i = 0;
  for (nb::handle d : items_of(out_dtypes, "out_dtypes"))
    out_dt.push_back(dtype_from(d, "out_dtypes[" + std::to_string(i++) + "]"));
  const Shape oshape = shape_from(out_shape, "FusedKernel");
  const DType compute = dtype_from(compute_dtype, "compute_dtype");
  new (self) PyFusedKernel{Kernel::parse(code, consts, out_regs, shapes, in_dt, oshape, out_dt, compute)};
}

struct Span { const char* lo; const char* hi; };
bool overlap(const Span& a, const Span& b) { return a.lo < b.hi && b.lo < a.hi; }

nb::object call(const PyFusedKernel& self, nb::handle inputs, nb::handle outs) {
  const Kernel& k = *self.k;
  const std::string who = "FusedKernel: ";
  std::vector<nb::handle> ins = items_of(inputs, "inputs");
  if ((int)ins.size() != k.n_inputs())
    fail_value(who + "expected " + std::to_string(k.n_inputs()) + " inputs, got " + std::to_string(ins.size()));
  // Strong references: the lists could be changed by another thread while the GIL is
  // released below.
  std::vector<nb::object> keep;
  for (nb::handle h : ins) keep.push_back(nb::borrow(h));
  std::vector<const void*> in_ptrs(ins.size());
  std::vector<Span> in_spans(ins.size());
  for (size_t i = 0; i < ins.size(); ++i) {
    const std::string arg = "inputs[" + std::to_string(i) + "]";
    View v = view_of(ins[i], "FusedKernel", arg.c_str());
    if (v.dtype != k.in_dtypes()[i])
      fail_type(who + arg + " must be " + dtype_name(k.in_dtypes()[i]) + ", got " + dtype_name(v.dtype));
    if (v.shape != k.in_shapes()[i])
      fail_value(who + arg + " must have shape " + shape_str(k.in_shapes()[i]) + ", got " + shape_str(v.shape));
    in_ptrs[i] = v.data;
    in_spans[i] = {v.data, v.data + v.size * dtype_size(v.dtype)};
  }
  const int n_out = k.n_outputs();
  std::vector<nb::object> out_objs(n_out);
  std::vector<void*> out_ptrs(n_out);
  if (outs.is_none()) {
    for (int j = 0; j < n_out; ++j) {
      View o;
      out_objs[j] = new_array(k.out_dtypes()[j], k.out_shape(), &o);
      out_ptrs[j] = o.data;
    }
  } else {
    std::vector<nb::handle> os = items_of(outs, "outs");
    if ((int)os.size() != n_out)
      fail_value(who + "expected " + std::to_string(n_out) + " outs, got " + std::to_string(os.size()));
    std::vector<Span> out_spans(n_out);
    for (int j = 0; j < n_out; ++j) {
      const std::string arg = "outs[" + std::to_string(j) + "]";
      View o = view_of(os[j], "FusedKernel", arg.c_str());
      if (o.dtype != k.out_dtypes()[j])
        fail_type(who + arg + " must be " + dtype_name(k.out_dtypes()[j]) + ", got " + dtype_name(o.dtype));
      if (o.shape != k.out_shape())
        fail_value(who + arg + " must have shape " + shape_str(k.out_shape()) + ", got " + shape_str(o.shape));
      if (!(PyArray_FLAGS(o.arr) & NPY_ARRAY_WRITEABLE))
        fail_value(who + arg + " is read-only");
      out_spans[j] = {o.data, o.data + o.size * dtype_size(o.dtype)};
      for (int q = 0; q < j; ++q)
        if (overlap(out_spans[q], out_spans[j]))
          fail_value(who + arg + " overlaps outs[" + std::to_string(q) + "]");
      // In place is fine only element for element: same shape, same element size.
      for (size_t i = 0; i < ins.size(); ++i) {
        if (!overlap(in_spans[i], out_spans[j])) continue;
        const bool same = in_spans[i].lo == out_spans[j].lo && k.in_shapes()[i] == k.out_shape() &&
                          dtype_size(k.in_dtypes()[i]) == dtype_size(o.dtype);
        if (!same)
          fail_value(who + arg + " overlaps inputs[" + std::to_string(i) +
                     "] (only an input of the output's shape and element size may be overwritten in place)");
      }
      out_objs[j] = nb::borrow(os[j]);
      out_ptrs[j] = o.data;
    }
  }
  {
    GilRelease nogil(k.parallel() || k.size() >= kParallelGrain);
    k.run(in_ptrs.data(), out_ptrs.data());
  }
  nb::tuple t = nb::steal<nb::tuple>(PyTuple_New(n_out));
  for (int j = 0; j < n_out; ++j) PyTuple_SET_ITEM(t.ptr(), j, out_objs[j].release().ptr());
  return t;
}

}  // namespace

std::shared_ptr<const Kernel> kernel_of(nb::handle obj) {
  if (!nb::isinstance<PyFusedKernel>(obj))
    fail_type(std::string("expected a _core.FusedKernel, got ") + Py_TYPE(obj.ptr())->tp_name);
  return nb::cast<const PyFusedKernel&>(obj).k;
}

}  // namespace lamina::fused

namespace lamina {

void bind_fused(nb::module_& m) {
  using fused::PyFusedKernel;
  nb::class_<PyFusedKernel>(m, "FusedKernel",
      "A chain of elementwise ops run in one pass over memory, tile by tile: an interpreter "
      "of a register program (see csrc/kernels/fused.h for the format).")
      .def("__init__", &fused::init, nb::arg("code"), nb::arg("consts"), nb::arg("out_regs"),
           nb::arg("input_shapes"), nb::arg("input_dtypes"), nb::arg("out_shape"),
           nb::arg("out_dtypes"), nb::arg("compute_dtype"),
           "Validates and plans the program; raises ValueError/TypeError naming what is wrong.")
      .def("__call__", &fused::call, nb::arg("inputs"), nb::arg("outs") = nb::none(),
           "Runs the program on a list of C-contiguous arrays; writes into `outs` (a list of "
           "arrays) or new arrays; returns the outputs as a tuple.")
      .def("describe", [](const PyFusedKernel& s) { return s.k->describe(); },
           "The program as text, one instruction per line.")
      .def_prop_ro("size", [](const PyFusedKernel& s) { return s.k->size(); },
                   "Elements per output.")
      .def_prop_ro("parallel", [](const PyFusedKernel& s) { return s.k->parallel(); },
                   "Whether a call splits the work across threads.")
      .def_prop_ro("n_inputs", [](const PyFusedKernel& s) { return s.k->n_inputs(); })
      .def_prop_ro("n_outputs", [](const PyFusedKernel& s) { return s.k->n_outputs(); })
      .def("__repr__", [](const PyFusedKernel& s) {
        return "<FusedKernel " + std::to_string(s.k->n_inputs()) + " -> " +
               std::to_string(s.k->n_outputs()) + ", " + std::to_string(s.k->size()) + " elements, " +
               std::to_string(s.k->n_steps()) + " ops>";
      });
}

}  // namespace lamina
