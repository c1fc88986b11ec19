// Program: slots, the arena, validation, the run loop and the Python binding.
// See program.h for the model.
#include "runtime/program.h"

#include <nanobind/stl/string.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <sstream>

namespace lamina::runtime {

// ------------------------------------------------------------------ slots
std::string Slot::describe(int index) const {
  std::string s = "s" + std::to_string(index) + ":" + dtype_name(dtype) + shape_str(shape);
  s += external ? "@ext" + std::to_string(where) : "@arena+" + std::to_string(where);
  return s;
}

// ------------------------------------------------------------ declarations
void Decl::fail(const std::string& msg) const {
  fail_value("Program: instruction " + std::to_string(index) + " (" + op + "): " + msg);
}
void Decl::fail_type(const std::string& msg) const {
  lamina::fail_type("Program: instruction " + std::to_string(index) + " (" + op + "): " + msg);
}

std::string Decl::name(size_t k, const char* role) const {
  return std::string("slot '") + role + "' (" + slot(k).describe(slots[k]) + ")";
}

void Decl::arity(size_t min, size_t max, const char* expected) const {
  if (slots.size() < min || slots.size() > max)
    fail("expected slots " + std::string(expected) + ", got " + std::to_string(slots.size()) +
         " slot(s)");
}

void Decl::iparam_count(size_t min, size_t max, const char* expected) const {
  if (iparams.size() < min || iparams.size() > max)
    fail("expected iparams " + std::string(expected) + ", got " + std::to_string(iparams.size()) +
         " value(s)");
}

void Decl::fparam_count(size_t n, const char* expected) const {
  if (fparams.size() != n)
    fail("expected fparams " + std::string(expected) + ", got " + std::to_string(fparams.size()) +
         " value(s)");
}

void Decl::dtype_is(size_t k, const char* role, DType dt) const {
  if (slot(k).dtype != dt)
    fail(name(k, role) + " has dtype " + dtype_name(slot(k).dtype) + ", expected " +
         dtype_name(dt));
}

void Decl::float_dtype(size_t k, const char* role) const {
  if (!is_float(slot(k).dtype))
    fail(name(k, role) + " has dtype " + dtype_name(slot(k).dtype) +
         ", expected float32 or float64");
}

void Decl::shape_is(size_t k, const char* role, const Shape& s) const {
  if (slot(k).shape != s)
    fail(name(k, role) + " has shape " + shape_str(slot(k).shape) + ", expected " + shape_str(s));
}

void Decl::describe_into(Instr& in, const std::vector<std::string>& roles,
                         const std::vector<bool>& writes, const std::string& params) const {
  in.op = op;
  in.slots = slots;
  in.roles = roles;
  in.writes = writes;
  in.params = params;
}

namespace {

// ------------------------------------------------------------------ parsing
template <class T> T cast_or(nb::handle h, const std::string& what) {
  try {
    return nb::cast<T>(h);
  } catch (const nb::cast_error&) {
    fail_type(what);
  }
}

std::vector<nb::handle> items_of(nb::handle seq, const std::string& what) {
  std::vector<nb::handle> v;
  if (PyUnicode_Check(seq.ptr()) || PyBytes_Check(seq.ptr())) fail_type(what);
  try {
    for (nb::handle h : seq) v.push_back(h);
  } catch (const nb::python_error&) {
    fail_type(what);
  }
  return v;
}

std::vector<int64_t> ints_of(nb::handle seq, const std::string& what) {
  std::vector<int64_t> v;
  for (nb::handle h : items_of(seq, what)) {
    if (PyFloat_Check(h.ptr())) fail_type(what);  // bools are fine: flags such as ta/tb
    v.push_back(cast_or<int64_t>(h, what));
  }
  return v;
}

// Elements of `shape`, with overflow and negative checks.
int64_t element_count(const Shape& shape, const std::string& where) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) fail_value(where + ": negative dimension in shape " + shape_str(shape));
    if (d != 0 && n > (int64_t(1) << 56) / d)
      fail_value(where + ": shape " + shape_str(shape) + " is too large");
    n *= d;
  }
  return n;
}

const std::map<std::string, Factory>& factories() {
  static const std::map<std::string, Factory> f = {
      {"gemm", &make_gemm},         {"reduce", &make_reduce},
      {"softmax", &make_softmax},   {"log_softmax", &make_softmax},
      {"softmax_grad", &make_softmax_grad},
      {"copy", &make_copy},         {"fill", &make_fill},
      {"transpose", &make_transpose}, {"take", &make_take},
      {"one_hot", &make_one_hot},   {"optimizer", &make_optimizer},
      {"take_along_axis", &make_along}, {"scatter_add_along", &make_along},
      {"broadcast", &make_broadcast}, {"cast", &make_cast},
      {"argmax", &make_arg_reduce}, {"argmin", &make_arg_reduce},
      {"check_range", &make_check_range},
      {"callback", &make_callback}, {"fused", &make_fused},
  };
  return f;
}

std::string known_ops() {
  std::string s;
  for (const auto& kv : factories()) s += (s.empty() ? "" : ", ") + kv.first;
  return s;
}

constexpr int64_t kAlign = 64;

