// Data movement: strided copies (make views contiguous, write into views), dtype
// casts, fills, arange and eye.
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "common.h"
#include "kernels/copy.h"

namespace lamina {
namespace {

using kernels::Strided;

Strided strided_of(nb::handle h, const char* op, const char* arg, bool writable) {
  if (!PyArray_Check(h.ptr()))
    fail_type(std::string(op) + ": argument '" + arg + "' must be a NumPy array");
  auto* a = reinterpret_cast<PyArrayObject*>(h.ptr());
  if (writable && !PyArray_ISWRITEABLE(a))
    fail_value(std::string(op) + ": destination array is read-only");
  if (!PyArray_ISALIGNED(a)) fail_value(std::string(op) + ": array is not aligned");
  // Reuse view_of's dtype table through a contiguous-agnostic path.
  Strided s;
  const int t = PyArray_TYPE(a);
  if (t == NPY_FLOAT32) s.dtype = DType::f32;
  else if (t == NPY_FLOAT64) s.dtype = DType::f64;
  else if (t == NPY_BOOL) s.dtype = DType::b8;
  else if (t == NPY_UINT8) s.dtype = DType::u8;
  else if (PyArray_ITEMSIZE(a) == 4 && PyArray_ISSIGNED(a)) s.dtype = DType::i32;
  else if (PyArray_ITEMSIZE(a) == 8 && PyArray_ISSIGNED(a)) s.dtype = DType::i64;
  else fail_type(std::string(op) + ": unsupported dtype for argument '" + arg + "'");
  s.data = static_cast<char*>(PyArray_DATA(a));
  const int nd = PyArray_NDIM(a);
  for (int i = 0; i < nd; ++i) {
    s.shape.push_back(PyArray_DIMS(a)[i]);
    s.strides.push_back(PyArray_STRIDES(a)[i]);
  }
  return s;
}

using kernels::strided_copy;

nb::object copy(nb::handle xh) {
  Strided s = strided_of(xh, "copy", "x", false);
  View o;
  nb::object out = new_array(s.dtype, s.shape, &o);
  Strided d{o.data, s.dtype, s.shape, {}};
  d.strides.resize(s.shape.size());
  int64_t st = dtype_size(s.dtype);
  for (int i = (int)s.shape.size() - 1; i >= 0; --i) { d.strides[i] = st; st *= s.shape[i]; }
  GilRelease nogil(o.size >= kParallelGrain);
  strided_copy(d, s);
  return out;
}

void copy_into(nb::handle dsth, nb::handle srch) {
  Strided d = strided_of(dsth, "copy_into", "dst", true);
  Strided s = strided_of(srch, "copy_into", "src", false);
  if (d.dtype != s.dtype)
    fail_type(std::string("copy_into: dtype mismatch, dst ") + dtype_name(d.dtype) + " src " + dtype_name(s.dtype));
  if (d.shape != s.shape)
    fail_value("copy_into: shape mismatch, dst " + shape_str(d.shape) + " src " + shape_str(s.shape));
  // An overlapping source (e.g. x[1:] = x[:-1]) must be read before it is written.
  nb::object keep;
  if (PyArray_Check(srch.ptr()) && PyArray_Check(dsth.ptr()) &&
      PyArray_BASE(reinterpret_cast<PyArrayObject*>(srch.ptr())) != nullptr) {
    keep = copy(srch);
    s = strided_of(keep, "copy_into", "src", false);
  }
  strided_copy(d, s);
}

template <class To, class From> inline To convert(From v) {
  if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
    // Out-of-range and NaN give the minimum, as NumPy does on x86.
    const bool ok = v == v && v >= From(std::numeric_limits<To>::min()) &&
                    v < -From(std::numeric_limits<To>::min());
    return ok ? To(v) : std::numeric_limits<To>::min();
  } else {
    return To(v);
  }
}

nb::object cast(nb::handle xh, int to_code) {
  View x = view_of(xh, "cast");
  if (to_code < 0 || to_code > 5) fail_value("cast: unknown dtype code");
  const DType to = DType(to_code);
  View o;
  nb::object out = new_array(to, x.shape, &o);
  GilRelease nogil(x.size >= kParallelGrain);
  kernels::cast_into(x.dtype, to, x.data, o.data, x.size);
  return out;
}

nb::object full(nb::handle shape_h, int code, double value) {
  Shape shape = shape_from(shape_h, "full");
  View o;
  nb::object out = new_array(DType(code), shape, &o);
  dispatch_all(o.dtype, [&](auto tag) {
    using T = decltype(tag);
    T v = convert<T, double>(value);
    if constexpr (std::is_same_v<T, bool>) v = value != 0.0;
    T* d = o.ptr<T>();
    for (int64_t i = 0; i < o.size; ++i) d[i] = v;
  });
  return out;
}

nb::object arange(double start, double step, int64_t n, int code) {
  if (n < 0) n = 0;
  View o;
  nb::object out = new_array(DType(code), {n}, &o);
  dispatch_all(o.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* d = o.ptr<T>();
    for (int64_t i = 0; i < n; ++i) d[i] = T(start + double(i) * step);
  });
  return out;
}

