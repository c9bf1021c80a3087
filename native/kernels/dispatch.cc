// Runtime choice of the kernel table. Compiled WITHOUT any -m flags: it must run on any x86-64.
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <atomic>

#include "kernels/kernels.h"

namespace tessera::kernels {
namespace {

enum class Isa { Baseline = 0, Avx2 = 1, Avx512 = 2 };

bool supports(Isa isa) {
#if defined(__x86_64__) || defined(__i386__)
  switch (isa) {
    case Isa::Baseline:
      return true;
    case Isa::Avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::Avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
             // the AVX-512 objects are also built with -mavx2 -mfma
             __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }
  return false;
#else
  return isa == Isa::Baseline;
#endif
}

bool parse(const char* name, Isa* out) {
  if (!name) return false;
  if (!std::strcmp(name, "baseline")) *out = Isa::Baseline;
  else if (!std::strcmp(name, "avx2")) *out = Isa::Avx2;
  else if (!std::strcmp(name, "avx512")) *out = Isa::Avx512;
  else return false;
  return true;
}

const Table* tableFor(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return &avx512Table();
    case Isa::Avx2: return &avx2Table();
    case Isa::Baseline: break;
  }
  return &baselineTable();
}

Isa best() {
  if (supports(Isa::Avx512)) return Isa::Avx512;
  if (supports(Isa::Avx2)) return Isa::Avx2;
  return Isa::Baseline;
}

std::atomic<const Table*> g_active{nullptr};
std::once_flag g_once;

// First use: TESSERA_ISA if set, known and supported by this CPU; otherwise (unset, unknown
// value, or an instruction set the CPU lacks) the best the CPU supports. Falling back instead of
// failing keeps a misconfigured environment working at full speed; tests that need a specific
// path check active().isa.
void init() {
  Isa isa = best();
  Isa wanted;
  if (parse(std::getenv("TESSERA_ISA"), &wanted) && supports(wanted)) isa = wanted;
  g_active.store(tableFor(isa), std::memory_order_release);
}

}  // namespace

const Table& active() {
  const Table* t = g_active.load(std::memory_order_acquire);
  if (t) return *t;
  std::call_once(g_once, init);
  return *g_active.load(std::memory_order_acquire);
}

bool select(const char* isa) {
  Isa wanted;
  if (!parse(isa, &wanted) || !supports(wanted)) return false;
  std::call_once(g_once, init);
  g_active.store(tableFor(wanted), std::memory_order_release);
  return true;
}

bool cpuSupports(const char* isa) {
  Isa wanted;
  return parse(isa, &wanted) && supports(wanted);
}

}  // namespace tessera::kernels
