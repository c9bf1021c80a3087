// Block kernels compiled for the avx2 instruction set (flags: native/sources.json "isaFlags").
#define TESSERA_ISA_NS isa_avx2
#define TESSERA_ISA_NAME "avx2"
#include "kernels/kernels_impl.h"

namespace tessera::kernels {
const Table& avx2Table() { return isa_avx2::kTable; }
}  // namespace tessera::kernels
