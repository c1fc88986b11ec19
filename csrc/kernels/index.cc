// Indexing and block data movement: concatenate, gather (take, take_along_axis),
// their scatter-add adjoints, one_hot, nonzero, ravel_index and repeat_index.
//
// Every index is validated (and negative indices wrapped) at the binding boundary,
// with the GIL held, into an int64 buffer; the kernels then run on raw pointers.
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include <nanobind/stl/string.h>

#include "common.h"
#include "kernels/index.h"

namespace lamina {
namespace {

// These kernels only move memory: waking OpenMP workers (and their page faults on
// the fresh output) costs more than it saves below a few MB (measured: 128 rows of
// 784 float32 took 90 us with 2 threads, 18 us with 1).
constexpr int64_t kParallelBytes = int64_t(1) << 22;

[[noreturn]] void fail_index(const std::string& msg) { throw nb::index_error(msg.c_str()); }

int64_t prod(const Shape& s, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i) p *= s[i];
  return p;
}

bool is_int_dtype(DType dt) { return dt == DType::i32 || dt == DType::i64 || dt == DType::u8; }

View index_view(nb::handle h, const char* op, const char* arg = "indices") {
  View v = view_of(h, op, arg);
  if (!is_int_dtype(v.dtype))
    fail_type(std::string(op) + ": " + arg + " must be an integer array, got dtype " +
              dtype_name(v.dtype));
  return v;
}

// Reads integer indices, wraps negatives (when `wrap`) and checks 0 <= i < n.
// `axis` and `n` name the indexed dimension in the error message.
std::vector<int64_t> checked_indices(const View& iv, int64_t n, int64_t axis, const char* op,
                                     bool wrap = true) {
  std::vector<int64_t> out(iv.size);
  dispatch_all(iv.dtype, [&](auto tag) {
    using I = decltype(tag);
    if constexpr (std::is_integral_v<I> && !std::is_same_v<I, bool>) {
      const I* p = iv.ptr<I>();
      for (int64_t k = 0; k < iv.size; ++k) {
        int64_t i = int64_t(p[k]);
        const int64_t orig = i;
        if (wrap && i < 0) i += n;
        if (i < 0 || i >= n)
          fail_index(std::string(op) + ": index " + std::to_string(orig) +
                     " is out of bounds for axis " + std::to_string(axis) + " with size " +
                     std::to_string(n));
        out[k] = i;
      }
    }
  });
  return out;
}

// Copies `rows` blocks of `bytes` bytes: dst + r * dst_stride <- src + src_offset(r).
template <class Offset>
void copy_rows(char* dst, int64_t dst_stride, const char* src, Offset src_offset, int64_t rows,
               size_t bytes) {
  const bool par = rows > 1 && rows * int64_t(bytes) >= kParallelBytes;
#pragma omp parallel for if (par) schedule(static)
  for (int64_t r = 0; r < rows; ++r) std::memcpy(dst + r * dst_stride, src + src_offset(r), bytes);
}

// ---------------------------------------------------------------- concatenate
nb::object concatenate(nb::sequence xs_h, int64_t axis_in) {
  std::vector<View> xs;
  for (nb::handle h : xs_h) xs.push_back(view_of(h, "concatenate", "xs"));  // the list keeps them alive
  if (xs.empty()) fail_value("concatenate: need at least one array");
  const View& x0 = xs[0];
  if (x0.ndim() == 0) fail_value("concatenate: zero-dimensional arrays cannot be concatenated");
  const int axis = normalize_axis(axis_in, x0.ndim(), "concatenate");
  Shape out_shape = x0.shape;
  out_shape[axis] = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const View& x = xs[i];
    if (x.dtype != x0.dtype)
      fail_type(std::string("concatenate: all inputs must have the same dtype, got ") +
                dtype_name(x0.dtype) + " and " + dtype_name(x.dtype));
    bool ok = x.ndim() == x0.ndim();
    for (int d = 0; ok && d < x0.ndim(); ++d) ok = d == axis || x.shape[d] == x0.shape[d];
    if (!ok)
      fail_value("concatenate: input " + std::to_string(i) + " has shape " + shape_str(x.shape) +
                 ", which does not match " + shape_str(x0.shape) + " outside axis " +
                 std::to_string(axis));
    out_shape[axis] += x.shape[axis];
  }
  View o;
  nb::object out = new_array(x0.dtype, out_shape, &o);
  const int64_t es = int64_t(dtype_size(x0.dtype));
  const int64_t outer = prod(out_shape, 0, axis);
  const int64_t inner = prod(out_shape, axis + 1, out_shape.size()) * es;
  const int64_t out_row = out_shape[axis] * inner;
  std::vector<const char*> srcs;
  std::vector<int64_t> blocks;
  for (const View& x : xs) {
    srcs.push_back(x.data);
    blocks.push_back(x.shape[axis] * inner);
  }
  const size_t k = xs.size();
  GilRelease nogil(o.size >= kParallelGrain);
  // Row by row, so the output is written front to back.
  const bool par = outer > 1 && outer * out_row >= kParallelBytes;
#pragma omp parallel for if (par) schedule(static)
  for (int64_t r = 0; r < outer; ++r) {
    char* d = o.data + r * out_row;
    for (size_t i = 0; i < k; ++i) {
      std::memcpy(d, srcs[i] + r * blocks[i], size_t(blocks[i]));
      d += blocks[i];
    }
  }
  return out;
}

