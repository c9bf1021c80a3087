// A task's chunk of a stage's grid (the task index is row-major over st.chunks): per axis its
// chunk index, start and extent. For the stage kinds that walk whole chunks themselves (scan and
// select, take and compress) rather than through box.h's address streams.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/plan.h"

namespace tessera::detail {

struct ChunkBox {
  int64_t lin = 0;                 // the row-major chunk index (the task)
  std::vector<int64_t> lo, ext;    // per axis: start and extent
  std::vector<int64_t> chunkIdx;   // per axis: the chunk's index along it
};

inline ChunkBox chunkBoxOf(const Stage& st, int64_t task) {
  const size_t nd = st.shape.size();
  ChunkBox b;
  b.lin = task;
  b.lo.assign(nd, 0);
  b.ext.assign(nd, 0);
  b.chunkIdx.assign(nd, 0);
  for (size_t k = nd; k-- > 0;) {
    const auto& c = st.chunks[k];
    const int64_t n = static_cast<int64_t>(c.size());
    const int64_t j = task % n;
    task /= n;
    int64_t lo = 0;
    for (int64_t i = 0; i < j; ++i) lo += c[static_cast<size_t>(i)];
    b.lo[k] = lo;
    b.ext[k] = c[static_cast<size_t>(j)];
    b.chunkIdx[k] = j;
  }
  return b;
}

}  // namespace tessera::detail
