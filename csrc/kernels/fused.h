// The fused elementwise kernel: an interpreter of a tiny register program that runs
// a chain of elementwise ops in one pass over memory, tile by tile (no run-time C
// compiler; the same idea as numexpr). The graph compiler builds one Kernel per
// fused group, and the graph runtime calls run() with the GIL released.
//
// Program (as Python passes it to parse):
//   code      list of (op: str, dst: int, srcs: tuple[int, ...], param: float)
//             (param may be left out; it is alpha for leaky_relu and elu)
//   consts    list of floats
//   out_regs  list of registers stored to the outputs, in order
// Registers: 0..n_in-1 are the inputs (broadcast to out_shape and converted to the
// compute dtype), n_in..n_in+n_consts-1 the constants (both read-only), and
// n_in+n_consts .. n_in+n_consts+len(code)-1 the temporaries, which may be
// reassigned. Ops: every name of _core.UNARY_OPS and _core.BINARY_OPS (comparisons
// and logical ops give 1/0 in the compute dtype), "where" (cond, a, b: cond != 0
// selects a) and "copy". Every op rounds to the compute dtype (float32 or float64)
// and uses the formulas of kernels/elementwise_ops.h, so results are bit-identical
// to running the ops one by one through _core.unary / _core.binary.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common.h"

namespace lamina::fused {

// One instruction, for C++ callers that build a program without Python objects.
struct Instruction {
  std::string op;
  int dst = 0;
  std::vector<int> srcs;
  double param = 0.0;
};

class Kernel {  // immutable after construction; run() is thread-safe and touches no Python object
 public:
  // Parses and validates a program given as Python objects (needs the GIL); throws
  // ValueError/TypeError (fail_value/fail_type) with the expected and the given.
  static std::shared_ptr<const Kernel> parse(nb::handle code, nb::handle consts, nb::handle out_regs,
      const std::vector<Shape>& in_shapes, const std::vector<DType>& in_dtypes,
      const Shape& out_shape, const std::vector<DType>& out_dtypes, DType compute);
  // The same from C++ values.
  static std::shared_ptr<const Kernel> build(const std::vector<Instruction>& code,
      const std::vector<double>& consts, const std::vector<int>& out_regs,
      const std::vector<Shape>& in_shapes, const std::vector<DType>& in_dtypes,
      const Shape& out_shape, const std::vector<DType>& out_dtypes, DType compute);

  // inputs[i]: C-contiguous buffer of in_shapes()[i] / in_dtypes()[i]; outputs[j]:
  // C-contiguous buffer of out_shape() / out_dtypes()[j]. No checks here: the caller
  // has checked shapes and dtypes. Outputs must not overlap each other nor any input,
  // except that an output may be exactly an input of the same shape and element size
  // (in place): each tile reads all its inputs before it stores.
  void run(const void* const* inputs, void* const* outputs) const;

  int64_t size() const { return size_; }  // elements per output
  std::string describe() const;           // readable text of the program, one instruction per line
  // Whether run() splits the work across OpenMP threads (callers should drop the GIL).
  bool parallel() const { return parallel_; }

  int n_steps() const { return (int)steps_.size(); }  // instructions run (unused ones dropped)
  int n_inputs() const { return (int)in_shapes_.size(); }
  int n_outputs() const { return (int)out_dtypes_.size(); }
  const std::vector<Shape>& in_shapes() const { return in_shapes_; }
  const std::vector<DType>& in_dtypes() const { return in_dtypes_; }
  const Shape& out_shape() const { return out_shape_; }
  const std::vector<DType>& out_dtypes() const { return out_dtypes_; }
  DType compute_dtype() const { return compute_; }

  // Internal plan (public so fused.cc's free functions can read it; not an API).
  enum LoadKind { kUnused, kDirect, kConvert, kSplat, kStrided };
  struct Load {                    // how input i reaches its register every tile
    LoadKind kind = kUnused;
    int slot = -1;                 // scratch slot (not for kDirect/kUnused)
    std::vector<int64_t> dims;     // kStrided: merged output extents
    std::vector<int64_t> strides;  // kStrided: input element strides (0: broadcast)
    int64_t period = 0;            // kStrided, > 0: the input repeats every `period`
                                   // output elements (a trailing-axis broadcast such as
                                   // a bias); tiles read a pre-expanded copy in place
  };
  struct Step {                    // one live instruction, resolved to values
    int code = 0;                  // index into fused.cc's op table
    int dst = 0;                   // value id written
    int src[3] = {0, 0, 0};        // value ids read
    double param = 0.0;
  };

 private:
  Kernel() = default;

  std::vector<Shape> in_shapes_;
  std::vector<DType> in_dtypes_;
  Shape out_shape_;
  std::vector<DType> out_dtypes_;
  DType compute_ = DType::f32;
  int64_t size_ = 0;

  // Values: inputs (n_in), constants (n_consts), then one per instruction.
  std::vector<Instruction> code_;  // as given, for describe()
  std::vector<double> consts_;
  std::vector<int> out_regs_;
  std::vector<Load> loads_;
  std::vector<Step> steps_;        // the live instructions, in order
  std::vector<int> value_slot_;    // scratch slot of each value (-1: none)
  std::vector<int> out_values_;    // value stored to each output
  std::vector<int> store_order_;   // outputs in the order run() stores them
  // Outputs of the compute dtype whose value the program computes: the instruction
  // writes straight into the output buffer (no store pass), unless run() finds an
  // output that is also an input (in place), when every output goes through a slot.
  std::vector<char> direct_out_;
  int n_values_ = 0;
  int n_slots_ = 0;
  int64_t tile_ = 0;               // elements per tile
  bool parallel_ = false;

  template <class T> void run_typed(const void* const* inputs, void* const* outputs) const;
  friend struct Builder;
};

// The kernel held by a `_core.FusedKernel` Python object (TypeError for anything else).
std::shared_ptr<const Kernel> kernel_of(nb::handle obj);

}  // namespace lamina::fused