// --------------------------------------------------------------------- take
// out[o, j, k] = x[o, idx[j], k] with x viewed as (outer, n, inner).
// `op` and `label` (the axis as the caller numbers it; -1: axis) word the errors.
nb::object take(nb::handle xh, nb::handle ih, int64_t axis_in, const std::string& op,
                int64_t label) {
  View x = view_of(xh, op.c_str());
  View iv = index_view(ih, op.c_str());
  if (x.ndim() == 0) fail_value(op + ": cannot index a 0-d array along an axis");
  const int axis = normalize_axis(axis_in, x.ndim(), op.c_str());
  const int64_t n = x.shape[axis];
  std::vector<int64_t> idx = checked_indices(iv, n, label >= 0 ? label : axis, op.c_str());
  Shape out_shape(x.shape.begin(), x.shape.begin() + axis);
  out_shape.insert(out_shape.end(), iv.shape.begin(), iv.shape.end());
  out_shape.insert(out_shape.end(), x.shape.begin() + axis + 1, x.shape.end());
  View o;
  nb::object out = new_array(x.dtype, out_shape, &o);
  if (o.size == 0) return out;
  const int64_t es = int64_t(dtype_size(x.dtype));
  const int64_t outer = prod(x.shape, 0, axis);
  const int64_t inner = prod(x.shape, axis + 1, x.shape.size()) * es;
  const int64_t m = iv.size;
  const int64_t* ip = idx.data();
  GilRelease nogil(o.size >= kParallelGrain);
  if (inner == es) {
    // Scalar gathers: a typed loop beats memcpy per element.
    dispatch_all(x.dtype, [&](auto tag) {
      using T = decltype(tag);
      const T* src = x.ptr<T>();
      T* dst = o.ptr<T>();
      const bool par = outer > 1 && o.size * es >= kParallelBytes;
#pragma omp parallel for if (par) schedule(static)
      for (int64_t r = 0; r < outer; ++r)
        for (int64_t j = 0; j < m; ++j) dst[r * m + j] = src[r * n + ip[j]];
    });
  } else {
    copy_rows(o.data, inner, x.data,
              [=](int64_t r) { return ((r / m) * n + ip[r % m]) * inner; }, outer * m,
              size_t(inner));
  }
  return out;
}

