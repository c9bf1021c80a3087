#include "engine/reduce.h"

#include <vector>

namespace tessera::detail {
namespace {

// The fixed binary tree over the chunk index: split at lo + (hi - lo) / 2.
Partial treeCombine(const StagePrep& p, const Partial* slots, int64_t lo, int64_t hi) {
  if (hi - lo == 1) return slots[lo];
  const int64_t mid = lo + (hi - lo) / 2;
  return combine(p, treeCombine(p, slots, lo, mid), treeCombine(p, slots, mid, hi));
}

}  // namespace

void finishReduction(const Job& job, StagePrep& p) {
  if (!p.reduce || p.keptCount == 0) return;
  if (p.count > 0 && p.singleReduceChunk) return;
  const Stage& st = *p.st;
  const int nd = p.nd;
  // odometer over the kept axes, row-major, tracking the output address
  int kept[kMaxDims];
  int nk = 0;
  for (int k = 0; k < nd; ++k)
    if (st.sink.reduceAxes.empty() || !st.sink.reduceAxes[static_cast<size_t>(k)]) kept[nk++] = k;
  int64_t ci[kMaxDims] = {0};
  int64_t addr = st.sink.offset;
  Partial empty{};
  switch (p.op) {
    case ReduceOp::Prod:
    case ReduceOp::NanProd:
    case ReduceOp::All: empty.value = 1; break;
    case ReduceOp::Min:
    case ReduceOp::Max:
    case ReduceOp::NanMin:
    case ReduceOp::NanMax: empty.value = std::numeric_limits<double>::quiet_NaN(); break;
    default: break;
  }
  if (p.intRed) {
    empty = Partial{};
    if (p.op == ReduceOp::Prod || p.op == ReduceOp::NanProd || p.op == ReduceOp::All) empty.ival = 1;
  }
  for (int64_t K = 0; K < p.keptCount; ++K) {
    if ((K & 1023) == 0 && job.cancelled()) return;
    Partial r = empty;
    if (p.count > 0) {
      // fixed binary tree over the chunk index: recursive halves, iteratively bottom-up in a
      // way that equals the recursive definition (split at lo + (hi - lo) / 2)
      const Partial* slots = p.partials.data() + K * p.nRed;
      r = treeCombine(p, slots, 0, p.nRed);
    }
    emit(p, addr, r);
    for (int q = nk - 1; q >= 0; --q) {
      const int k = kept[q];
      ++ci[q];
      addr += st.sink.strides[static_cast<size_t>(k)];
      if (ci[q] < st.shape[static_cast<size_t>(k)]) break;
      addr -= ci[q] * st.sink.strides[static_cast<size_t>(k)];
      ci[q] = 0;
    }
  }
  std::vector<Partial>().swap(p.partials);
}

}  // namespace tessera::detail
