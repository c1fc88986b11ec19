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
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "common.h"

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

bool overlaps(const View& a, const View& b) {
  const size_t bytes_a = (size_t)a.size * dtype_size(a.dtype);
  const size_t bytes_b = (size_t)b.size * dtype_size(b.dtype);
  if (!bytes_a || !bytes_b) return false;
  return a.data < b.data + bytes_b && b.data < a.data + bytes_a;
}

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
  bool has_clip;
  Pre(double gs, double c, double d)
      : gscale((T)gs), clip((T)c), decay((T)d), has_clip(std::isfinite(c)) {}
  inline T g(T x) const {
    x *= gscale;
    // Keeps NaN: std::max/min return their first argument when comparisons fail.
    if (has_clip) x = std::min(std::max(x, -clip), clip);
    return x;
  }
  inline T p(T x) const { return x - x * decay; }
};

template <class F> inline void for_each(int64_t n, bool par, F&& f) {
#pragma omp parallel for simd if (par) schedule(static)
  for (int64_t i = 0; i < n; ++i) f(i);
}

template <class F> void run(const Update& u, F&& body) {
  GilRelease nogil(u.par);
  if (u.dtype == DType::f32) body(float{});
  else body(double{});
}

constexpr double kInf = std::numeric_limits<double>::infinity();

// ------------------------------------------------------------------ kernels
// SGD: state (param[, momentum]).
//   with momentum: m = m*momentum - g*lr; p += nesterov ? m*momentum - g*lr : m
//   without:       p -= g*lr
nb::tuple sgd_update(nb::handle grad, nb::handle state, nb::handle out, double gscale,
                     double clip, double decay, double lr, double momentum, bool nesterov) {
  Update u = prepare("sgd_update", grad, state, out, 1, 2);
  const bool has_m = u.in.size() == 2;
  run(u, [&](auto tag) {
    using T = decltype(tag);
    const Pre<T> pre(gscale, clip, decay);
    const T tlr = (T)lr, mom = (T)momentum;
    const T* G = u.grad.ptr<T>();
    const T* P = u.in[0].ptr<T>();
    T* Po = u.out[0].ptr<T>();
    if (!has_m) {
      for_each(u.n, u.par, [&](int64_t i) { Po[i] = pre.p(P[i]) - pre.g(G[i]) * tlr; });
      return;
    }
    const T* M = u.in[1].ptr<T>();
    T* Mo = u.out[1].ptr<T>();
    if (nesterov) {
      for_each(u.n, u.par, [&](int64_t i) {
        const T g = pre.g(G[i]);
        const T p = pre.p(P[i]);
        const T m = M[i] * mom - g * tlr;
        Mo[i] = m;
        Po[i] = p + (m * mom - g * tlr);
      });
    } else {
      for_each(u.n, u.par, [&](int64_t i) {
        const T g = pre.g(G[i]);
        const T p = pre.p(P[i]);
        const T m = M[i] * mom - g * tlr;
        Mo[i] = m;
        Po[i] = p + m;
      });
    }
  });
  return u.result();
}

// Adam / AdamW: state (param, m, v[, v_hat]) (v_hat: amsgrad).
//   m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2); [v_hat = max(v_hat, v)]
//   p -= m * alpha / (sqrt(v or v_hat) + eps),  alpha = lr sqrt(1 - b2^t) / (1 - b1^t)
nb::tuple adam_update(nb::handle grad, nb::handle state, nb::handle out, double gscale,
                      double clip, double decay, double alpha, double beta_1, double beta_2,
                      double epsilon) {
  Update u = prepare("adam_update", grad, state, out, 3, 4);
  const bool ams = u.in.size() == 4;
  run(u, [&](auto tag) {
    using T = decltype(tag);
    const Pre<T> pre(gscale, clip, decay);
    const T a = (T)alpha, c1 = (T)(1.0 - beta_1), c2 = (T)(1.0 - beta_2), eps = (T)epsilon;
    const T* G = u.grad.ptr<T>();
    const T *P = u.in[0].ptr<T>(), *M = u.in[1].ptr<T>(), *V = u.in[2].ptr<T>();
    T *Po = u.out[0].ptr<T>(), *Mo = u.out[1].ptr<T>(), *Vo = u.out[2].ptr<T>();
    if (!ams) {
      for_each(u.n, u.par, [&](int64_t i) {
        const T g = pre.g(G[i]);
        const T p = pre.p(P[i]);
        T m = M[i], v = V[i];
        m += (g - m) * c1;
        v += (g * g - v) * c2;
        Mo[i] = m;
        Vo[i] = v;
        Po[i] = p - (m * a) / (std::sqrt(v) + eps);
      });
    } else {
      const T* VH = u.in[3].ptr<T>();
      T* VHo = u.out[3].ptr<T>();
      for_each(u.n, u.par, [&](int64_t i) {
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
        Po[i] = p - (m * a) / (std::sqrt(vh) + eps);
      });
    }
  });
  return u.result();
}