// ------------------------------------------------------------------ program
class Program {
 public:
  Program(int64_t arena_bytes, nb::handle slots_h, nb::handle instrs_h, int64_t n_scalars);
  void run(nb::handle externals, nb::handle scalars);
  void run_steps(nb::handle externals, nb::handle streams, int64_t n_steps, nb::handle prologue,
                 nb::handle done);
  std::string describe() const;
  int traverse(visitproc visit, void* arg) const;
  void clear();

  // Per-instruction wall time, accumulated while `profiling` is on (off by
  // default: reading the clock around every instruction costs ~40 ns each).
  bool profiling = false;
  std::vector<double> seconds;
  std::vector<int64_t> calls;
  nb::list profile() const;

  int64_t arena_bytes = 0;
  int64_t n_scalars = 0;
  int64_t n_externals = 0;
  std::vector<Slot> slots;
  std::vector<std::unique_ptr<Instr>> instrs;

 private:
  nb::object arena_owner_;  // a capsule that frees the arena (views handed to callbacks hold it)
  char* arena_ = nullptr;
  // Per external index: the first slot bound to it (-1: none), and the first
  // instruction that writes it (-1: none), for run()'s checks and messages.
  std::vector<int> ext_slot_, ext_writer_;
  std::mutex running_;

  // The externals of one call, checked, with every slot's address.
  struct Bound {
    std::vector<nb::object> ext;  // strong references for the whole call
    std::vector<char*> ptr;       // per slot
    std::vector<PyObject*> owners;
  };
  Bound bind(nb::handle externals, const char* who);
  // `scalars_h` (a float64 array, a sequence of floats, or None) as n_scalars values
  // plus one padding value; checks the count and each instruction's check_scalars.
  void read_scalars(nb::handle scalars_h, const char* who, std::vector<double>* out) const;
  // Sizes the profile's storage (GIL held); returns whether this call is timed.
  bool prepare_profile();
  // Runs every instruction once; `k` tracks the one running (for error messages).
  void execute(const RunContext& ctx, bool timed, size_t& k);
  // Turns what an instruction threw into the exception the caller sees.
  [[noreturn]] void rethrow(std::exception_ptr e, size_t k) const;
};

