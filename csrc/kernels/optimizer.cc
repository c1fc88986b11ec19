// Fused optimizer updates: one pass over each parameter computes the whole step
// (gradient scaling and value clipping, decoupled weight decay, slot updates and
// the parameter update) for SGD, Adam(W), RMSprop, Adagrad, Adadelta, Adamax,
// Nadam and Lion, plus the EMA of weights and the sum of squares used by norm
// clipping.
//
// Calling convention (every `*_update` binding):
//   kernel(grad, state, out=None, *, gscale=1, clip=inf, decay=0, <hyper-parameters>)
//     state: a sequence of arrays (param, slot, ...) of one float dtype and shape;
//     out:   None (new arrays are allocated) or a sequence of the same length whose
//            items are None (allocate) or writeable arrays of that dtype and shape.
//            out[k] may be state[k] itself (in-place update); otherwise outputs must
//            not overlap any input. Each element i reads every input at i before
//            writing any output at i, so in == out is safe.
//   Returns the tuple of outputs, in `state` order.
// Per element: g = clamp(grad * gscale, -clip, clip); p -= p * decay; then the
// optimizer's own rule (see each kernel). Scalars arrive as doubles (computed in
// Python per step) and are rounded to the array dtype once.
//
// Each rule's element loop is a raw-pointer step (kernels/optimizer.h) that the
// compiled executor's `optimizer` instruction calls too: eager and compiled
// training steps update weights with the very same code.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include "common.h"
#include "kernels/optimizer.h"

