// Shared plumbing for lamina's native core: NumPy array views with checks at the
// binding boundary, dtype dispatch, output allocation, error messages, threading.
// Kernels themselves see only raw pointers and sizes (no Python objects).
#pragma once

#include <nanobind/nanobind.h>

#define PY_ARRAY_UNIQUE_SYMBOL lamina_ARRAY_API
#ifndef LAMINA_IMPORT_ARRAY
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace nb = nanobind;

namespace lamina {

using Shape = std::vector<int64_t>;

enum class DType : int { f32 = 0, f64 = 1, i32 = 2, i64 = 3, b8 = 4, u8 = 5 };

const char* dtype_name(DType dt);
int dtype_to_npy(DType dt);
size_t dtype_size(DType dt);
inline bool is_float(DType dt) { return dt == DType::f32 || dt == DType::f64; }
// Maps a NumPy type number to a DType; false when lamina does not support it.
bool dtype_from_npy(int npy_type, DType* out);
// Parses a dtype name as dtype_name writes it ("float32", ...); false if unknown.
bool dtype_from_name(const std::string& name, DType* out);

// A checked, C-contiguous view of a NumPy array. Holds a borrowed reference; the
// caller keeps the array alive for the duration of the call.
struct View {
  PyArrayObject* arr = nullptr;
  char* data = nullptr;
  DType dtype = DType::f32;
  Shape shape;
  int64_t size = 1;
  int ndim() const { return (int)shape.size(); }
  template <class T> T* ptr() const { return reinterpret_cast<T*>(data); }
};

// Validates that `h` is an aligned C-contiguous ndarray of a supported dtype.
// `op` and `arg` name the caller in the error message.
View view_of(nb::handle h, const char* op, const char* arg = "x");

// Allocates a new C-contiguous array; returns an owning reference and fills `out`.
nb::object new_array(DType dt, const Shape& shape, View* out);

// Whether two views' bytes overlap.
bool overlaps(const View& a, const View& b);

// A kernel's result array: a new one when `out` is None, else `out` itself, checked
// (C-contiguous, aligned, writeable, of dtype `dt` and `shape`, sharing no memory with
// `inputs`); `op` names the caller in errors. Fills `v`.
nb::object out_array(nb::handle out, DType dt, const Shape& shape, View* v, const char* op,
                     std::initializer_list<const View*> inputs);

std::string shape_str(const Shape& s);
[[noreturn]] void fail_value(const std::string& msg);
[[noreturn]] void fail_type(const std::string& msg);

// Normalizes an axis in [-ndim, ndim) to [0, ndim), with a clear error.
int normalize_axis(int64_t axis, int ndim, const char* op);

// Below this many elements, kernels run on the calling thread with the GIL held:
// forking threads or dropping the GIL would cost more than the work.
constexpr int64_t kParallelGrain = 1 << 15;

// Runs body(i) for i in [0, n): split across OpenMP threads (static schedule) when
// `par`, else inline on the calling thread. An OpenMP region whose if-clause is false
// still costs about 0.6 us (libgomp sets up a team of one; measured: 60 one-element
// fills took 37 us), which dominates the small ops of a compiled program; so small
// loops skip the region entirely. The body is the same either way, and so are the
// results.
template <class F> inline void parallel_for(int64_t n, bool par, F&& body) {
  if (par) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) body(i);
  } else {
    for (int64_t i = 0; i < n; ++i) body(i);
  }
}

// A vectorizable serial loop. A separate function (the body's captures reach it
// through one reference, not through the enclosing frame): inlined into a large
// caller, GCC did not vectorize the `omp simd` loop (the update kernels ran scalar).
template <class F> __attribute__((noinline)) void simd_loop(int64_t n, const F& body) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) body(i);
}

// The same for elementwise bodies, vectorized either way.
template <class F> inline void parallel_for_simd(int64_t n, bool par, F&& body) {
  if (par) {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) body(i);
  } else {
    simd_loop(n, body);
  }
}

// Releases the GIL while heavy native work runs (only when `on`).
struct GilRelease {
  PyThreadState* state = nullptr;
  explicit GilRelease(bool on) { if (on) state = PyEval_SaveThread(); }
  ~GilRelease() { if (state) PyEval_RestoreThread(state); }
  GilRelease(const GilRelease&) = delete;
  GilRelease& operator=(const GilRelease&) = delete;
};

// Calls fn.template operator()<T>() with T the C++ type of `dt`.
template <class F> auto dispatch_all(DType dt, F&& fn) {
  switch (dt) {
    case DType::f32: return fn(float{});
    case DType::f64: return fn(double{});
    case DType::i32: return fn(int32_t{});
    case DType::i64: return fn(int64_t{});
    case DType::b8: return fn(bool{});
    case DType::u8: return fn(uint8_t{});
  }
  return fn(float{});
}

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<double>() { return DType::f64; }
template <> constexpr DType dtype_of<int32_t>() { return DType::i32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::i64; }
template <> constexpr DType dtype_of<bool>() { return DType::b8; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::u8; }

// Reads a Python sequence of ints into a Shape, with a clear error.
Shape shape_from(nb::handle seq, const char* op);

// Registration hooks, one per kernel family (each defined in its own file).
void bind_elementwise(nb::module_& m);
void bind_copy(nb::module_& m);
void bind_matmul(nb::module_& m);
void bind_reduce(nb::module_& m);
void bind_softmax(nb::module_& m);
void bind_index(nb::module_& m);
void bind_random(nb::module_& m);
void bind_qr(nb::module_& m);
void bind_optimizer(nb::module_& m);
void bind_image(nb::module_& m);
void bind_conv(nb::module_& m);
void bind_pooling(nb::module_& m);
void bind_fused(nb::module_& m);
void bind_runtime(nb::module_& m);

}  // namespace lamina
