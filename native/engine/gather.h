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

}  // namespace tessera::detail
