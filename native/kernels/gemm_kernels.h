// Internal: the per-ISA GEMM tile functions (gemm_impl.h) behind gemm.h's driver (gemm.cc).
#pragma once

#include <cstdint>

#include "kernels/gemm.h"

namespace tessera::gemm {

// Computes the tile [i0, i1) x [j0, j1) of C over the whole k range. The driver passes args with
// rsc == 1 (C column-contiguous) whenever either C stride is 1, m, n, k > 0, and tile bounds that
// are multiples of mr / nr (except at the ends), so edge micro-tiles fall where they would with
// one thread.
template <typename T>
using TileFn = void (*)(const Args<T>& g, int64_t i0, int64_t i1, int64_t j0, int64_t j1);

struct Table {
  const char* isa;
  TileFn<double> dtile;
  TileFn<float> stile;
  int dmr, dnr, smr, snr;  // micro-tile shapes
};

const Table& baselineTable();
const Table& avx2Table();
const Table& avx512Table();

}  // namespace tessera::gemm
