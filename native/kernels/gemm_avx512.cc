// GEMM kernels compiled for the avx512 instruction set (flags: native/sources.json "isaFlags").
#define TESSERA_GEMM_NS gemm_avx512
#define TESSERA_GEMM_ISA "avx512"
#include "kernels/gemm_impl.h"

namespace tessera::gemm {
const Table& avx512Table() { return gemm_avx512::kTable; }
}  // namespace tessera::gemm
