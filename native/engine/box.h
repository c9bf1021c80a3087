// Box geometry and tiling. A task's chunk becomes a Box: extents plus, per stream, a base and
// strides, with axes in iteration order (kept axes outer / reduced axes inner for partial
// reductions), extent-1 axes dropped and contiguous axes merged. A box read "transposed" (a
// memory leaf or store target with a large inner and small outer stride) is walked in square
// tiles of the last two axes (TESSERA_TILE, default 64) — for a reduction only when the task's box
// has one output element, decided per box so a one-chunk sub-stage iterates as the full stage
// does for that chunk. The walk hands blocks of <= kBlock elements (pieces along the inner axis)
// to the VM (vm.h).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/plan.h"
#include "engine/pool.h"

namespace tessera::detail {

constexpr int kMaxBoxDims = static_cast<int>(kMaxDims) + 2;

// A box to walk: extents plus, per stream, a base and strides (stride[s * kMaxBoxDims + k]).
struct Box {
  int nd = 0;
  int64_t ext[kMaxBoxDims];
  std::vector<int64_t> base;
  std::vector<int64_t> stride;
  void resize(int nstreams) {
    base.resize(static_cast<size_t>(nstreams));
    stride.resize(static_cast<size_t>(nstreams) * kMaxBoxDims);
  }
  int64_t& st(int s, int k) { return stride[static_cast<size_t>(s) * kMaxBoxDims + k]; }
  int64_t st(int s, int k) const { return stride[static_cast<size_t>(s) * kMaxBoxDims + k]; }
};

struct StagePrep;
struct VMState;

// Runs chunk `task` of the prepared stage: builds its box, tiles it if needed, walks it through
// the VM, and flushes the task's last reduction partial. Returns early once job.stopped().
void runChunk(const Job& job, StagePrep& p, VMState& vm, int64_t task);

}  // namespace tessera::detail