Program::Program(int64_t arena_bytes_, nb::handle slots_h, nb::handle instrs_h,
                 int64_t n_scalars_)
    : arena_bytes(arena_bytes_), n_scalars(n_scalars_) {
  if (arena_bytes < 0) fail_value("Program: arena_bytes must be >= 0, got " + std::to_string(arena_bytes));
  if (n_scalars < 0) fail_value("Program: n_scalars must be >= 0, got " + std::to_string(n_scalars));

  // Slots.
  const auto slot_items =
      items_of(slots_h, "Program: 'slots' must be a list of (kind, dtype, shape, where) tuples");
  for (size_t i = 0; i < slot_items.size(); ++i) {
    const std::string at = "Program: slots[" + std::to_string(i) + "]";
    const std::string form = at + " must be a (kind, dtype, shape, where) tuple";
    const auto f = items_of(slot_items[i], form);
    if (f.size() != 4) fail_type(form + ", got " + std::to_string(f.size()) + " item(s)");
    Slot s;
    const std::string kind = cast_or<std::string>(f[0], form + " (kind: 'arena' or 'external')");
    if (kind == "external") s.external = true;
    else if (kind != "arena")
      fail_value(at + ": kind must be 'arena' or 'external', got '" + kind + "'");
    const std::string dt = cast_or<std::string>(f[1], form + " (dtype: a name such as 'float32')");
    if (!dtype_from_name(dt, &s.dtype))
      fail_value(at + ": unknown dtype '" + dt + "' (float32, float64, int32, int64, bool, uint8)");
    s.shape = ints_of(f[2], form + " (shape: a tuple of ints)");
    s.where = cast_or<int64_t>(f[3], form + " (where: an int)");
    s.size = element_count(s.shape, at);
    s.bytes = size_t(s.size) * dtype_size(s.dtype);
    if (s.external) {
      if (s.where < 0 || s.where >= (int64_t(1) << 24))
        fail_value(at + ": external index " + std::to_string(s.where) + " is out of range");
      n_externals = std::max(n_externals, s.where + 1);
    } else {
      if (s.where < 0 || s.where % kAlign != 0)
        fail_value(at + ": arena offset " + std::to_string(s.where) + " must be a non-negative multiple of " +
                   std::to_string(kAlign));
      if (s.where > arena_bytes || int64_t(s.bytes) > arena_bytes - s.where)
        fail_value(at + ": " + shape_str(s.shape) + " " + dt + " at arena offset " + std::to_string(s.where) +
                   " needs bytes up to " + std::to_string(s.where + int64_t(s.bytes)) +
                   ", beyond the arena's " + std::to_string(arena_bytes));
    }
    slots.push_back(std::move(s));
  }
  // Slots bound to the same external array must describe it the same way: run()
  // checks the array against them.
  ext_slot_.assign(size_t(n_externals), -1);
  ext_writer_.assign(size_t(n_externals), -1);
  for (size_t i = 0; i < slots.size(); ++i) {
    const Slot& s = slots[i];
    if (!s.external) continue;
    int& first = ext_slot_[size_t(s.where)];
    if (first < 0) {
      first = int(i);
      continue;
    }
    const Slot& o = slots[size_t(first)];
    if (o.dtype != s.dtype || o.shape != s.shape)
      fail_value("Program: slots[" + std::to_string(i) + "] (" + s.describe(int(i)) +
                 ") and slots[" + std::to_string(first) + "] (" + o.describe(first) +
                 ") are bound to the same external array but differ in dtype or shape");
  }

  // Instructions.
  const auto instr_items = items_of(
      instrs_h, "Program: 'instructions' must be a list of (op, slots, iparams, fparams, extra) tuples");
  for (size_t k = 0; k < instr_items.size(); ++k) {
    const std::string at = "Program: instructions[" + std::to_string(k) + "]";
    const std::string form = at + " must be an (op, slots, iparams, fparams, extra) tuple";
    const auto f = items_of(instr_items[k], form);
    if (f.size() != 4 && f.size() != 5)
      fail_type(form + ", got " + std::to_string(f.size()) + " item(s)");
    Decl d;
    d.index = int(k);
    d.op = cast_or<std::string>(f[0], form + " (op: a str)");
    for (int64_t s : ints_of(f[1], form + " (slots: a tuple of slot indices)")) {
      if (s < 0 || s >= int64_t(slots.size()))
        fail_value("Program: instruction " + std::to_string(k) + " (" + d.op + "): slot index " +
                   std::to_string(s) + " is out of range (the program has " +
                   std::to_string(slots.size()) + " slots)");
      d.slots.push_back(int(s));
    }
    d.iparams = ints_of(f[2], form + " (iparams: a tuple of ints)");
    for (nb::handle h : items_of(f[3], form + " (fparams: a tuple of floats)"))
      d.fparams.push_back(cast_or<double>(h, form + " (fparams: a tuple of floats)"));
    d.extra = f.size() == 5 ? nb::borrow(f[4]) : nb::none();
    d.table = &slots;
    d.n_scalars = n_scalars;
    const auto it = factories().find(d.op);
    if (it == factories().end())
      fail_value("Program: instruction " + std::to_string(k) + ": unknown op '" + d.op +
                 "' (known: " + known_ops() + ")");
    std::unique_ptr<Instr> in = it->second(d);
    for (size_t j = 0; j < in->slots.size(); ++j) {
      const Slot& s = slots[size_t(in->slots[j])];
      if (in->writes[j] && s.external && ext_writer_[size_t(s.where)] < 0)
        ext_writer_[size_t(s.where)] = int(k);
    }
    instrs.push_back(std::move(in));
  }

  // The arena: allocated once, 64-byte aligned, zeroed (so a program that reads a
  // buffer before writing it is at least deterministic), reused by every run.
  // calloc: large blocks come zeroed from the OS, so pages are committed only as
  // the program first touches them (no memset of a big arena up front).
  const size_t alloc = size_t(std::max<int64_t>(arena_bytes, 1)) + size_t(kAlign);
  void* base = std::calloc(alloc, 1);
  if (!base) throw std::bad_alloc();
  arena_ = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(base) + kAlign - 1) /
                                   uintptr_t(kAlign) * uintptr_t(kAlign));
  PyObject* cap = PyCapsule_New(base, "lamina.Program.arena", [](PyObject* c) {
    std::free(PyCapsule_GetPointer(c, "lamina.Program.arena"));
  });
  if (!cap) {
    std::free(base);
    throw nb::python_error();
  }
  arena_owner_ = nb::steal(cap);
}

