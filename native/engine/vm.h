// The register VM (numexpr-style): per block of <= kBlock elements, each Load fills its register
// piece by piece from its leaf (fillLeaf: arange, random, memory; a contiguous run of memory is
// read in place instead, see VMState::view), every other instruction runs its kernel over whole
// registers (dispatch built from the operation table), and the result register goes to the sink:
// stored elementwise (the last instruction writing straight into the sink's memory when the
// pieces are long), or reduced (reduce.h).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "engine/box.h"
#include "engine/executor.h"
#include "engine/pool.h"
#include "engine/reduce.h"
#include "engine/stage_prep.h"

namespace tessera::detail {

struct AlignedFree {
  void operator()(double* p) const { std::free(p); }
};
using AlignedDoubles = std::unique_ptr<double, AlignedFree>;
inline AlignedDoubles allocAligned(size_t n) {
  size_t bytes = (n * sizeof(double) + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, bytes);
  if (!p) throw std::bad_alloc();
  return AlignedDoubles(static_cast<double*>(p));
}

// Per-thread VM state, allocated once per worker thread (grown, never per task).
struct VMState : ThreadState {
  AlignedDoubles regs = allocAligned(static_cast<size_t>(kMaxRegisters) * kBlock);
  AlignedDoubles tmp = allocAligned(kBlock);
  AlignedDoubles wide = allocAligned(kBlock);  // a non-float64 result widened for a float reduction
  // Register r: kBlock elements of whatever dtype the instruction writing it computes (typing.h).
  double* reg(int r) { return regs.get() + static_cast<int64_t>(r) * kBlock; }
  // Register r read in place from a memory leaf (vm.cc leafInPlace), or nullptr: its own storage.
  // Set by every Load, cleared by every other instruction that writes r.
  const void* view[kMaxRegisters] = {};
  const void* read(int r) { return view[r] ? view[r] : reg(r); }
  std::vector<int64_t> pieceOff = std::vector<int64_t>(kBlock);
  std::vector<int64_t> pieceLen = std::vector<int64_t>(kBlock);
  std::vector<int64_t> pieceBase;  // kBlock * nstreams
  std::vector<int64_t> rowBase, inner, prefetch;
  Box box, sub;
  // per leaf of the running task: where its Compress scan stands (reset by runChunk)
  std::vector<CompressCursor> cursors;
  // per leaf of the running task: the part a concat leaf reads (box.cc), and the task's stream
  // offsets and strides with each concat stream's part map in place of the stage's
  std::vector<int> leafPart;
  std::vector<int64_t> sOff, sStr;
  // per leaf while box.cc stages a column-strided memory leaf of a reduction: the staging buffer
  // its stream addresses instead of the leaf's memory (null: the leaf's own memory)
  std::vector<const char*> leafData;
  std::vector<uint64_t> stage;  // box.cc's staging buffers (8-byte elements)
  const char* dataOf(const LeafPrep& l, int leaf) const {
    const char* d = leafData.empty() ? nullptr : leafData[static_cast<size_t>(leaf)];
    return d ? d : l.data;
  }
};

// Runs the stage's program over the current block (n elements in np pieces, described in vm) and
// sends the result register to the sink; reductions accumulate into acc.
void runBlock(StagePrep& p, VMState& vm, int64_t n, int np, Accum& acc, int64_t redChunk);

}  // namespace tessera::detail
