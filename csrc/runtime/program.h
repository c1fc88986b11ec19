// The compiled-program executor: a `Program` is a flat list of instructions over
// buffers ("slots") that live either in one memory arena owned by the program or in
// arrays bound on each run (externals: batch inputs, weights, optimizer slots,
// outputs). `Program.run` executes the whole list in one call with the GIL
// released, except while a `callback` instruction calls back into Python.
//
// Everything that can be checked is checked once, when the program is built
// (slot bounds and alignment, each instruction's arity, dtypes and shapes); run()
// checks only what changes per call (the externals and the scalars). Instructions
// see raw pointers only.
//
// Files: program.cc (slots, arena, validation, run loop, bindings) and one file per
// instruction family: instr_linalg.cc (gemm), instr_reduce.cc (reduce, argmax/argmin,
// softmax family), instr_data.cc (copy, fill, transpose, broadcast, cast),
// instr_index.cc (take, take_along_axis, scatter_add_along, one_hot, check_range),
// instr_optimizer.cc, instr_callback.cc, instr_fused.cc.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common.h"

namespace lamina::runtime {

// A buffer the program reads or writes.
struct Slot {
  bool external = false;
  DType dtype = DType::f32;
  Shape shape;
  int64_t where = 0;  // arena byte offset, or index into the externals of run()
  int64_t size = 1;   // elements
  size_t bytes = 0;
  std::string describe(int index) const;  // "s3:float32(32, 10)@arena+128"
};

// What an instruction sees while it runs. `ptr[i]` is slot i's memory.
struct RunContext {
  char* const* ptr = nullptr;
  const double* scalars = nullptr;
  // Set while the GIL is released; callbacks take it back (see instr_callback.cc).
  PyThreadState** released = nullptr;
  // The objects that own slot memory (the arena capsule or the external array),
  // so that NumPy views handed to a callback keep that memory alive.
  const std::vector<PyObject*>* owners = nullptr;
};

// Raised (as a C++ exception) by an instruction that left a Python exception set
// (a callback); the run loop takes the GIL back and re-raises it.
struct PythonErrorPending {};

// An error an instruction raises with a message meant for the user as it is (the
// run loop does not prefix it with the instruction): check_range's own message.
struct UserError : nb::builtin_exception {
  using nb::builtin_exception::builtin_exception;
};

// One compiled instruction. Built (and checked) from its description by a factory;
// runs many times.
class Instr {
 public:
  virtual ~Instr() = default;
  // Called before each run with the GIL held, after the scalars are read: checks
  // that depend on them (rmsprop's slot count). Throws nb::value_error.
  virtual void check_scalars(const double* /*scalars*/) const {}
  // Runs with the GIL released. Must not touch Python objects (except callbacks,
  // which take the GIL back first).
  virtual void run(const RunContext& ctx) const = 0;
  // Python objects this instruction holds (callables, kernels), for the garbage
  // collector's traversal.
  virtual std::vector<PyObject*> references() const { return {}; }

  std::string op;
  std::vector<int> slots;          // slot indices, in the instruction's order
  std::vector<std::string> roles;  // one name per slot, for describe() and errors
  std::vector<bool> writes;        // per slot: the instruction writes it
  std::string params;              // parameters as text, for describe()
};

// An instruction as given to Program(): checked by the factory for its op.
struct Decl {
  int index = 0;  // position in the instruction list (error messages)
  std::string op;
  std::vector<int> slots;
  std::vector<int64_t> iparams;
  std::vector<double> fparams;
  nb::object extra;  // None when not given
  const std::vector<Slot>* table = nullptr;
  int64_t n_scalars = 0;

  const Slot& slot(size_t k) const { return (*table)[slots[k]]; }
  // "Program: instruction 3 (gemm): " + msg
  [[noreturn]] void fail(const std::string& msg) const;
  [[noreturn]] void fail_type(const std::string& msg) const;
  // "slot 'b' (s5:float32(64, 10)@arena+0)"
  std::string name(size_t k, const char* role) const;
  // Checks the slot count (min..max) and names the roles in the error.
  void arity(size_t min, size_t max, const char* expected) const;
  void iparam_count(size_t min, size_t max, const char* expected) const;
  void fparam_count(size_t n, const char* expected) const;
  void dtype_is(size_t k, const char* role, DType dt) const;
  void float_dtype(size_t k, const char* role) const;
  void shape_is(size_t k, const char* role, const Shape& s) const;
  // Fills the instruction's bookkeeping: slot list, role names and written flags.
  void describe_into(Instr& in, const std::vector<std::string>& roles,
                     const std::vector<bool>& writes, const std::string& params) const;
};

using Factory = std::unique_ptr<Instr> (*)(const Decl& d);

// The factories, one per op (each defined in its family's file).
std::unique_ptr<Instr> make_gemm(const Decl& d);
std::unique_ptr<Instr> make_reduce(const Decl& d);
std::unique_ptr<Instr> make_softmax(const Decl& d);      // softmax and log_softmax
std::unique_ptr<Instr> make_softmax_grad(const Decl& d);
std::unique_ptr<Instr> make_copy(const Decl& d);
std::unique_ptr<Instr> make_fill(const Decl& d);
std::unique_ptr<Instr> make_transpose(const Decl& d);
std::unique_ptr<Instr> make_take(const Decl& d);
std::unique_ptr<Instr> make_one_hot(const Decl& d);
std::unique_ptr<Instr> make_along(const Decl& d);  // take_along_axis, scatter_add_along
std::unique_ptr<Instr> make_broadcast(const Decl& d);
std::unique_ptr<Instr> make_cast(const Decl& d);
std::unique_ptr<Instr> make_arg_reduce(const Decl& d);  // argmax, argmin
std::unique_ptr<Instr> make_check_range(const Decl& d);
std::unique_ptr<Instr> make_optimizer(const Decl& d);
std::unique_ptr<Instr> make_callback(const Decl& d);
std::unique_ptr<Instr> make_fused(const Decl& d);

// Parallelizes simple loops only when there is enough work (see common.h).
inline bool parallel(int64_t n) { return n >= kParallelGrain; }

}  // namespace lamina::runtime
