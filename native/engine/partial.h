// One reduction partial: what a run of elements, a task or a chunk contributes to one output
// element before the partials are combined (reduce.h) and finalized. Internal to the executor.
#pragma once

#include <cstdint>

namespace tessera::detail {

// Sum/Min/Max/Mean keep one running `value` (for Mean the raw sum). Prod keeps a scaled product
// value * 2^exp with |value| in [0.5, 1) (or 0/inf/NaN), so partial products never overflow or
// underflow: a 0 and a product past DBL_MAX give 0 as NumPy's sequential loop does, not 0*inf.
// Var/Std keep Chan's triple (count, mean, m2) with the mean as a double-double (mean + meanLo),
// so combining chunks of offset data (1e8 + small) keeps NumPy two-pass accuracy.
struct Partial {
  union {
    double value;  // Sum, Prod (mantissa), Min, Max, Mean
    double count;  // Var, Std: elements seen
    int64_t ival;  // integer reductions (reduce.h intReduction): the value's 64-bit pattern
  };
  double mean;  // Var, Std
  double m2;    // Var, Std: sum of squared deviations from mean + meanLo
  union {
    double meanLo;  // Var, Std, NanVar, NanStd: the rounding error of mean
    double exp;     // Prod, NanProd: binary exponent (an integer)
    double n;       // NanMean, NanMin, NanMax: non-NaN elements seen
    int64_t ival2;  // integer Ptp: the minimum
  };
  // Ptp: value = max, mean = min. Any/All/CountNonzero/NanSum: value. ArgMin/ArgMax: value and
  // its index (in `mean`) over the reduced axes, row-major.
};

}  // namespace tessera::detail