Program::Bound Program::bind(nb::handle externals, const char* who) {
  // Externals: held by strong references for the whole run, so a callback that
  // drops the caller's list cannot free memory the program is using.
  Bound b;
  std::vector<nb::object>& ext = b.ext;
  for (nb::handle h : items_of(externals, std::string(who) + ": 'externals' must be a list of NumPy arrays"))
    ext.push_back(nb::borrow(h));
  if (int64_t(ext.size()) != n_externals)
    fail_value(std::string(who) + ": expected " + std::to_string(n_externals) + " external array(s), got " +
               std::to_string(ext.size()));
  for (int64_t e = 0; e < n_externals; ++e) {
    const int si = ext_slot_[size_t(e)];
    if (si < 0) continue;  // bound to no slot: not read, not written
    const Slot& s = slots[size_t(si)];
    // The message is built only on failure: run() is on the per-batch path.
    auto at = [&]() {
      return std::string(who) + ": externals[" + std::to_string(e) + "] (slot " + s.describe(si) + ")";
    };
    PyObject* o = ext[size_t(e)].ptr();
    if (!PyArray_Check(o))
      fail_type(at() + " must be a NumPy array, got " + Py_TYPE(o)->tp_name);
    auto* a = reinterpret_cast<PyArrayObject*>(o);
    DType dt;
    if (!dtype_from_npy(PyArray_TYPE(a), &dt) || dt != s.dtype)
      fail_value(at() + " has dtype " +
                 std::string(nb::str(nb::handle((PyObject*)PyArray_DESCR(a))).c_str()) +
                 ", expected " + dtype_name(s.dtype));
    bool same = size_t(PyArray_NDIM(a)) == s.shape.size();
    for (size_t d = 0; same && d < s.shape.size(); ++d) same = PyArray_DIMS(a)[d] == s.shape[d];
    if (!same)
      fail_value(at() + " has shape " +
                 shape_str(Shape(PyArray_DIMS(a), PyArray_DIMS(a) + PyArray_NDIM(a))) +
                 ", expected " + shape_str(s.shape));
    const int flags = PyArray_FLAGS(a);
    if (!(flags & NPY_ARRAY_C_CONTIGUOUS) || !(flags & NPY_ARRAY_ALIGNED))
      fail_value(at() + " must be an aligned C-contiguous array");
    if (!PyArray_ISNOTSWAPPED(a))  // e.g. '>f4': same type number, bytes the other way round
      fail_value(at() + " must be in native byte order");
    const int w = ext_writer_[size_t(e)];
    if (w >= 0 && !(flags & NPY_ARRAY_WRITEABLE))
      fail_value(at() + " is read-only, but instruction " + std::to_string(w) + " (" +
                 instrs[size_t(w)]->op + ") writes it");
  }

  // A written external must not share memory with another external: instructions
  // assume their operands are distinct (BLAS, in-place optimizer steps), so an
  // aliased output would silently compute garbage. Sorted sweep, O(n log n).
  {
    struct Span { const char* lo; const char* hi; int64_t e; bool written; };
    std::vector<Span> spans;
    for (int64_t e = 0; e < n_externals; ++e) {
      const int si = ext_slot_[size_t(e)];
      if (si < 0 || slots[size_t(si)].bytes == 0) continue;
      auto* arr = reinterpret_cast<PyArrayObject*>(ext[size_t(e)].ptr());
      const char* lo = static_cast<const char*>(PyArray_DATA(arr));
      spans.push_back({lo, lo + slots[size_t(si)].bytes, e, ext_writer_[size_t(e)] >= 0});
    }
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.lo < b.lo; });
    const Span* far_all = nullptr;      // the span reaching furthest so far
    const Span* far_written = nullptr;  // the written span reaching furthest so far
    for (const Span& s : spans) {
      const Span* hit = nullptr;
      if (far_written && s.lo < far_written->hi) hit = far_written;
      else if (s.written && far_all && s.lo < far_all->hi) hit = far_all;
      if (hit) {
        const int64_t w = hit->written ? hit->e : s.e;
        fail_value(std::string(who) + ": externals[" + std::to_string(std::min(hit->e, s.e)) + "] and externals[" +
                   std::to_string(std::max(hit->e, s.e)) + "] share memory, and instruction " +
                   std::to_string(ext_writer_[size_t(w)]) + " (" +
                   instrs[size_t(ext_writer_[size_t(w)])]->op +
                   ") writes externals[" + std::to_string(w) + "]; pass separate arrays");
      }
      if (!far_all || s.hi > far_all->hi) far_all = &s;
      if (s.written && (!far_written || s.hi > far_written->hi)) far_written = &s;
    }
  }

  // Slot addresses and the objects that own them.
  std::vector<char*>& ptr = b.ptr;
  std::vector<PyObject*>& owners = b.owners;
  ptr.resize(slots.size());
  owners.resize(slots.size());
  for (size_t i = 0; i < slots.size(); ++i) {
    const Slot& s = slots[i];
    if (s.external) {
      PyObject* o = ext[size_t(s.where)].ptr();
      ptr[i] = static_cast<char*>(PyArray_DATA(reinterpret_cast<PyArrayObject*>(o)));
      owners[i] = o;
    } else {
      ptr[i] = arena_ + s.where;
      owners[i] = arena_owner_.ptr();
    }
  }

  return b;
}

void Program::read_scalars(nb::handle scalars_h, const char* who, std::vector<double>* out) const {
  // Copied, so the values are fixed for the whole step.
  std::vector<double>& scal = *out;
  scal.clear();
  if (!scalars_h.is_none() && (PyList_Check(scalars_h.ptr()) || PyTuple_Check(scalars_h.ptr()))) {
    // A list or tuple of floats (what a prologue returns): no array to build per step.
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(scalars_h.ptr());
    PyObject** items = PySequence_Fast_ITEMS(scalars_h.ptr());
    scal.resize(size_t(n));
    for (Py_ssize_t i = 0; i < n; ++i) {
      scal[size_t(i)] = PyFloat_AsDouble(items[i]);
      if (scal[size_t(i)] == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        fail_type(std::string(who) + ": scalars[" + std::to_string(i) + "] must be a float, got " +
                  Py_TYPE(items[i])->tp_name);
      }
    }
  } else if (!scalars_h.is_none()) {
    if (!PyArray_Check(scalars_h.ptr()))
      fail_type(std::string(who) + ": 'scalars' must be a float64 NumPy array, a list of floats or None");
    View v = view_of(scalars_h, who, "scalars");
    if (v.dtype != DType::f64 || !PyArray_ISNOTSWAPPED(v.arr))
      fail_value(std::string(who) + ": 'scalars' must be float64 in native byte order, got " +
                 std::string(nb::str(nb::handle((PyObject*)PyArray_DESCR(v.arr))).c_str()));
    scal.assign(v.ptr<double>(), v.ptr<double>() + v.size);
  }
  if (int64_t(scal.size()) != n_scalars)
    fail_value(std::string(who) + ": expected " + std::to_string(n_scalars) + " scalar(s), got " +
               (scalars_h.is_none() ? std::string("None") : std::to_string(scal.size())));
  scal.push_back(0.0);  // never empty: data() is a valid pointer
  for (const auto& in : instrs) in->check_scalars(scal.data());
}

