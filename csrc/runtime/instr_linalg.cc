// `gemm`: out = act(op(a) @ op(b) [+ bias]), the matrix product of a Dense layer
// (or of a backward pass, with ta/tb) with its epilogue fused.
//   slots   (a, b, out) or (a, b, bias, out)
//   iparams (ta, tb, act); act 0 none, 1 relu, 2 sigmoid, 3 tanh
// a is 2-D, or (ta = 0) has leading dims that are folded into M, as `_core.matmul`
// does for (..., M, K) @ (K, N); b is 2-D; bias is (N,); out has a's leading dims
// and N. The product is the same kernels::gemm call `_core.matmul` makes, and the
// epilogue uses the elementwise kernels' scalar formulas, so a compiled Dense layer
// gives the bits of the eager matmul + add + activation.
#include <algorithm>
#include <cstring>

#include "kernels/matmul.h"
#include "kernels/vecmath.h"
#include "runtime/program.h"

namespace lamina::runtime {
namespace {

enum Act { A_NONE = 0, A_RELU = 1, A_SIGMOID = 2, A_TANH = 3 };
const char* const kActName[] = {"none", "relu", "sigmoid", "tanh"};

// One pass over out (M x N): + bias, then the activation, row by row (threads
// split rows when big). `act` is a lambda, so each inner loop is one vectorizable
// expression with the elementwise kernels' formula.
template <class T, class Act>
void epilogue_with(T* C, const T* bias, int64_t M, int64_t N, Act act) {
  parallel_for(M, parallel(M * N), [&](int64_t i) {
    T* c = C + i * N;
    if (bias) {
#pragma omp simd
      for (int64_t j = 0; j < N; ++j) c[j] = act(T(c[j] + bias[j]));
    } else {
#pragma omp simd
      for (int64_t j = 0; j < N; ++j) c[j] = act(c[j]);
    }
  });
}

template <class T>
void epilogue(T* C, const T* bias, int64_t M, int64_t N, int act) {
  switch (act) {
    case A_RELU: epilogue_with(C, bias, M, N, [](T v) { return v > T(0) ? v : T(0); }); break;
    case A_SIGMOID: epilogue_with(C, bias, M, N, [](T v) { return vm::sigmoid(v); }); break;
    case A_TANH: epilogue_with(C, bias, M, N, [](T v) { return vm::tanh(v); }); break;
    default:
      if (bias) epilogue_with(C, bias, M, N, [](T v) { return v; });
  }
}

class Gemm : public Instr {
 public:
  bool ta = false, tb = false, has_bias = false;
  int act = 0;
  int64_t M = 0, N = 0, K = 0, lda = 0, ldb = 0;
  DType dtype = DType::f32;

  void run(const RunContext& ctx) const override {
    const char* A = ctx.ptr[slots[0]];
    const char* B = ctx.ptr[slots[1]];
    const char* bias = has_bias ? ctx.ptr[slots[2]] : nullptr;
    char* C = ctx.ptr[slots[has_bias ? 3 : 2]];
    if (M == 0 || N == 0) return;
    if (dtype == DType::f32) go<float>(A, B, bias, C);
    else go<double>(A, B, bias, C);
  }