namespace lamina {
namespace {

// ------------------------------------------------------------ the boundary
struct Update {
  View grad;
  std::vector<View> in, out;
  std::vector<nb::object> out_objs;
  int64_t n = 0;
  DType dtype = DType::f32;
  bool par = false;
  nb::tuple result() const {
    nb::list l;
    for (const auto& o : out_objs) l.append(o);
    return nb::tuple(l);
  }
};

Update prepare(const char* op, nb::handle grad, nb::handle state, nb::handle out,
               size_t min_state, size_t max_state) {
  Update u;
  std::vector<nb::handle> items;
  try {
    for (nb::handle h : state) items.push_back(h);
  } catch (const nb::python_error&) {
    fail_type(std::string(op) + ": 'state' must be a sequence of arrays");
  }
  if (items.size() < min_state || items.size() > max_state)
    fail_value(std::string(op) + ": expected " + std::to_string(min_state) +
               (max_state != min_state ? "-" + std::to_string(max_state) : std::string()) +
               " state arrays, got " + std::to_string(items.size()));
  for (size_t k = 0; k < items.size(); ++k) {
    const std::string arg = k == 0 ? "param" : "state[" + std::to_string(k) + "]";
    u.in.push_back(view_of(items[k], op, arg.c_str()));
  }
  const View& p = u.in[0];
  if (!is_float(p.dtype))
    fail_type(std::string(op) + ": param must be float32 or float64, got " +
              dtype_name(p.dtype));
  u.dtype = p.dtype;
  u.n = p.size;
  auto same = [&](const View& v, const std::string& arg) {
    if (v.dtype != p.dtype)
      fail_type(std::string(op) + ": " + arg + " has dtype " + dtype_name(v.dtype) +
                ", expected the param's dtype " + dtype_name(p.dtype));
    if (v.shape != p.shape)
      fail_value(std::string(op) + ": " + arg + " has shape " + shape_str(v.shape) +
                 ", expected the param's shape " + shape_str(p.shape));
  };
  for (size_t k = 1; k < u.in.size(); ++k) same(u.in[k], "state[" + std::to_string(k) + "]");
  u.grad = view_of(grad, op, "grad");
  same(u.grad, "grad");

  std::vector<nb::handle> outs(items.size(), nb::none());
  if (!out.is_none()) {
    std::vector<nb::handle> given;
    try {
      for (nb::handle h : out) given.push_back(h);
    } catch (const nb::python_error&) {
      fail_type(std::string(op) + ": 'out' must be None or a sequence of arrays/None");
    }
    if (given.size() != items.size())
      fail_value(std::string(op) + ": 'out' has " + std::to_string(given.size()) +
                 " items, expected " + std::to_string(items.size()) + " (one per state array)");
    outs = given;
  }
  for (size_t k = 0; k < outs.size(); ++k) {
    const std::string arg = "out[" + std::to_string(k) + "]";
    View v;
    if (outs[k].is_none()) {
      u.out_objs.push_back(new_array(p.dtype, p.shape, &v));
    } else {
      v = view_of(outs[k], op, arg.c_str());
      same(v, arg);
      if (!(PyArray_FLAGS(v.arr) & NPY_ARRAY_WRITEABLE))
        fail_value(std::string(op) + ": " + arg + " is not writeable");
      u.out_objs.push_back(nb::borrow(outs[k]));
    }
    u.out.push_back(v);
  }
  // Aliasing: out[k] may be exactly in[k]; nothing else may overlap an output.
  for (size_t k = 0; k < u.out.size(); ++k) {
    const View& o = u.out[k];
    auto bad = [&](const std::string& what) {
      fail_value(std::string(op) + ": out[" + std::to_string(k) + "] overlaps " + what +
                 "; an output may only be its own state array (in-place) or a separate buffer");
    };
    if (overlaps(o, u.grad)) bad("grad");
    for (size_t j = 0; j < u.in.size(); ++j)
      if (overlaps(o, u.in[j]) && !(j == k && o.data == u.in[j].data)) bad("state[" + std::to_string(j) + "]");
    for (size_t j = 0; j < k; ++j)
      if (overlaps(o, u.out[j])) bad("out[" + std::to_string(j) + "]");
  }
  u.par = u.n >= kParallelGrain;
  return u;
}

// The common prologue of every update: scaled/clipped gradient, decayed param.
template <class T> struct Pre {
  T gscale, clip, decay;
  // No clipping (clip not finite) clamps to +-inf, which leaves every value as it
  // is: the same results as skipping the clamp, without a branch in the loop (the
  // branch kept GCC from vectorizing every update loop).
  Pre(double gs, double c, double d)
      : gscale((T)gs),
        clip(std::isfinite(c) ? (T)c : std::numeric_limits<T>::infinity()),
        decay((T)d) {}
  inline T g(T x) const {
    x *= gscale;
    // Keeps NaN: std::max/min return their first argument when comparisons fail.
    return std::min(std::max(x, -clip), clip);
  }
  inline T p(T x) const { return x - x * decay; }
};

// Denormal (subnormal) floats are flushed to zero in the update loops (FTZ and DAZ,
// set per thread for the loop and restored after), as TensorFlow's CPU kernels do.
// Why: a dead unit's gradient is exactly zero, so its Adam moment decays geometrically
// through the subnormal range, where each operation costs ~50 cycles: a 64x64 Adam
// step went from 2.7 us to 80 us with all its moments subnormal. A subnormal moment
// changes no float32 weight, so nothing visible is lost.
class FlushDenormals {
 public:
#if defined(__SSE__) || defined(__x86_64__)
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040u); }  // FTZ | DAZ
  ~FlushDenormals() { _mm_setcsr(saved_); }

 private:
  unsigned saved_;
#endif
};

template <class F> inline void for_each(int64_t n, bool par, F&& f) {
  if (par) {
#pragma omp parallel
    {
      FlushDenormals flush;
#pragma omp for simd schedule(static)
      for (int64_t i = 0; i < n; ++i) f(i);
    }
  } else {
    FlushDenormals flush;
    simd_loop(n, f);
  }
}

template <class F> void run(const Update& u, F&& body) {
  GilRelease nogil(u.par);
  if (u.dtype == DType::f32) body(float{});
  else body(double{});
}

constexpr double kInf = std::numeric_limits<double>::infinity();

// Typed arguments of one step: grad, the state arrays read (I) and written (O).
template <class T> struct Args {
  int64_t n;
  bool par;
  const T* G;
  const T* I[4];
  T* O[4];
  int ns;
};

