// Executors of the stages that are not a fused kernel (plan.h, StageKind): Scan (cumulative
// sums/products across chunks, Dask's cumreduction) and Select (per-lane median/quantiles).
// One task = one chunk of the stage's grid, row-major, as for kernel stages.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/plan.h"

namespace tessera::detail {

// Number of tasks of a Scan/Select stage (0 when the stage is empty).
int64_t specialTaskCount(const Stage& st);

// Runs task `task` of a Scan or Select stage (validated).
void runSpecialTask(const Stage& st, const std::vector<BufferRef>& buffers, int64_t task);

}  // namespace tessera::detail