// RMSprop: state (param, velocity[, momentum][, average_gradient]).
//   vel = rho vel + (1 - rho) g^2; [avg = rho avg + (1 - rho) g]
//   inc = lr g / sqrt(vel [- avg^2] + eps); [mom = momentum mom + inc; p -= mom] else p -= inc
nb::tuple rmsprop_update(nb::handle grad, nb::handle state, nb::handle out, double gscale,
                         double clip, double decay, double lr, double rho, double momentum,
                         double epsilon, bool centered) {
  const size_t want = 2 + (momentum > 0 ? 1 : 0) + (centered ? 1 : 0);
  Update u = prepare("rmsprop_update", grad, state, out, want, want);
  const bool has_m = momentum > 0;
  run(u, [&](auto tag) {
    using T = decltype(tag);
    const Pre<T> pre(gscale, clip, decay);
    const T tlr = (T)lr, r = (T)rho, cr = (T)(1.0 - rho), mom = (T)momentum, eps = (T)epsilon;
    const T* G = u.grad.ptr<T>();
    const T *P = u.in[0].ptr<T>(), *V = u.in[1].ptr<T>();
    T *Po = u.out[0].ptr<T>(), *Vo = u.out[1].ptr<T>();
    const T* M = has_m ? u.in[2].ptr<T>() : nullptr;
    T* Mo = has_m ? u.out[2].ptr<T>() : nullptr;
    const size_t ka = has_m ? 3 : 2;
    const T* A = centered ? u.in[ka].ptr<T>() : nullptr;
    T* Ao = centered ? u.out[ka].ptr<T>() : nullptr;
    for_each(u.n, u.par, [&](int64_t i) {
      const T g = pre.g(G[i]);
      const T p = pre.p(P[i]);
      const T v = r * V[i] + cr * (g * g);
      T denom;
      if (centered) {
        const T avg = r * A[i] + cr * g;
        Ao[i] = avg;
        denom = v - avg * avg + eps;
      } else {
        denom = v + eps;
      }
      Vo[i] = v;
      const T inc = (tlr * g) / std::sqrt(denom);
      if (has_m) {
        const T m = mom * M[i] + inc;
        Mo[i] = m;
        Po[i] = p - m;
      } else {
        Po[i] = p - inc;
      }
    });
  });
  return u.result();
}

// Adagrad: state (param, accumulator). acc += g^2; p -= lr g / sqrt(acc + eps)
nb::tuple adagrad_update(nb::handle grad, nb::handle state, nb::handle out, double gscale,
                         double clip, double decay, double lr, double epsilon) {
  Update u = prepare("adagrad_update", grad, state, out, 2, 2);
  run(u, [&](auto tag) {
    using T = decltype(tag);
    const Pre<T> pre(gscale, clip, decay);
    const T tlr = (T)lr, eps = (T)epsilon;
    const T* G = u.grad.ptr<T>();
    const T *P = u.in[0].ptr<T>(), *Acc = u.in[1].ptr<T>();
    T *Po = u.out[0].ptr<T>(), *Acco = u.out[1].ptr<T>();
    for_each(u.n, u.par, [&](int64_t i) {
      const T g = pre.g(G[i]);
      const T p = pre.p(P[i]);
      const T acc = Acc[i] + g * g;
      Acco[i] = acc;
      Po[i] = p - (tlr * g) / std::sqrt(acc + eps);
    });
  });
  return u.result();
}

// Adadelta: state (param, accumulated_grad, accumulated_delta_var).
//   ag = rho ag + (1 - rho) g^2; d = -sqrt(adv + eps) g / sqrt(ag + eps)
//   adv = rho adv + (1 - rho) d^2; p += lr d
nb::tuple adadelta_update(nb::handle grad, nb::handle state, nb::handle out, double gscale,
                          double clip, double decay, double lr, double rho, double epsilon) {
  Update u = prepare("adadelta_update", grad, state, out, 3, 3);
  run(u, [&](auto tag) {
    using T = decltype(tag);
    const Pre<T> pre(gscale, clip, decay);
    const T tlr = (T)lr, r = (T)rho, cr = (T)(1.0 - rho), eps = (T)epsilon;
    const T* G = u.grad.ptr<T>();
    const T *P = u.in[0].ptr<T>(), *AG = u.in[1].ptr<T>(), *AD = u.in[2].ptr<T>();
    T *Po = u.out[0].ptr<T>(), *AGo = u.out[1].ptr<T>(), *ADo = u.out[2].ptr<T>();
    for_each(u.n, u.par, [&](int64_t i) {
      const T g = pre.g(G[i]);
      const T p = pre.p(P[i]);
      const T ad_in = AD[i];
      const T ag = r * AG[i] + cr * (g * g);
      const T d = -std::sqrt(ad_in + eps) * g / std::sqrt(ag + eps);
      AGo[i] = ag;
      ADo[i] = r * ad_in + cr * (d * d);
      Po[i] = p + tlr * d;
    });
  });
  return u.result();
}

