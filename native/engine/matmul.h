// The matmul stage (StageKind::Matmul, plan.h): one task per output chunk of [batch..., M, N];
// each task runs the packed GEMM (kernels/gemm.h) on the calling pool thread for every batch
// index of its chunk, over the whole contracted axis. The GEMM's k blocking is fixed from p = 0,
// so each output element is accumulated in the same order for any output chunking and any thread
// count (the lowering may cut output chunks finer for parallelism without changing a bit).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/plan.h"
#include "engine/stage_prep.h"

namespace tessera::detail {

// Fills the grid part of p (cstart, nchunks, ntasks) and the operand / output pointers.
void prepareMatmulStage(const Stage& st, const std::vector<BufferRef>& buffers, StagePrep& p);

// Computes output chunk `task` (row-major chunk index) of a prepared matmul stage.
void runMatmulChunk(const StagePrep& p, int64_t task);

}  // namespace tessera::detail