// Checks that g's shape is lead + idx_shape + trail, with lead of rank `axis`;
// returns (outer, inner) element counts and the output shape with `n` at `axis`.
void scatter_shapes(const View& g, const View& iv, int axis, int64_t n, const char* op,
                    int64_t* outer, int64_t* inner, Shape* out_shape) {
  const int r = iv.ndim();
  bool ok = axis >= 0 && axis + r <= g.ndim();
  for (int d = 0; ok && d < r; ++d) ok = g.shape[axis + d] == iv.shape[d];
  if (!ok || n < 0)
    fail_value(std::string(op) + ": updates of shape " + shape_str(g.shape) +
               " do not match indices of shape " + shape_str(iv.shape) + " at axis " +
               std::to_string(axis));
  *outer = prod(g.shape, 0, axis);
  *inner = prod(g.shape, axis + r, g.shape.size());
  out_shape->assign(g.shape.begin(), g.shape.begin() + axis);
  out_shape->push_back(n);
  out_shape->insert(out_shape->end(), g.shape.begin() + axis + r, g.shape.end());
}

template <class F> void dispatch_numeric(DType dt, const char* op, F&& fn) {
  if (dt == DType::b8) fail_type(std::string(op) + ": bool values cannot be added");
  dispatch_all(dt, fn);
}

// The adjoint of take: out (outer, n, inner) = 0; out[o, idx[j], k] += g[o, j, k].
nb::object scatter_add(nb::handle gh, nb::handle ih, int64_t axis, int64_t n) {
  View g = view_of(gh, "scatter_add", "updates");
  View iv = index_view(ih, "scatter_add");
  int64_t outer, inner;
  Shape out_shape;
  scatter_shapes(g, iv, int(axis), n, "scatter_add", &outer, &inner, &out_shape);
  std::vector<int64_t> idx = checked_indices(iv, n, axis, "scatter_add");
  View o;
  nb::object out = new_array(g.dtype, out_shape, &o);
  const int64_t m = iv.size;
  const int64_t* ip = idx.data();
  GilRelease nogil(g.size >= kParallelGrain);
  dispatch_numeric(g.dtype, "scatter_add", [&](auto tag) {
    using T = decltype(tag);
    T* dst = o.ptr<T>();
    const T* src = g.ptr<T>();
    std::memset(static_cast<void*>(dst), 0, size_t(o.size) * sizeof(T));
    // Tiles of (outer row, inner chunk) own disjoint outputs, so repeated indices
    // never race.
    const int64_t chunk = inner > 4096 ? 4096 : (inner > 0 ? inner : 1);
    const int64_t nchunks = (inner + chunk - 1) / chunk;
    const int64_t tiles = outer * nchunks;
    const bool par = tiles > 1 && g.size * int64_t(sizeof(T)) >= kParallelBytes;
#pragma omp parallel for if (par) schedule(static)
    for (int64_t t = 0; t < tiles; ++t) {
      const int64_t r = t / nchunks, k0 = (t % nchunks) * chunk;
      const int64_t k1 = k0 + chunk < inner ? k0 + chunk : inner;
      T* drow = dst + r * n * inner;
      const T* srow = src + r * m * inner;
      for (int64_t j = 0; j < m; ++j) {
        T* d = drow + ip[j] * inner;
        const T* s = srow + j * inner;
#pragma omp simd
        for (int64_t k = k0; k < k1; ++k) d[k] += s[k];
      }
    }
  });
  return out;
}

// ------------------------------------------------------------ take_along_axis
// x (outer, n, inner), idx (outer, m, inner): out[o, j, k] = x[o, idx[o, j, k], k].
void along_shapes(const Shape& xs, const Shape& is, int axis, const char* op) {
  bool ok = xs.size() == is.size();
  for (size_t d = 0; ok && d < xs.size(); ++d) ok = int(d) == axis || xs[d] == is[d];
  if (!ok)
    fail_value(std::string(op) + ": indices of shape " + shape_str(is) +
               " do not match the array's shape " + shape_str(xs) + " outside axis " +
               std::to_string(axis));
}