// Adamax: state (param, m, norm).
//   m += (g - m)(1 - b1); u = max(b2 u, |g|); p -= lr m / ((1 - b1^t)(u + eps))
nb::tuple adamax_update(nb::handle grad, nb::handle state, nb::handle out, double gscale,
                        double clip, double decay, double lr, double beta_1, double beta_2,
                        double epsilon, double bias_correction) {
  Update u = prepare("adamax_update", grad, state, out, 3, 3);
  run(u, [&](auto tag) {
    using T = decltype(tag);
    const Pre<T> pre(gscale, clip, decay);
    const T tlr = (T)lr, c1 = (T)(1.0 - beta_1), b2 = (T)beta_2, eps = (T)epsilon,
            bc = (T)bias_correction;
    const T* G = u.grad.ptr<T>();
    const T *P = u.in[0].ptr<T>(), *M = u.in[1].ptr<T>(), *U = u.in[2].ptr<T>();
    T *Po = u.out[0].ptr<T>(), *Mo = u.out[1].ptr<T>(), *Uo = u.out[2].ptr<T>();
    for_each(u.n, u.par, [&](int64_t i) {
      const T g = pre.g(G[i]);
      const T p = pre.p(P[i]);
      T m = M[i];
      m += (g - m) * c1;
      const T un = std::max(b2 * U[i], std::fabs(g));
      Mo[i] = m;
      Uo[i] = un;
      Po[i] = p - (tlr * m) / (bc * (un + eps));
    });
  });
  return u.result();
}

// Nadam: state (param, m, v).
//   m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2)
//   m_hat = u_next m / d_m + u_g g / d_g; v_hat = v / d_v; p -= m_hat lr / (sqrt(v_hat) + eps)
// with u_next = u_{t+1}, d_m = 1 - prod_{t+1}, u_g = 1 - u_t, d_g = 1 - prod_t,
// d_v = 1 - b2^t (divisions kept in Keras's order so float32 results agree closely).
nb::tuple nadam_update(nb::handle grad, nb::handle state, nb::handle out, double gscale,
                       double clip, double decay, double lr, double beta_1, double beta_2,
                       double epsilon, double u_next, double d_m, double u_g, double d_g,
                       double d_v) {
  Update u = prepare("nadam_update", grad, state, out, 3, 3);
  run(u, [&](auto tag) {
    using T = decltype(tag);
    const Pre<T> pre(gscale, clip, decay);
    // Keras's Nadam and Lion form 1 - beta in the variable's dtype.
    const T tlr = (T)lr, c1 = T(1) - (T)beta_1, c2 = T(1) - (T)beta_2, eps = (T)epsilon,
            un = (T)u_next, dm = (T)d_m, ug = (T)u_g, dg = (T)d_g, dv = (T)d_v;
    const T* G = u.grad.ptr<T>();
    const T *P = u.in[0].ptr<T>(), *M = u.in[1].ptr<T>(), *V = u.in[2].ptr<T>();
    T *Po = u.out[0].ptr<T>(), *Mo = u.out[1].ptr<T>(), *Vo = u.out[2].ptr<T>();
    for_each(u.n, u.par, [&](int64_t i) {
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
  });
  return u.result();
}

// Lion: state (param, m). p -= lr sign(b1 m + (1 - b1) g); m = b2 m + (1 - b2) g
nb::tuple lion_update(nb::handle grad, nb::handle state, nb::handle out, double gscale,
                      double clip, double decay, double lr, double beta_1, double beta_2) {
  Update u = prepare("lion_update", grad, state, out, 2, 2);
  run(u, [&](auto tag) {
    using T = decltype(tag);
    const Pre<T> pre(gscale, clip, decay);
    const T tlr = (T)lr, b1 = (T)beta_1, c1 = T(1) - b1, b2 = (T)beta_2, c2 = T(1) - b2;
    const T* G = u.grad.ptr<T>();
    const T *P = u.in[0].ptr<T>(), *M = u.in[1].ptr<T>();
    T *Po = u.out[0].ptr<T>(), *Mo = u.out[1].ptr<T>();
    for_each(u.n, u.par, [&](int64_t i) {
      const T g = pre.g(G[i]);
      const T p = pre.p(P[i]);
      const T m = M[i];
      const T c = m * b1 + g * c1;
      const T s = c > T(0) ? T(1) : (c < T(0) ? T(-1) : c);  // keeps 0 and NaN
      Po[i] = p - tlr * s;
      Mo[i] = m * b2 + g * c2;
    });
  });
  return u.result();
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
}

}  // namespace lamina