// Turns a rule's typed body into a kernels::OptimizerStep.
template <class Rule>
void step_of(DType dt, int64_t n, const void* grad, const void* const* in, void* const* out,
             int n_state, const double* s) {
  auto go = [&](auto tag) {
    using T = decltype(tag);
    Args<T> a{n, n >= kParallelGrain, static_cast<const T*>(grad), {}, {}, n_state};
    for (int k = 0; k < n_state && k < 4; ++k) {
      a.I[k] = static_cast<const T*>(in[k]);
      a.O[k] = static_cast<T*>(out[k]);
    }
    Rule::run(a, Pre<T>(s[0], s[1], s[2]), s + 3);
  };
  if (dt == DType::f32) go(float{});
  else go(double{});
}

std::string any_count(int, const double*) { return std::string(); }

// ------------------------------------------------------------------ kernels
// Each rule's `run` gets the prologue (gscale, clip, decay) and h, its own
// hyper-parameters in the order of its binding's keyword arguments.

// SGD: state (param[, momentum]); h = (lr, momentum, nesterov).
//   with momentum: m = m*momentum - g*lr; p += nesterov ? m*momentum - g*lr : m
//   without:       p -= g*lr
struct Sgd {
  template <class T> static void run(const Args<T>& a, const Pre<T>& pre, const double* h) {
    const T tlr = (T)h[0], mom = (T)h[1];
    const bool nesterov = h[2] != 0.0;
    const T* G = a.G;
    const T* P = a.I[0];
    T* Po = a.O[0];
    if (a.ns == 1) {
      for_each(a.n, a.par, [&](int64_t i) { Po[i] = pre.p(P[i]) - pre.g(G[i]) * tlr; });
      return;
    }
    const T* M = a.I[1];
    T* Mo = a.O[1];
    if (nesterov) {
      for_each(a.n, a.par, [&](int64_t i) {
        const T g = pre.g(G[i]);
        const T p = pre.p(P[i]);
        const T m = M[i] * mom - g * tlr;
        Mo[i] = m;
        Po[i] = p + (m * mom - g * tlr);
      });
    } else {
      for_each(a.n, a.par, [&](int64_t i) {
        const T g = pre.g(G[i]);
        const T p = pre.p(P[i]);
        const T m = M[i] * mom - g * tlr;
        Mo[i] = m;
        Po[i] = p + m;
      });
    }
  }
};

// Adam / AdamW: state (param, m, v[, v_hat]) (v_hat: amsgrad); h = (alpha, beta_1,
// beta_2, epsilon).
//   m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2); [v_hat = max(v_hat, v)]
//   p -= m * alpha / (sqrt(v or v_hat) + eps),  alpha = lr sqrt(1 - b2^t) / (1 - b1^t)
struct Adam {
  template <class T> static void run(const Args<T>& a, const Pre<T>& pre, const double* h) {
    const T al = (T)h[0], c1 = (T)(1.0 - h[1]), c2 = (T)(1.0 - h[2]), eps = (T)h[3];
    const T* G = a.G;
    const T *P = a.I[0], *M = a.I[1], *V = a.I[2];
    T *Po = a.O[0], *Mo = a.O[1], *Vo = a.O[2];
    if (a.ns == 3) {
      for_each(a.n, a.par, [&](int64_t i) {
        const T g = pre.g(G[i]);
        const T p = pre.p(P[i]);
        T m = M[i], v = V[i];
        m += (g - m) * c1;
        v += (g * g - v) * c2;
        Mo[i] = m;
        Vo[i] = v;
        Po[i] = p - (m * al) / (std::sqrt(v) + eps);
      });
    } else {
      const T* VH = a.I[3];
      T* VHo = a.O[3];
      for_each(a.n, a.par, [&](int64_t i) {
        const T g = pre.g(G[i]);
        const T p = pre.p(P[i]);
        T m = M[i], v = V[i];
        const T vh_in = VH[i];
        m += (g - m) * c1;
        v += (g * g - v) * c2;
        const T vh = std::max(vh_in, v);
        Mo[i] = m;
        Vo[i] = v;
        VHo[i] = vh;
        Po[i] = p - (m * al) / (std::sqrt(vh) + eps);
      });
    }
  }
};

