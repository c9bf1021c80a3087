// The one generic implementation of the block kernels (kernels.h). Included by
// kernels_{baseline,avx2,avx512}.cc, each of which defines TESSERA_ISA_NS (a per-ISA namespace
// name) and TESSERA_ISA_NAME before including this file, and is compiled with its own -m flags
// (native/sources.json "isaFlags"; the AVX files also get -ffp-contract=off so that no a*b+c is
// silently fused: every FMA below is explicit).
//
// ODR safety: EVERYTHING here lives in the per-ISA namespace (and is `static`), so no symbol is
// shared between objects compiled with different -m flags. (An inline function shared by name
// could be merged by the linker into its AVX copy and then run on a baseline CPU.) For the same
// reason this file calls no inline library helpers (std::isnan, std::numeric_limits, ...): only
// compiler builtins, intrinsics (never emitted out of line) and extern libm functions.
//
// Structure: the code is written once with GCC vector extensions over the native vector width
// (SSE2: 2 doubles, AVX2: 4, AVX-512: 8); a few hot pieces have AVX-512 intrinsics (the table
// exp with vpermt2pd + vscalefpd, int64 -> double conversion). log/sin/cos use only IEEE
// +,-,*,/ in a fixed order (fdlibm's algorithms), so they are bit-identical across ISAs; exp is
// bit-identical between baseline and AVX2 (same tableless algorithm) and within ~1 ulp on AVX-512.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/float_to_int.h"
#include "kernels/kernels.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512VL__) && defined(__AVX512BW__)
#include <immintrin.h>
#define TESSERA_V512 1
#define TESSERA_VBYTES 64
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define TESSERA_V256 1
#define TESSERA_VBYTES 32
#elif defined(__SSE2__)
#include <emmintrin.h>
#define TESSERA_V128 1
#define TESSERA_VBYTES 16
#else
#define TESSERA_VBYTES 16
#endif

#ifndef TESSERA_ISA_NS
#error "define TESSERA_ISA_NS before including kernels_impl.h"
#endif

namespace tessera::kernels::TESSERA_ISA_NS {
namespace {  // internal linkage for everything, including member functions of helper structs

// The parts, in dependency order, textually inside this namespace (so every ISA gets its own copy).
#include "kernels/kernels_vec.h"
#include "kernels/kernels_math.h"
#include "kernels/kernels_elementwise.h"
#include "kernels/kernels_ufuncs.h"
#include "kernels/kernels_fill_reduce.h"
#include "kernels/kernels_typed.h"

template <int... Codes>
static constexpr void fillIntSums(Table& t) {
  ((t.sumInt[Codes] = r_sumInt<CTt<Codes>>), ...);
}

// The table, one entry per kernel of the operation table (X-macros from ops.json) plus the
// random fills and block reductions. constexpr: constant-initialized, no dynamic init per ISA.
constexpr Table makeTable() {
  Table t{};
  t.isa = TESSERA_ISA_NAME;
#define TESSERA_X(cname, kernel) t.kernel = k_##kernel;
  TESSERA_UNARY_OPS(TESSERA_X)
#undef TESSERA_X
#define TESSERA_X(cname, kernel) t.kernel = {k_##kernel##_vv, k_##kernel##_vs, k_##kernel##_sv};
  TESSERA_BINARY_OPS(TESSERA_X)
#undef TESSERA_X
  t.uniform64 = k_uniform64;
  t.uniform32 = k_uniform32;
  t.normal64 = k_normal64;
  t.sum = r_sum;
  t.prod = r_prod;
  t.reduceMin = r_min;
  t.reduceMax = r_max;
  t.argMax = r_argExt<true>;
  t.argMin = r_argExt<false>;
  fillIntSums<3, 4, 5, 6, 7, 8, 9, 10>(t);  // int8 ... uint64 (kernels_typed.h CT)
  fillTypedLoops(t);
  return t;
}
constexpr Table kTable = makeTable();

}  // namespace
}  // namespace tessera::kernels::TESSERA_ISA_NS
