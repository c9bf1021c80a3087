// Block kernels compiled for the baseline instruction set (flags: native/sources.json "isaFlags").
#define TESSERA_ISA_NS isa_baseline
#define TESSERA_ISA_NAME "baseline"
#include "kernels/kernels_impl.h"

namespace tessera::kernels {
const Table& baselineTable() { return isa_baseline::kTable; }
}  // namespace tessera::kernels