// RMSprop: state (param, velocity[, momentum][, average_gradient]); h = (lr, rho,
// momentum, epsilon, centered). The momentum slot exists iff momentum > 0, the
// average_gradient slot iff centered.
//   vel = rho vel + (1 - rho) g^2; [avg = rho avg + (1 - rho) g]
//   inc = lr g / sqrt(vel [- avg^2] + eps); [mom = momentum mom + inc; p -= mom] else p -= inc
struct Rmsprop {
  static bool has_momentum(const double* h) { return h[2] > 0; }
  static bool centered(const double* h) { return h[4] != 0.0; }
  static std::string check(int n_state, const double* s) {
    const double* h = s + 3;
    const int want = 2 + (has_momentum(h) ? 1 : 0) + (centered(h) ? 1 : 0);
    if (n_state == want) return std::string();
    return "rmsprop with momentum=" + std::to_string(h[2]) + " and centered=" +
           (centered(h) ? "True" : "False") + " takes " + std::to_string(want) +
           " state arrays (param, velocity" + (has_momentum(h) ? ", momentum" : "") +
           (centered(h) ? ", average_gradient" : "") + "), got " + std::to_string(n_state);
  }
  template <class T> static void run(const Args<T>& a, const Pre<T>& pre, const double* h) {
    // The slot layout is fixed per call: one loop per layout, without branches in it
    // (so it vectorizes).
    const bool has_m = has_momentum(h), cen = centered(h);
    if (cen && has_m) loop<true, true>(a, pre, h);
    else if (cen) loop<true, false>(a, pre, h);
    else if (has_m) loop<false, true>(a, pre, h);
    else loop<false, false>(a, pre, h);
  }
  template <bool kCentered, bool kMomentum, class T>
  static void loop(const Args<T>& a, const Pre<T>& pre, const double* h) {
    const T tlr = (T)h[0], r = (T)h[1], cr = (T)(1.0 - h[1]), mom = (T)h[2], eps = (T)h[3];
    const T* G = a.G;
    const T *P = a.I[0], *V = a.I[1];
    T *Po = a.O[0], *Vo = a.O[1];
    const T* M = kMomentum ? a.I[2] : nullptr;
    T* Mo = kMomentum ? a.O[2] : nullptr;
    const int ka = kMomentum ? 3 : 2;
    const T* A = kCentered ? a.I[ka] : nullptr;
    T* Ao = kCentered ? a.O[ka] : nullptr;
    for_each(a.n, a.par, [&](int64_t i) {
      const T g = pre.g(G[i]);
      const T p = pre.p(P[i]);
      const T v = r * V[i] + cr * (g * g);
      T denom;
      if constexpr (kCentered) {
        const T avg = r * A[i] + cr * g;
        Ao[i] = avg;
        denom = v - avg * avg + eps;
      } else {
        denom = v + eps;
      }
      Vo[i] = v;
      const T inc = (tlr * g) / std::sqrt(denom);
      if constexpr (kMomentum) {
        const T m = mom * M[i] + inc;
        Mo[i] = m;
        Po[i] = p - m;
      } else {
        Po[i] = p - inc;
      }
    });
  }
};

// Adagrad: state (param, accumulator); h = (lr, epsilon).
//   acc += g^2; p -= lr g / sqrt(acc + eps)
struct Adagrad {
  template <class T> static void run(const Args<T>& a, const Pre<T>& pre, const double* h) {
    const T tlr = (T)h[0], eps = (T)h[1];
    const T* G = a.G;
    const T *P = a.I[0], *Acc = a.I[1];
    T *Po = a.O[0], *Acco = a.O[1];
    for_each(a.n, a.par, [&](int64_t i) {
      const T g = pre.g(G[i]);
      const T p = pre.p(P[i]);
      const T acc = Acc[i] + g * g;
      Acco[i] = acc;
      Po[i] = p - (tlr * g) / std::sqrt(acc + eps);
    });
  }
};