 private:
  template <class T> void go(const char* A, const char* B, const char* bias, char* C) const {
    T* c = reinterpret_cast<T*>(C);
    if (K == 0) std::fill(c, c + M * N, T(0));  // as _core.matmul: BLAS is not called
    else
      kernels::gemm(ta, tb, M, N, K, reinterpret_cast<const T*>(A), lda,
                    reinterpret_cast<const T*>(B), ldb, c, N);
    if (bias || act != A_NONE) epilogue(c, reinterpret_cast<const T*>(bias), M, N, act);
  }
};

// Whether two slots share bytes (BLAS cannot write over its operands). Distinct
// externals are checked at run time.
bool overlap(const Slot& a, const Slot& b) {
  if (a.external != b.external || !a.bytes || !b.bytes) return false;
  if (a.external) return a.where == b.where;
  return a.where < b.where + int64_t(b.bytes) && b.where < a.where + int64_t(a.bytes);
}

}  // namespace

std::unique_ptr<Instr> make_gemm(const Decl& d) {
  d.arity(3, 4, "(a, b, out) or (a, b, bias, out)");
  d.iparam_count(3, 3, "(ta, tb, act)");
  auto g = std::make_unique<Gemm>();
  g->has_bias = d.slots.size() == 4;
  const size_t io = g->has_bias ? 3 : 2;
  for (int k = 0; k < 2; ++k)
    if (d.iparams[k] != 0 && d.iparams[k] != 1)
      d.fail(std::string(k ? "tb" : "ta") + " must be 0 or 1, got " + std::to_string(d.iparams[k]));
  g->ta = d.iparams[0] != 0;
  g->tb = d.iparams[1] != 0;
  g->act = int(d.iparams[2]);
  if (d.iparams[2] < 0 || d.iparams[2] > 3)
    d.fail("act must be 0 (none), 1 (relu), 2 (sigmoid) or 3 (tanh), got " +
           std::to_string(d.iparams[2]));
  const Slot &a = d.slot(0), &b = d.slot(1), &out = d.slot(io);
  d.float_dtype(0, "a");
  d.dtype_is(1, "b", a.dtype);
  d.dtype_is(io, "out", a.dtype);
  g->dtype = a.dtype;
  if (a.shape.size() < 2 || (g->ta && a.shape.size() != 2))
    d.fail(d.name(0, "a") + " must be 2-D" + (g->ta ? "" : " (or more, leading dims folded into M)") +
           ", got shape " + shape_str(a.shape));
  if (b.shape.size() != 2) d.fail(d.name(1, "b") + " must be 2-D, got shape " + shape_str(b.shape));
  const size_t an = a.shape.size();
  g->K = g->ta ? a.shape[0] : a.shape[an - 1];
  g->M = g->ta ? a.shape[1] : a.size / std::max<int64_t>(a.shape[an - 1], 1);
  if (!g->ta && a.shape[an - 1] == 0) {  // M from the leading dims alone
    g->M = 1;
    for (size_t i = 0; i + 1 < an; ++i) g->M *= a.shape[i];
  }
  const int64_t K2 = g->tb ? b.shape[1] : b.shape[0];
  g->N = g->tb ? b.shape[0] : b.shape[1];
  g->lda = a.shape[an - 1];
  g->ldb = b.shape[1];
  if (g->K != K2)
    d.fail("contraction dimensions differ: op(a) " + d.name(0, "a") + " has K = " +
           std::to_string(g->K) + ", op(b) " + d.name(1, "b") + " has K = " + std::to_string(K2));
  Shape want = g->ta ? Shape{g->M, g->N} : Shape(a.shape.begin(), a.shape.end() - 1);
  if (!g->ta) want.push_back(g->N);
  d.shape_is(io, "out", want);
  if (g->has_bias) {
    d.dtype_is(2, "bias", a.dtype);
    d.shape_is(2, "bias", Shape{g->N});
  }
  for (size_t k = 0; k < io; ++k)
    if (overlap(out, d.slot(k)))
      d.fail(d.name(io, "out") + " overlaps its operand " +
             d.name(k, k == 0 ? "a" : (k == 1 ? "b" : "bias")));
  std::string params = "ta=" + std::to_string(int(g->ta)) + ", tb=" + std::to_string(int(g->tb)) +
                       ", act=" + kActName[g->act];
  if (g->has_bias)
    d.describe_into(*g, {"a", "b", "bias", "out"}, {false, false, false, true}, params);
  else
    d.describe_into(*g, {"a", "b", "out"}, {false, false, true}, params);
  return g;
}

}  // namespace lamina::runtime