bool Program::prepare_profile() {
  // The profile's storage is sized here, with the GIL held, so profile() and
  // reset_profile() (which hold it too) never see it reallocated.
  const bool timed = profiling;
  if (timed && seconds.size() != instrs.size()) {
    seconds.assign(instrs.size(), 0.0);
    calls.assign(instrs.size(), 0);
  }
  return timed;
}

void Program::execute(const RunContext& ctx, bool timed, size_t& k) {
  if (!timed) {
    for (k = 0; k < instrs.size(); ++k) instrs[k]->run(ctx);
    return;
  }
  for (k = 0; k < instrs.size(); ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    instrs[k]->run(ctx);
    seconds[k] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ++calls[k];
  }
}

void Program::rethrow(std::exception_ptr error, size_t k) const {
  try {
    std::rethrow_exception(error);
  } catch (const PythonErrorPending&) {
    throw nb::python_error();
  } catch (const UserError&) {
    throw;
  } catch (const nb::python_error&) {
    throw;
  } catch (const nb::builtin_exception& e) {
    // Errors raised by an instruction (bad indices in the data) say which one.
    if (k >= instrs.size()) throw;
    throw nb::builtin_exception(
        e.type(), ("Program: instruction " + std::to_string(k) + " (" + instrs[k]->op + "): " +
                   e.what()).c_str());
  }
}

void Program::run(nb::handle externals, nb::handle scalars_h) {
  // One run at a time: the arena is shared state. A second caller (another thread,
  // or a callback re-entering) gets an error rather than a corrupted arena.
  std::unique_lock<std::mutex> lock(running_, std::try_to_lock);
  if (!lock.owns_lock())
    throw std::runtime_error(
        "Program.run: this program is already running (in another thread or in one of its "
        "callbacks); a program runs one call at a time");
  Bound b = bind(externals, "Program.run");
  std::vector<double> scal;
  read_scalars(scalars_h, "Program.run", &scal);
  const bool timed = prepare_profile();

  PyThreadState* released = PyEval_SaveThread();
  RunContext ctx;
  ctx.ptr = b.ptr.data();
  ctx.scalars = scal.data();
  ctx.released = &released;
  ctx.owners = &b.owners;
  std::exception_ptr error;
  size_t k = 0;  // the instruction running
  try {
    execute(ctx, timed, k);
  } catch (...) {
    error = std::current_exception();
  }
  PyEval_RestoreThread(released);
  if (error) rethrow(error, k);
}

// --------------------------------------------------------------- run_steps
namespace {

// One streamed external of run_steps: per step, its slots see the next batch of rows
// of `source` (gathered through `indices` into the bound array, or pointed at
// directly when the rows are contiguous), or, for an output, write into the next
// rows of `source`.
struct Stream {
  int64_t e = 0;
  std::vector<int> slot_ids;  // every slot bound to external e
  nb::object source;
  char* base = nullptr;     // source data
  int64_t rows = 0;         // source rows
  int64_t batch = 0;        // rows per step (the slot's first dimension)
  size_t row_bytes = 0;
  const int64_t* indices = nullptr;  // gather (inputs only), or null: contiguous from row0
  nb::object indices_owner;
  int64_t row0 = 0;
  bool output = false;
  char* staging = nullptr;  // the bound array, for gathers
};

}  // namespace

