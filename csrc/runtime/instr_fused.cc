// `fused`: a fused elementwise kernel (kernels/fused.h). Not available yet: the
// fused kernel lands separately; until then programs use `callback` for it.
#include "runtime/program.h"

namespace lamina::runtime {

std::unique_ptr<Instr> make_fused(const Decl& d) {
  d.fail("fused kernels are not available in this build");
}

}  // namespace lamina::runtime