nb::object take_along_axis(nb::handle xh, nb::handle ih, int64_t axis_in) {
  View x = view_of(xh, "take_along_axis");
  View iv = index_view(ih, "take_along_axis");
  if (x.ndim() == 0) fail_value("take_along_axis: cannot index a 0-d array along an axis");
  const int axis = normalize_axis(axis_in, x.ndim(), "take_along_axis");
  along_shapes(x.shape, iv.shape, axis, "take_along_axis");
  const int64_t n = x.shape[axis], m = iv.shape[axis];
  std::vector<int64_t> idx = checked_indices(iv, n, axis, "take_along_axis");
  View o;
  nb::object out = new_array(x.dtype, iv.shape, &o);
  const int64_t outer = prod(x.shape, 0, axis), inner = prod(x.shape, axis + 1, x.shape.size());
  GilRelease nogil(o.size >= kParallelGrain);
  kernels::take_along_axis_into(x.dtype, x.data, idx.data(), o.data, outer, n, m, inner);
  return out;
}

// The adjoint of take_along_axis: out (outer, n, inner) = 0; out[o, idx[o,j,k], k] += g[o,j,k].
nb::object scatter_add_along(nb::handle gh, nb::handle ih, int64_t axis_in, int64_t n) {
  View g = view_of(gh, "scatter_add_along", "updates");
  View iv = index_view(ih, "scatter_add_along");
  if (g.ndim() == 0) fail_value("scatter_add_along: updates must have rank >= 1");
  const int axis = normalize_axis(axis_in, g.ndim(), "scatter_add_along");
  if (g.shape != iv.shape)
    fail_value("scatter_add_along: updates of shape " + shape_str(g.shape) +
               " do not match indices of shape " + shape_str(iv.shape));
  if (n < 0) fail_value("scatter_add_along: negative size");
  std::vector<int64_t> idx = checked_indices(iv, n, axis, "scatter_add_along");
  Shape out_shape = g.shape;
  out_shape[axis] = n;
  View o;
  nb::object out = new_array(g.dtype, out_shape, &o);
  const int64_t m = g.shape[axis];
  const int64_t outer = prod(g.shape, 0, axis), inner = prod(g.shape, axis + 1, g.shape.size());
  if (g.dtype == DType::b8) fail_type("scatter_add_along: bool values cannot be added");
  GilRelease nogil(g.size >= kParallelGrain);
  kernels::scatter_add_along_into(g.dtype, g.data, idx.data(), o.data, outer, n, m, inner);
  return out;
}

// ------------------------------------------------------------------ one_hot
// out has x's shape with `num_classes` inserted at `axis`; out[..c..] = (x[...] == c).
// Indices outside [0, num_classes) give all-zero rows.
nb::object one_hot(nb::handle xh, int64_t num_classes, int64_t axis_in, int code) {
  View x = index_view(xh, "one_hot", "x");
  if (num_classes < 0) fail_value("one_hot: num_classes must be non-negative, got " + std::to_string(num_classes));
  if (code < 0 || code > 5) fail_value("one_hot: unknown dtype code");
  const int axis = normalize_axis(axis_in, x.ndim() + 1, "one_hot");
  Shape out_shape = x.shape;
  out_shape.insert(out_shape.begin() + axis, num_classes);
  std::vector<int64_t> cls(x.size);
  dispatch_all(x.dtype, [&](auto tag) {
    using I = decltype(tag);
    const I* p = x.ptr<I>();
    for (int64_t k = 0; k < x.size; ++k) cls[k] = int64_t(p[k]);
  });
  View o;
  nb::object out = new_array(DType(code), out_shape, &o);
  const int64_t outer = prod(x.shape, 0, axis), inner = prod(x.shape, axis, x.shape.size());
  const int64_t C = num_classes;
  GilRelease nogil(o.size >= kParallelGrain);
  dispatch_all(o.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* dst = o.ptr<T>();
    const bool par = outer > 1 && o.size * int64_t(sizeof(T)) >= kParallelBytes;
#pragma omp parallel for if (par) schedule(static)
    for (int64_t r = 0; r < outer; ++r) {
      T* d = dst + r * C * inner;
      for (int64_t k = 0; k < C * inner; ++k) d[k] = T(0);
      for (int64_t k = 0; k < inner; ++k) {
        const int64_t c = cls[r * inner + k];
        if (c >= 0 && c < C) d[c * inner + k] = T(1);
      }
    }
  });
  return out;
}

