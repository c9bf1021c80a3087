// The Concat leaf (LeafKind::Concat): a kernel stage reads a concatenation where its sources lie,
// as Dask's concatenate re-indexes its inputs' chunks instead of copying them. Along one stage axis
// the leaf is cut into parts, each an ordinary leaf (arange, random or memory) valid over its own
// part only; every chunk of the stage along that axis lies inside one part, so a task picks its
// part once and reads it exactly as a plain leaf (addresses, tiling, pieces unchanged).
//
// Leaf fields: a = the stage axis; b = the index of a float64 table
//     [nparts, then per part: lo, hi, kind, dtype, offset, a, b, seed, buffer, strides (one per
//      stage axis)]
// where [lo, hi) is the part's range of the axis (the parts tile it in order) and the rest is the
// part's leaf, addressed in the stage's own coordinates. The leaf's dtype is every part's; its own
// offset and strides are 0.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/plan.h"

namespace tessera::detail {

struct ConcatPart {
  int64_t lo = 0, hi = 0;
  Leaf leaf;
};

// The parts of a validated Concat leaf of a stage with nd axes (read from its table).
std::vector<ConcatPart> concatParts(const Leaf& lf, const std::vector<BufferRef>& buffers, size_t nd);

// The part holding coordinate c of the axis (parts tile it in order).
int concatPartAt(const std::vector<int64_t>& partLo, int64_t c);

// validate.cc's check of a Concat leaf of a kernel stage (lp: the leaf's path); each part is held
// to a plain leaf's checks over its own region of the stage.
void validateConcatLeaf(const Plan& plan, const Stage& st, const Leaf& lf, const std::string& lp, bool empty);

}  // namespace tessera::detail