nb::object eye(int64_t n, int64_t m, int64_t k, int code) {
  if (n < 0 || m < 0) fail_value("eye: N and M must be non-negative, got " + std::to_string(n) + ", " + std::to_string(m));
  View o;
  nb::object out = new_array(DType(code), {n, m}, &o);
  dispatch_all(o.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* d = o.ptr<T>();
    for (int64_t i = 0; i < n * m; ++i) d[i] = T(0);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t j = i + k;
      if (j >= 0 && j < m) d[i * m + j] = T(1);
    }
  });
  return out;
}

}  // namespace

void kernels::cast_into(DType from, DType to, const void* x, void* y, int64_t n) {
  dispatch_all(from, [&](auto ftag) {
    using F = decltype(ftag);
    dispatch_all(to, [&](auto ttag) {
      using T = decltype(ttag);
      const F* s = static_cast<const F*>(x);
      T* d = static_cast<T*>(y);
      parallel_for_simd(n, n >= kParallelGrain, [&](int64_t i) { d[i] = convert<T, F>(s[i]); });
    });
  });
}

// Copies src into dst element by element; both have the same shape and dtype.
void kernels::strided_copy(const Strided& dst, const Strided& src) {
  const int nd = (int)dst.shape.size();
  int64_t total = 1;
  for (int64_t d : dst.shape) total *= d;
  if (total == 0) return;
  const size_t es = dtype_size(dst.dtype);
  if (nd == 0) { std::memcpy(dst.data, src.data, es); return; }
  const int64_t L = dst.shape[nd - 1];
  const int64_t ds = dst.strides[nd - 1], ss = src.strides[nd - 1];
  const int64_t rows = total / L;
  std::vector<int64_t> idx(nd, 0);
  char* dp = dst.data;
  const char* sp = src.data;
  for (int64_t r = 0; r < rows; ++r) {
    if (ds == (int64_t)es && ss == (int64_t)es) {
      std::memcpy(dp, sp, L * es);
    } else {
      switch (es) {
        case 1: for (int64_t i = 0; i < L; ++i) dp[i * ds] = sp[i * ss]; break;
        case 4:
          for (int64_t i = 0; i < L; ++i)
            *reinterpret_cast<uint32_t*>(dp + i * ds) = *reinterpret_cast<const uint32_t*>(sp + i * ss);
          break;
        default:
          for (int64_t i = 0; i < L; ++i)
            *reinterpret_cast<uint64_t*>(dp + i * ds) = *reinterpret_cast<const uint64_t*>(sp + i * ss);
      }
    }
    for (int a = nd - 2; a >= 0; --a) {
      dp += dst.strides[a];
      sp += src.strides[a];
      if (++idx[a] < dst.shape[a]) break;
      dp -= idx[a] * dst.strides[a];
      sp -= idx[a] * src.strides[a];
      idx[a] = 0;
    }
  }
}

void bind_copy(nb::module_& m) {
  m.def("copy", &copy, nb::arg("x"), "A C-contiguous copy of any (strided) array.");
  m.def("copy_into", &copy_into, nb::arg("dst"), nb::arg("src"),
        "Writes src into dst (both any strides, same shape and dtype).");
  m.def("cast", &cast, nb::arg("x"), nb::arg("dtype_code"));
  m.def("full", &full, nb::arg("shape"), nb::arg("dtype_code"), nb::arg("value"));
  m.def("arange", &arange, nb::arg("start"), nb::arg("step"), nb::arg("n"), nb::arg("dtype_code"));
  m.def("eye", &eye, nb::arg("n"), nb::arg("m"), nb::arg("k"), nb::arg("dtype_code"));
}

}  // namespace lamina