// ------------------------------------------------------------------ nonzero
// The coordinates of the true elements of a bool mask: a list of ndim int64 arrays.
nb::list nonzero(nb::handle mh) {
  View m = view_of(mh, "nonzero", "mask");
  if (m.dtype != DType::b8) fail_type(std::string("nonzero: mask must be bool, got ") + dtype_name(m.dtype));
  const bool* p = m.ptr<bool>();
  int64_t count = 0;
  for (int64_t k = 0; k < m.size; ++k) count += p[k];
  const int nd = m.ndim();
  std::vector<nb::object> arrs(nd);
  std::vector<int64_t*> ptrs(nd);
  for (int d = 0; d < nd; ++d) {
    View o;
    arrs[d] = new_array(DType::i64, {count}, &o);
    ptrs[d] = o.ptr<int64_t>();
  }
  std::vector<int64_t> coord(nd, 0);
  int64_t w = 0;
  for (int64_t k = 0; k < m.size; ++k) {
    if (p[k]) {
      for (int d = 0; d < nd; ++d) ptrs[d][w] = coord[d];
      ++w;
    }
    for (int d = nd - 1; d >= 0; --d) {
      if (++coord[d] < m.shape[d]) break;
      coord[d] = 0;
    }
  }
  nb::list out;
  for (auto& a : arrs) out.append(a);
  return out;
}

// -------------------------------------------------------------- ravel_index
// Flat (row-major) positions in an array of shape `dims` from one index array per
// dim (all of the same shape); negatives wrap. `axes` labels the dims in errors.
nb::object ravel_index(nb::sequence idx_h, nb::handle dims_h, nb::handle axes_h) {
  Shape dims = shape_from(dims_h, "ravel_index");
  Shape axes = shape_from(axes_h, "ravel_index");
  std::vector<View> ivs;
  for (nb::handle h : idx_h) ivs.push_back(index_view(h, "getitem", "index"));
  if (ivs.size() != dims.size() || axes.size() != dims.size() || ivs.empty())
    fail_value("ravel_index: need one index array and one axis per dimension");
  for (const View& v : ivs)
    if (v.shape != ivs[0].shape)
      fail_value("ravel_index: index arrays must share one shape, got " + shape_str(ivs[0].shape) +
                 " and " + shape_str(v.shape));
  View o;
  nb::object out = new_array(DType::i64, ivs[0].shape, &o);
  int64_t* flat = o.ptr<int64_t>();
  for (int64_t k = 0; k < o.size; ++k) flat[k] = 0;
  for (size_t d = 0; d < dims.size(); ++d) {
    std::vector<int64_t> idx = checked_indices(ivs[d], dims[d], axes[d], "getitem");
    for (int64_t k = 0; k < o.size; ++k) flat[k] = flat[k] * dims[d] + idx[k];
  }
  return out;
}

