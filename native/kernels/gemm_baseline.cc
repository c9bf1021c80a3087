// GEMM kernels compiled for the baseline instruction set (flags: native/sources.json "isaFlags").
#define TESSERA_GEMM_NS gemm_baseline
#define TESSERA_GEMM_ISA "baseline"
#include "kernels/gemm_impl.h"

namespace tessera::gemm {
const Table& baselineTable() { return gemm_baseline::kTable; }
}  // namespace tessera::gemm