// Adadelta: state (param, accumulated_grad, accumulated_delta_var); h = (lr, rho,
// epsilon).
//   ag = rho ag + (1 - rho) g^2; d = -sqrt(adv + eps) g / sqrt(ag + eps)
//   adv = rho adv + (1 - rho) d^2; p += lr d
struct Adadelta {
  template <class T> static void run(const Args<T>& a, const Pre<T>& pre, const double* h) {
    const T tlr = (T)h[0], r = (T)h[1], cr = (T)(1.0 - h[1]), eps = (T)h[2];
    const T* G = a.G;
    const T *P = a.I[0], *AG = a.I[1], *AD = a.I[2];
    T *Po = a.O[0], *AGo = a.O[1], *ADo = a.O[2];
    for_each(a.n, a.par, [&](int64_t i) {
      const T g = pre.g(G[i]);
      const T p = pre.p(P[i]);
      const T ad_in = AD[i];
      const T ag = r * AG[i] + cr * (g * g);
      const T d = -std::sqrt(ad_in + eps) * g / std::sqrt(ag + eps);
      AGo[i] = ag;
      ADo[i] = r * ad_in + cr * (d * d);
      Po[i] = p + tlr * d;
    });
  }
};

// Adamax: state (param, m, norm); h = (lr, beta_1, beta_2, epsilon, bias_correction).
//   m += (g - m)(1 - b1); u = max(b2 u, |g|); p -= lr m / ((1 - b1^t)(u + eps))
struct Adamax {
  template <class T> static void run(const Args<T>& a, const Pre<T>& pre, const double* h) {
    const T tlr = (T)h[0], c1 = (T)(1.0 - h[1]), b2 = (T)h[2], eps = (T)h[3], bc = (T)h[4];
    const T* G = a.G;
    const T *P = a.I[0], *M = a.I[1], *U = a.I[2];
    T *Po = a.O[0], *Mo = a.O[1], *Uo = a.O[2];
    for_each(a.n, a.par, [&](int64_t i) {
      const T g = pre.g(G[i]);
      const T p = pre.p(P[i]);
      T m = M[i];
      m += (g - m) * c1;
      const T un = std::max(b2 * U[i], std::fabs(g));
      Mo[i] = m;
      Uo[i] = un;
      Po[i] = p - (tlr * m) / (bc * (un + eps));
    });
  }
};

// Nadam: state (param, m, v); h = (lr, beta_1, beta_2, epsilon, u_next, d_m, u_g,
// d_g, d_v).
//   m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2)
//   m_hat = u_next m / d_m + u_g g / d_g; v_hat = v / d_v; p -= m_hat lr / (sqrt(v_hat) + eps)
// with u_next = u_{t+1}, d_m = 1 - prod_{t+1}, u_g = 1 - u_t, d_g = 1 - prod_t,
// d_v = 1 - b2^t (divisions kept in Keras's order so float32 results agree closely).
struct Nadam {
  template <class T> static void run(const Args<T>& a, const Pre<T>& pre, const double* h) {
    // Keras's Nadam and Lion form 1 - beta in the variable's dtype.
    const T tlr = (T)h[0], c1 = T(1) - (T)h[1], c2 = T(1) - (T)h[2], eps = (T)h[3],
            un = (T)h[4], dm = (T)h[5], ug = (T)h[6], dg = (T)h[7], dv = (T)h[8];
    const T* G = a.G;
    const T *P = a.I[0], *M = a.I[1], *V = a.I[2];
    T *Po = a.O[0], *Mo = a.O[1], *Vo = a.O[2];
    for_each(a.n, a.par, [&](int64_t i) {
      const T g = pre.g(G[i]);
      const T p = pre.p(P[i]);
      T m = M[i], v = V[i];
      m += (g - m) * c1;
      v += (g * g - v) * c2;
      Mo[i] = m;
      Vo[i] = v;
      const T m_hat = (un * m) / dm + (ug * g) / dg;
      const T v_hat = v / dv;
      Po[i] = p - (m_hat * tlr) / (std::sqrt(v_hat) + eps);
    });
  }
};

