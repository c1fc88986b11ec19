#include "kernels/broadcast.h"

namespace lamina {

BroadcastPlan make_broadcast_plan(const std::vector<const View*>& ins, const char* op) {
  BroadcastPlan p;
  const int K = (int)ins.size();
  int nd = 0;
  for (const View* v : ins) nd = std::max(nd, v->ndim());
  p.out_shape.assign(nd, 1);
  for (const View* v : ins) {
    const int off = nd - v->ndim();
    for (int i = 0; i < v->ndim(); ++i) {
      const int64_t d = v->shape[i];
      int64_t& o = p.out_shape[off + i];
      if (d == o || d == 1) continue;
      if (o == 1) { o = d; continue; }
      std::string msg = std::string(op) + ": operands could not be broadcast together with shapes";
      for (int k = 0; k < K; ++k)
        msg += std::string(k ? " and " : " ") + shape_str(ins[k]->shape) + " (" +
               dtype_name(ins[k]->dtype) + ")";
      fail_value(msg);
    }
  }
  for (int64_t d : p.out_shape) p.total *= d;
  // Full strides per input, 0 along broadcast axes.
  std::vector<std::vector<int64_t>> st(K, std::vector<int64_t>(nd, 0));
  for (int k = 0; k < K; ++k) {
    const View* v = ins[k];
    const int off = nd - v->ndim();
    int64_t s = 1;
    for (int i = v->ndim() - 1; i >= 0; --i) {
      st[k][off + i] = v->shape[i] == 1 ? 0 : s;
      s *= v->shape[i];
    }
  }
  // Merge axis a into a+1 when every input's layout is continuous across them.
  std::vector<int64_t> dims;
  std::vector<std::vector<int64_t>> ms(K);
  for (int a = 0; a < nd; ++a) {
    if (p.out_shape[a] == 1 && nd > 1) continue;  // size-1 axes carry no iteration
    if (!dims.empty()) {
      bool merge = true;
      for (int k = 0; k < K && merge; ++k)
        merge = ms[k].back() == st[k][a] * p.out_shape[a];
      if (merge) {
        dims.back() *= p.out_shape[a];
        for (int k = 0; k < K; ++k) ms[k].back() = st[k][a];
        continue;
      }
    }
    dims.push_back(p.out_shape[a]);
    for (int k = 0; k < K; ++k) ms[k].push_back(st[k][a]);
  }
  if (dims.empty()) {  // 0-d or all-ones output
    dims.push_back(1);
    for (int k = 0; k < K; ++k) ms[k].push_back(0);
  }
  p.nd = (int)dims.size();
  p.dims = dims;
  p.strides = ms;
  return p;
}

}  // namespace lamina
