// Block kernels compiled for the avx512 instruction set (flags: native/sources.json "isaFlags").
#define TESSERA_ISA_NS isa_avx512
#define TESSERA_ISA_NAME "avx512"
#include "kernels/kernels_impl.h"

namespace tessera::kernels {
const Table& avx512Table() { return isa_avx512::kTable; }
}  // namespace tessera::kernels
