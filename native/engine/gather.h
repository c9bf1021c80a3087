// Executors of the gather stages (plan.h, StageKind): Take (np.take along one axis, one task per
// output chunk) and Compress (boolean-mask compaction of a 1-d input, Dask's x[mask]: per-chunk
// counts in one pass, then each chunk copies its selected elements to its known output offset).
// Neither has a program; both copy elements of any dtype unchanged (the sink's dtype is the
// data's), so they need no change when registers become typed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/plan.h"

namespace tessera::detail {

inline bool isGatherStage(StageKind k) { return k == StageKind::Take || k == StageKind::Compress; }

// Tasks of a Take/Compress stage (0 when it is empty).
int64_t gatherTaskCount(const Stage& st);

// Runs task `task` of a validated Take or Compress stage. Throws std::range_error for an index
// out of bounds (a lazy index array is only known here) and std::runtime_error when a chunk's
// selected count differs from the offsets the plan was built with (its data changed since).
void runGatherTask(const Stage& st, const std::vector<BufferRef>& buffers, int64_t task);

// The validator's part for these stages (sp: the stage's path, e.g. "stages[2]").
void validateGatherStage(const Plan& plan, const Stage& st, const std::string& sp, bool empty);

// The Take leaf (LeafKind::Take): a kernel stage reads an np.take result where its rows lie, with
// no gathered buffer, so `x.take(idx, { axis }).sum()` or `.mul(2)` moves each row once. Element
// q of the leaf is element q of the row-major take output of shape [outer, m, inner] (the axes
// before the take axis, the m indices, the axes after it), read from the contiguous source of
// shape [outer, n, inner] at row idx[r]. Leaf fields: buffer = the source (the leaf's dtype);
// a = the index buffer's index (m elements of any dtype, integer values in [-n, n), negative from
// the end as np.take); b = the index of a float64 table [axis, outer, m, n, inner, index dtype
// code] (axis only names the axis in errors). offset/strides address the output positions
// 0..outer*m*inner-1 as a memory leaf addresses its buffer. The index buffer may be written by an
// earlier stage of the same plan, so indices are read and checked as rows are copied: a forward
// walk copies each row's run with one memcpy; an index out of range is a std::range_error.
struct TakeLeaf {
  const char* data = nullptr;
  const char* index = nullptr;
  DType indexType = DType::F64;
  int axis = 0;
  int64_t outer = 0, m = 0, n = 0, inner = 0;
};

// The prepared leaf (a validated Take leaf of a kernel stage; the table is read now).
TakeLeaf prepareTakeLeaf(const Leaf& lf, const std::vector<BufferRef>& buffers);

// Fills out[0..count) with take-output elements q0, q0 + step, ... (element size esize).
void fillTake(const TakeLeaf& t, size_t esize, int64_t q0, int64_t step, int64_t count, void* out);

// validate.cc's check of a Take leaf of a kernel stage (lp: the leaf's path).
void validateTakeLeaf(const Plan& plan, const Stage& st, const Leaf& lf, const std::string& lp, bool empty);

}  // namespace tessera::detail
