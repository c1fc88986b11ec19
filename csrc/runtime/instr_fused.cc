// `fused`: a chain of elementwise ops in one pass over memory, run by a
// `_core.FusedKernel` (kernels/fused.h), whose results are bit-identical to the ops
// run one by one through `_core.unary` / `_core.binary`.
//   extra   a `_core.FusedKernel`
//   iparams (n_inputs,); slots = the kernel's inputs, then its outputs
// Each slot must have the dtype the kernel declares for it and as many elements as
// its declared shape (a reshaped view of the same memory is fine: buffers are
// C-contiguous). The kernel reads every input of a tile before storing, so an output
// may be exactly one of its inputs (same slot memory, same element size); any other
// overlap among the arena slots is refused at construction.
#include "runtime/program.h"

#if __has_include("kernels/fused.h")
#include "kernels/fused.h"
#define LAMINA_HAVE_FUSED 1
#endif

namespace lamina::runtime {

#ifdef LAMINA_HAVE_FUSED
namespace {

class Fused : public Instr {
 public:
  std::shared_ptr<const fused::Kernel> kernel;
  int n_in = 0;

  void run(const RunContext& ctx) const override {
    if (kernel->size() == 0) return;
    // Pointers on the stack for the usual small kernels.
    const void* in_small[16];
    void* out_small[16];
    std::vector<const void*> in_big;
    std::vector<void*> out_big;
    const size_t n_out = slots.size() - size_t(n_in);
    const void** ins = in_small;
    void** outs = out_small;
    if (size_t(n_in) > 16) {
      in_big.resize(size_t(n_in));
      ins = in_big.data();
    }
    if (n_out > 16) {
      out_big.resize(n_out);
      outs = out_big.data();
    }
    for (int i = 0; i < n_in; ++i) ins[i] = ctx.ptr[slots[size_t(i)]];
    for (size_t j = 0; j < n_out; ++j) outs[j] = ctx.ptr[slots[size_t(n_in) + j]];
    kernel->run(ins, outs);
  }
};

// Byte ranges of two arena slots intersect (externals: the same index).
bool overlap(const Slot& a, const Slot& b) {
  if (a.external != b.external || !a.bytes || !b.bytes) return false;
  if (a.external) return a.where == b.where;
  return a.where < b.where + int64_t(b.bytes) && b.where < a.where + int64_t(a.bytes);
}

bool same_memory(const Slot& a, const Slot& b) {
  return a.external == b.external && a.where == b.where && a.bytes == b.bytes &&
         dtype_size(a.dtype) == dtype_size(b.dtype);
}

}  // namespace

std::unique_ptr<Instr> make_fused(const Decl& d) {
  std::shared_ptr<const fused::Kernel> k;
  try {
    k = fused::kernel_of(d.extra);
  } catch (const nb::builtin_exception&) {
    d.fail_type(std::string("extra must be a _core.FusedKernel, got ") + Py_TYPE(d.extra.ptr())->tp_name);
  }
  d.iparam_count(1, 1, "(n_inputs,)");
  const int n_in = k->n_inputs(), n_out = k->n_outputs();
  if (d.iparams[0] != n_in)
    d.fail("n_inputs = " + std::to_string(d.iparams[0]) + ", but the kernel takes " +
           std::to_string(n_in) + " input(s)");
  if (d.slots.size() != size_t(n_in + n_out))
    d.fail("expected " + std::to_string(n_in) + " input and " + std::to_string(n_out) +
           " output slot(s) for the kernel, got " + std::to_string(d.slots.size()) + " slot(s)");
  std::vector<std::string> roles;
  std::vector<bool> writes;
  for (int i = 0; i < n_in + n_out; ++i) {
    const bool out = i >= n_in;
    roles.push_back(out ? "out" + std::to_string(i - n_in) : "in" + std::to_string(i));
    writes.push_back(out);
    const Slot& s = d.slot(size_t(i));
    const DType want = out ? k->out_dtypes()[size_t(i - n_in)] : k->in_dtypes()[size_t(i)];
    const Shape& shape = out ? k->out_shape() : k->in_shapes()[size_t(i)];
    d.dtype_is(size_t(i), roles.back().c_str(), want);
    int64_t n = 1;
    for (int64_t e : shape) n *= e;
    if (s.size != n)
      d.fail(d.name(size_t(i), roles.back().c_str()) + " has shape " + shape_str(s.shape) +
             ", expected the kernel's " + shape_str(shape) + " (or as many elements)");
  }
  // Outputs: distinct from each other; an input they overlap must be the very same
  // memory (the in-place case the kernel supports).
  for (int j = n_in; j < n_in + n_out; ++j) {
    for (int i = 0; i < j; ++i) {
      const Slot &a = d.slot(size_t(i)), &b = d.slot(size_t(j));
      if (!overlap(a, b)) continue;
      if (i < n_in && same_memory(a, b) && a.size == b.size) continue;
      d.fail(d.name(size_t(j), roles[size_t(j)].c_str()) + " overlaps " +
             d.name(size_t(i), roles[size_t(i)].c_str()) +
             (i < n_in ? " without being exactly that input" : ""));
    }
  }
  auto f = std::make_unique<Fused>();
  f->kernel = k;
  f->n_in = n_in;
  // One line: the kernel's own multi-line text, joined.
  std::string text = k->describe();
  for (char& c : text)
    if (c == '\n') c = ';';
  d.describe_into(*f, roles, writes, text);
  return f;
}

#else  // the fused kernel is not part of this build

std::unique_ptr<Instr> make_fused(const Decl& d) {
  d.fail("fused kernels are not available in this build (kernels/fused.h is missing)");
}

#endif

}  // namespace lamina::runtime
