// The extension module `lamina._core`: one registration call per kernel family.
#define LAMINA_IMPORT_ARRAY
#include "common.h"

#include <cblas.h>
#include <nanobind/stl/string.h>

NB_MODULE(_core, m) {
  if (_import_array() < 0) throw nb::python_error();
  m.doc() = "lamina's native compute core";
  lamina::bind_elementwise(m);
  lamina::bind_copy(m);
  lamina::bind_matmul(m);
  lamina::bind_reduce(m);
  lamina::bind_softmax(m);
  lamina::bind_index(m);
  lamina::bind_random(m);
  lamina::bind_qr(m);
  lamina::bind_optimizer(m);
  lamina::bind_image(m);
  lamina::bind_conv(m);
  lamina::bind_pooling(m);
  lamina::bind_fused(m);
  lamina::bind_runtime(m);
  m.def("blas_config", []() { return std::string(scipy_openblas_get_config()); },
        "The OpenBLAS build lamina's matmul calls into.");
  m.def("set_blas_threads", [](int n) { scipy_openblas_set_num_threads(n); },
        "OpenBLAS's own thread count (1 from import: lamina splits large products over its "
        "OpenMP threads, whose number OMP_NUM_THREADS sets). For experiments.");
}
