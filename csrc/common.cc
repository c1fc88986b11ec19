#include "common.h"

#include <sstream>

namespace lamina {

const char* dtype_name(DType dt) {
  switch (dt) {
    case DType::f32: return "float32";
    case DType::f64: return "float64";
    case DType::i32: return "int32";
    case DType::i64: return "int64";
    case DType::b8: return "bool";
    case DType::u8: return "uint8";
  }
  return "?";
}

int dtype_to_npy(DType dt) {
  switch (dt) {
    case DType::f32: return NPY_FLOAT32;
    case DType::f64: return NPY_FLOAT64;
    case DType::i32: return NPY_INT32;
    case DType::i64: return NPY_INT64;
    case DType::b8: return NPY_BOOL;
    case DType::u8: return NPY_UINT8;
  }
  return NPY_FLOAT32;
}

size_t dtype_size(DType dt) {
  switch (dt) {
    case DType::f32: case DType::i32: return 4;
    case DType::f64: case DType::i64: return 8;
    case DType::b8: case DType::u8: return 1;
  }
  return 4;
}

bool dtype_from_npy(int t, DType* out) {
  switch (t) {
    case NPY_FLOAT32: *out = DType::f32; return true;
    case NPY_FLOAT64: *out = DType::f64; return true;
    case NPY_INT32: *out = DType::i32; return true;
    case NPY_INT64: *out = DType::i64; return true;
    case NPY_BOOL: *out = DType::b8; return true;
    case NPY_UINT8: *out = DType::u8; return true;
    default: break;
  }
  // `long long` and `long` are distinct NumPy type numbers of the same width.
  if (t == NPY_LONGLONG && sizeof(long long) == 8) { *out = DType::i64; return true; }
  if (t == NPY_LONG && sizeof(long) == 8) { *out = DType::i64; return true; }
  if (t == NPY_INT && sizeof(int) == 4) { *out = DType::i32; return true; }
  return false;
}

bool dtype_from_name(const std::string& name, DType* out) {
  for (int k = 0; k <= int(DType::u8); ++k)
    if (name == dtype_name(DType(k))) {
      *out = DType(k);
      return true;
    }
  return false;
}

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) os << ", ";
    os << s[i];
  }
  if (s.size() == 1) os << ",";
  os << ")";
  return os.str();
}

void fail_value(const std::string& msg) { throw nb::value_error(msg.c_str()); }
void fail_type(const std::string& msg) { throw nb::type_error(msg.c_str()); }

View view_of(nb::handle h, const char* op, const char* arg) {
  PyObject* o = h.ptr();
  if (!PyArray_Check(o))
    fail_type(std::string(op) + ": argument '" + arg + "' must be a NumPy array, got " +
              Py_TYPE(o)->tp_name);
  auto* a = reinterpret_cast<PyArrayObject*>(o);
  View v;
  v.arr = a;
  if (!dtype_from_npy(PyArray_TYPE(a), &v.dtype))
    fail_type(std::string(op) + ": unsupported dtype " +
              std::string(nb::str(nb::handle((PyObject*)PyArray_DESCR(a))).c_str()) +
              " for argument '" + arg + "'");
  const int flags = PyArray_FLAGS(a);
  if (!(flags & NPY_ARRAY_C_CONTIGUOUS) || !(flags & NPY_ARRAY_ALIGNED))
    fail_value(std::string(op) + ": argument '" + arg +
               "' must be an aligned C-contiguous array");
  const int nd = PyArray_NDIM(a);
  v.shape.resize(nd);
  npy_intp* dims = PyArray_DIMS(a);
  for (int i = 0; i < nd; ++i) {
    v.shape[i] = dims[i];
    v.size *= dims[i];
  }
  v.data = static_cast<char*>(PyArray_DATA(a));
  return v;
}

bool overlaps(const View& a, const View& b) {
  const size_t bytes_a = (size_t)a.size * dtype_size(a.dtype);
  const size_t bytes_b = (size_t)b.size * dtype_size(b.dtype);
  if (!bytes_a || !bytes_b) return false;
  return a.data < b.data + bytes_b && b.data < a.data + bytes_a;
}

nb::object out_array(nb::handle out, DType dt, const Shape& shape, View* v, const char* op,
                     std::initializer_list<const View*> inputs) {
  if (out.is_none()) return new_array(dt, shape, v);
  *v = view_of(out, op, "out");
  if (v->dtype != dt || v->shape != shape)
    fail_value(std::string(op) + ": out has dtype " + dtype_name(v->dtype) + " and shape " +
               shape_str(v->shape) + ", expected " + dtype_name(dt) + " and " + shape_str(shape));
  if (!PyArray_ISWRITEABLE(v->arr)) fail_value(std::string(op) + ": out is read-only");
  for (const View* in : inputs)
    if (overlaps(*v, *in)) fail_value(std::string(op) + ": out shares memory with an input");
  return nb::borrow(out);
}

nb::object new_array(DType dt, const Shape& shape, View* out) {
  std::vector<npy_intp> dims(shape.begin(), shape.end());
  for (int64_t d : shape)
    if (d < 0) fail_value("negative dimension in shape " + shape_str(shape));
  PyObject* o = PyArray_SimpleNew((int)dims.size(), dims.data(), dtype_to_npy(dt));
  if (!o) throw nb::python_error();
  if (out) {
    auto* a = reinterpret_cast<PyArrayObject*>(o);
    out->arr = a;
    out->dtype = dt;
    out->shape = shape;
    out->size = 1;
    for (int64_t d : shape) out->size *= d;
    out->data = static_cast<char*>(PyArray_DATA(a));
  }
  return nb::steal(o);
}

int normalize_axis(int64_t axis, int ndim, const char* op) {
  if (axis < -ndim || axis >= ndim)
    fail_value(std::string(op) + ": axis " + std::to_string(axis) +
               " is out of bounds for an array of rank " + std::to_string(ndim));
  return (int)(axis < 0 ? axis + ndim : axis);
}

Shape shape_from(nb::handle seq, const char* op) {
  Shape s;
  try {
    for (nb::handle item : seq) s.push_back(nb::cast<int64_t>(item));
  } catch (const nb::cast_error&) {
    fail_type(std::string(op) + ": shape must be a sequence of ints");
  }
  return s;
}

}  // namespace lamina