void Program::run_steps(nb::handle externals, nb::handle streams_h, int64_t n_steps,
                        nb::handle prologue, nb::handle done_h) {
  const char* who = "Program.run_steps";
  std::unique_lock<std::mutex> lock(running_, std::try_to_lock);
  if (!lock.owns_lock())
    throw std::runtime_error(
        "Program.run_steps: this program is already running (in another thread or in one of "
        "its callbacks); a program runs one call at a time");
  if (n_steps < 0) fail_value("Program.run_steps: n_steps must be >= 0, got " + std::to_string(n_steps));
  if (n_scalars > 0 && (prologue.is_none() || !PyCallable_Check(prologue.ptr())))
    fail_type("Program.run_steps: the program reads " + std::to_string(n_scalars) +
              " scalar(s) per step, so 'prologue' must be a callable returning them");
  int64_t* done = nullptr;
  nb::object done_owner;
  if (!done_h.is_none()) {
    View d = view_of(done_h, who, "done");
    if (d.dtype != DType::i64 || d.size != 1 || !PyArray_ISWRITEABLE(d.arr))
      fail_value("Program.run_steps: 'done' must be a writeable int64 array of one element");
    done = d.ptr<int64_t>();
    done_owner = nb::borrow(done_h);
    *done = 0;
  }
  Bound b = bind(externals, who);

  // Streams: (external index, source array, indices or None, row0, is_output).
  std::vector<Stream> streams;
  std::vector<bool> streamed(size_t(n_externals), false);
  for (nb::handle item : items_of(streams_h, "Program.run_steps: 'streams' must be a list of "
                                             "(external, source, indices, row0, output) tuples")) {
    const std::string form = "Program.run_steps: a stream must be an (external, source, indices, "
                             "row0, output) tuple";
    const auto f = items_of(item, form);
    if (f.size() != 5) fail_type(form + ", got " + std::to_string(f.size()) + " item(s)");
    Stream st;
    st.e = cast_or<int64_t>(f[0], form + " (external: an int)");
    st.row0 = cast_or<int64_t>(f[3], form + " (row0: an int)");
    st.output = cast_or<bool>(f[4], form + " (output: a bool)");
    const std::string at = "Program.run_steps: the stream of externals[" + std::to_string(st.e) + "]";
    if (st.e < 0 || st.e >= n_externals || ext_slot_[size_t(st.e)] < 0)
      fail_value(at + ": no slot is bound to that external");
    if (streamed[size_t(st.e)]) fail_value(at + ": the external is streamed twice");
    streamed[size_t(st.e)] = true;
    const Slot& slot = slots[size_t(ext_slot_[size_t(st.e)])];
    for (size_t i = 0; i < slots.size(); ++i)
      if (slots[i].external && slots[i].where == st.e) st.slot_ids.push_back(int(i));
    if (slot.shape.empty()) fail_value(at + ": a streamed slot needs a batch dimension, got shape ()");
    View src = view_of(f[1], who, "source");
    if (src.dtype != slot.dtype)
      fail_value(at + ": source has dtype " + dtype_name(src.dtype) + ", expected " + dtype_name(slot.dtype));
    bool rows_match = src.shape.size() == slot.shape.size();
    for (size_t d = 1; rows_match && d < slot.shape.size(); ++d) rows_match = src.shape[d] == slot.shape[d];
    if (!rows_match)
      fail_value(at + ": source has shape " + shape_str(src.shape) + ", expected rows shaped like " +
                 shape_str(slot.shape) + " (any number of rows)");
    if (!PyArray_ISNOTSWAPPED(src.arr)) fail_value(at + ": source must be in native byte order");
    st.source = nb::borrow(f[1]);
    st.base = src.data;
    st.rows = src.shape[0];
    st.batch = slot.shape[0];
    st.row_bytes = st.batch ? slot.bytes / size_t(st.batch) : 0;
    const int64_t need = n_steps * st.batch;  // rows consumed by the whole loop
    if (!f[2].is_none()) {
      if (st.output) fail_value(at + ": an output stream writes contiguous rows (indices must be None)");
      View idx = view_of(f[2], who, "indices");
      if (idx.dtype != DType::i64 || idx.ndim() != 1)
        fail_value(at + ": indices must be a 1-D int64 array");
      if (idx.size < need)
        fail_value(at + ": " + std::to_string(n_steps) + " steps of " + std::to_string(st.batch) +
                   " rows need " + std::to_string(need) + " indices, got " + std::to_string(idx.size));
      st.indices = idx.ptr<int64_t>();
      st.indices_owner = nb::borrow(f[2]);
      // Rows are gathered into the bound array: it must be the caller's own buffer.
      auto* arr = reinterpret_cast<PyArrayObject*>(b.ext[size_t(st.e)].ptr());
      if (!PyArray_ISWRITEABLE(arr)) fail_value(at + ": the bound array (the gather target) must be writeable");
      st.staging = static_cast<char*>(PyArray_DATA(arr));
      const char* src_end = src.data + size_t(src.size) * dtype_size(src.dtype);
      if (st.staging < src_end && src.data < st.staging + slot.bytes)
        fail_value(at + ": the bound array (the gather target) shares memory with the source");
    } else if (st.row0 < 0 || st.row0 + need > st.rows) {
      fail_value(at + ": " + std::to_string(n_steps) + " steps of " + std::to_string(st.batch) +
                 " rows from row " + std::to_string(st.row0) + " need " + std::to_string(st.row0 + need) +
                 " rows, the source has " + std::to_string(st.rows));
    }
    const bool written = ext_writer_[size_t(st.e)] >= 0;
    if (st.output && !PyArray_ISWRITEABLE(src.arr)) fail_value(at + ": an output's source must be writeable");
    if (!st.output && written)
      fail_value(at + ": instruction " + std::to_string(ext_writer_[size_t(st.e)]) + " (" +
                 instrs[size_t(ext_writer_[size_t(st.e)])]->op + ") writes that external, so it cannot be "
                 "an input stream");
    streams.push_back(std::move(st));
  }
  // A source must not overlap memory the program writes (an input), or anything
  // else (an output): the same guarantee bind() gives the externals.
  for (const Stream& st : streams) {
    const char* lo = st.base;
    const char* hi = st.base + size_t(st.rows) * st.row_bytes;
    for (int64_t e = 0; e < n_externals; ++e) {
      const int si = ext_slot_[size_t(e)];
      if (si < 0 || e == st.e || slots[size_t(si)].bytes == 0) continue;
      if (!st.output && ext_writer_[size_t(e)] < 0) continue;
      const char* elo = static_cast<const char*>(
          PyArray_DATA(reinterpret_cast<PyArrayObject*>(b.ext[size_t(e)].ptr())));
      const char* ehi = elo + slots[size_t(si)].bytes;
      if (lo < ehi && elo < hi)
        fail_value("Program.run_steps: the source of the stream of externals[" + std::to_string(st.e) +
                   "] shares memory with externals[" + std::to_string(e) + "]; pass separate arrays");
    }
    for (const Stream& other : streams) {
      if (&other == &st || !(st.output || other.output)) continue;
      const char* olo = other.base;
      const char* ohi = other.base + size_t(other.rows) * other.row_bytes;
      if (lo < ohi && olo < hi)
        fail_value("Program.run_steps: the sources of the streams of externals[" + std::to_string(st.e) +
                   "] and externals[" + std::to_string(other.e) + "] share memory, and one is an output");
    }
  }

  std::vector<double> scal;
  if (n_scalars == 0) read_scalars(nb::none(), who, &scal);
  const bool timed = prepare_profile();

  PyThreadState* released = PyEval_SaveThread();
  RunContext ctx;
  ctx.ptr = b.ptr.data();
  ctx.released = &released;
  ctx.owners = &b.owners;
  std::exception_ptr error;
  size_t k = instrs.size();  // the instruction running (none: a prologue or a gather failed)
  try {
    for (int64_t step = 0; step < n_steps; ++step) {
      if (n_scalars > 0) {
        // The host prologue of this step (the optimizer's scalars), with the GIL.
        PyEval_RestoreThread(released);
        released = nullptr;
        try {
          PyObject* r = PyObject_CallNoArgs(prologue.ptr());
          if (!r) throw nb::python_error();
          nb::object result = nb::steal(r);
          read_scalars(result, "Program.run_steps (the prologue's result)", &scal);
        } catch (...) {
          released = PyEval_SaveThread();
          throw;
        }
        released = PyEval_SaveThread();
      } else if (step > 0 && step % 64 == 0) {
        // No prologue runs Python (whose eval loop would raise KeyboardInterrupt):
        // look at pending signals now and then, so Ctrl-C stops a long evaluate.
        PyEval_RestoreThread(released);
        released = nullptr;
        const bool interrupted = PyErr_CheckSignals() != 0;
        released = PyEval_SaveThread();
        if (interrupted) throw PythonErrorPending();
      }
      ctx.scalars = scal.data();
      for (const Stream& st : streams) {
        if (st.indices) {
          const int64_t* idx = st.indices + step * st.batch;
          for (int64_t r = 0; r < st.batch; ++r)
            if (idx[r] < 0 || idx[r] >= st.rows)
              throw nb::index_error(("Program.run_steps: step " + std::to_string(step) + ": row index " +
                                     std::to_string(idx[r]) + " is out of range for a source of " +
                                     std::to_string(st.rows) + " rows").c_str());
          // Rows drawn at random come from memory, not cache: two threads move them
          // faster (an MNIST batch of 128 x 784 floats: ~120 -> ~60 us).
          const bool par = int64_t(st.row_bytes) * st.batch >= (int64_t(1) << 17);
          parallel_for(st.batch, par, [&](int64_t r) {
            std::memcpy(st.staging + size_t(r) * st.row_bytes,
                        st.base + size_t(idx[r]) * st.row_bytes, st.row_bytes);
          });
        } else {
          char* p = st.base + size_t(st.row0 + step * st.batch) * st.row_bytes;
          for (int si : st.slot_ids) b.ptr[size_t(si)] = p;
        }
      }
      execute(ctx, timed, k);
      k = instrs.size();
      if (done) *done = step + 1;
    }
  } catch (...) {
    error = std::current_exception();
  }
  if (released) PyEval_RestoreThread(released);
  if (error) rethrow(error, k);
}