// ------------------------------------------------------------- repeat_index
// [0]*c0 + [1]*c1 + ...: the gather indices of numpy-style repeat along a dim of
// size n; `counts` has n entries or a single one (broadcast).
nb::object repeat_index(nb::handle ch, int64_t n) {
  View c = index_view(ch, "repeat", "repeats");
  if (c.ndim() > 1) fail_value("repeat: repeats must be an int or a 1-D sequence, got shape " + shape_str(c.shape));
  if (c.size != n && c.size != 1)
    fail_value("repeat: repeats has " + std::to_string(c.size) + " entries for an axis of size " +
               std::to_string(n));
  std::vector<int64_t> counts(c.size);
  dispatch_all(c.dtype, [&](auto tag) {
    using I = decltype(tag);
    const I* p = c.ptr<I>();
    for (int64_t k = 0; k < c.size; ++k) counts[k] = int64_t(p[k]);
  });
  int64_t total = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = counts[c.size == 1 ? 0 : i];
    if (r < 0) fail_value("repeat: repeats must be non-negative, got " + std::to_string(r));
    total += r;
  }
  View o;
  nb::object out = new_array(DType::i64, {total}, &o);
  int64_t* d = o.ptr<int64_t>();
  for (int64_t i = 0, w = 0; i < n; ++i)
    for (int64_t r = counts[c.size == 1 ? 0 : i]; r > 0; --r) d[w++] = i;
  return out;
}

}  // namespace

void kernels::take_along_axis_into(DType dt, const void* x, const int64_t* ip, void* out,
                                   int64_t outer, int64_t n, int64_t m, int64_t inner) {
  dispatch_all(dt, [&](auto tag) {
    using T = decltype(tag);
    const T* src = static_cast<const T*>(x);
    T* dst = static_cast<T*>(out);
    const bool par = outer > 1 && outer * m * inner * int64_t(sizeof(T)) >= kParallelBytes;
    parallel_for(outer, par, [&](int64_t r) {
      for (int64_t j = 0; j < m; ++j) {
        const int64_t base = (r * m + j) * inner;
        for (int64_t k = 0; k < inner; ++k) dst[base + k] = src[(r * n + ip[base + k]) * inner + k];
      }
    });
  });
}

void kernels::scatter_add_along_into(DType dt, const void* g, const int64_t* ip, void* out,
                                     int64_t outer, int64_t n, int64_t m, int64_t inner) {
  dispatch_all(dt, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      T* dst = static_cast<T*>(out);
      const T* src = static_cast<const T*>(g);
      std::memset(static_cast<void*>(dst), 0, size_t(outer * n * inner) * sizeof(T));
      const bool par = outer > 1 && outer * m * inner * int64_t(sizeof(T)) >= kParallelBytes;
      parallel_for(outer, par, [&](int64_t r) {
        for (int64_t j = 0; j < m; ++j) {
          const int64_t base = (r * m + j) * inner;
          for (int64_t k = 0; k < inner; ++k) dst[(r * n + ip[base + k]) * inner + k] += src[base + k];
        }
      });
    }
  });
}

void bind_index(nb::module_& m) {
  m.def("concatenate", &concatenate, nb::arg("xs"), nb::arg("axis"),
        "Joins C-contiguous arrays along an axis (native block copies).");
  m.def("take", &take, nb::arg("x"), nb::arg("indices"), nb::arg("axis"),
        nb::arg("op") = "take", nb::arg("label") = -1,
        "Gathers slices of x along axis (negative indices wrap; out of range: IndexError).");
  m.def("scatter_add", &scatter_add, nb::arg("updates"), nb::arg("indices"), nb::arg("axis"),
        nb::arg("n"), "The adjoint of take: sums updates into zeros of size n along axis.");
  m.def("take_along_axis", &take_along_axis, nb::arg("x"), nb::arg("indices"), nb::arg("axis"));
  m.def("scatter_add_along", &scatter_add_along, nb::arg("updates"), nb::arg("indices"),
        nb::arg("axis"), nb::arg("n"), "The adjoint of take_along_axis.");
  m.def("one_hot", &one_hot, nb::arg("x"), nb::arg("num_classes"), nb::arg("axis"),
        nb::arg("dtype_code"));
  m.def("nonzero", &nonzero, nb::arg("mask"), "Coordinates of a bool mask's true elements.");
  m.def("ravel_index", &ravel_index, nb::arg("indices"), nb::arg("dims"), nb::arg("axes"));
  m.def("repeat_index", &repeat_index, nb::arg("repeats"), nb::arg("n"));
}

}  // namespace lamina
