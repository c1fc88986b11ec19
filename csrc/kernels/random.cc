#include "common.h"

namespace lamina {

void bind_random(nb::module_& m) { (void)m; }

}  // namespace lamina
