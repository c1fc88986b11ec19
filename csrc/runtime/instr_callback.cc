// `callback`: the fallback that lets any op without a native instruction run
// inside a program.
//   extra   a Python callable f(inputs, outputs)
//   iparams (n_inputs,); slots = the inputs, then the outputs
// At run time the instruction takes the GIL back, wraps each slot's memory in a
// NumPy array (inputs read-only, outputs writeable), calls f(inputs, outputs), which
// writes its results into the output arrays, and releases the GIL again. The
// arrays view the program's buffers: they are meaningful only during the call (the
// next instructions and runs overwrite that memory); a view kept afterwards keeps
// the memory alive (its base is the arena or the external array) but not its
// contents. An exception raised by f stops the run and propagates out of run().
#include "runtime/program.h"

namespace lamina::runtime {
namespace {

// Holds the GIL for a scope inside a run that released it.
struct Reacquire {
  PyThreadState** state;
  explicit Reacquire(PyThreadState** s) : state(s) { PyEval_RestoreThread(*state); }
  ~Reacquire() { *state = PyEval_SaveThread(); }
  Reacquire(const Reacquire&) = delete;
  Reacquire& operator=(const Reacquire&) = delete;
};

class Callback : public Instr {
 public:
  nb::object fn;
  int n_inputs = 0;
  std::vector<const Slot*> decl;  // each slot's dtype and shape

  std::vector<PyObject*> references() const override { return {fn.ptr()}; }

  void run(const RunContext& ctx) const override {
    bool failed = false;
    {
      Reacquire gil(ctx.released);
      failed = !call(ctx);
    }
    // The exception stays set on this thread while the GIL is released again; the
    // run loop stops and raises it once it holds the GIL.
    if (failed) throw PythonErrorPending{};
  }

 private:
  // Returns false with a Python exception set.
  bool call(const RunContext& ctx) const {
    PyObject* lists[2] = {PyList_New(n_inputs), PyList_New(Py_ssize_t(slots.size()) - n_inputs)};
    nb::object ins = nb::steal(lists[0]), outs = nb::steal(lists[1]);
    if (!lists[0] || !lists[1]) return false;
    for (size_t k = 0; k < slots.size(); ++k) {
      const Slot& s = *decl[k];
      const bool out = int(k) >= n_inputs;
      std::vector<npy_intp> dims(s.shape.begin(), s.shape.end());
      PyObject* arr = PyArray_NewFromDescr(
          &PyArray_Type, PyArray_DescrFromType(dtype_to_npy(s.dtype)), int(dims.size()),
          dims.data(), nullptr, ctx.ptr[slots[k]],
          NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED | (out ? NPY_ARRAY_WRITEABLE : 0), nullptr);
      if (!arr) return false;
      PyObject* owner = (*ctx.owners)[size_t(slots[k])];
      Py_INCREF(owner);
      if (PyArray_SetBaseObject(reinterpret_cast<PyArrayObject*>(arr), owner) < 0) {  // steals owner
        Py_DECREF(arr);
        return false;
      }
      PyList_SET_ITEM(out ? lists[1] : lists[0], Py_ssize_t(out ? int(k) - n_inputs : int(k)), arr);
    }
    PyObject* r = PyObject_CallFunctionObjArgs(fn.ptr(), lists[0], lists[1], nullptr);
    if (!r) return false;
    Py_DECREF(r);
    return true;
  }
};

}  // namespace

std::unique_ptr<Instr> make_callback(const Decl& d) {
  if (!PyCallable_Check(d.extra.ptr())) d.fail_type("extra must be a callable f(inputs, outputs)");
  d.iparam_count(1, 1, "(n_inputs,)");
  const int64_t ni = d.iparams[0];
  if (ni < 0 || ni > int64_t(d.slots.size()))
    d.fail("n_inputs = " + std::to_string(ni) + " does not fit the " +
           std::to_string(d.slots.size()) + " slot(s)");
  auto c = std::make_unique<Callback>();
  c->fn = d.extra;
  c->n_inputs = int(ni);
  std::vector<std::string> roles;
  std::vector<bool> writes;
  for (size_t k = 0; k < d.slots.size(); ++k) {
    const bool out = int64_t(k) >= ni;
    roles.push_back(out ? "out" + std::to_string(k - size_t(ni)) : "in" + std::to_string(k));
    writes.push_back(out);
    c->decl.push_back(&d.slot(k));
  }
  std::string name;
  // __name__: what a caller sets to say which op the callback computes.
  nb::object qn = nb::getattr(d.extra, "__name__", nb::none());
  if (!qn.is_none()) name = nb::str(qn).c_str();
  else name = Py_TYPE(d.extra.ptr())->tp_name;
  d.describe_into(*c, roles, writes, "fn=" + name + ", n_inputs=" + std::to_string(ni));
  return c;
}

}  // namespace lamina::runtime