// Lion: state (param, m); h = (lr, beta_1, beta_2).
//   p -= lr sign(b1 m + (1 - b1) g); m = b2 m + (1 - b2) g
struct Lion {
  template <class T> static void run(const Args<T>& a, const Pre<T>& pre, const double* h) {
    const T tlr = (T)h[0], b1 = (T)h[1], c1 = T(1) - b1, b2 = (T)h[2], c2 = T(1) - b2;
    const T* G = a.G;
    const T *P = a.I[0], *M = a.I[1];
    T *Po = a.O[0], *Mo = a.O[1];
    for_each(a.n, a.par, [&](int64_t i) {
      const T g = pre.g(G[i]);
      const T p = pre.p(P[i]);
      const T m = M[i];
      const T c = m * b1 + g * c1;
      const T sg = c > T(0) ? T(1) : (c < T(0) ? T(-1) : c);  // keeps 0 and NaN
      Po[i] = p - tlr * sg;
      Mo[i] = m * b2 + g * c2;
    });
  }
};

// ------------------------------------------------------------------ bindings
// Each binding checks its arrays (prepare), lays its scalars out in the rule's
// order and calls the same raw step the compiled executor calls.
nb::tuple update(const char* rule_name, const char* op, nb::handle grad, nb::handle state,
                 nb::handle out, std::vector<double> scalars, int min_state, int max_state) {
  const kernels::OptimizerRule* rule = kernels::find_optimizer_rule(rule_name);
  Update u = prepare(op, grad, state, out, (size_t)min_state, (size_t)max_state);
  const int ns = (int)u.in.size();
  const std::string why = rule->check(ns, scalars.data());
  if (!why.empty()) fail_value(std::string(op) + ": " + why);
  const void* in[4];
  void* outp[4];
  for (int k = 0; k < ns; ++k) {
    in[k] = u.in[k].data;
    outp[k] = u.out[k].data;
  }
  {
    GilRelease nogil(u.par);
    rule->step(u.dtype, u.n, u.grad.data, in, outp, ns, scalars.data());
  }
  return u.result();
}

nb::tuple sgd_update(nb::handle grad, nb::handle state, nb::handle out, double gscale,
                     double clip, double decay, double lr, double momentum, bool nesterov) {
  return update("sgd", "sgd_update", grad, state, out,
                {gscale, clip, decay, lr, momentum, nesterov ? 1.0 : 0.0}, 1, 2);
}

nb::tuple adam_update(nb::handle grad, nb::handle state, nb::handle out, double gscale,
                      double clip, double decay, double alpha, double beta_1, double beta_2,
                      double epsilon) {
  return update("adam", "adam_update", grad, state, out,
                {gscale, clip, decay, alpha, beta_1, beta_2, epsilon}, 3, 4);
}

nb::tuple rmsprop_update(nb::handle grad, nb::handle state, nb::handle out, double gscale,
                         double clip, double decay, double lr, double rho, double momentum,
                         double epsilon, bool centered) {
  const int want = 2 + (momentum > 0 ? 1 : 0) + (centered ? 1 : 0);
  return update("rmsprop", "rmsprop_update", grad, state, out,
                {gscale, clip, decay, lr, rho, momentum, epsilon, centered ? 1.0 : 0.0}, want,
                want);
}

nb::tuple adagrad_update(nb::handle grad, nb::handle state, nb::handle out, double gscale,
                         double clip, double decay, double lr, double epsilon) {
  return update("adagrad", "adagrad_update", grad, state, out,
                {gscale, clip, decay, lr, epsilon}, 2, 2);
}

nb::tuple adadelta_update(nb::handle grad, nb::handle state, nb::handle out, double gscale,
                          double clip, double decay, double lr, double rho, double epsilon) {
  return update("adadelta", "adadelta_update", grad, state, out,
                {gscale, clip, decay, lr, rho, epsilon}, 3, 3);
}