std::string Program::describe() const {
  std::ostringstream os;
  for (size_t k = 0; k < instrs.size(); ++k) {
    const Instr& in = *instrs[k];
    os << k << ": " << in.op;
    if (!in.params.empty()) os << "(" << in.params << ")";
    std::string reads, writes;
    for (size_t j = 0; j < in.slots.size(); ++j) {
      const std::string item = in.roles[j] + "=" + slots[size_t(in.slots[j])].describe(in.slots[j]);
      std::string& dst = in.writes[j] ? writes : reads;
      dst += (dst.empty() ? "" : ", ") + item;
    }
    if (!reads.empty()) os << " " << reads;
    os << " -> " << (writes.empty() ? "(nothing)" : writes) << "\n";
  }
  return os.str();
}

nb::list Program::profile() const {
  nb::list l;
  for (size_t k = 0; k < instrs.size(); ++k)
    l.append(nb::make_tuple(instrs[k]->op, k < calls.size() ? calls[k] : 0,
                            k < seconds.size() ? seconds[k] : 0.0));
  return l;
}

int Program::traverse(visitproc visit, void* arg) const {
  for (const auto& in : instrs)
    for (PyObject* o : in->references()) Py_VISIT(o);
  return 0;
}

// Breaks reference cycles (a callback that refers to its own program): the
// instructions go; the program can no longer run.
void Program::clear() { instrs.clear(); }

int program_traverse(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));
  if (!nb::inst_ready(self)) return 0;
  return nb::inst_ptr<Program>(self)->traverse(visit, arg);
}

int program_clear(PyObject* self) {
  if (nb::inst_ready(self)) nb::inst_ptr<Program>(self)->clear();
  return 0;
}

PyType_Slot program_slots[] = {{Py_tp_traverse, (void*)program_traverse},
                               {Py_tp_clear, (void*)program_clear},
                               {0, nullptr}};

}  // namespace
}  // namespace lamina::runtime

