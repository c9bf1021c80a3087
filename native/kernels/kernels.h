// Block kernels: the hot loops of the VM, compiled once per instruction set and chosen at load.
// kernels_impl.h holds the one generic implementation; kernels_{baseline,avx2,avx512}.cc include it
// with different target flags (see native/sources.json); dispatch.cc picks a table with
// __builtin_cpu_supports, overridable with TESSERA_ISA=baseline|avx2|avx512.
// Every function takes n <= a few thousand (one VM block); out may alias an input.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/ops.generated.h"

namespace tessera::kernels {

using Unary = void (*)(const double* x, double* out, size_t n);
using Binary = void (*)(const double* x, const double* y, double* out, size_t n);
using BinaryScalarRight = void (*)(const double* x, double s, double* out, size_t n);  // x op s
using BinaryScalarLeft = void (*)(double s, const double* y, double* out, size_t n);   // s op y
// out[j] = value(start + j * step); step may be 0 or negative.
using RandomFill = void (*)(uint64_t key, int64_t start, int64_t step, double* out, size_t n);
using Reduce = double (*)(const double* x, size_t n);
// The index of the first maximum (minimum) of x[0, n), n >= 1; a NaN is the extreme (NumPy's
// argmax/argmin: the first NaN wins).
using ArgReduce = size_t (*)(const double* x, size_t n);
// The sum of n integers of one dtype as 64-bit two's complement (wrapping; unsigned dtypes
// zero-extended, signed ones sign-extended).
using IntSum = uint64_t (*)(const void* x, size_t n);

struct BinaryKernels {
  Binary vv;
  BinaryScalarRight vs;
  BinaryScalarLeft sv;
};

// Typed loops (typed registers): one per (op, signature) row of the table, over raw register
// memory whose element types the loop's signature gives. vs/sv take the scalar operand as a
// pointer to one element of its dtype. Out may alias an input of the same element size.
using UnaryT = void (*)(const void* x, void* out, size_t n);
using BinaryT = void (*)(const void* x, const void* y, void* out, size_t n);
using BinaryVsT = void (*)(const void* x, const void* s, void* out, size_t n);
using BinarySvT = void (*)(const void* s, const void* y, void* out, size_t n);
struct Loop {
  UnaryT u = nullptr;
  BinaryT vv = nullptr;
  BinaryVsT vs = nullptr;
  BinarySvT sv = nullptr;
};
// out = NumPy astype of x (dtype codes from, to); out must not alias a narrower x.
using CastT = void (*)(const void* x, void* out, size_t n);
// where's merge form over elements of one size: out[i] = c[i] ? x[i] : out[i] (c is bool bytes).
using WhereT = void (*)(const uint8_t* c, const void* x, void* out, size_t n);
using WhereScalarT = void (*)(const uint8_t* c, const void* s, void* out, size_t n);

struct Table {
  const char* isa;  // "baseline" | "avx2" | "avx512"
  // One member per operation of the table (ops.json "kernel"): Unary neg, abs, ...; BinaryKernels
  // add, sub, ... (max/min propagate NaN like numpy.maximum). kernels_impl.h fills them with
  // k_<kernel> (unary) and k_<kernel>_vv/_vs/_sv (binary).
#define TESSERA_X(cname, kernel) Unary kernel;
  TESSERA_UNARY_OPS(TESSERA_X)
#undef TESSERA_X
#define TESSERA_X(cname, kernel) BinaryKernels kernel;
  TESSERA_BINARY_OPS(TESSERA_X)
#undef TESSERA_X
  // Counter-based random numbers (docs/random.md): bits(key, i) = mix64(key + (i + 1) * GAMMA).
  RandomFill uniform64;  // (bits >> 11) * 2^-53
  // ((half i&1 of bits(key, i >> 1)) >> 8) * 2^-24: exactly a float32 value; one hash gives two
  // consecutive elements (the low 32 bits for even i, the high for odd i)
  RandomFill uniform32;
  RandomFill normal64;   // Box-Muller, see docs/random.md
  // uniform32's values written as float32 (a float32 register)
  void (*uniform32f)(uint64_t key, int64_t start, int64_t step, float* out, size_t n);
  // Reductions over one block: deterministic for a given n (pairwise / fixed lane order), and
  // bit-identical across ISAs. (The reduction min/max are named reduceMin/reduceMax because the
  // element-wise `min`/`max` members above already take those names: the first version of this
  // header declared both and did not compile.)
  Reduce sum, prod, reduceMin, reduceMax;
  ArgReduce argMax, argMin;  // exact, so the same on every ISA
  IntSum sumInt[16];         // by dtype code: the integer dtypes (bool and floats: nullptr)
  // The typed loops, by row of TESSERA_LOOP_ROWS (where's rows are empty: see whereBySize).
  Loop loops[kNumLoops];
  CastT cast[16][16];           // [from dtype code][to dtype code]
  WhereT whereBySize[4];        // by log2 of the element size
  WhereScalarT whereScalarBySize[4];
};

// mix64 is the SplitMix64 finalizer; randomKey(seed) = mix64(seed ^ 0x5851F42D4C957F2D).
constexpr uint64_t kGamma = 0x9E3779B97F4A7C15ULL;
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
inline uint64_t randomKey(uint64_t seed) { return mix64(seed ^ 0x5851F42D4C957F2DULL); }
// Second, independent stream for the Box-Muller angle.
inline uint64_t normalAngleKey(uint64_t key) { return mix64(key ^ 0xD1B54A32D192ED03ULL); }

const Table& baselineTable();
const Table& avx2Table();
const Table& avx512Table();

// The table in use. Chosen once (first call): TESSERA_ISA if set and supported by the CPU,
// otherwise the best the CPU supports. select() switches explicitly and returns false (leaving the
// choice unchanged) when the CPU lacks the instruction set or the name is unknown.
const Table& active();
bool select(const char* isa);
bool cpuSupports(const char* isa);

}  // namespace tessera::kernels