nb::tuple adamax_update(nb::handle grad, nb::handle state, nb::handle out, double gscale,
                        double clip, double decay, double lr, double beta_1, double beta_2,
                        double epsilon, double bias_correction) {
  return update("adamax", "adamax_update", grad, state, out,
                {gscale, clip, decay, lr, beta_1, beta_2, epsilon, bias_correction}, 3, 3);
}

nb::tuple nadam_update(nb::handle grad, nb::handle state, nb::handle out, double gscale,
                       double clip, double decay, double lr, double beta_1, double beta_2,
                       double epsilon, double u_next, double d_m, double u_g, double d_g,
                       double d_v) {
  return update("nadam", "nadam_update", grad, state, out,
                {gscale, clip, decay, lr, beta_1, beta_2, epsilon, u_next, d_m, u_g, d_g, d_v},
                3, 3);
}

nb::tuple lion_update(nb::handle grad, nb::handle state, nb::handle out, double gscale,
                      double clip, double decay, double lr, double beta_1, double beta_2) {
  return update("lion", "lion_update", grad, state, out,
                {gscale, clip, decay, lr, beta_1, beta_2}, 2, 2);
}

// EMA of weights: state (average,), source `value`: avg = momentum avg + (1 - momentum) value.
nb::tuple ema_update(nb::handle value, nb::handle state, nb::handle out, double momentum) {
  Update u = prepare("ema_update", value, state, out, 1, 1);
  run(u, [&](auto tag) {
    using T = decltype(tag);
    const T mom = (T)momentum, cm = (T)(1.0 - momentum);
    const T *X = u.grad.ptr<T>(), *A = u.in[0].ptr<T>();
    T* Ao = u.out[0].ptr<T>();
    for_each(u.n, u.par, [&](int64_t i) { Ao[i] = mom * A[i] + cm * X[i]; });
  });
  return u.result();
}

// Sum of squares of a float array, accumulated in double (for norm clipping).
double sum_squares(nb::handle xh) {
  View x = view_of(xh, "sum_squares");
  if (!is_float(x.dtype))
    fail_type(std::string("sum_squares: expected a float array, got ") + dtype_name(x.dtype));
  const bool par = x.size >= kParallelGrain;
  double total = 0.0;
  GilRelease nogil(par);
  const int64_t n = x.size;
  if (x.dtype == DType::f32) {
    const float* p = x.ptr<float>();
#pragma omp parallel for simd if (par) schedule(static) reduction(+ : total)
    for (int64_t i = 0; i < n; ++i) total += (double)p[i] * (double)p[i];
  } else {
    const double* p = x.ptr<double>();
#pragma omp parallel for simd if (par) schedule(static) reduction(+ : total)
    for (int64_t i = 0; i < n; ++i) total += p[i] * p[i];
  }
  return total;
}

}  // namespace

const std::vector<kernels::OptimizerRule>& kernels::optimizer_rules() {
#define LAMINA_PRE "gscale", "clip", "decay"
  static const std::vector<OptimizerRule> rules = {
      {"sgd", {LAMINA_PRE, "lr", "momentum", "nesterov"}, 1, 2, &step_of<Sgd>, &any_count},
      {"adam", {LAMINA_PRE, "alpha", "beta_1", "beta_2", "epsilon"}, 3, 4, &step_of<Adam>,
       &any_count},
      {"rmsprop", {LAMINA_PRE, "lr", "rho", "momentum", "epsilon", "centered"}, 2, 4,
       &step_of<Rmsprop>, &Rmsprop::check},
      {"adagrad", {LAMINA_PRE, "lr", "epsilon"}, 2, 2, &step_of<Adagrad>, &any_count},
      {"adadelta", {LAMINA_PRE, "lr", "rho", "epsilon"}, 3, 3, &step_of<Adadelta>, &any_count},
      {"adamax", {LAMINA_PRE, "lr", "beta_1", "beta_2", "epsilon", "bias_correction"}, 3, 3,
       &step_of<Adamax>, &any_count},
      {"nadam",
       {LAMINA_PRE, "lr", "beta_1", "beta_2", "epsilon", "u_next", "d_m", "u_g", "d_g", "d_v"},
       3, 3, &step_of<Nadam>, &any_count},
      {"lion", {LAMINA_PRE, "lr", "beta_1", "beta_2"}, 2, 2, &step_of<Lion>, &any_count},
  };
#undef LAMINA_PRE
  return rules;
}

