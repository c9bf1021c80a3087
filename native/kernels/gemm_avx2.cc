// GEMM kernels compiled for the avx2 instruction set (flags: native/sources.json "isaFlags").
#define TESSERA_GEMM_NS gemm_avx2
#define TESSERA_GEMM_ISA "avx2"
#include "kernels/gemm_impl.h"

namespace tessera::gemm {
const Table& avx2Table() { return gemm_avx2::kTable; }
}  // namespace tessera::gemm