namespace lamina {

void bind_runtime(nb::module_& m) {
  using runtime::Program;
  nb::class_<Program>(m, "Program", nb::type_slots(runtime::program_slots), R"doc(
A compiled program: a flat list of instructions over buffers ("slots") in one memory
arena, run with one call and the GIL released (csrc/runtime/program.h).

Program(arena_bytes, slots, instructions, n_scalars=0)
  slots[i] = (kind, dtype, shape, where): kind 'arena' (where: byte offset, a multiple
    of 64, in bounds) or 'external' (where: index into run()'s externals).
  instructions[k] = (op, slots, iparams, fparams, extra):
    gemm          (a, b[, bias], out); iparams (ta, tb, act: 0 none, 1 relu, 2 sigmoid, 3 tanh)
    reduce        (in, out); iparams (kind: 0 sum, 1 max, 2 min, 3 mean, *keep_shape)
    softmax, log_softmax  (in, out); iparams (axis,)
    softmax_grad  (y, g, out); iparams (axis, log)
    copy          (in, out) of equal byte counts
    fill          (out,); fparams (value,)
    transpose     (in, out); iparams perm
    take, take_along_axis  (x, indices, out); iparams (axis,) (bad indices: IndexError)
    scatter_add_along  (updates, indices, out); iparams (axis,)
    one_hot       (indices, out); iparams (axis,)
    argmax, argmin  (in, out int32); iparams (axis,)
    broadcast     (in, out): NumPy broadcasting to out's shape
    cast          (in, out) of one shape, any dtypes
    check_range   (x[, out]); iparams (lo, hi); extra: message with {bad}: ValueError
                  unless lo <= x < hi
    fused         inputs then outputs; iparams (n_inputs,); extra: a _core.FusedKernel
    optimizer     (grad, param, slot_1, ...), updated in place; extra: the rule name;
                  iparams (scalar_offset,): the rule reads
                  scalars[scalar_offset : scalar_offset + len(OPTIMIZER_SCALARS[rule])]
                  in the order OPTIMIZER_SCALARS[rule] lists (gscale, clip, decay, then
                  the hyper-parameters in the order of _core.<rule>_update's keywords);
                  OPTIMIZER_STATE_COUNTS[rule] bounds the state arrays (param included).
    callback      inputs then outputs; iparams (n_inputs,); extra: f(inputs, outputs),
                  called with the GIL held on NumPy views of the slots (inputs
                  read-only); the views are meaningful only during the call. An
                  exception stops the run and propagates out of run().
Construction checks every slot and instruction (errors name the instruction, its op,
the slot, expected and got); run() checks the externals and the scalars.)doc")
      .def(nb::init<int64_t, nb::handle, nb::handle, int64_t>(), nb::arg("arena_bytes"),
           nb::arg("slots"), nb::arg("instructions"), nb::arg("n_scalars") = 0)
      .def("run", &Program::run, nb::arg("externals"), nb::arg("scalars").none() = nb::none(),
           "Runs every instruction once. externals: the arrays bound to 'external' slots "
           "(dtype, shape, C-contiguity and, when written, writeability are checked); scalars: "
           "a float64 array of n_scalars values (optimizer hyper-parameters) or None.")
      .def("run_steps", &Program::run_steps, nb::arg("externals"), nb::arg("streams"),
           nb::arg("n_steps"), nb::arg("prologue").none() = nb::none(),
           nb::arg("done").none() = nb::none(),
           "Runs the program n_steps times in one call (the GIL released between prologues). "
           "streams: (external, source, indices, row0, output) tuples; per step an input stream's "
           "slots see the next batch of rows of source (gathered into the bound array through "
           "indices[step*B:(step+1)*B], or read in place from row0 + step*B when indices is None), "
           "an output stream's slots write the next rows of source. prologue: called with the "
           "GIL before each step, returns the step's scalars (a list of floats or a float64 "
           "array); required when n_scalars > 0. done: a 1-element int64 array set to the number "
           "of steps completed (also when a step raises).")
      .def_prop_ro("arena_bytes", [](const Program& p) { return p.arena_bytes; })
      .def_prop_ro("num_instructions", [](const Program& p) { return int64_t(p.instrs.size()); })
      .def_prop_ro("num_slots", [](const Program& p) { return int64_t(p.slots.size()); })
      .def_prop_ro("num_externals", [](const Program& p) { return p.n_externals; })
      .def_prop_ro("n_scalars", [](const Program& p) { return p.n_scalars; })
      .def_prop_rw("profiling", [](const Program& p) { return p.profiling; },
                   [](Program& p, bool on) { p.profiling = on; },
                   "When on, run() accumulates each instruction's wall time (see profile()).")
      .def("profile", &Program::profile,
           "Per instruction: (op, runs timed, total seconds), in instruction order.")
      .def("reset_profile", [](Program& p) {
             // Zeroed in place, never freed: a run in another thread may be adding to it.
             std::fill(p.seconds.begin(), p.seconds.end(), 0.0);
             std::fill(p.calls.begin(), p.calls.end(), int64_t(0));
           })
      .def("describe", &Program::describe,
           "One line per instruction: index, op(params), the slots it reads -> the slots it writes.");
}

}  // namespace lamina