const kernels::OptimizerRule* kernels::find_optimizer_rule(const std::string& name) {
  for (const OptimizerRule& r : optimizer_rules())
    if (name == r.name) return &r;
  return nullptr;
}

void bind_optimizer(nb::module_& m) {
  using namespace nb::literals;
#define LAMINA_OPT_ARGS "grad"_a, "state"_a, "out"_a = nb::none(), "gscale"_a = 1.0, \
                        "clip"_a = kInf, "decay"_a = 0.0
  m.def("sgd_update", &sgd_update, LAMINA_OPT_ARGS, "lr"_a, "momentum"_a = 0.0,
        "nesterov"_a = false, "Fused SGD step; state (param[, momentum]).");
  m.def("adam_update", &adam_update, LAMINA_OPT_ARGS, "alpha"_a, "beta_1"_a, "beta_2"_a,
        "epsilon"_a, "Fused Adam step; state (param, m, v[, v_hat]).");
  m.def("rmsprop_update", &rmsprop_update, LAMINA_OPT_ARGS, "lr"_a, "rho"_a,
        "momentum"_a = 0.0, "epsilon"_a, "centered"_a = false,
        "Fused RMSprop step; state (param, velocity[, momentum][, average_gradient]).");
  m.def("adagrad_update", &adagrad_update, LAMINA_OPT_ARGS, "lr"_a, "epsilon"_a,
        "Fused Adagrad step; state (param, accumulator).");
  m.def("adadelta_update", &adadelta_update, LAMINA_OPT_ARGS, "lr"_a, "rho"_a, "epsilon"_a,
        "Fused Adadelta step; state (param, accumulated_grad, accumulated_delta_var).");
  m.def("adamax_update", &adamax_update, LAMINA_OPT_ARGS, "lr"_a, "beta_1"_a, "beta_2"_a,
        "epsilon"_a, "bias_correction"_a, "Fused Adamax step; state (param, m, norm).");
  m.def("nadam_update", &nadam_update, LAMINA_OPT_ARGS, "lr"_a, "beta_1"_a, "beta_2"_a,
        "epsilon"_a, "u_next"_a, "d_m"_a, "u_g"_a, "d_g"_a, "d_v"_a, "Fused Nadam step; state (param, m, v).");
  m.def("lion_update", &lion_update, LAMINA_OPT_ARGS, "lr"_a, "beta_1"_a, "beta_2"_a,
        "Fused Lion step; state (param, m).");
#undef LAMINA_OPT_ARGS
  m.def("ema_update", &ema_update, "value"_a, "state"_a, "out"_a = nb::none(), "momentum"_a,
        "EMA of weights: average = momentum*average + (1-momentum)*value; state (average,).");
  m.def("sum_squares", &sum_squares, "x"_a, "Sum of squares of a float array (in double).");

  // What the compiled executor's `optimizer` instruction reads, per rule: the names
  // of its scalars in order (scalars[offset : offset + len]) and how many state
  // arrays it takes, the param included (min, max).
  nb::dict names, counts;
  for (const kernels::OptimizerRule& r : kernels::optimizer_rules()) {
    nb::list l;
    for (const char* s : r.scalars) l.append(nb::str(s));
    names[r.name] = nb::tuple(l);
    counts[r.name] = nb::make_tuple(r.min_state, r.max_state);
  }
  m.attr("OPTIMIZER_SCALARS") = names;
  m.attr("OPTIMIZER_STATE_COUNTS") = counts;
}

}  // namespace lamina
