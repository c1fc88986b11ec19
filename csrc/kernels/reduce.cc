#include "common.h"

namespace lamina {

void bind_reduce(nb::module_& m) { (void)m; }

}  // namespace lamina
