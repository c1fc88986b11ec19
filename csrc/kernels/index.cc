#include "common.h"

namespace lamina {

void bind_index(nb::module_& m) { (void)m; }

}  // namespace lamina
